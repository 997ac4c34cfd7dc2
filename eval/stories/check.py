"""Consistency check for the story-clustering dev set (eval/stories).

Run: .venv/bin/python eval/stories/check.py
Checks that files and labels.csv agree, file format, word counts (120-400),
time rules (one event within 36 h; a negative `eNNx` 3-20 days from event `eNN`),
and prints counts per event plus a bag-of-words cosine sanity figure.
"""
import csv
import math
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load():
    with open(HERE / "labels.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows


def main() -> int:
    errors = []
    rows = load()
    files = {p.name for p in HERE.glob("[0-9][0-9][0-9]_*.txt")}
    labelled = [r["file"] for r in rows]
    if len(labelled) != len(set(labelled)):
        errors.append("duplicate rows in labels.csv")
    for f in sorted(files - set(labelled)):
        errors.append(f"file without label: {f}")
    for f in sorted(set(labelled) - files):
        errors.append(f"label without file: {f}")

    texts, times = {}, {}
    for r in rows:
        p = HERE / r["file"]
        if not p.exists():
            continue
        raw = p.read_text(encoding="utf-8")
        lines = raw.split("\n")
        if len(lines) < 3 or not lines[0].strip() or lines[1] != "":
            errors.append(f"{r['file']}: expected headline, blank line, body")
        body = raw.partition("\n\n")[2]
        n = len(body.split())
        if not 120 <= n <= 400:
            errors.append(f"{r['file']}: body has {n} words")
        if r["lang"] not in {"en", "de", "fr"}:
            errors.append(f"{r['file']}: lang {r['lang']}")
        texts[r["file"]] = raw
        times[r["file"]] = datetime.fromisoformat(r["published"].replace("Z", "+00:00"))

    by_event = defaultdict(list)
    for r in rows:
        by_event[r["event"]].append(r)
    for ev, rs in by_event.items():
        ts = [times[r["file"]] for r in rs if r["file"] in times]
        span = (max(ts) - min(ts)).total_seconds() / 3600
        if span > 36:
            errors.append(f"{ev}: span {span:.1f} h > 36 h")
        base = re.match(r"e\d+", ev).group(0)
        if ev != base:
            if base not in by_event:
                errors.append(f"{ev}: no parent event {base}")
                continue
            for r in rs:
                for q in by_event[base]:
                    d = abs((times[r["file"]] - times[q["file"]]).total_seconds()) / 86400
                    if not 3 <= d <= 20:
                        errors.append(f"{r['file']} vs {q['file']}: {d:.1f} days apart")

    # counts
    main_events = sorted(e for e in by_event if re.fullmatch(r"e\d+", e))
    negs = sorted(e for e in by_event if not re.fullmatch(r"e\d+", e))
    print(f"{'event':6} {'en':>3} {'de':>3} {'fr':>3}  negatives")
    for ev in main_events:
        c = Counter(r["lang"] for r in by_event[ev])
        ng = [f"{n}:{len(by_event[n])}" for n in negs if n.startswith(ev) and re.fullmatch(ev + r"[a-z]", n)]
        print(f"{ev:6} {c['en']:3d} {c['de']:3d} {c['fr']:3d}  {' '.join(ng)}")
    langs = Counter(r["lang"] for r in rows)
    print(f"files {len(files)}, rows {len(rows)}, events {len(main_events)}, "
          f"negative events {len(negs)} ({sum(len(by_event[n]) for n in negs)} articles), langs {dict(langs)}")

    # bag-of-words cosine: same-event pairs vs hard-negative pairs (English only)
    def vec(t):
        toks = re.findall(r"[a-z]{3,}", t.lower())
        return Counter(toks)

    def cos(a, b):
        num = sum(a[k] * b[k] for k in a.keys() & b.keys())
        return num / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))

    en = {r["file"]: r for r in rows if r["lang"] == "en" and r["file"] in texts}
    df = Counter()
    for f in en:
        df.update(set(vec(texts[f])))
    N = len(en)

    def tfidf(f):
        return Counter({k: v * math.log(N / df[k]) for k, v in vec(texts[f]).items()})

    V = {f: tfidf(f) for f in en}
    same, hard, other = [], [], []
    for a, b in combinations(en, 2):
        ea, eb = en[a]["event"], en[b]["event"]
        s = cos(V[a], V[b])
        if ea == eb:
            same.append(s)
        elif re.match(r"e\d+", ea).group(0) == re.match(r"e\d+", eb).group(0):
            hard.append(s)
        else:
            other.append(s)
    mean = lambda xs: sum(xs) / len(xs)
    print(f"tf-idf cosine (en): same event mean {mean(same):.3f} min {min(same):.3f}; "
          f"hard negative pairs mean {mean(hard):.3f} max {max(hard):.3f}; "
          f"unrelated mean {mean(other):.3f} max {max(other):.3f}")

    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
