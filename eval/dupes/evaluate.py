"""Evaluate near-duplicate detection (pipeline/neardup.py) on the labelled dev set.

Run from the repository root:

    .venv/bin/python eval/dupes/evaluate.py                 # the configured SHINGLE/BANDS/ROWS/THRESHOLD
    .venv/bin/python eval/dupes/evaluate.py --errors        # also list misses and false positives
    .venv/bin/python eval/dupes/evaluate.py --sweep         # compare shingle sizes and band layouts
    .venv/bin/python eval/dupes/evaluate.py --shingle 4 --bands 48 --rows 4 --threshold 0.25

The pairs come from eval/dupes/devset.jsonl.gz, built by make_devset.py (run here when missing).
A pair is *detected* end to end when LSH makes it a candidate (the two texts share at least one
band bucket of ``neardup.fingerprint``) AND its exact shingle Jaccard is >= the threshold: what
``pipeline.ingest.store_batch`` does. Positives give recall, negatives a false-positive rate.
"expected" columns replace the seed-dependent candidate draw by its probability,
1 - (1 - J^rows)^bands, which is what another seed would give on average.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import make_devset  # noqa: E402

from pipeline import neardup  # noqa: E402

CURVE = [round(0.10 + 0.05 * i, 2) for i in range(13)]  # 0.10 .. 0.70
TARGETS = {"repost_chrome": 0.95, "headline_changed": 0.95, "intro_added": 0.95, "ending_cut": 0.95,
           "subst_5": 0.95, "subst_10": 0.95, "subst_20": 0.80}
_CONFIGURED = (neardup.SHINGLE, neardup.BANDS, neardup.ROWS)


@dataclass
class Scored:
    pair: dict
    jaccard: float
    candidate: bool
    p_candidate: float  # 1 - (1 - J^r)^b


def configure(shingle: int, bands: int, rows: int) -> None:
    """Point pipeline.neardup at another layout (same seed recipe for the hash family)."""
    rng = np.random.default_rng(20261121)
    perms = bands * rows
    neardup.SHINGLE, neardup.BANDS, neardup.ROWS, neardup.PERMUTATIONS = shingle, bands, rows, perms
    neardup._A = rng.integers(1, 2**63 - 1, size=perms, dtype=np.uint64) | np.uint64(1)
    neardup._B = rng.integers(0, 2**63 - 1, size=perms, dtype=np.uint64)
    if shingle > len(neardup._MIX):  # the module mixes 3 word positions; more for k > 3 (sweep only)
        extra = np.random.default_rng(7).integers(1, 2**63 - 1, size=shingle - 3, dtype=np.uint64) | np.uint64(1)
        neardup._MIX = np.concatenate([neardup._MIX[:3], extra])


def score(pairs: list[dict], shingle: int, bands: int, rows: int) -> list[Scored]:
    configure(shingle, bands, rows)
    out = []
    for p in pairs:
        if (shingle, bands, rows) == _CONFIGURED:  # exactly the pipeline's calls
            fa, fb = neardup.fingerprint(p["a"]), neardup.fingerprint(p["b"])
        else:
            sa, sb = neardup.shingles(p["a"], shingle), neardup.shingles(p["b"], shingle)
            fa = neardup.Fingerprint(sa, neardup.band_buckets(neardup.signature(sa)))
            fb = neardup.Fingerprint(sb, neardup.band_buckets(neardup.signature(sb)))
        j = neardup.jaccard(fa.shingles, fb.shingles)
        cand = bool(len(np.intersect1d(fa.buckets, fb.buckets)))
        out.append(Scored(p, j, cand, 1 - (1 - j ** rows) ** bands))
    configure(*_CONFIGURED)
    return out


def detected(s: Scored, t: float) -> bool:
    return s.candidate and s.jaccard >= t


def types_of(scored: list[Scored]) -> tuple[list[str], list[str]]:
    pos = [t for t in make_devset.POSITIVE if any(s.pair["type"] == t for s in scored)]
    neg = [t for t in make_devset.NEGATIVE if any(s.pair["type"] == t for s in scored)]
    return pos, neg


def prf(scored: list[Scored], t: float, expected: bool = False) -> tuple[float, float, float, float]:
    """(precision, recall, true positives, false positives) at threshold t; expected uses P(candidate)."""
    tp = fp = npos = 0.0
    for s in scored:
        hit = (s.p_candidate if expected else float(s.candidate)) * (s.jaccard >= t)
        if s.pair["label"]:
            npos += 1
            tp += hit
        else:
            fp += hit
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / npos if npos else 0.0), tp, fp


def report(scored: list[Scored], threshold: float, shingle: int, bands: int, rows: int, errors: bool) -> None:
    pos, neg = types_of(scored)
    by = defaultdict(list)
    for s in scored:
        by[s.pair["type"]].append(s)
    print(f"\nconfig: word {shingle}-shingles, {bands} bands x {rows} rows ({bands * rows} MinHash values), "
          f"threshold {threshold:.2f}")
    print(f"{'type':<20}{'label':>6}{'n':>5}  {'J min':>6} {'J p5':>6} {'J med':>6} {'J max':>6}  "
          f"{'cand':>5}  {'J>=t':>5}  {'end-to-end':>10}  {'expected':>8}  target")
    for typ in pos + neg:
        ss = by[typ]
        js = np.array([s.jaccard for s in ss])
        lab = ss[0].pair["label"]
        cand = np.mean([s.candidate for s in ss])
        over = np.mean(js >= threshold)
        e2e = np.mean([detected(s, threshold) for s in ss])
        exp = np.mean([s.p_candidate * (s.jaccard >= threshold) for s in ss])
        name = "recall" if lab else "FP rate"
        tgt = f">= {TARGETS[typ]:.2f} {'ok' if e2e >= TARGETS[typ] else 'MISSED'}" if typ in TARGETS else ""
        print(f"{typ:<20}{lab:>6}{len(ss):>5}  {js.min():6.3f} {np.quantile(js, .05):6.3f} {np.median(js):6.3f} "
              f"{js.max():6.3f}  {cand:5.3f}  {over:5.3f}  {name:>7} {e2e:.3f}  {exp:8.3f}  {tgt}")
    p, r, tp, fp = prf(scored, threshold)
    pe, re_, _, fpe = prf(scored, threshold, expected=True)
    u = unrelated([s.pair for s in scored], shingle, bands, rows)
    print(f"{'all pairs of pages':<20}{0:>6}{u['pairs']:>6} J max {u['j_max']:.3f}, p99.9 {u['j_p999']:.3f}; "
          f"{u['candidates']} LSH candidates; expected false candidates per new article vs 1M stored: "
          f"{u['per_million']:.1f}")
    npos = sum(s.pair["label"] for s in scored)
    print(f"overall at {threshold:.2f}: precision {p:.4f} ({int(tp)} TP, {int(fp)} FP), recall {r:.4f} "
          f"of {npos} positive pairs, {len(scored) - npos} negative pairs; "
          f"expected precision {pe:.4f}, recall {re_:.4f}")

    print("not measured: translations. A copy in another language shares no word shingles (J ~ 0), so it is "
          "never a near-duplicate; heavy rewrites (> ~25% of words changed) fall below the threshold too.")
    print("\nthreshold curve (end to end: candidate AND J >= t; recall per positive type):")
    head = f"{'t':>5} {'prec':>7} {'recall':>7} {'FP':>4}  " + " ".join(f"{t[:10]:>10}" for t in pos)
    print(head)
    for t in CURVE:
        p, r, _, fp = prf(scored, t)
        cols = " ".join(f"{np.mean([detected(s, t) for s in by[typ]]):10.3f}" for typ in pos)
        print(f"{t:5.2f} {p:7.4f} {r:7.4f} {int(fp):4d}  {cols}")
    print("\nfalse-positive rate per negative type along the curve:")
    print(f"{'t':>5}  " + " ".join(f"{t[:18]:>18}" for t in neg))
    for t in CURVE:
        print(f"{t:5.2f}  " + " ".join(f"{np.mean([detected(s, t) for s in by[typ]]):18.3f}" for typ in neg))

    if errors:
        print(f"\nerrors at {threshold:.2f}:")
        for s in scored:
            d = detected(s, threshold)
            if d != bool(s.pair["label"]):
                kind = "MISS" if s.pair["label"] else "FALSE POSITIVE"
                print(f"  {kind:<15} {s.pair['id']:<45} J {s.jaccard:.3f} cand {int(s.candidate)} "
                      f"words {len(s.pair['a'].split())}/{len(s.pair['b'].split())}  {s.pair['note']}")


def page_texts(pairs: list[dict]) -> dict[str, str]:
    """Each eligible page's extracted text (the ``a`` side of its ``random`` pair)."""
    return {p["a_key"]: p["a"] for p in pairs if p["type"] == "random"}


def unrelated(pairs: list[dict], shingle: int, bands: int, rows: int) -> dict[str, float]:
    """All pairs of different pages (extracted texts): how often unrelated news becomes a candidate.

    ``per_million`` is the expected number of false candidates a new article gets against 1M stored
    unrelated articles (mean of 1 - (1 - J^r)^b times 10^6): each costs a text fetch and an exact
    Jaccard in store_batch, which the synthetic 1M benchmark (random fingerprints) does not see.
    """
    configure(shingle, bands, rows)
    texts = page_texts(pairs)
    fps = []
    for t in texts.values():
        sh = neardup.shingles(t, shingle)
        fps.append((sh, neardup.band_buckets(neardup.signature(sh))))
    configure(*_CONFIGURED)
    js, cands = [], 0
    for i in range(len(fps)):
        for j in range(i + 1, len(fps)):
            js.append(neardup.jaccard(fps[i][0], fps[j][0]))
            cands += bool(len(np.intersect1d(fps[i][1], fps[j][1])))
    ja = np.array(js)
    p = 1 - (1 - ja ** rows) ** bands
    return {"pairs": len(ja), "j_max": float(ja.max()), "j_p999": float(np.quantile(ja, 0.999)),
            "candidates": cands, "per_million": float(p.mean() * 1e6)}


def sweep(pairs: list[dict]) -> None:
    """Shingle size x band layout at a few thresholds, with the seed-independent expectations."""
    layouts = [(64, 3), (48, 4), (96, 3), (96, 2), (32, 5)]
    print("\nsweep (exp. = expected over LSH seeds; FP = false positives among "
          f"{sum(1 - p['label'] for p in pairs)} negative pairs; false cand./1M = expected false LSH candidates "
          "per new article against 1M stored unrelated pages)")
    for k in (2, 3, 4, 5):
        base = score(pairs, k, 64, 3)
        pos, neg = types_of(base)
        by = defaultdict(list)
        for s in base:
            by[s.pair["type"]].append(s.jaccard)
        print(f"\n  k={k}: J median/p5 of positives, median/max of negatives")
        print("    " + "  ".join(f"{t}={statistics.median(by[t]):.2f}/{np.quantile(by[t], .05):.2f}" for t in pos))
        print("    " + "  ".join(f"{t}={statistics.median(by[t]):.3f}/{max(by[t]):.2f}" for t in neg))
        for bands, rows in layouts:
            sc = base if (bands, rows) == (64, 3) else score(pairs, k, bands, rows)
            u = unrelated(pairs, k, bands, rows)
            cells = []
            for t in (0.25, 0.30, 0.35):
                p, r, _, fp = prf(sc, t)
                _, re_, _, _ = prf(sc, t, expected=True)
                s20 = np.mean([s.p_candidate * (s.jaccard >= t) for s in sc if s.pair["type"] == "subst_20"])
                cells.append(f"t={t:.2f}: P {p:.3f} R {r:.3f} (exp. {re_:.3f}) subst_20 exp. {s20:.2f} FP {int(fp)}")
            print(f"    {bands:3d}x{rows} ({bands * rows:3d} values; false cand./1M {u['per_million']:6.0f}): "
                  + " | ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devset", type=Path, default=make_devset.OUT)
    ap.add_argument("--shingle", type=int, default=neardup.SHINGLE)
    ap.add_argument("--bands", type=int, default=neardup.BANDS)
    ap.add_argument("--rows", type=int, default=neardup.ROWS)
    ap.add_argument("--threshold", type=float, default=neardup.THRESHOLD)
    ap.add_argument("--errors", action="store_true", help="list misses and false positives")
    ap.add_argument("--sweep", action="store_true", help="compare shingle sizes and band layouts")
    args = ap.parse_args()
    if not args.devset.exists():
        print(f"{args.devset} missing: building it with make_devset.py")
        make_devset.main(["--out", str(args.devset)])
    pairs = make_devset.load(args.devset)
    t0 = time.perf_counter()
    scored = score(pairs, args.shingle, args.bands, args.rows)
    print(f"{len(pairs)} pairs scored in {time.perf_counter() - t0:.1f} s")
    report(scored, args.threshold, args.shingle, args.bands, args.rows, args.errors)
    if args.sweep:
        sweep(pairs)


if __name__ == "__main__":
    main()
