"""Evaluate article text extraction (pipeline/articles.py) on the article-extraction-benchmark pages.

    .venv/bin/python eval/extraction/evaluate.py [--data DIR] [--json]

Opt-in: DIR (default below) holds ground-truth.json, html/<hash>.html.gz and optionally
output/<tool>.json (upstream's outputs of other tools, scored as reference rows). Scoring is
upstream's (scrapinghub/article-extraction-benchmark evaluate.py): 4-token shingles, macro
precision/recall, F1 of the two means, bootstrap std, exact-token accuracy; see README.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import random
import re
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from pipeline import articles  # noqa: E402
from pipeline.entries import MAX_TITLE, clean_text  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval-data" / "extraction"
VARIANTS = {"shipped": {}, "fast": {"fast": True}, "precision": {"favor_precision": True},
            "recall": {"favor_recall": True}}
N_BOOTSTRAP = 1000
_TOKEN = re.compile(r"\w+")


# --- scoring (upstream's metric) -------------------------------------------------------------

def shingles(text: str, n: int = 4) -> Counter:
    """Multiset of n-token shingles; a text shorter than n tokens is one short shingle."""
    toks = _TOKEN.findall(text or "")
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i:i + n])


def page_counts(true: str, pred: str) -> tuple[float, float, float]:
    """Raw (tp, fp, fn) over shingles of one page."""
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    return float(tp), float(sum(p.values()) - tp), float(sum(t.values()) - tp)


def _prec(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else tp / (tp + fp) if tp + fp else 0.0


def _rec(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else tp / (tp + fn) if tp + fn else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def macro(norm: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Upstream's figures from normalised per-page counts: (F1, precision, recall)."""
    p = statistics.mean(_prec(*c) for c in norm if c[0] + c[1] > 0)
    r = statistics.mean(_rec(*c) for c in norm if c[0] + c[2] > 0)
    return _f1(p, r), p, r


def score(truths: list[str], preds: list[str], seed: int = 0) -> dict[str, Any]:
    raw = [page_counts(t, p) for t, p in zip(truths, preds)]
    norm = [tuple(x / s for x in c) if (s := sum(c)) else c for c in raw]
    f1, p, r = macro(norm)
    acc = [float(_TOKEN.findall(t) == _TOKEN.findall(q)) for t, q in zip(truths, preds)]
    rng, boot = random.Random(seed), {"f1": [], "precision": [], "recall": [], "accuracy": []}
    for _ in range(N_BOOTSTRAP):
        idx = [rng.randrange(len(norm)) for _ in norm]
        for k, v in zip(("f1", "precision", "recall"), macro([norm[i] for i in idx])):
            boot[k].append(v)
        boot["accuracy"].append(statistics.mean(acc[i] for i in idx))
    tp, fp, fn = (sum(c[i] for c in raw) for i in range(3))
    out = {"f1": f1, "precision": p, "recall": r, "accuracy": statistics.mean(acc),
           "f1_page_mean": statistics.mean(_f1(_prec(*c), _rec(*c)) for c in norm),
           "f1_micro": _f1(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0),
           "empty": sum(not _TOKEN.search(q or "") for q in preds), "pages": len(preds)}
    out.update({f"{k}_std": statistics.stdev(v) for k, v in boot.items()})
    out["_norm"] = norm  # for paired differences; dropped before printing
    return out


def paired_delta_f1(a: list, b: list, seed: int = 1) -> tuple[float, float]:
    """F1(a) - F1(b) and its bootstrap std over the same resampled pages (upstream's
    --bootstrap-differences)."""
    rng, diffs = random.Random(seed), []
    for _ in range(N_BOOTSTRAP):
        idx = [rng.randrange(len(a)) for _ in a]
        diffs.append(macro([a[i] for i in idx])[0] - macro([b[i] for i in idx])[0])
    return macro(a)[0] - macro(b)[0], statistics.stdev(diffs)


# --- extraction ------------------------------------------------------------------------------

def newsmon_options() -> dict[str, Any]:
    """The keyword arguments extract_html passes to bare_extraction, captured by a spy call."""
    seen: dict[str, Any] = {}
    real = trafilatura.bare_extraction

    def spy(html, url=None, **kw):
        seen.update(kw)
        return None

    trafilatura.bare_extraction = spy
    try:
        articles.extract_html(b"<html><body><p>x</p></body></html>", "https://example.org/")
    finally:
        trafilatura.bare_extraction = real
    return seen


def strip_headline(doc: Any) -> str:
    """extract_html's post-processing of the text: drop a first line equal to the title."""
    if doc is None or not (doc.text or "").strip():
        return ""
    text, title = doc.text.strip(), clean_text(doc.title, MAX_TITLE)
    first, _, rest = text.partition("\n")
    return rest.strip() if title and rest and first.strip() == title else text


def extractors() -> dict[str, Callable[[bytes, str], str]]:
    opts = newsmon_options()
    out: dict[str, Callable[[bytes, str], str]] = {
        "newsmon": lambda html, url: (articles.extract_html(html, url) or {}).get("text", "")}
    for name, extra in VARIANTS.items():
        kw = {**opts, **extra}
        out[name] = lambda html, url, kw=kw: strip_headline(trafilatura.bare_extraction(html, url=url, **kw))
    return out


def load(data: Path) -> tuple[list[str], list[str], list[bytes], list[str]]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)
    htmls = [gzip.decompress((data / "html" / f"{k}.html.gz").read_bytes()) for k in keys]
    return keys, [truth[k].get("articleBody", "") for k in keys], htmls, [truth[k].get("url") for k in keys]


def run(data: Path) -> dict[str, Any]:
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    keys, truths, htmls, urls = load(data)
    ex = extractors()
    for html, url in zip(htmls, urls):  # warm-up pass: imports, lazy compiles, first-call costs
        for f in ex.values():
            f(html, url)
    texts: dict[str, list[str]] = {n: [] for n in ex}
    cpu: dict[str, list[float]] = {n: [] for n in ex}
    for html, url in zip(htmls, urls):
        for name, f in ex.items():
            t0 = time.process_time()
            texts[name].append(f(html, url))
            cpu[name].append(time.process_time() - t0)
    rows = {name: score(truths, texts[name]) for name in ex}
    base_cpu = statistics.mean(cpu["shipped"])
    for name, row in rows.items():
        row["cpu_ms_median"] = 1000 * statistics.median(cpu[name])
        row["cpu_ms_mean"] = 1000 * statistics.mean(cpu[name])
        row["cpu_vs_shipped"] = statistics.mean(cpu[name]) / base_cpu
        row["delta_f1_vs_shipped"], row["delta_f1_std"] = paired_delta_f1(row["_norm"], rows["shipped"]["_norm"])
    refs = {}
    for path in sorted((data / "output").glob("*.json")):  # other tools, as upstream ran them
        pred = json.loads(path.read_text(encoding="utf-8"))
        version, pred = pred.get("version", "?"), pred.get("output", pred)  # {"version", "output": {...}}
        refs[path.stem] = {"version": version,
                           **score(truths, [(pred.get(k) or {}).get("articleBody") or "" for k in keys])}
    for row in [*rows.values(), *refs.values()]:
        del row["_norm"]
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "trafilatura": trafilatura.__version__, "pages": len(keys), "data": str(data),
            "options": {k: repr(v) for k, v in newsmon_options().items()},
            "rows": rows, "reference": refs}


def print_table(res: dict[str, Any]) -> None:
    print(f"{res['pages']} pages, trafilatura {res['trafilatura']}, {res['date']}; "
          f"newsmon options: {', '.join(f'{k}={v}' for k, v in res['options'].items())}")
    print(f"\n{'':<10} {'F1':>13} {'prec':>6} {'recall':>6} {'acc':>5} {'F1/pg':>6} {'F1µ':>6} "
          f"{'empty':>5} {'ΔF1 vs shipped':>15} {'CPU ms med':>10} {'mean':>6} {'×shipped':>8}")
    for name, r in res["rows"].items():
        print(f"{name:<10} {r['f1']:.3f} ± {r['f1_std']:.3f} {r['precision']:6.3f} {r['recall']:6.3f} "
              f"{r['accuracy']:5.3f} {r['f1_page_mean']:6.3f} {r['f1_micro']:6.3f} {r['empty']:5d} "
              f"{r['delta_f1_vs_shipped']:+8.3f} ± {r['delta_f1_std']:.3f} "
              f"{r['cpu_ms_median']:10.1f} {r['cpu_ms_mean']:6.1f} {r['cpu_vs_shipped']:8.2f}")
    for name, r in res["reference"].items():
        print(f"{'ref ' + name + ' ' + r['version']:<26} F1 {r['f1']:.3f} ± {r['f1_std']:.3f}  "
              f"prec {r['precision']:.3f}  recall {r['recall']:.3f}  acc {r['accuracy']:.3f}  "
              f"(upstream's output, same scoring)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"data folder (default {DEFAULT_DATA})")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    missing = [p for p in (args.data / "ground-truth.json", args.data / "html") if not p.exists()]
    if missing:
        print(f"error: extraction data not found: {', '.join(map(str, missing))}\n"
              f"(needs ground-truth.json and html/<hash>.html.gz; see eval/extraction/README.md, "
              f"or pass --data DIR)", file=sys.stderr)
        return 2
    res = run(args.data)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print_table(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
