"""`newsmon serve`: a real local Prefect server, a one-minute schedule, a scheduled run completing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, write_config

pytestmark = pytest.mark.slow


def _completed_scheduled_runs(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.IOException:  # the scheduled run holds the file right now
        return []
    try:
        return con.execute("SELECT run_id, started_at FROM run_log WHERE trigger = 'schedule' "
                           "AND status = 'completed'").fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()


def test_serve_runs_on_schedule_and_stops_on_sigterm(site, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, [("Alpha News", "{{BASE}}/feeds/alpha.xml")], db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "serve", "--config", str(cfg), "--cron", "* * * * *"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = start + 180
        runs: list[tuple] = []
        while time.monotonic() < deadline and not runs:
            assert proc.poll() is None, proc.stdout.read()
            runs = _completed_scheduled_runs(db)
            time.sleep(1)
        assert runs, "no scheduled run completed within 3 minutes"
        latency = time.monotonic() - start
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "local Prefect server on http://127.0.0.1:" in out and "stopped (and the local Prefect server with it)" in out
    assert "Traceback" not in out, out  # the whole output: a shutdown traceback seen once under heavy load
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    finally:
        con.close()
    # The supervised server is gone: nothing of it listens any more.
    leftover = subprocess.run(["pgrep", "-f", f"prefect server start.*{env['PREFECT_HOME']}"], capture_output=True)
    assert leftover.returncode != 0 or not leftover.stdout.strip()
    print(f"\nfirst scheduled run completed {latency:.0f} s after `newsmon serve` started")
