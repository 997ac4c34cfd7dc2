"""The ingest flow, run for real under Prefect's test server, against the test site."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import page_html, paragraphs, write_config

pytestmark = pytest.mark.usefixtures("prefect_server")

FEEDS = [
    ("Alpha News", "{{BASE}}/feeds/alpha.xml"),
    ("Beta Post", "{{BASE}}/feeds/beta.xml"),
    ("Broken Feed", "{{BASE}}/feeds/broken.xml"),
    ("Unreachable", "http://127.0.0.1:1/feed.xml"),
]


def run_once(cfg: Path, **kw):
    from flows.ingest import ingest_flow

    return ingest_flow(config_dir=str(cfg), trigger="test", **kw)


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_flow_end_to_end(site, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS, db)
    summary = run_once(cfg)
    assert summary.status == "completed"

    # Feeds: two ok, the 500 and the unreachable one recorded as failed with their reason.
    status = dict(rows(db, "SELECT feed, last_status FROM feed_status"))
    assert status == {"Alpha News": "ok", "Beta Post": "ok", "Broken Feed": "failed", "Unreachable": "failed"}
    errors = dict(rows(db, "SELECT feed, last_error FROM feed_status WHERE last_status = 'failed'"))
    assert errors["Broken Feed"].startswith("HTTP 500")
    assert "cannot connect" in errors["Unreachable"]

    # Every entry has exactly one outcome.
    outcomes = dict(((f, t), o) for f, t, o in rows(db, "SELECT feed, title, outcome FROM entries"))
    assert outcomes == {
        ("Alpha News", "Harbour council passes budget"): "new",
        ("Alpha News", "Rainfall fills the reservoir"): "new",
        ("Alpha News", "Railway tunnel opens"): "new",
        ("Alpha News", "Entry without a link"): "invalid_link",
        ("Beta Post", "Vineyard harvest festival"): "new",
        # same canonical URL as Alpha's entry (tracking params, fragment): fetched once
        ("Beta Post", "Railway tunnel opens (syndicated)"): "duplicate_url",
        # same text as Alpha's a1 in other chrome: stored once, URL recorded as an alias
        ("Beta Post", "Harbour council passes budget"): "duplicate_text",
        ("Beta Post", "A story that is gone"): "fetch_failed",
        ("Beta Post", "The annual report"): "not_html",
        ("Beta Post", "Watch: ferry arrives"): "no_text",
    }
    reasons = dict(rows(db, "SELECT title, reason FROM entries WHERE outcome IN ('fetch_failed', 'not_html')"))
    assert reasons["A story that is gone"] == "HTTP 404 Not Found"
    assert "application/pdf" in reasons["The annual report"]

    articles = rows(db, "SELECT title, site, author, language, aliases, canonical_url FROM articles ORDER BY id")
    assert len(articles) == 4
    harbour = next(a for a in articles if a[0] == "Harbour council passes budget")
    assert harbour[1] == "Fixture Times" and harbour[2] == "Ana Writer" and harbour[3] == "en"
    assert harbour[4] == 1  # the mirror's URL
    rain = next(a for a in articles if a[0] == "Rainfall fills the reservoir")
    assert "utm_" not in rain[5]

    run = rows(db, "SELECT status, feeds_ok, feeds_failed, entries, new, duplicate_url, duplicate_text, "
                   "fetch_failed, not_html, no_text, invalid_link FROM runs")
    assert run == [("completed", 2, 2, 10, 4, 1, 1, 1, 1, 1, 1)]
    # The baselines are in the database, tagged with their themes.
    baselines = rows(db, "SELECT file, theme_ids FROM baselines ORDER BY file")
    assert [b[0] for b in baselines] == ["000_b6ac7bf3ed839898.txt", "001_ffb5340048c709c7.txt",
                                         "002_2c15666fd8eb07b5.txt"]
    assert all(b[1] for b in baselines)


def test_second_run_fetches_no_page_and_stores_nothing_twice(site, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS[:2], db)
    run_once(cfg)
    before = len(site.requests)
    second = run_once(cfg)
    new_requests = site.requests[before:]
    # Conditional GET: both feeds answer 304, so no page is requested at all.
    assert sorted(new_requests) == ["/feeds/alpha.xml", "/feeds/beta.xml"]
    assert {f["status"] for f in second.feeds} == {"not_modified"}
    assert second.counts == {}
    assert rows(db, "SELECT count(*) FROM articles") == [(4,)]
    assert rows(db, "SELECT count(*), count(DISTINCT (feed_url, entry_key)) FROM entry_outcome") == [(10, 10)]
    assert rows(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == [(2,)]


def test_changed_feed_without_validators_refetches_nothing_known(site, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS[:2], db)
    run_once(cfg)
    # The feed changes (a new entry), so it is fetched in full; only the new entry's page is fetched.
    # (The 404 page is retried too, but only once its back-off has passed: see the next test.)
    feed = site.root / "feeds" / "alpha.xml"
    (site.root / "alpha" / "a5.html").write_text(page_html("Drought empties the reservoir", paragraphs(55)))
    feed.write_text(feed.read_text().replace(
        "</channel>", "<item><title>Drought empties the reservoir</title><link>{{BASE}}/alpha/a5.html</link>"
                      "<guid>alpha-5</guid></item></channel>"))
    before = len(site.requests)
    second = run_once(cfg)
    pages = sorted(p for p in site.requests[before:] if not p.startswith("/feeds/"))
    assert pages == ["/alpha/a5.html"]
    assert second.counts == {"new": 1}
    assert rows(db, "SELECT attempts FROM entries WHERE title = 'A story that is gone'") == [(1,)]


def test_failed_page_is_retried_after_backoff_and_410_is_final(site, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS[1:2], db)
    settings = cfg / "settings.toml"
    settings.write_text(settings.read_text() + "[entries]\nretry_after_minutes = 0\nmax_attempts = 3\n")
    run_once(cfg)
    # The page comes back: retried although the feed answers 304, and stored.
    (site.root / "beta" / "gone.html").write_text(page_html("Back again", paragraphs(56)))
    before = len(site.requests)
    second = run_once(cfg)
    assert "/beta/gone.html" in site.requests[before:]
    assert second.counts == {"new": 1}
    assert rows(db, "SELECT outcome, attempts FROM entries WHERE title = 'A story that is gone'") == [("new", 2)]
    # 410 Gone is final: never requested again.
    site.set_route("/beta/video.html", status=410)
    db2 = tmp_path / "other.duckdb"
    cfg2 = write_config(tmp_path / "two", site.base_url, FEEDS[1:2], db2)
    (cfg2 / "settings.toml").write_text((cfg2 / "settings.toml").read_text() + "[entries]\nretry_after_minutes = 0\n")
    run_once(cfg2)
    before = len(site.requests)
    run_once(cfg2)
    assert "/beta/video.html" not in site.requests[before:]


def test_feed_recovers_after_failure(site, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS[:1], db)
    site.set_route("/feeds/alpha.xml", status=503)
    first = run_once(cfg)
    assert first.feeds[0]["status"] == "failed"
    assert rows(db, "SELECT consecutive_failures FROM feed_status") == [(1,)]
    site.clear_route("/feeds/alpha.xml")
    run_once(cfg)
    assert rows(db, "SELECT last_status, consecutive_failures FROM feed_status") == [("ok", 0)]
    assert rows(db, "SELECT count(*) FROM articles") == [(3,)]


def test_large_batch_uses_the_process_pool(site, tmp_path: Path) -> None:
    """Enough pages to cross inline_below: extraction runs in worker processes, same results."""
    from tests.conftest import rss

    items = []
    for i in range(30):
        (site.root / "bulk").mkdir(exist_ok=True)
        html = page_html(f"Bulk story {i}", paragraphs(100 + i))
        if i % 3 == 0:  # no <html lang>: the common words say English, in the worker
            html = html.replace('<html lang="en">', "<html>")
        (site.root / "bulk" / f"{i}.html").write_text(html)
        items.append((f"Bulk story {i}", f"{{{{BASE}}}}/bulk/{i}.html", f"bulk-{i}"))
    (site.root / "feeds" / "bulk.xml").write_text(rss("Bulk", items))
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, [("Bulk", "{{BASE}}/feeds/bulk.xml")], db)
    settings = cfg / "settings.toml"
    settings.write_text(settings.read_text() + "[extract]\nworkers = 2\ninline_below = 4\nbatch_size = 12\n")
    summary = run_once(cfg)
    assert summary.counts == {"new": 30}
    assert rows(db, "SELECT count(DISTINCT text_hash), min(length(text)) > 200 FROM article") == [(30, True)]
    # Batches close without a checkpoint (their writes wait in the log); the run's last close folds
    # the log into the file.
    assert not Path(str(db) + ".wal").exists()
    # Pool workers leave language guesses to the run process: every article still has a language.
    assert rows(db, "SELECT language, count(*) FROM article WHERE len(story_terms) > 0 GROUP BY ALL") == [("en", 30)]


def test_links_to_private_addresses_are_blocked_outcomes(site, tmp_path: Path) -> None:
    from tests.conftest import rss

    (site.root / "feeds" / "sneaky.xml").write_text(rss("Sneaky", [
        ("Own host page", "{{BASE}}/alpha/a1.html", "s-1"),
        ("Metadata grab", "http://169.254.169.254/latest/meta-data/iam/", "s-2"),
        ("Other loopback name", site.base_url.replace("127.0.0.1", "localhost") + "/alpha/a2.html", "s-3"),
    ]))
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, [("Sneaky", "{{BASE}}/feeds/sneaky.xml")], db)
    settings = cfg / "settings.toml"
    settings.write_text(settings.read_text().replace("allow_private_networks = true", "allow_private_networks = false"))
    before = len(site.requests)
    summary = run_once(cfg)
    assert summary.counts == {"new": 1, "blocked": 2}
    got = dict(rows(db, "SELECT title, outcome FROM entries"))
    assert got == {"Own host page": "new", "Metadata grab": "blocked", "Other loopback name": "blocked"}
    assert "link-local" in rows(db, "SELECT reason FROM entries WHERE title = 'Metadata grab'")[0][0]
    assert sorted(site.requests[before:]) == ["/alpha/a1.html", "/feeds/sneaky.xml"]
    assert rows(db, "SELECT blocked FROM runs") == [(2,)]


def test_run_report_artifact_and_runs_view(site, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS, db)
    summary = run_once(cfg)

    async def latest() -> str:
        async with get_client() as client:
            arts = await client.read_latest_artifacts()
            return next(a.data for a in arts if a.key == "newsmon-run")

    from pipeline.fetch import run_async

    report = run_async(latest())
    assert summary.run_id in report and "| feeds ok |" in report and "Broken Feed" in report
    assert rows(db, "SELECT feeds_ok, feeds_failed, new, theme_matches, alerts_queued FROM runs") == [(2, 2, 4, 0, 0)]


def test_prune_keeps_rows_matches_and_alerts(site, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsmon.cli import app

    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS[:2], db)
    run_once(cfg)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE article SET fetched_at = fetched_at - INTERVAL 200 DAY WHERE id <= 2")
    scored = rows(db, "SELECT count(*) FROM theme_match")[0][0]
    assert scored == 4 * 3  # every article against every theme
    runner = CliRunner()
    dry = runner.invoke(app, ["prune", "--dry-run", "--config", str(cfg)])
    assert dry.exit_code == 0 and "2 article(s)" in dry.output
    done = runner.invoke(app, ["prune", "--older-than", "180d", "--config", str(cfg)])
    assert done.exit_code == 0 and "pruned 2 article(s)" in done.output, done.output
    assert rows(db, "SELECT count(*), count(*) FILTER (WHERE text = ''), count(*) FILTER (WHERE pruned_at IS NOT NULL) "
                    "FROM article") == [(4, 2, 2)]
    assert rows(db, "SELECT count(DISTINCT article_id) FROM article_lsh") == [(2,)]
    assert rows(db, "SELECT count(*) FROM theme_match") == [(scored,)]
    bad = runner.invoke(app, ["prune", "--older-than", "soon", "--config", str(cfg)])
    assert bad.exit_code == 1 and "use a number and d, w or h" in bad.output
