"""Throughput near the machine's limit: newsmon end to end, side by side with the script a user
would write and with the CPU limit, on a simulated web (bench/farm.py). Figures: docs/performance.md.

    .venv/bin/python -m bench --only throughput            # 200 feeds x 50 entries = 10,000 articles
    .venv/bin/python -m bench --only throughput --quick    # 20 feeds x 20 entries (~100 s)
    .venv/bin/python -m bench.throughput --keep DIR        # keep the work folder (results.json, databases)
    .venv/bin/python -m bench.throughput --profile FILE    # py-spy attached to (a); prints the profile's top
    .venv/bin/python -m bench.throughput --analyse FILE    # summarise a py-spy raw profile again

In one temporary directory and one farm (H hosts on 127.0.x.y, 150 ms per response):

(a) newsmon: ``newsmon.cli.run_pipeline`` in a subprocess (its own Prefect home, the project's
    themes and baselines, the farm's feeds, ``allow_private_networks = true``; politeness left at
    the defaults: 32 requests in flight, 2 per host, 0.25 s between starts to one host; the farm has
    enough hosts (50) that this allows 4 x H = 200 pages/s). Articles/s = new articles / the run's
    wall time (process start to exit, Prefect's start-up included), and also net of Prefect's
    start-up. Peak memory: the run process's VmHWM and wait4's ru_maxrss, plus the peak of the summed
    RSS of the process tree (run process + extraction workers + Prefect's server, sampled every
    0.2 s). The CPU each process used, and the CPU other processes on the machine used meanwhile.
    newsmon's stages are timed from outside (wrappers around pipeline.ingest's functions), and
    PageStream's own counters say where the flow's thread waited (for pages, for extraction).
(b) bench/naive.py on the first feeds (300 articles; 60 in --quick), in a subprocess.
(c) the CPU limit: trafilatura's extraction CPU time (process_time, one process, newsmon's
    options: pipeline.articles.trafilatura_options(), i.e. trafilatura's own extraction with metadata
    and htmldate's fast date search;
    newsmon's extract_html returns the same fields with a little less work, no categories, tags or
    licence) of the same pages, rendered by the farm's own code, divided by the 2 cores; (c') the same with trafilatura's default options, the issue's
    reference (it also extracts comments and tables). Full size extracts
    every 4th page and scales up (a systematic sample; every base page is drawn alike).
    The same pass checks that the articles are distinct (text hashes, 3-shingle Jaccard).
Then: Prefect's start-up (runs with no feeds, after one warm-up run that creates Prefect's
database; the median of 3), a rerun with nothing new (every feed 304; the median of 3: Prefect's
start-up varies by up to 2 s from one process to the next), and, for memory against history, a run with
10 new entries per feed on top of the 10,000 stored.

Two fixes came from this bench (docs/performance.md): pages fetched round-robin across hosts, and
the flow's task arguments passed in ``quote()`` (Prefect walked them item by item on every task
call; the full run took about 45 minutes before, 4 after). Then the lock-step batches were
replaced by a stream (pipeline.ingest.PageStream).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORES = os.cpu_count() or 1
FULL = {"feeds": 200, "entries": 50, "hosts": 50, "naive": 300, "cpu_every": 4, "advance": 10, "startups": 3,
        "reruns": 3}
QUICK = {"feeds": 20, "entries": 20, "hosts": 10, "naive": 60, "cpu_every": 2, "advance": 0, "startups": 1,
         "reruns": 1}
LATENCY = 0.15


# -- the child: one newsmon run ------------------------------------------------------------------
STAGES: dict[str, list[float]] = {}


def _timed(name: str, fn: Any) -> Any:
    """Wrap ``fn`` to add its wall time to STAGES[name] (calls, seconds)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            acc = STAGES.setdefault(name, [0, 0.0])
            acc[0] += 1
            acc[1] += time.perf_counter() - t
    return wrapper


def _instrument() -> None:
    """Time newsmon's stages from outside (the flow looks these functions up at call time)."""
    import pipeline.articles as articles
    import pipeline.ingest as lib
    from pipeline import alerts

    for name in ("fetch_feeds", "select_entries", "store_batch", "settle_orphans", "load_baselines"):
        setattr(lib, name, _timed(name, getattr(lib, name)))
    alerts.plan_alerts = _timed("plan_alerts", alerts.plan_alerts)
    alerts.deliver_pending = _timed("deliver_pending", alerts.deliver_pending)
    batches = lib.PageStream.batches

    def counted(self: Any, size: int) -> Any:
        STREAMS.append(self)
        yield from batches(self, size)
    lib.PageStream.batches = counted
    del articles

STREAMS: list[Any] = []

def child_main(config_dir: str, out: str) -> int:
    t0 = time.perf_counter()
    from newsmon.cli import run_pipeline

    from newsmon import prefect_env
    from pipeline.config import load_config

    # What run_pipeline does first anyway; here before anything imports prefect (a fix patches flows.ingest).
    prefect_env.configure(load_config(Path(config_dir)).settings.data_dir)
    _instrument()
    t_import = time.perf_counter() - t0
    summary = run_pipeline(Path(config_dir), None, None, "cli")
    t_run = time.perf_counter() - t0
    status = Path("/proc/self/status").read_text()
    hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    Path(out).write_text(json.dumps({
        "import_s": round(t_import, 3), "run_s": round(t_run, 3), "flow_s": summary.seconds,
        "counts": summary.counts, "new": len(summary.new_article_ids), "status": summary.status,
        "feeds": {k: sum(1 for f in summary.feeds if f["status"] == k) for k in ("ok", "not_modified", "failed")},
        "vmhwm_mb": round(hwm / 1024, 1),
        "stages": {k: [v[0], round(v[1], 2)] for k, v in STAGES.items()},
        "stream": {k: round(sum(st.stats[k] for st in STREAMS), 2) for k in ("wait_pages_s", "wait_extraction_s", "chunks")}
        if STREAMS else {}}))
    return 0


# -- the parent ------------------------------------------------------------------------------------
def write_config(base: Path, feed_urls: list[str], name: str = "config") -> Path:
    cfg = base / name
    cfg.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "config" / "baselines", cfg / "baselines", dirs_exist_ok=True)
    shutil.copy(ROOT / "config" / "themes.toml", cfg / "themes.toml")
    (cfg / "alerts.toml").write_text("", encoding="utf-8")
    (cfg / "settings.toml").write_text(
        f"[database]\npath = '{base / 'newsmon.duckdb'}'\ndata_dir = '{base / 'data'}'\n"
        "[fetch]\nallow_private_networks = true\n", encoding="utf-8")
    (cfg / "feeds.toml").write_text("".join(f"[[feed]]\nname = 'farm {i}'\nurl = '{u}'\n\n"
                                            for i, u in enumerate(feed_urls)), encoding="utf-8")
    return cfg


class TreeSampler:
    """Peak RSS of a process and of its whole tree (summed), sampled in a thread; every
    ``pss_every``-th sample also the tree's PSS (proportional set size: a page shared by n
    processes counts 1/n in each, so the sum is the tree's physical memory, where summed RSS counts
    shared library pages once per process). PSS reads /proc/PID/smaps_rollup, hence less often."""

    def __init__(self, pid: int, every: float = 0.2, pss_every: int = 10) -> None:
        import psutil

        self.pss_every = pss_every
        self.peak_pss = 0.0  # MB

        self.proc = psutil.Process(pid)
        self.every = every
        self.samples: list[tuple[float, float, float]] = []  # (seconds, main MB, tree MB)
        self.peak_parts: dict[str, float] = {}  # process kind -> MB, at the tree's peak
        self.cpu: dict[int, tuple[str, float]] = {}  # pid -> (kind, CPU seconds last seen)
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                main = self.proc.memory_info().rss
                t = self.proc.cpu_times()
                self.cpu[self.proc.pid] = ("run process", t.user + t.system)
                tree = main
                parts = {"run process": main / 2**20}
                with_pss = len(self.samples) % self.pss_every == 0
                pss = self.proc.memory_full_info().pss if with_pss else 0
                for c in self.proc.children(recursive=True):
                    try:
                        rss = c.memory_info().rss
                        if with_pss:
                            pss += c.memory_full_info().pss
                        # the kind seen first: an exited worker (a zombie) has no command line left
                        kind = self.cpu[c.pid][0] if c.pid in self.cpu else _kind(" ".join(c.cmdline()))
                        t = c.cpu_times()
                        self.cpu[c.pid] = (kind, t.user + t.system)
                    except psutil.Error:
                        continue
                    tree += rss
                    parts[kind] = parts.get(kind, 0.0) + rss / 2**20
                if tree / 2**20 > self.peak_tree:
                    self.peak_parts = {k: round(v) for k, v in parts.items()}
                self.peak_pss = max(self.peak_pss, pss / 2**20)
                self.samples.append((time.perf_counter() - self._t0, main / 2**20, tree / 2**20))
            except psutil.Error:
                return
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def cpu_by_kind(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for kind, sec in self.cpu.values():
            out[kind] = round(out.get(kind, 0.0) + sec, 2)
        return out

    @property
    def peak_tree(self) -> float:
        return max((s[2] for s in self.samples), default=0.0)

    def at_fraction(self, frac: float) -> tuple[float, float]:
        """(main, tree) MB at this fraction of the run's time."""
        if not self.samples:
            return (0.0, 0.0)
        s = self.samples[min(len(self.samples) - 1, int(frac * len(self.samples)))]
        return (round(s[1]), round(s[2]))


def _kind(cmdline: str) -> str:
    if "multiprocessing" in cmdline and "spawn_main" in cmdline:
        return "extraction workers"
    if "uvicorn" in cmdline or "prefect" in cmdline:
        return "Prefect server"
    return cmdline.split(" ")[0].rsplit("/", 1)[-1] or "other"


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all processes, all cores)."""
    import psutil

    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0) + getattr(t, "steal", 0)


def run_newsmon(cfg: Path, work: Path, label: str, env: dict[str, str] | None = None,
                wrap: list[str] | None = None, farm: Any = None, profile: Path | None = None) -> dict[str, Any]:
    """One newsmon run in a subprocess; wall time, child's report, peak memory, and the CPU the
    rest of the machine used meanwhile (other processes compete for the same 2 cores)."""
    out = work / f"{label}.json"
    cmd = [sys.executable, "-m", "bench.throughput", "--child", str(cfg), "--out", str(out)]
    cmd = (wrap or []) + cmd
    farm_cpu0 = farm.stats()["cpu_s"] if farm is not None else 0.0
    busy0 = machine_busy()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})})
    sampler = TreeSampler(proc.pid)
    spy = None
    if profile is not None:  # py-spy attached to the run (and its workers): wall-clock stacks, 50 Hz
        spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(proc.pid),
                                "--subprocesses", "--idle", "--threads", "--rate", "50", "--nonblocking",
                                "--format", "raw", "-o", str(profile)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    if spy is not None:
        spy.wait(60)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    busy = machine_busy() - busy0
    sampler.stop()
    farm_stats = farm.stats() if farm is not None else {}
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"newsmon run {label!r} failed (exit {proc.returncode})")
    report = json.loads(out.read_text())
    report.update(label=label, wall_s=round(wall, 3), maxrss_mb=round(ru.ru_maxrss / 1024, 1),
                  cpu_s=round(ru.ru_utime + ru.ru_stime, 2), peak_tree_mb=round(sampler.peak_tree, 1),
                  peak_tree_pss_mb=round(sampler.peak_pss, 1),
                  peak_parts=sampler.peak_parts, cpu_by_process=sampler.cpu_by_kind(),
                  rss_quartiles=[sampler.at_fraction(f) for f in (0.25, 0.5, 0.75, 0.99)],
                  rss_series=[(round(t, 1), round(m), round(tr)) for t, m, tr in sampler.samples[::5]])
    tree_cpu = ru.ru_utime + ru.ru_stime  # the run process and every descendant it waited for (workers, Prefect's server)
    farm_cpu = farm_stats.get("cpu_s", farm_cpu0) - farm_cpu0
    report.update(farm=farm_stats, farm_cpu_s=round(farm_cpu, 2), machine_busy_s=round(busy, 1),
                  others_cpu_s=round(max(0.0, busy - tree_cpu - farm_cpu), 1),
                  others_share=round(max(0.0, busy - tree_cpu - farm_cpu) / (wall * CORES), 3))
    return report


def run_naive_child(urls: list[str], work: Path, limit: int) -> dict[str, Any]:
    busy0 = machine_busy()
    out = subprocess.run([sys.executable, "-m", "bench.naive", "--db", str(work / "naive.duckdb"), "--limit",
                          str(limit), *urls], cwd=ROOT, capture_output=True, text=True, check=True)
    busy = machine_busy() - busy0
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report["machine_busy_s"] = round(busy, 1)
    return report


def cpu_limit(feeds: int, entries: int, every: int, first_seq: int = 1000) -> dict[str, Any]:
    """trafilatura CPU seconds for the run's pages (every ``every``-th, scaled up), one process."""
    import logging

    import trafilatura

    from bench.farm import Corpus
    from pipeline.articles import trafilatura_options
    from pipeline.dedupe import text_hash
    from pipeline.neardup import THRESHOLD, jaccard, shingles

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    options = trafilatura_options()
    corpus = Corpus().load()
    keys = [(f, first_seq + s) for f in range(feeds) for s in range(entries)][::every]
    cpu = cpu_default = 0.0
    sizes = []
    hashes: set[str] = set()
    by_base: dict[int, list[Any]] = {}
    for f, seq in keys:
        _, body, _, b = corpus.article(f, seq)
        sizes.append(len(body))
        # newsmon's options and trafilatura's defaults (the reference) on the same page,
        # in alternating order: the second parse of a page runs on warm caches.
        for variant in ((0, 1) if len(sizes) % 2 else (1, 0)):
            c0 = time.process_time()
            if variant:
                doc = trafilatura.bare_extraction(body, **options)
                cpu += time.process_time() - c0
            else:
                trafilatura.bare_extraction(body)
                cpu_default += time.process_time() - c0
        text = (doc.text or "").strip() if doc is not None else ""
        hashes.add(text_hash(text))
        if len(by_base.get(b, [])) < 6:  # uniqueness check on up to 6 articles per base page
            by_base.setdefault(b, []).append(shingles(text))
    sims = [jaccard(x, y) for g in by_base.values() for i, x in enumerate(g) for y in g[i + 1:]]
    total = cpu * every
    return {"pages_timed": len(keys), "every": every, "cpu_s_timed": round(cpu, 2), "cpu_s_total": round(total, 1),
            "ms_per_page": round(1000 * cpu / len(keys), 2), "mean_page_kb": round(statistics.mean(sizes) / 1024, 1),
            "limit_articles_per_s": round(feeds * entries / (total / CORES), 2),
            "default_ms_per_page": round(1000 * cpu_default / len(keys), 2),
            "default_limit_articles_per_s": round(feeds * entries / (cpu_default * every / CORES), 2),
            "unique_hashes": len(hashes), "same_base_pairs": len(sims),
            "max_jaccard": round(max(sims), 4) if sims else None,
            "near_copies": sum(s >= THRESHOLD for s in sims), "base_pages": len(corpus.templates)}


def code_version() -> str:
    """The commit measured, and whether newsmon's code differs from it (read-only git calls)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "pipeline", "flows", "newsmon", "sql"],
                               cwd=ROOT, timeout=10).returncode != 0
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" + uncommitted changes in newsmon's code" if dirty else "")


def db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def db_used(path: Path) -> int:
    """Bytes in blocks DuckDB uses (the file also holds free blocks, reused by later writes)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        _, _, block_size, _, used, *_ = con.execute("PRAGMA database_size").fetchone()
    finally:
        con.close()
    return int(block_size) * int(used)


def bench(quick: bool = False, keep: Path | None = None, profile: Path | None = None,
          feeds: int | None = None) -> tuple[list[str], dict]:
    from bench.farm import Farm, FarmSpec

    size = dict(QUICK if quick else FULL)
    if feeds:  # a medium size for profiling: FULL's hosts and entries per feed, fewer feeds
        size.update(feeds=feeds, naive=min(size["naive"], feeds * size["entries"]))
    work = Path(tempfile.mkdtemp(prefix="newsmon-throughput-")) if keep is None else keep
    work.mkdir(parents=True, exist_ok=True)
    n_articles = size["feeds"] * size["entries"]
    results: dict[str, Any] = {"size": size, "latency_s": LATENCY, "cores": CORES, "code": code_version()}
    lines: list[str] = []
    spec = FarmSpec(hosts=size["hosts"], feeds=size["feeds"], entries=size["entries"], latency=LATENCY)
    try:
        with Farm(spec) as farm:
            urls = farm.feed_urls()
            results["farm_templates"] = farm.info["templates"]
            empty_cfg = write_config(work, [], "config-empty")
            cfg = write_config(work, urls)
            # Prefect start-up: an empty run (first one creates Prefect's database; not counted).
            run_newsmon(empty_cfg, work, "warmup")
            startups = [run_newsmon(empty_cfg, work, f"empty{i}", farm=farm) for i in range(size["startups"])]
            startup = statistics.median(r["wall_s"] for r in startups)
            results["startup"] = startups
            # (a) newsmon, first run: every entry new.
            farm.reset_stats()
            first = run_newsmon(cfg, work, "first", farm=farm, profile=profile)
            results["first"] = first
            results["db_bytes"] = db_size(work / "newsmon.duckdb")
            results["db_used_bytes"] = db_used(work / "newsmon.duckdb")
            # Rerun with nothing new: every feed answers 304.
            reruns = []
            for i in range(size.get("reruns", 1)):
                farm.reset_stats()
                reruns.append(run_newsmon(cfg, work, f"rerun{i}", farm=farm))
            results["reruns"] = [x["wall_s"] for x in reruns]
            results["rerun"] = sorted(reruns, key=lambda x: x["wall_s"])[len(reruns) // 2]  # the median
            # (b) the naive script on a sample.
            per_feed = size["entries"]
            naive_feeds = urls[: -(-size["naive"] // per_feed)]
            results["naive"] = run_naive_child(naive_feeds, work, size["naive"])
            # Memory against history: new entries on top of the stored articles.
            if size["advance"]:
                farm.advance(size["advance"])
                farm.reset_stats()
                results["history"] = run_newsmon(cfg, work, "history", farm=farm)
                results["db_bytes_history"] = db_size(work / "newsmon.duckdb")
                results["db_used_bytes_history"] = db_used(work / "newsmon.duckdb")
        # (c) the CPU limit, with the farm stopped (nothing else running).
        results["cpu"] = cpu_limit(size["feeds"], size["entries"], size["cpu_every"])
    finally:
        (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    lines = summarise(results, n_articles)
    return lines, results


def summarise(r: dict[str, Any], n_articles: int) -> list[str]:
    first, rerun, naive, cpu, hist = r["first"], r["rerun"], r["naive"], r["cpu"], r.get("history")
    rerun_walls = [f"{w:.2f}" for w in r.get("reruns", [rerun["wall_s"]])]
    startup_walls = [f"{s['wall_s']:.2f}" for s in r["startup"]]
    startup = statistics.median(s["wall_s"] for s in r["startup"])
    a = first["new"] / first["wall_s"]
    a_net = first["new"] / max(1e-9, first["wall_s"] - startup)
    b = naive["articles_per_s"]
    c = cpu["limit_articles_per_s"]
    size = r["size"]
    hosts = size["hosts"]
    lines = [
        f"code: {r.get('code', 'unknown')}",
        f"farm: {size['feeds']} feeds x {size['entries']} entries on {hosts} hosts, {LATENCY * 1000:.0f} ms per response, "
        f"{r['farm_templates']} real base pages (mean served page {cpu['mean_page_kb']} KB); politeness ceiling "
        f"{4 * hosts} pages/s (2 per host, 0.25 s apart); farm CPU (start-up included) {first['farm'].get('cpu_s', 0):.1f} s",
        f"(a) newsmon: {first['new']} new of {n_articles} in {first['wall_s']:.1f} s = {a:.1f} articles/s "
        f"({a_net:.1f}/s net of Prefect start-up {startup:.1f} s; flow body {first['flow_s']:.1f} s); "
        f"outcomes {first['counts']}",
        f"(b) naive script: {naive['stored']} articles in {naive['wall_s']:.1f} s = {b:.2f} articles/s",
        f"(c) CPU limit: trafilatura {cpu['ms_per_page']:.1f} ms CPU per page ({cpu['pages_timed']} pages timed, "
        f"1 in {cpu['every']}) -> {cpu['cpu_s_total']:.0f} s for {n_articles} / {CORES} cores = {c:.1f} articles/s",
        f"ratios: a/b = {a / b:.1f} (target >= 20), a/c = {a / c:.2f} (target >= 0.75); "
        f"net of start-up: a/b = {a_net / b:.1f}, a/c = {a_net / c:.2f}",
        (f"(c') with trafilatura's default options instead (fallback extractors, comments, tables): "
         f"{cpu['default_ms_per_page']:.1f} ms per page -> {cpu['default_limit_articles_per_s']:.1f} articles/s; "
         f"a/c' = {a / cpu['default_limit_articles_per_s']:.2f}" if "default_ms_per_page" in cpu else "(c') not measured"),
        f"peak memory (a): run process {first['vmhwm_mb']:.0f} MB (VmHWM; wait4 maxrss {first['maxrss_mb']:.0f} MB), "
        f"whole tree {first.get('peak_tree_pss_mb', 0):.0f} MB PSS (target <= 1024: "
        f"{'met' if 0 < first.get('peak_tree_pss_mb', 0) <= 1024 else 'not met'}; PSS counts a page shared by n "
        f"processes 1/n in each) and {first['peak_tree_mb']:.0f} MB summed RSS (shared library pages once per "
        f"process); tree RSS at 25/50/75/100% of the run {[q[1] for q in first['rss_quartiles']]} MB",
        (f"history: +{hist['new']} articles on {first['new']} stored: run process {hist['vmhwm_mb']:.0f} MB, tree "
         f"{hist.get('peak_tree_pss_mb', 0):.0f} MB PSS ({hist['peak_tree_mb']:.0f} MB summed RSS), {hist['wall_s']:.1f} s"
         if hist else "history: not measured (--quick)"),
        f"rerun, nothing new ({rerun['feeds']['not_modified']} feeds 304, {rerun['farm'].get('page_200', 0)} pages "
        f"fetched): {rerun['wall_s']:.2f} s (median of {len(rerun_walls)}: {', '.join(rerun_walls)}), start-up "
        f"(empty run, median of {len(startup_walls)}: {', '.join(startup_walls)}) {startup:.2f} s -> "
        f"{rerun['wall_s'] - startup:.2f} s beyond start-up (target <= 3 s); flow body {rerun['flow_s']:.2f} s",
        f"database: {r['db_bytes'] / 2**20:.1f} MB for {first['new']} articles = "
        f"{r['db_bytes'] / 2**20 / max(1, first['new']) * 1000:.1f} MB per 1,000 articles (file; blocks in use "
        f"{r.get('db_used_bytes', 0) / 2**20:.1f} MB = {r.get('db_used_bytes', 0) / 2**20 / max(1, first['new']) * 1000:.1f} "
        f"MB per 1,000)",
        f"farm articles unique: {cpu['unique_hashes']} distinct text hashes of {cpu['pages_timed']}; "
        f"{cpu['same_base_pairs']} same-base pairs, max 3-shingle Jaccard {cpu['max_jaccard']}, "
        f"{cpu['near_copies']} at >= 0.3",
    ]
    st = first.get("stages", {})
    cpu_parts = ", ".join(f"{k} {v:.0f} s" for k, v in first.get("cpu_by_process", {}).items() if v >= 0.5)
    sw = first.get("stream") or {}
    lines.insert(3, f"(a) where the time went (wall, s): " + ", ".join(f"{k} {v[1]:.0f}" for k, v in st.items() if v[1] >= 0.5)
                 + (f"; the flow's thread waited {sw['wait_pages_s']:.0f} s for pages, {sw['wait_extraction_s']:.0f} s for "
                    f"extraction ({sw['chunks']:.0f} chunks)" if sw else "")
                 + f"; CPU: {cpu_parts}, farm {first.get('farm_cpu_s', 0):.0f} s")
    lines.insert(4, f"machine: other processes (not newsmon, not the farm) used {first['others_cpu_s']:.0f} core-s during (a) "
                 f"= {first['others_share']:.0%} of the {CORES} cores; during (b) the machine was busy "
                 f"{naive.get('machine_busy_s', 0):.0f} core-s in {naive['wall_s']:.0f} s")
    if hist:
        grown_bytes = r.get("db_bytes_history", 0) - r["db_bytes"]
        if grown_bytes > 0 and hist["new"]:
            lines.append(f"database growth in the history run: {grown_bytes / 2**20:.1f} MB for {hist['new']} articles = "
                         f"{grown_bytes / 2**20 / hist['new'] * 1000:.1f} MB per 1,000 articles (marginal, file); "
                         f"blocks in use {r.get('db_used_bytes_history', 0) / 2**20:.1f} MB for "
                         f"{first['new'] + hist['new']} articles")
    return lines


# -- the profile ------------------------------------------------------------------------------
# Where the run process's main thread spends its wall time, by the first matching frame (innermost
# category wins: a traversal inside store_task counts as traversal).
CATEGORIES = [
    ("Prefect walks task parameters (visit_collection)", ("visit_collection (prefect/utilities/collections.py",)),
    ("waiting for pages (PageStream)", ("FetchStream.get (pipeline/fetch.py",)),
    ("fetching feeds", ("fetch_feeds (pipeline/ingest.py",)),
    ("waiting for extraction (PrefectFuture.result)", ("PrefectConcurrentFuture.result", "PrefectFuture.result")),
    ("store_batch (dedupe, stories, DuckDB writes)", ("store_batch (pipeline/ingest.py",)),
    ("opening DuckDB (open_store, migrations check)", ("open_store (pipeline/store.py",)),
    ("select_entries", ("select_entries (pipeline/ingest.py",)),
    ("Prefect task engine (other)", ("run_task_sync (prefect/task_engine.py", "Task.submit")),
    ("Prefect flow start-up (server, client, imports)", ("FlowRunEngine.start", "FlowRunEngine.initialize_run",
                                                         "SubprocessASGIServer", "_find_and_load")),
]


WORKER_PARTS = [
    ("trafilatura (bare_extraction)", "bare_extraction (trafilatura/core.py"),
    ("theme matcher", "ThemeMatcher.score (pipeline/themes.py"),
    ("language (py3langid)", "detect_language (pipeline/articles.py"),
    ("story terms", "story_terms (pipeline/stories.py"),
    ("near-dup fingerprint", "fingerprint (pipeline/neardup.py"),
    ("text hash", "text_hash (pipeline/dedupe.py"),
    ("worker start-up (imports)", "_find_and_load"),
]
_IDLE_LEAVES = ("select (selectors.py", "wait (threading.py", "_wait_for_tstate_lock", "recv_bytes", "._recv (",
                "poll (", "sleep", "get (queue.py", "SemLock.__enter__")


def analyse_profile(path: Path, top: int = 12) -> list[str]:
    """Summarise py-spy raw stacks (``--idle``): the run process's main thread by category (wall
    clock), what the extraction workers spend their busy samples on, and the main thread's
    heaviest frames outside the generic flow/engine frames."""
    import re

    def clean(frame: str) -> str:
        frame = re.sub(r" \(.*?/(site-packages|python3\.11|main)/", " (", frame)
        return re.sub(r":\d+\)$", ")", frame)

    cats: dict[str, int] = {}
    frames: dict[str, int] = {}
    worker: dict[str, int] = {}
    main_total = worker_busy = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        count = int(n)
        parts = stack.split(";")
        procs = [p for p in parts if p.startswith("process ")]
        rest = [clean(p) for p in parts if not p.startswith(("process ", "thread ", " spawn_main("))]
        if len(procs) > 1:  # a child of the run process
            if "spawn_main" in procs[-1] and rest and not any(k in rest[-1] for k in _IDLE_LEAVES):
                worker_busy += count
                label = next((name for name, key in WORKER_PARTS if any(key in f for f in rest)), "other")
                worker[label] = worker.get(label, 0) + count
            continue
        if "_run_module_as_main" not in stack:
            continue  # another thread of the run process
        main_total += count
        label = next((name for name, keys in CATEGORIES if any(k in f for f in rest for k in keys)), "other")
        cats[label] = cats.get(label, 0) + count
        for f in set(rest):
            frames[f] = frames.get(f, 0) + count
    if not main_total:
        return ["no main-thread samples"]
    out = [f"run process, main thread: {main_total} samples at 50 Hz = {main_total / 50:.0f} s of wall clock"]
    out += [f"  {v / main_total:6.1%}  {k}" for k, v in sorted(cats.items(), key=lambda x: -x[1])]
    if worker_busy:
        out.append(f"extraction workers, busy samples ({worker_busy / 50:.0f} s, both workers):")
        out += [f"  {v / worker_busy:6.1%}  {k}" for k, v in sorted(worker.items(), key=lambda x: -x[1])]
    generic = ("<module>", "_run_code", "_run_module_as_main", "main (bench", "child_main", "run_pipeline", "Flow.__call__",
               "run_flow", "FlowRunEngine.call_flow_fn", "call_with_parameters", "ingest_flow", "_ingest (flows",
               "run_task", "Task.__call__", "SyncTaskRunEngine.call_task_fn", "fetch_all", "run_async", "run (asyncio",
               "Runner.run", "BaseEventLoop", "FetchStream", "EpollSelector", "_GeneratorContextManager",
               "visit_collection.<locals>", "_QuotedTask", "_timed.<locals>")
    heavy = [(k, v) for k, v in sorted(frames.items(), key=lambda x: -x[1]) if not k.startswith(generic)]
    out.append("heaviest main-thread frames beyond the flow's own and the fetch loop (inclusive):")
    out += [f"  {v / main_total:6.1%}  {k}" for k, v in heavy[:top]]
    return out


def run(articles: int | None = None, quick: bool = False) -> list[str]:
    """The bench entry point (python -m bench). ``articles`` is not used by this bench."""
    lines, _ = bench(quick=quick)
    for line in lines:
        print(line, flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    ap.add_argument("--feeds", type=int, default=None, help="this many feeds instead of 200 (a medium run)")
    ap.add_argument("--profile", type=Path, default=None, help="attach py-spy to (a), raw stacks to this file")
    ap.add_argument("--analyse", type=Path, default=None, help="summarise a py-spy raw profile, then exit")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child_main(args.child, args.out)
    if args.analyse:
        print("\n".join(analyse_profile(args.analyse)))
        return 0
    lines, _ = bench(quick=args.quick, keep=args.keep, profile=args.profile, feeds=args.feeds)
    print("\n".join(lines))
    if args.profile and args.profile.exists():
        print("\n".join(analyse_profile(args.profile)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
