"""Two runs at once: one proceeds, the other says why it did nothing; the database stays whole."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.runlock import RunInProgress, run_lock
from tests.conftest import ROOT, write_config

FEEDS = [("Alpha News", "{{BASE}}/feeds/alpha.xml"), ("Beta Post", "{{BASE}}/feeds/beta.xml")]


def test_lock_is_exclusive_and_released_by_a_killed_process(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    code = (f"import time; from pipeline.runlock import run_lock\n"
            f"with run_lock(__import__('pathlib').Path({str(db)!r})):\n    print('held', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunInProgress, match=r"another newsmon run is using .* \(pid \d+"):
            with run_lock(db):
                pass
    finally:
        holder.kill()  # SIGKILL: no cleanup code runs
        holder.wait()
    with run_lock(db, wait_s=2):
        pass


@pytest.mark.usefixtures("prefect_server")
def test_two_runs_at_once(site, tmp_path: Path) -> None:
    """A CLI run started while another holds the lock exits 1 with a clear message, fetching nothing."""
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS, db)
    site.set_route("/alpha/a1.html", delay_s=4.0)  # keep the first run busy
    first = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "run", "--config", str(cfg)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while "/alpha/a1.html" not in site.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "/alpha/a1.html" in site.requests, "the first run never got to the slow page"
        before = len(site.requests)
        second = subprocess.run([sys.executable, "-m", "newsmon.cli", "run", "--config", str(cfg)],
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert second.returncode == 1
        assert "another newsmon run is using" in second.stderr and "did nothing" in second.stderr
        assert not any(p.startswith("/feeds/") for p in site.requests[before:])
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            first.kill()
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT canonical_url) FROM article").fetchone() == (4, 4)
        assert con.execute("SELECT status FROM run_log").fetchall() == [("completed",)]
    finally:
        con.close()


def test_analyst_queries_succeed_during_a_long_run(site, tmp_path: Path) -> None:
    """Two real processes: `newsmon sql` answers while `newsmon run` is busy with the same file."""
    from tests.conftest import page_html, paragraphs, rss

    items = []
    for i in range(30):
        (site.root / "slow").mkdir(exist_ok=True)
        (site.root / "slow" / f"{i}.html").write_text(page_html(f"Slow story {i}", paragraphs(700 + i)))
        items.append((f"Slow story {i}", f"{{{{BASE}}}}/slow/{i}.html", f"slow-{i}"))
        site.set_route(f"/slow/{i}.html", delay_s=0.25)
    (site.root / "feeds" / "slow.xml").write_text(rss("Slow", items))
    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, [("Slow", "{{BASE}}/feeds/slow.xml"), *FEEDS], db)
    settings = cfg / "settings.toml"
    settings.write_text(settings.read_text().replace("per_host_concurrency = 4", "per_host_concurrency = 1")
                        + "[extract]\nbatch_size = 5\n")
    run = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "run", "--config", str(cfg)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    answers, waits = [], []
    try:
        deadline = time.monotonic() + 90
        while run.poll() is None and time.monotonic() < deadline:
            if not db.exists():
                time.sleep(0.2)
                continue
            start = time.monotonic()
            q = subprocess.run([sys.executable, "-m", "newsmon.cli", "sql", "--db", str(db), "--format", "csv",
                                "SELECT count(*) FROM articles"], capture_output=True, text=True, cwd=ROOT, timeout=90)
            waits.append(time.monotonic() - start)
            assert q.returncode == 0, q.stderr
            answers.append(int(q.stdout.splitlines()[1]))
            time.sleep(0.3)
        run.wait(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(answers) >= 3, "the run finished before any query could be made"
    assert answers == sorted(answers) and answers[-1] > answers[0], "queries saw the run make progress"
    print(f"\n{len(answers)} analyst queries during the run, longest wait {max(waits):.2f} s, counts {answers}")


@pytest.mark.usefixtures("prefect_server")
def test_scheduled_run_that_would_overlap_is_skipped(site, tmp_path: Path) -> None:
    from flows.ingest import ingest_flow

    db = tmp_path / "news.duckdb"
    cfg = write_config(tmp_path, site.base_url, FEEDS, db)
    with run_lock(db):  # a manual run holds the database
        summary = ingest_flow(config_dir=str(cfg), trigger="schedule")
    assert summary.status == "skipped" and "another newsmon run" in summary.error
    assert not any(p.startswith("/feeds/") for p in site.requests)
