"""Hostile feeds and pages through a real `newsmon run` process: outcomes recorded, memory bounded."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from newsmon.localserver import CorpusServer
from tests.conftest import ROOT, write_config
from tests.reliability import hostile

SOAK = bool(os.environ.get("NEWSMON_SOAK"))


def test_hostile_input_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    feeds, expected = hostile.build(tmp_path / "site", big=SOAK)
    with CorpusServer(tmp_path / "site") as server:
        db = tmp_path / "h.duckdb"
        cfg = write_config(tmp_path, server.base_url, feeds, db)
        settings = cfg / "settings.toml"
        settings.write_text(settings.read_text().replace("timeout_s = 5.0", "timeout_s = 2.0"))
        start = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "newsmon.cli", "run", "--config", str(cfg)],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
        seconds = time.monotonic() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "ERROR" not in run.stderr, run.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        feed_status = dict(con.execute("SELECT feed, last_status FROM feed_status").fetchall())
        outcomes = dict(con.execute("SELECT title, outcome FROM entries").fetchall())
        reasons = dict(con.execute("SELECT title, reason FROM entries").fetchall())
        errors = dict(con.execute("SELECT feed, last_error FROM feed_status").fetchall())
        rtl_title = con.execute("SELECT title FROM articles WHERE title LIKE 'Headline%'").fetchone()[0]
    finally:
        con.close()
    assert feed_status == expected["feeds"]
    assert outcomes == expected["entries"]
    assert "cap after decompression" in reasons["Gzip bomb page"] and "cap after decompression" in reasons["Endless page"]
    assert "redirect loop" in reasons["Redirect loop"] and "timed out" in reasons["Trickling page"]
    assert "cap after decompression" in errors["Gzip bomb feed"] and "timed out" in errors["Slow feed"]
    assert errors["HTML not feed"].startswith("not a feed")
    assert "\u202e" not in rtl_title and "\u200b" not in rtl_title  # invisible and bidi controls stripped
    # A gigabyte bomb or stream must not be held in memory (the soak run uses 1-2 GB ones).
    assert peak_mb < 800, f"peak RSS {peak_mb:.0f} MB"
    print(f"\nhostile run: {seconds:.1f} s, peak RSS of the run process {peak_mb:.0f} MB (soak={SOAK})")
