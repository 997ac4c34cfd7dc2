"""kill -9 at random points, then run again: nothing lost, nothing doubled, nothing sent twice.

CI runs 3 kills; `make soak` (NEWSMON_SOAK=1) runs 20. Each kill lands somewhere in a real
`newsmon run` process: during Prefect's start-up, feed and page fetches (pages are slowed down),
database writes, or alert sending (the chat receiver is slowed down).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from newsmon.localserver import CorpusServer
from newsmon.receiver import Receiver
from tests.conftest import ROOT, page_html, paragraphs, rss, write_config

KILLS = 20 if os.environ.get("NEWSMON_SOAK") else 3


def _site(tmp: Path) -> Path:
    root = tmp / "site"
    shutil.copytree(ROOT / "demo" / "corpus", root)
    items = []
    for i in range(40):
        (root / "bulk").mkdir(exist_ok=True)
        (root / "bulk" / f"{i}.html").write_text(page_html(f"Bulk story {i}", paragraphs(500 + i)))
        items.append((f"Bulk story {i}", f"{{{{BASE}}}}/bulk/{i}.html", f"bulk-{i}"))
    (root / "feeds" / "bulk.xml").write_text(rss("Bulk", items))
    return root


def _feeds() -> list[tuple[str, str]]:
    import tomllib

    demo = [(f["name"], f["url"]) for f in tomllib.loads((ROOT / "demo" / "feeds.toml").read_text())["feed"]]
    return demo + [("Bulk", "{{BASE}}/feeds/bulk.xml")]


def _start(cfg: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "newsmon.cli", "run", "--config", str(cfg)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _state(db: Path) -> tuple[set[str], int]:
    con = duckdb.connect(str(db), read_only=True)  # opening at all proves the file survived
    try:
        urls = {u for (u,) in con.execute("SELECT canonical_url FROM article").fetchall()}
        dupes = con.execute("SELECT count(*) - count(DISTINCT text_hash) FROM article").fetchone()[0]
        return urls, dupes
    finally:
        con.close()


@pytest.mark.slow
def test_kill_9_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("NEWSMON_SOAK_SEED", "7")))
    root = _site(tmp_path)
    with CorpusServer(root) as server, Receiver(delay_s=0.3) as receiver:
        for i in range(40):
            server.set_route(f"/bulk/{i}.html", delay_s=0.15)
        env = {**os.environ, "CRASH_CHAT_URL": receiver.apprise_url}
        env.pop("PREFECT_API_URL", None)
        alerts = "[[channel]]\nname = 'chat'\nurl_env = 'CRASH_CHAT_URL'\npolicy = 'immediate'\n"

        # The reference: one clean run into its own database.
        ref_db = tmp_path / "ref" / "news.duckdb"
        ref_cfg = write_config(tmp_path / "ref", server.base_url, _feeds(), ref_db, alerts)
        ref = subprocess.run([sys.executable, "-m", "newsmon.cli", "run", "--config", str(ref_cfg)], cwd=ROOT,
                             env={**env, "CRASH_CHAT_URL": "json://127.0.0.1:9/"}, capture_output=True, text=True,
                             timeout=300)
        assert ref.returncode == 0, ref.stderr[-2000:]
        ref_urls, _ = _state(ref_db)

        db = tmp_path / "crash" / "news.duckdb"
        cfg = write_config(tmp_path / "crash", server.base_url, _feeds(), db, alerts)
        seen: set[str] = set()
        kills = 0
        while kills < KILLS:
            proc = _start(cfg, env)
            time.sleep(rng.uniform(2.5, 16.0))
            if proc.poll() is not None:  # finished before the kill: start over on a fresh database
                assert proc.returncode == 0, proc.stderr.read()[-2000:]
            else:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                kills += 1
            if db.exists():
                urls, dupes = _state(db)
                assert dupes == 0, "an article text is stored twice"
                assert seen <= urls, f"committed articles lost: {seen - urls}"
                seen = urls
        final = subprocess.run([sys.executable, "-m", "newsmon.cli", "run", "--config", str(cfg)], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr[-2000:]
        urls, dupes = _state(db)
        assert dupes == 0 and seen <= urls
        assert urls == ref_urls, "the crashed-and-resumed database differs from a clean run"
        con = duckdb.connect(str(db), read_only=True)
        try:
            per_entry = con.execute("SELECT count(*), count(DISTINCT (feed_url, entry_key)) FROM entry_outcome").fetchone()
            ref_con = duckdb.connect(str(ref_db), read_only=True)
            ref_entries = ref_con.execute("SELECT count(*) FROM entry_outcome").fetchone()[0]
            ref_con.close()
            statuses = dict(con.execute("SELECT status, count(*) FROM alert GROUP BY ALL").fetchall())
            interrupted_runs = con.execute("SELECT count(*) FROM run_log WHERE status = 'interrupted'").fetchone()[0]
        finally:
            con.close()
        assert per_entry[0] == per_entry[1] == ref_entries, "every entry has exactly one outcome"
        bodies = [m["message"] for m in receiver.messages]
        assert len(bodies) == len(set(bodies)), "an alert was delivered twice"
        assert statuses.get("pending", 0) == 0 and statuses.get("sending", 0) == 0
        print(f"\n{kills} kills survived; {interrupted_runs} runs recorded as interrupted; {len(urls)} articles "
              f"(clean run: {len(ref_urls)}); alerts {statuses}; {len(bodies)} messages delivered, 0 twice")


def test_kill_during_alert_sending_never_sends_twice(tmp_path: Path) -> None:
    """The chat service has the message but the sender dies before the answer: never resent."""
    root = _site(tmp_path)
    with CorpusServer(root) as server, Receiver(delay_s=3.0) as receiver:
        env = {**os.environ, "CRASH_CHAT_URL": receiver.apprise_url}
        env.pop("PREFECT_API_URL", None)
        alerts = "[[channel]]\nname = 'chat'\nurl_env = 'CRASH_CHAT_URL'\npolicy = 'immediate'\n"
        db = tmp_path / "crash" / "news.duckdb"
        cfg = write_config(tmp_path / "crash", server.base_url, _feeds(), db, alerts)
        proc = _start(cfg, env)
        deadline = time.monotonic() + 120
        while not receiver.messages and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()[-2000:]
            time.sleep(0.05)
        assert receiver.messages, "no alert was sent"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        receiver.delay_s = 0.0
        final = subprocess.run([sys.executable, "-m", "newsmon.cli", "run", "--config", str(cfg)], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr[-2000:]
        con = duckdb.connect(str(db), read_only=True)
        try:
            statuses = dict(con.execute("SELECT status, count(*) FROM alert GROUP BY ALL").fetchall())
        finally:
            con.close()
        bodies = [m["message"] for m in receiver.messages]
        assert len(bodies) == len(set(bodies)), "an alert was delivered twice"
        assert statuses.get("interrupted") == 1 and statuses.get("pending", 0) == 0
        assert len(bodies) == statuses["interrupted"] + statuses["sent"]
