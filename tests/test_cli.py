"""The command line: help everywhere, one clear error for bad config, the offline commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.receiver import Receiver
from tests.conftest import ROOT, page_html, paragraphs

runner = CliRunner()


def all_commands() -> list[list[str]]:
    """Every command path, e.g. ['run'], ['db', 'migrate']."""
    paths: list[list[str]] = []

    def walk(cmd: object, prefix: list[str]) -> None:
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            for name, sub in cmd.commands.items():
                walk(sub, prefix + [name])
        else:
            paths.append(prefix)

    walk(typer_main_command(), [])
    return paths


def typer_main_command() -> object:
    import typer.main

    return typer.main.get_command(app)


def test_every_command_has_help_and_examples() -> None:
    commands = all_commands()
    assert ["run"] in commands and ["db", "migrate"] in commands and ["match"] in commands
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.output, f"`newsmon {' '.join(path)} --help` shows no example"
        cmd = typer_main_command()
        for part in path:
            cmd = cmd.commands[part]  # type: ignore[attr-defined]
        assert cmd.help and len(cmd.help) > 20, path


def test_bad_config_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    shutil.copytree(ROOT / "config", cfg)
    (cfg / "feeds.toml").write_text(
        "[[feed]]\nname = 'ok'\nurl = 'https://example.com/feed'\n"
        "[[feed]]\nname = 'bad'\nurl = 'htp://x'\n"
        "[[feed]]\nurl = 'https://example.com/feed'\n"
        "[[feed]]\nname = 'typo'\nurl = 'https://example.org/f'\nenabeld = true\n")
    (cfg / "settings.toml").write_text("[fetch]\ntimeout_s = 'soon'\nper_host_concurrency = 0\n")
    (cfg / "alerts.toml").write_text("[[channel]]\nname = 'chat'\nurl_env = 'NEWSMON_TEST_UNSET_VAR'\npolicy = 'loud'\n")
    result = runner.invoke(app, ["run", "--config", str(cfg)])
    assert result.exit_code == 2
    out = result.output
    assert "nothing was fetched" in out
    assert "feeds.toml: feed[1].url: 'htp://x' is not an http(s) URL" in out
    assert "feeds.toml: feed[2].url: 'https://example.com/feed' is already feed[0]" in out
    assert "feeds.toml: feed[3].enabeld: unknown key" in out
    assert "settings.toml: fetch.timeout_s: 'soon' is not a float" in out
    assert "settings.toml: fetch.per_host_concurrency: 0 must be >= 1" in out
    assert "alerts.toml: channel[0].url_env: environment variable NEWSMON_TEST_UNSET_VAR is not set" in out
    assert "alerts.toml: channel[0].policy: 'loud' is not 'immediate' or 'digest'" in out
    assert "Traceback" not in out


def test_broken_toml_and_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--config", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "config folder not found" in result.output
    cfg = tmp_path / "config"
    shutil.copytree(ROOT / "config", cfg)
    (cfg / "feeds.toml").write_text("[[feed]\nname = 'x'\n")
    result = runner.invoke(app, ["run", "--config", str(cfg)])
    assert result.exit_code == 2 and "feeds.toml: invalid TOML" in result.output


def test_extract_json(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(page_html("Harbour council passes budget", paragraphs(7), author="Ana Writer"))
    result = runner.invoke(app, ["extract", str(page), "--url", "https://fixture.example/a", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "Harbour council passes budget"
    assert data["author"] == "Ana Writer" and data["site"] == "Fixture Times" and data["language"] == "en"
    assert data["date"] == "2026-11-20" and data["text"].startswith(paragraphs(7)[0][:40])  # no headline
    assert "cookies" not in data["text"] and "Copyright" not in data["text"]
    missing = runner.invoke(app, ["extract", str(tmp_path / "nope.html")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_db_migrate_status_and_sql(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    result = runner.invoke(app, ["db", "migrate", "--db", str(db)])
    from pipeline.store import migrations

    assert result.exit_code == 0 and f"applied {len(migrations())} migration(s)" in result.output
    again = runner.invoke(app, ["db", "migrate", "--db", str(db)])
    assert "already up to date" in again.output
    status = runner.invoke(app, ["db", "status", "--db", str(db)])
    assert status.exit_code == 0 and "0001_core" in status.output and "article" in status.output
    out = runner.invoke(app, ["sql", "--db", str(db), "--format", "csv", "SELECT 1 AS one, 'x' AS two"])
    assert out.exit_code == 0 and out.output.splitlines() == ["one,two", "1,x"]
    bad = runner.invoke(app, ["sql", "--db", str(db), "SELECT * FROM no_such_table"])
    assert bad.exit_code == 1 and "query failed" in bad.output
    nodb = runner.invoke(app, ["sql", "--db", str(tmp_path / "none.duckdb"), "SELECT 1"])
    assert nodb.exit_code == 1 and "no such database" in nodb.output


def test_match_json_scores_files_without_a_database(tmp_path: Path) -> None:
    seed = ROOT / "config" / "baselines" / "000_b6ac7bf3ed839898.txt"
    plain = tmp_path / "weather.txt"
    plain.write_text("Storm brings snow\n\n" + "\n\n".join(paragraphs(9)))
    html = tmp_path / "seed.html"
    text = seed.read_text()
    html.write_text(page_html(text.splitlines()[0], [p for p in text.split("\n\n")[1:] if p.strip()]))
    result = runner.invoke(app, ["match", str(seed), str(plain), str(html), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [r["file"] for r in lines] == [str(seed), str(plain), str(html)]
    for r in lines:
        assert set(r["themes"]) == {"anti_us_alliance", "eurasian_security_architecture", "russia_unreliable_ally"}
        for v in r["themes"].values():
            assert set(v) - {"contested_by"} == {"score", "match", "passage", "baseline_passage"}
            assert 0 <= v["score"] <= 1
    assert lines[0]["themes"]["anti_us_alliance"]["match"] is True
    assert lines[2]["themes"]["anti_us_alliance"]["match"] is True
    assert not any(v["match"] for v in lines[1]["themes"].values())
    assert lines[0]["themes"]["anti_us_alliance"]["passage"] in text


def test_match_json_names_the_theme_that_contested_a_score(tmp_path: Path) -> None:
    """Round 16: an aside that would match on its own, inside an article that argues another
    theme strongly, is scaled down, and the JSON says by which theme (only where it decided)."""
    from tests.test_themes import ROUND16_ASIDE, ROUND16_BLOC

    mixed, aside = tmp_path / "mixed.txt", tmp_path / "aside.txt"
    mixed.write_text("Four capitals\n\n" + ROUND16_BLOC + "\n\n" + ROUND16_ASIDE)
    aside.write_text("June\n\n" + ROUND16_ASIDE)
    result = runner.invoke(app, ["match", str(mixed), str(aside), "--json"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line)["themes"]["russia_unreliable_ally"] for line in result.output.splitlines())
    assert first["match"] is False and first["contested_by"] == "anti_us_alliance"
    assert second["match"] is True and "contested_by" not in second
    # The table says so too (rich wraps cells at this width, so only unwrapped fragments are counted).
    table = runner.invoke(app, ["match", str(mixed), str(aside)])
    assert table.exit_code == 0 and table.output.count("0.44 (contested by") == 1, table.output
    listed = runner.invoke(app, ["themes", "list"])
    assert listed.exit_code == 0 and listed.output.count("x0.55 under a") == 3, listed.output


def test_alerts_test_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Receiver() as receiver:
        result = runner.invoke(app, ["alerts", "test", "--notify", receiver.apprise_url])
        assert result.exit_code == 0, result.output
        assert "notify <json://127.0.0.1" in result.output and "sent" in result.output
        assert receiver.messages[0]["title"] == "newsmon test message"
        receiver.down = True
        failed = runner.invoke(app, ["alerts", "test", "--notify", receiver.apprise_url])
        assert failed.exit_code == 1 and "failed" in failed.output


def test_feeds_add_remove_import_export(tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    shutil.copytree(ROOT / "config", cfg)
    before = (cfg / "feeds.toml").read_text()
    added = runner.invoke(app, ["feeds", "add", "https://example.org/rss", "--name", "Example", "--tag", "test",
                                "--config", str(cfg)])
    assert added.exit_code == 0 and "added" in added.output
    text = (cfg / "feeds.toml").read_text()
    assert text.startswith(before) and 'url = "https://example.org/rss"' in text  # comments kept, block appended
    again = runner.invoke(app, ["feeds", "add", "https://example.org/rss", "--config", str(cfg)])
    assert "already" in again.output
    bad = runner.invoke(app, ["feeds", "add", "ftp://example.org/x", "--config", str(cfg)])
    assert bad.exit_code == 1 and (cfg / "feeds.toml").read_text() == text
    opml = tmp_path / "subs.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="A" xmlUrl="https://a.example/feed"/>'
                    '<outline text="Folder"><outline text="B" xmlUrl="https://b.example/rss"/></outline>'
                    '<outline text="Dup" xmlUrl="https://example.org/rss"/></body></opml>')
    imported = runner.invoke(app, ["feeds", "import", str(opml), "--config", str(cfg)])
    assert imported.exit_code == 0 and "imported 2 feed(s) of 3" in imported.output
    exported = runner.invoke(app, ["feeds", "export", "--config", str(cfg)])
    assert exported.exit_code == 0 and 'xmlUrl="https://b.example/rss"' in exported.output
    removed = runner.invoke(app, ["feeds", "remove", "https://a.example/feed", "--config", str(cfg)])
    assert removed.exit_code == 0
    from pipeline.config import load_feeds_file

    urls = [f.url for f in load_feeds_file(cfg / "feeds.toml")]
    assert "https://a.example/feed" not in urls and "https://b.example/rss" in urls and "https://example.org/rss" in urls
    missing = runner.invoke(app, ["feeds", "remove", "https://nope.example/", "--config", str(cfg)])
    assert missing.exit_code == 1
