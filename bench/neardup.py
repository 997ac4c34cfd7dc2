"""Near-duplicate lookup at scale: 1,000,000 stored articles (64M rows of ``article_lsh``).

    .venv/bin/python -m bench --only neardup                   # 1,000,000 stored articles (~4 min here)
    .venv/bin/python -m bench --only neardup --quick           # 50,000
    .venv/bin/python -m bench.neardup --articles 200000        # any size

What it does, in a temporary directory:
1. creates a DuckDB file migrated with the real migrations (``pipeline.store.open_store``);
2. loads N synthetic articles' LSH rows (random band hashes, band number in the top byte, exactly
   the layout of ``neardup.band_buckets``; numpy -> Arrow -> ``INSERT ... SELECT`` in chunks), and
   plants ~3,000 real near-copies (true texts of the eval-data pages with 2-12% of words replaced,
   stored in ``article`` too) so that lookups have true hits;
3. measures, each in a fresh process (so peak RSS is the lookups' own), per new article:
   ``Store.lsh_candidates`` (one join per batch) and an ``IN (...)`` list query, in batches of 100
   and of 1, without and then with an ART index on ``article_lsh(bucket)``; plus, for the
   production path, the verification that follows (``article_texts`` + exact Jaccard);
4. repeats all of it at a small baseline size (10,000) to print ratios measured in the same run.

New articles: 1,000 probes = the 164 original texts and 164 fresh 10% rewrites (true hits) plus
672 random fingerprints (no hit). Batches of 100: all 10 batches; batches of 1: the first 200.
Random fingerprints never collide with each other, so the synthetic history adds no false
candidates; how many a real history adds is estimated by ``eval/dupes/evaluate.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline import neardup  # noqa: E402
from pipeline.dedupe import text_hash  # noqa: E402
from pipeline.store import open_store, utcnow  # noqa: E402

DEFAULT_ARTICLES = 1_000_000
QUICK_ARTICLES = 50_000
BASELINE_ARTICLES = 10_000
CHUNK = 50_000  # articles per Arrow insert (3.2M rows)
PROBES = 1000
SINGLES = 200
# (name, query, ART index on article_lsh(bucket), DuckDB memory_limit)
VARIANTS = [("join", "join", False, None), ("join+128MB", "join", False, "128MB"), ("in", "in", False, None),
            ("join+index", "join", True, None), ("in+index", "in", True, None)]
GROUND_TRUTH = ROOT.parent / "shared" / "eval-data" / "extraction" / "ground-truth.json"
_WORD = re.compile(r"\w+", re.UNICODE)


# -- data --------------------------------------------------------------------------------------
def real_texts() -> list[str]:
    """True texts (>= 150 words) of the eval-data pages; empty when the data is not there."""
    if not GROUND_TRUTH.exists():
        return []
    gt = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    return [gt[k]["articleBody"] for k in sorted(gt) if len(gt[k]["articleBody"].split()) >= 150]


def rewrite(text: str, frac: float, vocab: list[str], rng: random.Random) -> str:
    spans = [m.span() for m in _WORD.finditer(text)]
    chosen = set(rng.sample(range(len(spans)), round(frac * len(spans))))
    out, last = [], 0
    for idx, (s, e) in enumerate(spans):
        if idx in chosen:
            out += [text[last:s], rng.choice(vocab)]
            last = e
    return "".join(out) + text[last:]


def random_buckets(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random fingerprints' buckets, shape (n, BANDS): band number in the top byte, like band_buckets."""
    bands = np.arange(neardup.BANDS, dtype=np.int64) << np.int64(56)
    return rng.integers(0, 2**56, size=(n, neardup.BANDS), dtype=np.int64) | bands


def plant_and_probes(texts: list[str], copies: int = 18
                     ) -> tuple[list[tuple[str, np.ndarray]], np.ndarray, np.ndarray, list[str]]:
    """Planted near-copies (text, buckets), probe buckets (PROBES, BANDS), which probes are real,
    and the probes' texts ("" for random ones)."""
    vocab = [w for t in texts for w in _WORD.findall(t.casefold())]
    rng = random.Random(20261121)
    planted = []
    for t in texts:
        for c in range(copies):
            copy = rewrite(t, 0.02 + 0.10 * c / copies, vocab, rng)
            planted.append((copy, neardup.fingerprint(copy).buckets))
    real_texts_ = texts + [rewrite(t, 0.10, vocab, rng) for t in texts]
    real = [neardup.fingerprint(t).buckets for t in real_texts_]
    nprng = np.random.default_rng(7)
    if not texts:  # no eval data: plant perturbed random fingerprints instead (half the bands kept)
        base = random_buckets(nprng, 300)
        for b in base:
            for _ in range(10):
                c = b.copy()
                redo = nprng.random(neardup.BANDS) < 0.5
                c[redo] = random_buckets(nprng, 1)[0][redo]
                planted.append((f"synthetic copy {len(planted)}", c))
        real = list(base[:PROBES // 3])
        real_texts_ = [""] * len(real)
    probes = np.vstack([np.array(real[:PROBES]), random_buckets(nprng, max(0, PROBES - len(real)))])
    is_real = np.array([True] * min(len(real), PROBES) + [False] * (PROBES - min(len(real), PROBES)))
    ptexts = real_texts_[:PROBES] + [""] * (PROBES - min(len(real), PROBES))
    order = nprng.permutation(PROBES)
    return planted, probes[order], is_real[order], [ptexts[i] for i in order]


def load(path: Path, articles: int, planted: list[tuple[str, np.ndarray]]) -> dict[str, Any]:
    """Create and fill the database; returns load figures."""
    rng = np.random.default_rng(12345)
    out: dict[str, Any] = {}
    with open_store(path) as st:
        st.con.execute("SET enable_progress_bar = false")
        t0 = time.perf_counter()
        for start in range(0, articles, CHUNK):
            n = min(CHUNK, articles - start)
            buckets = random_buckets(rng, n).ravel()
            ids = np.repeat(np.arange(start + 1, start + n + 1, dtype=np.int64), neardup.BANDS)
            st.con.register("_chunk", pa.table({"bucket": buckets, "article_id": ids}))
            st.con.execute("INSERT INTO article_lsh SELECT bucket, article_id FROM _chunk")
            st.con.unregister("_chunk")
        out["load_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        now = utcnow()
        rows, lsh = [], []
        for k, (text, buckets) in enumerate(planted):
            aid = articles + 1 + k
            rows.append({"id": aid, "url": f"https://copy.example/{aid}", "canonical_url": f"https://copy.example/{aid}",
                         "title": f"copy {aid}", "fetched_at": now, "text": text,
                         "text_hash": text_hash(text) + f"{aid:x}", "run_id": "bench"})
            lsh += [(int(b), aid) for b in buckets]
        with st.transaction():
            st.insert_articles(rows)
            st.insert_lsh(lsh)
        out["plant_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        st.con.execute("CHECKPOINT")
        out["checkpoint_s"] = time.perf_counter() - t0
        out["rows"] = int(st.con.execute("SELECT count(*) FROM article_lsh").fetchone()[0])
    out["size_mb"] = path.stat().st_size / 1e6
    return out


# -- lookups (run in a worker process) ---------------------------------------------------------
def in_list_candidates(con: Any, probes: list[tuple[int, int]]) -> dict[int, list[int]]:
    """Same answer as Store.lsh_candidates, with ``WHERE bucket IN (<literal list>)``."""
    by_bucket: dict[int, list[int]] = defaultdict(list)
    for i, b in probes:
        by_bucket[b].append(i)
    rows = con.execute("SELECT bucket, article_id FROM article_lsh WHERE bucket IN ("
                       + ",".join(str(b) for b in by_bucket) + ")").fetchall()
    out: dict[int, set[int]] = defaultdict(set)
    for b, aid in rows:
        for i in by_bucket[b]:
            out[i].add(aid)
    return {i: sorted(a) for i, a in out.items()}


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    """Peak RSS of this process in MB.

    /proc VmHWM where there is one: a child's ``getrusage().ru_maxrss`` starts from its parent's
    RSS at fork (Linux keeps the maximum across exec), which would hide the worker's own figure.
    """
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_now_mb() -> float:
    now = _status_mb("VmRSS")
    return now if now is not None else _peak_mb()


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    probes = np.load(spec["probes"])
    is_real = np.load(spec["is_real"])
    shingles = []
    if spec.get("verify"):  # computed by the extraction workers in production: not timed
        texts_ = json.loads(Path(spec["texts"]).read_text(encoding="utf-8"))
        shingles = [neardup.shingles(t) for t in texts_]
    method = spec["method"]
    res: dict[str, Any] = {}
    with open_store(spec["db"]) as st:
        st.con.execute("SET enable_progress_bar = false")
        if spec.get("memory_limit"):
            st.con.execute(f"SET memory_limit = '{spec['memory_limit']}'")
        res["threads"] = int(st.con.execute("SELECT current_setting('threads')").fetchone()[0])
        res["rss_before_mb"] = _peak_mb()

        def lookup(idx: range) -> dict[int, list[int]]:
            pr = [(i, int(b)) for i in idx for b in probes[i]]
            return st.lsh_candidates(pr) if method == "join" else in_list_candidates(st.con, pr)

        digest = hashlib.sha256()
        per_article_100, verify_100, hits, real_found, batches = [], [], 0, 0, []
        cpu100, cpu1 = [], []  # process CPU time (all DuckDB threads): less sensitive to a busy machine
        for s in range(0, PROBES, 100):
            t0, c0 = time.perf_counter(), time.process_time()
            cands = lookup(range(s, s + 100))
            dt = time.perf_counter() - t0
            cpu100.append((time.process_time() - c0) * 1000 / 100)
            per_article_100.append(dt * 1000 / 100)
            digest.update(json.dumps(sorted((i, sorted(a)) for i, a in cands.items())).encode())
            hits += sum(len(a) for a in cands.values())
            batches.append((s, cands))
        res["rss_after_batch100_mb"] = _peak_mb()
        per_article_1 = []
        for i in range(SINGLES):
            t0, c0 = time.perf_counter(), time.process_time()
            lookup(range(i, i + 1))
            per_article_1.append((time.perf_counter() - t0) * 1000)
            cpu1.append((time.process_time() - c0) * 1000)
        res["rss_after_mb"] = _peak_mb()
        res["rss_now_mb"] = _rss_now_mb()
        res["duckdb_buffer_mb"] = float(st.con.execute(
            "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()").fetchone()[0]) / 1e6
        if spec.get("verify"):
            # what store_batch does next: fetch the candidates' texts, exact Jaccard (after the
            # lookups, so that their peak RSS above is their own)
            for s, cands in batches:
                t0 = time.perf_counter()
                texts = st.article_texts(a for ids in cands.values() for a in ids)
                local = {i - s: ids for i, ids in cands.items()}
                prints = [neardup.Fingerprint(shingles[i], probes[i]) for i in range(s, s + 100)]
                found = neardup.find_near_duplicates(local, texts, prints)
                verify_100.append((time.perf_counter() - t0) * 1000 / 100)
                real_found += sum(1 for k, m in enumerate(found) if m is not None and is_real[s + k])
            res["rss_after_verify_mb"] = _peak_mb()
        if spec.get("insert"):
            # storing one batch of 100 new articles' LSH rows (Store.insert_lsh), then removing them
            rng = np.random.default_rng(99)
            first = int(st.con.execute("SELECT max(article_id) FROM article_lsh").fetchone()[0]) + 1
            ins = []
            for k in range(5):
                ids = np.repeat(np.arange(first + 100 * k, first + 100 * (k + 1)), neardup.BANDS)
                rows = list(zip(random_buckets(rng, 100).ravel().tolist(), ids.tolist()))
                t0 = time.perf_counter()
                with st.transaction():
                    st.insert_lsh(rows)
                ins.append((time.perf_counter() - t0) * 1000)
            st.con.execute("DELETE FROM article_lsh WHERE article_id >= ?", [first])
            res["insert100_ms"] = ins
    res.update(batch100=per_article_100, batch1=per_article_1, cpu100=cpu100, cpu1=cpu1, verify100=verify_100, candidates=hits,
               digest=digest.hexdigest()[:16], real_probes=int(is_real.sum()), real_found=real_found)
    return res


def _subprocess(args: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "bench.neardup", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_index(db: str) -> dict[str, Any]:
    """Worker: CREATE INDEX on article_lsh(bucket); time, peak RSS."""
    with open_store(db) as st:
        st.con.execute("SET enable_progress_bar = false")
        before = _peak_mb()
        t0 = time.perf_counter()
        st.con.execute("CREATE INDEX article_lsh_bucket_idx ON article_lsh (bucket)")
        st.con.execute("CHECKPOINT")
        return {"index_s": time.perf_counter() - t0, "rss_before_mb": before, "rss_peak_mb": _peak_mb()}


# -- driver ------------------------------------------------------------------------------------
def _q(xs: list[float], q: float) -> float:
    return float(np.quantile(np.array(xs), q))


def measure(articles: int, workdir: Path, planted: list, probes: np.ndarray, is_real: np.ndarray,
            probe_texts: list[str], log=print) -> dict[str, Any]:
    db = workdir / f"lsh_{articles}.duckdb"
    for p in workdir.glob(f"lsh_{articles}.duckdb*"):
        p.unlink()
    np.save(workdir / "probes.npy", probes)
    np.save(workdir / "is_real.npy", is_real)
    (workdir / "texts.json").write_text(json.dumps(probe_texts), encoding="utf-8")
    res: dict[str, Any] = {"articles": articles}
    res["load"] = load(db, articles, planted)
    ld = res["load"]
    log(f"  {articles:,} articles + {len(planted):,} planted copies: {ld['rows']:,} rows of article_lsh loaded in "
        f"{ld['load_s']:.1f} s ({ld['rows'] / ld['load_s'] / 1e6:.1f} M rows/s; planting {ld['plant_s']:.1f} s); "
        f"file {ld['size_mb']:.0f} MB", flush=True)
    spec = {"db": str(db), "probes": str(workdir / "probes.npy"), "is_real": str(workdir / "is_real.npy"),
            "texts": str(workdir / "texts.json")}
    for key, method, indexed, limit in VARIANTS:
        if indexed and "index" not in res:
            res["index"] = _subprocess(["--build-index", str(db)])
            res["index"]["size_mb"] = db.stat().st_size / 1e6
            ix = res["index"]
            log(f"  ART index on article_lsh(bucket): built in {ix['index_s']:.1f} s, peak RSS "
                f"{ix['rss_peak_mb']:.0f} MB, file {ld['size_mb']:.0f} -> {ix['size_mb']:.0f} MB", flush=True)
        r = _subprocess(["--worker", json.dumps({**spec, "method": method, "verify": key == "join",
                                                 "memory_limit": limit, "insert": key in ("join", "join+index")})])
        res[key] = r
        log(f"  {key:<12} batch of 100: {statistics.median(r['batch100']):7.2f} ms/article "
            f"(p95 {_q(r['batch100'], .95):7.2f}) | batch of 1: {statistics.median(r['batch1']):7.2f} ms "
            f"(p95 {_q(r['batch1'], .95):7.2f}) | CPU ms/article {statistics.median(r['cpu100']):.2f} / "
            f"{statistics.median(r['cpu1']):.2f} | peak RSS {r['rss_before_mb']:.0f} -> {r['rss_after_mb']:.0f} MB "
            f"(after 10 batches of 100: {r['rss_after_batch100_mb']:.0f}; DuckDB buffers {r['duckdb_buffer_mb']:.0f} MB)"
            + (f" | + verify {statistics.median(r['verify100']):.2f} ms/article "
               f"({sum(r['verify100']) * 100 / max(1, r['candidates']):.2f} ms per candidate), "
               f"{r['real_found']}/{r['real_probes']} real probes matched" if r["verify100"] else ""), flush=True)
    digests = {v[0]: res[v[0]]["digest"] for v in VARIANTS}
    res["same_answers"] = len(set(digests.values())) == 1
    db.unlink()
    return res


def run(articles: int | None = None, quick: bool = False, baseline: int = BASELINE_ARTICLES) -> list[str]:
    n = articles or (QUICK_ARTICLES if quick else DEFAULT_ARTICLES)
    t_all = time.perf_counter()
    texts = real_texts()
    t0 = time.perf_counter()
    planted, probes, is_real, probe_texts = plant_and_probes(texts)
    fp_ms = (time.perf_counter() - t0) * 1000 / max(1, len(planted) + int(is_real.sum()))
    print(f"near-duplicate lookup: {len(texts)} real texts -> {len(planted):,} planted near-copies, "
          f"{int(is_real.sum())} real + {PROBES - int(is_real.sum())} random probes; "
          f"{os.cpu_count()} CPUs; fingerprint {fp_ms:.1f} ms/text", flush=True)
    if not texts:
        print(f"  ({GROUND_TRUTH} not found: synthetic planted copies instead)")
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    try:
        sizes = [baseline, n] if baseline and baseline < n else [n]
        results = {}
        for size in sizes:
            print(f"-- {size:,} stored articles", flush=True)
            results[size] = measure(size, tmp, planted, probes, is_real, probe_texts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    big = results[n]
    small = results.get(baseline)
    lines = [f"command: .venv/bin/python -m bench{' --quick' if quick and not articles else ''}"
             f"{f' --articles {articles}' if articles else ''}  ({time.perf_counter() - t_all:.0f} s)",
             f"{n:,} stored articles = {big['load']['rows']:,} article_lsh rows: load {big['load']['load_s']:.1f} s, "
             f"file {big['load']['size_mb']:.0f} MB"
             + (f" ({big['load']['size_mb'] / small['load']['size_mb']:.0f}x the {baseline:,} baseline)" if small else ""),
             f"ART index: build {big['index']['index_s']:.1f} s, file {big['index']['size_mb']:.0f} MB, "
             f"peak RSS while building {big['index']['rss_peak_mb']:.0f} MB"]
    for key, *_ in VARIANTS:
        r = big[key]
        m100, m1 = statistics.median(r["batch100"]), statistics.median(r["batch1"])
        line = (f"{key + (' (production)' if key == 'join' else ''):<22} ms/article median (p95): batch of 100 "
                f"{m100:.2f} ({_q(r['batch100'], .95):.2f}), batch of 1 {m1:.2f} ({_q(r['batch1'], .95):.2f}); "
                f"CPU {statistics.median(r['cpu100']):.2f} / {statistics.median(r['cpu1']):.2f}; "
                f"peak RSS {r['rss_before_mb']:.0f} -> {r['rss_after_mb']:.0f} MB")
        if small:
            s = small[key]
            line += (f"; vs {baseline:,}: x{m100 / statistics.median(s['batch100']):.1f} / "
                     f"x{m1 / statistics.median(s['batch1']):.1f} time, RSS growth "
                     f"{s['rss_after_mb'] - s['rss_before_mb']:.0f} -> {r['rss_after_mb'] - r['rss_before_mb']:.0f} MB")
        lines.append(line)
    lines.append(f"storing a batch of 100 articles' LSH rows (Store.insert_lsh): "
                 f"{statistics.median(big['join']['insert100_ms']):.0f} ms without the index, "
                 f"{statistics.median(big['join+index']['insert100_ms']):.0f} ms with it")
    r = big["join"]
    lines.append(f"verification after the join (article_texts + exact Jaccard): "
                 f"{statistics.median(r['verify100']):.2f} ms/article, "
                 f"{sum(r['verify100']) * 100 / max(1, r['candidates']):.2f} ms per candidate "
                 f"({r['candidates'] / PROBES:.1f} candidates per probe); {r['real_found']}/{r['real_probes']} real "
                 f"probes found their planted copies; all {len(VARIANTS)} variants gave identical candidates: {big['same_answers']}")
    target = statistics.median(big["join"]["batch100"]) <= 5
    lines.append(f"target <= 5 ms/article at {n:,}: production join in batches of 100 "
                 f"{'meets' if target else 'MISSES'} it; batch of 1 "
                 f"{'meets' if statistics.median(big['join']['batch1']) <= 5 else 'misses'} it")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=None, help=f"stored articles (default {DEFAULT_ARTICLES:,})")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_ARTICLES:,} stored articles")
    ap.add_argument("--baseline", type=int, default=BASELINE_ARTICLES, help="size measured for the ratios (0: none)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--build-index", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.build_index:
        print(json.dumps(build_index(args.build_index)))
        return 0
    lines = run(args.articles, args.quick, args.baseline)
    print("\n".join(["", "summary:", *("  " + ln for ln in lines)]))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
