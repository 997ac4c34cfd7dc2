"""The demo end to end, checked against demo/expected.toml; the README's queries run on its database."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest
from rich.console import Console

from tests.conftest import ROOT

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    from newsmon.demo import run_demo

    data = tmp_path_factory.mktemp("demo")
    buf = io.StringIO()
    run_demo(data, console=Console(file=buf, width=160))
    return data / "newsmon.duckdb", buf.getvalue()


def _q(db: Path, sql: str) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql)
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def test_every_entry_gets_its_expected_outcome(demo_run) -> None:
    db, _ = demo_run
    expected = tomllib.loads((ROOT / "demo" / "expected.toml").read_text())
    _, rows = _q(db, "SELECT link, outcome FROM entries")
    actual = {re.sub(r"http://127\.0\.0\.1:\d+", "{{BASE}}", unquote(link)): outcome for link, outcome in rows}
    want = {e["link"].replace("{{BASE_Q}}", "{{BASE}}"): e["outcome"] for e in expected["entry"]}
    assert actual == want


def test_theme_matches_and_alerts_on_the_demo(demo_run) -> None:
    db, output = demo_run
    expected = tomllib.loads((ROOT / "demo" / "expected.toml").read_text())
    want = {(e["title"], t) for e in expected["entry"] if e["outcome"] == "new" for t in e["themes"]}
    _, rows = _q(db, "SELECT title, theme FROM theme_matches WHERE matched")
    got = set(rows)
    missed = want - got
    assert not missed, f"theme stories the matcher missed: {missed}"
    _, sent = _q(db, "SELECT count(*) FROM alerts WHERE status = 'sent' AND kind = 'immediate'")
    assert sent[0][0] >= len({t for _, t in want})
    assert "alert(s) received by the local chat receiver" in output
    assert "second run: 0 new article(s), 0 page(s) fetched" in output and "0 alert(s) sent" in output


def readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sql\n(.*?)```", text, flags=re.S)


def test_readme_queries_run_on_the_demo_database(demo_run) -> None:
    db, _ = demo_run
    queries = readme_queries()
    assert len(queries) >= 6
    for sql in queries:
        cols, _ = _q(db, sql)
        assert cols, sql


def test_near_copy_is_collapsed_and_dupes_shows_the_group(demo_run) -> None:
    from typer.testing import CliRunner

    from newsmon.cli import app

    db, output = demo_run
    _, rows = _q(db, "SELECT id, duplicate_of, similarity FROM articles WHERE duplicate_of IS NOT NULL")
    assert len(rows) == 1
    copy_id, original, similarity = rows[0]
    assert similarity >= 0.3
    _, story = _q(db, f"SELECT articles, near_duplicates, sources FROM stories WHERE story_id = "
                      f"(SELECT story_id FROM articles WHERE id = {original})")
    assert story == [(2, 1, 2)]
    # One alert for the story, saying it was seen in two sources.
    _, alerts = _q(db, f"SELECT article_id, sources FROM alerts WHERE kind = 'immediate' AND article_id IN ({copy_id}, {original})")
    assert len({a for a, _ in alerts}) == 1 and all(s == 2 for _, s in alerts)
    result = CliRunner().invoke(app, ["dupes", str(copy_id), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "original" in result.output and "near-copy" in result.output and "Story of article" in result.output


def test_every_demo_page_extracts_to_its_title_author_and_date() -> None:
    """The pipeline's own extraction on every HTML page of the corpus (no server needed)."""
    from newsmon.localserver import CorpusServer
    from pipeline.articles import extract_html

    expected = tomllib.loads((ROOT / "demo" / "expected.toml").read_text())
    server = CorpusServer(ROOT / "demo" / "corpus")  # not started: render() fills the placeholders
    checked = 0
    for e in expected["entry"]:
        if e["outcome"] not in ("new", "near_duplicate", "duplicate_text"):
            continue
        path = e.get("final_url") or e["link"]
        path = path.replace("{{BASE}}", "").split("?")[0].split("#")[0]
        if path.startswith("/click"):
            continue
        html = server.render(path)
        assert html is not None, path
        meta = extract_html(html)
        assert meta is not None, path
        assert meta["title"] == e["title"], path
        if e.get("author"):
            assert meta["author"] == e["author"], path
        if e.get("date"):
            assert meta["date"] == e["date"][:10], path
        checked += 1
    assert checked >= 15


def test_full_text_search_on_the_demo(demo_run, tmp_path: Path) -> None:
    import shutil

    from typer.testing import CliRunner

    from newsmon.cli import app

    db, _ = demo_run
    copy = tmp_path / "copy.duckdb"  # the index is written to the file: leave the shared one alone
    shutil.copy(db, copy)
    result = CliRunner().invoke(app, ["search", "anti-American military alliance", "--db", str(copy), "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "id,score,fetched_at,site,title,url" and len(lines) > 2
    assert "alliance" in lines[1].lower() or "bloc" in lines[1].lower() or "pact" in lines[1].lower()
    sql = CliRunner().invoke(app, ["sql", "--db", str(copy), "--format", "csv",
                                   "SELECT count(*) FROM articles WHERE fts_main_article.match_bm25(id, 'Eurasian') IS NOT NULL"])
    assert sql.exit_code == 0 and int(sql.output.splitlines()[1]) >= 2
