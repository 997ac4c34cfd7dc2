"""Feed health: transient failures retried in the run, back-off, hard failures disable a feed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline import feedhealth
from pipeline.feedhealth import Failure, FeedHealth, HealthSettings
from tests.conftest import write_config


def test_classify_soft_and_hard() -> None:
    assert feedhealth.classify("ok", 200, None, None) is None
    assert feedhealth.classify("failed", 410, "HTTP 410 Gone", "http") is Failure.HARD
    assert feedhealth.classify("failed", 200, "not a feed: SAXParseException", "parse") is Failure.HARD
    assert feedhealth.classify("failed", 404, "HTTP 404", "http") is Failure.SOFT  # 404s come back
    assert feedhealth.classify("failed", None, "timed out", "timeout") is Failure.SOFT
    assert feedhealth.is_transient(503, "http") and feedhealth.is_transient(429, "http")
    assert feedhealth.is_transient(None, "timeout") and not feedhealth.is_transient(404, "http")
    assert not feedhealth.is_transient(200, "parse")


def test_backoff_doubles_and_hard_failures_disable() -> None:
    s = HealthSettings(backoff_base_minutes=10, backoff_max_hours=1, disable_after=3)
    now = datetime(2026, 11, 21, 12)
    h = feedhealth.update(FeedHealth(), Failure.SOFT, now, s)
    assert h.next_attempt_at == now + timedelta(minutes=10)
    h = feedhealth.update(h, Failure.SOFT, now, s)
    assert h.next_attempt_at == now + timedelta(minutes=20) and h.disabled_at is None
    h = feedhealth.update(h, Failure.SOFT, now, s, retry_after_s=3000)
    assert h.next_attempt_at == now + timedelta(seconds=3000)  # Retry-After wins when longer
    assert feedhealth.update(h, Failure.SOFT, now, s).next_attempt_at == now + timedelta(hours=1)  # capped
    hard = FeedHealth()
    for _ in range(3):
        hard = feedhealth.update(hard, Failure.HARD, now, s, error="HTTP 410 Gone")
    assert hard.disabled_at == now and "3 hard failures" in hard.disabled_reason
    assert not feedhealth.due(hard, now + timedelta(days=30))[0]
    assert feedhealth.update(hard, None, now, s) == FeedHealth()  # success resets everything
    assert feedhealth.retry_after_seconds("120", now) == 120.0
    assert feedhealth.retry_after_seconds("Sat, 21 Nov 2026 12:01:00 GMT", now) == 60.0


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _run(cfg: Path):
    from flows.ingest import ingest_flow

    return ingest_flow(config_dir=str(cfg), trigger="test")


@pytest.mark.usefixtures("prefect_server")
def test_transient_failures_are_retried_within_the_run(site, tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    cfg = write_config(tmp_path, site.base_url, [("Alpha News", "{{BASE}}/feeds/alpha.xml"),
                                                 ("Not a feed", "{{BASE}}/alpha/a1.html")], db)
    settings = cfg / "settings.toml"
    settings.write_text(settings.read_text().replace("feed_retries = 1", "feed_retries = 3"))
    site.set_route("/feeds/alpha.xml", status=503, fail_times=2, headers={"Retry-After": "1"})
    summary = _run(cfg)
    feeds = {f["feed_name"]: f["status"] for f in summary.feeds}
    assert feeds == {"Alpha News": "ok", "Not a feed": "failed"}
    assert site.paths_requested("/feeds/alpha.xml") == ["/feeds/alpha.xml"] * 3  # 503, 503, 200
    assert site.paths_requested("/alpha/a1.html").count("/alpha/a1.html") >= 1
    # The parse error was not retried: the HTML page was requested once as a feed (plus once as a page).
    assert len(site.paths_requested("/alpha/a1.html")) == 2
    assert summary.counts.get("new") == 3


@pytest.mark.usefixtures("prefect_server")
def test_failing_feed_backs_off_and_gone_feed_is_disabled(site, tmp_path: Path) -> None:
    from newsmon.cli import app

    db = tmp_path / "n.duckdb"
    cfg = write_config(tmp_path, site.base_url, [("Alpha News", "{{BASE}}/feeds/alpha.xml"),
                                                 ("Beta Post", "{{BASE}}/feeds/beta.xml")], db)
    settings = cfg / "settings.toml"
    settings.write_text(settings.read_text().replace("backoff_base_minutes = 0.0", "backoff_base_minutes = 60.0"))
    site.set_route("/feeds/beta.xml", status=404)
    _run(cfg)
    assert _rows(db, "SELECT status, consecutive_failures, last_failure_kind, next_attempt_at > now()::TIMESTAMP "
                     "FROM feed_status WHERE feed = 'Beta Post'") == [("failed", 1, "soft", True)]
    # Backing off: the failing feed is skipped on the next run, with the reason; the other is fetched.
    before = len(site.requests)
    second = _run(cfg)
    beta = next(f for f in second.feeds if f["feed_name"] == "Beta Post")
    assert beta["status"] == "skipped" and "backing off after 1 failure" in beta["error"]
    assert "/feeds/beta.xml" not in site.requests[before:] and "/feeds/alpha.xml" in site.requests[before:]
    with duckdb.connect(str(db)) as con:  # an hour passes
        con.execute("UPDATE feed_state SET next_attempt_at = next_attempt_at - INTERVAL 2 HOUR")

    # 410 Gone three times in a row: disabled, and fetched no more until enabled again.
    settings.write_text(settings.read_text().replace("backoff_base_minutes = 60.0", "backoff_base_minutes = 0.0"))
    site.set_route("/feeds/beta.xml", status=410)
    for _ in range(3):
        _run(cfg)
    assert _rows(db, "SELECT status, hard_failures FROM feed_status WHERE feed = 'Beta Post'") == [("disabled", 3)]
    before = len(site.requests)
    _run(cfg)
    assert "/feeds/beta.xml" not in site.requests[before:]
    runner = CliRunner()
    status = runner.invoke(app, ["feeds", "status", "--config", str(cfg)])
    assert status.exit_code == 0 and "disabled" in status.output
    url = site.url("/feeds/beta.xml")
    enabled = runner.invoke(app, ["feeds", "enable", url, "--config", str(cfg)])
    assert enabled.exit_code == 0, enabled.output
    site.clear_route("/feeds/beta.xml")
    before = len(site.requests)
    _run(cfg)
    assert "/feeds/beta.xml" in site.requests[before:]
    assert _rows(db, "SELECT status, hard_failures FROM feed_status WHERE feed = 'Beta Post'") == [("ok", 0)]
