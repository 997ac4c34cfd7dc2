"""Alerts end to end: apprise json:// to a real local receiver, the outbox, secrets kept secret."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from newsmon.localserver import CorpusServer
from newsmon.receiver import Receiver
from pipeline import alerts
from pipeline.config import AlertSettings, Channel
from pipeline.store import open_store, utcnow
from tests.conftest import ROOT, write_config

DEMO = ROOT / "demo"


@pytest.fixture()
def corpus():
    with CorpusServer(DEMO / "corpus") as server:
        yield server


@pytest.fixture()
def receiver():
    with Receiver() as r:
        yield r


def demo_feeds() -> list[tuple[str, str]]:
    import tomllib

    data = tomllib.loads((DEMO / "feeds.toml").read_text())
    return [(f["name"], f["url"]) for f in data["feed"]]


def channel_toml(env: str, policy: str = "immediate", extra: str = "") -> str:
    return f"[[channel]]\nname = 'chat'\nurl_env = '{env}'\npolicy = '{policy}'\n{extra}\n"


def run(cfg: Path):
    from flows.ingest import ingest_flow

    return ingest_flow(config_dir=str(cfg), trigger="test")


def q(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.usefixtures("prefect_server")
def test_alerts_arrive_with_evidence_and_never_twice(corpus, receiver, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TEST_CHAT_URL", receiver.apprise_url)
    db = tmp_path / "n.duckdb"
    cfg = write_config(tmp_path, corpus.base_url, demo_feeds(), db, channel_toml("TEST_CHAT_URL"))
    first = run(cfg)
    immediate = [m for m in receiver.messages if "recurred" in m["title"]]
    assert immediate, "the demo corpus has stories on every theme"
    assert first.alerts["sent"] == len(receiver.messages) and first.alerts["failed"] == 0
    for m in immediate:
        body = m["message"]
        assert "**Matched passage:**" in body and "**Echoes the baseline**" in body
        assert "score" in body and "](http://127.0.0.1:" in body and "in the last 7 days" in body
    themes_alerted = {tid for (tid,) in q(db, "SELECT DISTINCT theme FROM alerts WHERE kind = 'immediate'")}
    assert themes_alerted == {"anti_us_alliance", "eurasian_security_architecture", "russia_unreliable_ally"}
    # One alert per (theme, story): the outbox key is unique per alert and channel.
    assert q(db, "SELECT count(*) = count(DISTINCT alert_key) FROM alerts WHERE status = 'sent'") == [(True,)]
    # Every alert's article is a stored, matched article.
    assert q(db, "SELECT count(*) FROM alerts a LEFT JOIN theme_matches m ON m.article_id = a.article_id "
                 "AND m.theme = a.theme WHERE a.kind = 'immediate' AND NOT coalesce(m.matched, false)") == [(0,)]

    sent = len(receiver.messages)
    second = run(cfg)
    assert len(receiver.messages) == sent
    assert second.alerts == {"queued": 0, "sent": 0, "failed": 0, "interrupted": 0}


@pytest.mark.usefixtures("prefect_server")
def test_receiver_down_then_up_gets_each_alert_exactly_once(corpus, receiver, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TEST_CHAT_URL", receiver.apprise_url)
    db = tmp_path / "n.duckdb"
    cfg = write_config(tmp_path, corpus.base_url, demo_feeds(), db, channel_toml("TEST_CHAT_URL"))
    receiver.down = True
    first = run(cfg)
    assert receiver.messages == [] and first.alerts["sent"] == 0
    queued = first.alerts["queued"]
    assert queued > 0 and first.alerts["failed"] == queued
    pending = q(db, "SELECT status, attempts, last_error FROM alerts")
    assert {(s, a) for s, a, _ in pending} == {("pending", 1)}
    assert all("503" in e for _, _, e in pending)

    receiver.down = False
    second = run(cfg)  # nothing new in the feeds; the outbox is retried
    assert second.alerts["sent"] == queued
    assert len(receiver.messages) == queued
    titles = [m["title"] + m["message"] for m in receiver.messages]
    assert len(set(titles)) == len(titles)
    run(cfg)
    assert len(receiver.messages) == queued
    assert q(db, "SELECT DISTINCT status, attempts FROM alerts") == [("sent", 2)]


def _seed_match(store, article_id: int, theme: str, score: float = 0.9, fetched=None) -> None:
    from pipeline.themes import ThemeScore

    store.insert_articles([{"id": article_id, "url": f"https://e.com/{article_id}", "canonical_url": f"https://e.com/{article_id}",
                            "title": f"Story {article_id}", "fetched_at": fetched or utcnow(), "text": "t",
                            "text_hash": f"h{article_id}", "run_id": "r", "site": f"Site {article_id % 3}",
                            "feed": "F"}])
    store.upsert_matches([(article_id, ThemeScore(theme, score, True, f"passage {article_id}", "baseline says"))])


class _Theme:
    def __init__(self, id: str) -> None:
        self.id, self.name, self.baselines = id, id.replace("_", " ").title(), ()


def test_crash_during_send_is_never_resent(tmp_path: Path) -> None:
    ch = Channel("chat", "X", url="json://127.0.0.1:9/")
    settings = AlertSettings(spike_enabled=False)
    calls: list[str] = []
    with open_store(tmp_path / "a.duckdb") as store:
        _seed_match(store, 1, "t1")
        assert alerts.plan_alerts(store, [ch], [_Theme("t1")], "run1", [1], settings) == 1
        # A crash between "sending" and "sent": simulate the state the dead process left.
        store.con.execute("UPDATE alert SET status = 'sending', attempts = 1")
        report = alerts.deliver_pending(store, [ch], settings, sender=lambda *a: (calls.append(a[1]), (True, None))[1])
        assert report.interrupted == 1 and report.sent == 0 and calls == []
        assert store.con.execute("SELECT status FROM alert").fetchall() == [("interrupted",)]
        # Planning again for the same story queues nothing: the key exists.
        assert alerts.plan_alerts(store, [ch], [_Theme("t1")], "run2", [1], settings) == 0


def test_copies_collapse_cooldown_digest_and_spike(tmp_path: Path) -> None:
    settings = AlertSettings(spike_enabled=True, spike_window_hours=24, spike_baseline_days=7, spike_factor=3.0,
                             spike_min_matches=3)
    sent: list[tuple[str, str]] = []

    def sender(url: str, title: str, body: str):
        sent.append((title, body))
        return True, None

    now = utcnow()
    with open_store(tmp_path / "a.duckdb") as store:
        # Story 1 and its near-copy 2 (duplicate_of = 1) both match: one alert, two sources.
        _seed_match(store, 1, "t1")
        _seed_match(store, 2, "t1")
        store.con.execute("UPDATE article SET duplicate_of = 1, similarity = 0.8 WHERE id = 2")
        _seed_match(store, 3, "t1")
        immediate = Channel("chat", "X", url="json://127.0.0.1:9/", cooldown_minutes=60, spike=True)
        digest = Channel("digest", "Y", url="json://127.0.0.1:9/d", policy="digest", spike=False)
        alerts.plan_alerts(store, [immediate, digest], [_Theme("t1")], "run1", [1, 2, 3], settings, now)
        rows = store.con.execute("SELECT channel, kind, article_id, sources, status FROM alert ORDER BY ALL").fetchall()
        assert ("chat", "immediate", 1, 2, "pending") in rows  # copies collapsed, 2 sources
        assert ("chat", "immediate", 3, 1, "pending") in rows
        assert not any(r[2] == 2 for r in rows)
        assert ("digest", "digest", None, None, "pending") in rows
        assert ("chat", "spike", None, 3, "pending") not in rows  # 2 stories < min 3
        alerts.deliver_pending(store, [immediate, digest], settings, sender=sender, now=lambda: now)
        digest_body = next(b for t, b in sent if t.startswith("newsmon digest"))
        assert "Story 1" in digest_body and "Story 3" in digest_body and "2 sources" in digest_body

        # Inside the cooldown a new story on the same theme is recorded but suppressed.
        _seed_match(store, 4, "t1")
        alerts.plan_alerts(store, [immediate], [_Theme("t1")], "run2", [4], settings, now + timedelta(minutes=5))
        assert store.con.execute("SELECT status FROM alert WHERE article_id = 4").fetchall() == [("suppressed",)]
        # Three stories in 24 h against a quiet trailing week: a spike, queued once per window.
        assert store.con.execute("SELECT count(*) FROM alert WHERE kind = 'spike'").fetchone()[0] == 1
        alerts.plan_alerts(store, [immediate], [_Theme("t1")], "run3", [], settings, now + timedelta(minutes=6))
        assert store.con.execute("SELECT count(*) FROM alert WHERE kind = 'spike'").fetchone()[0] == 1


def test_no_spike_when_the_theme_is_always_this_busy(tmp_path: Path) -> None:
    settings = AlertSettings(spike_min_matches=3, spike_factor=3.0, spike_baseline_days=7)
    now = utcnow()
    with open_store(tmp_path / "a.duckdb") as store:
        aid = 1
        for day in range(1, 8):  # four stories a day for a week
            for _ in range(4):
                _seed_match(store, aid, "t1", fetched=now - timedelta(days=day, hours=1))
                aid += 1
        for _ in range(4):
            _seed_match(store, aid, "t1")
            aid += 1
        ch = Channel("chat", "X", url="json://127.0.0.1:9/")
        alerts.plan_alerts(store, [ch], [_Theme("t1")], "r", [aid - 1], settings, now)
        assert store.con.execute("SELECT count(*) FROM alert WHERE kind = 'spike'").fetchone()[0] == 0


SECRET_TOKEN = "s3cr3tTOKENvalue"
SECRET_HEADER = "hdrSECRET98765"


@pytest.mark.usefixtures("prefect_server")
def test_secrets_never_reach_logs_output_or_database(corpus, receiver, tmp_path, monkeypatch, caplog, capsys) -> None:
    url = f"json://bot:{SECRET_TOKEN}@127.0.0.1:{receiver.port}/?+X-Api-Key={SECRET_HEADER}"
    monkeypatch.setenv("TEST_CHAT_URL", url)
    db = tmp_path / "n.duckdb"
    cfg = write_config(tmp_path, corpus.base_url, demo_feeds()[:1], db, channel_toml("TEST_CHAT_URL"))
    logging.getLogger("apprise").setLevel(logging.DEBUG)  # apprise logs header values at DEBUG
    caplog.set_level(logging.DEBUG)
    try:
        run(cfg)
    finally:
        logging.getLogger("apprise").setLevel(logging.NOTSET)
    assert receiver.messages, "alerts were delivered with the secret URL"
    assert receiver.headers[0].get("x-api-key") == SECRET_HEADER
    logged = "\n".join(r.getMessage() for r in caplog.records)
    printed = capsys.readouterr()
    stored = "\n".join(str(r) for r in q(db, "SELECT * FROM alert") + q(db, "SELECT * FROM run_log"))
    for where in (logged, printed.out, printed.err, stored):
        assert SECRET_TOKEN not in where and SECRET_HEADER not in where
    assert "json://127.0.0.1" in stored


def test_redact() -> None:
    assert alerts.redact("tgram://123456:ABCDEF/987") == "tgram://***"
    assert alerts.redact("json://user:pw@hooks.example.com:8443/path?+X=1") == "json://hooks.example.com:8443/***"
    assert alerts.redact("slack://T1/B2/C3") == "slack://***"
