"""How often the model-free language guess (pipeline.language: common words, then script) agrees with py3langid.

Texts: the 181 ground-truth articles of ../shared/eval-data/extraction, the theme development texts
in eval/themes*/ (the current blind set excluded with --skip), and the titles and summaries of the
entries of ../shared/eval-data/feeds (at least 40 characters). Prints the agreement, the texts the
stopwords leave to py3langid (by py3langid's language), every disagreement, and the time per text.

    .venv/bin/python eval/language/evaluate.py [--shared ../shared] [--skip themes_blind14]
"""

from __future__ import annotations

import argparse
import glob
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def texts(shared: Path, skip: list[str]) -> list[tuple[str, str, str]]:
    import feedparser

    out = []
    gt = json.loads((shared / "eval-data/extraction/ground-truth.json").read_text())
    out += [("extraction", k[:12], v["articleBody"]) for k, v in gt.items()]
    for f in sorted(glob.glob(str(ROOT / "eval/themes*/*/*.txt"))):
        if not any(s in f for s in skip):
            out.append(("themes", f, Path(f).read_text(encoding="utf-8")))
    for f in sorted(glob.glob(str(shared / "eval-data/feeds/*/*"))):
        for e in feedparser.parse(f).entries[:20]:
            t = (e.get("title", "") + ". " + re.sub("<[^>]+>", " ", e.get("summary", ""))).strip()
            out.append(("feeds", Path(f).name, t))
    return [t for t in out if len(t[2]) >= 40]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--skip", nargs="*", default=[], help="leave out theme folders whose path holds this")
    args = ap.parse_args()
    import py3langid

    from pipeline.language import scores, text_language

    sample = texts(args.shared, args.skip)
    py3langid.classify("warm up the model")
    by: dict[str, Counter] = {}
    left: Counter = Counter()
    t_sw = t_py = 0.0
    for src, name, t in sample:
        c0 = time.perf_counter()
        sw = text_language(t)
        t_sw += time.perf_counter() - c0
        c0 = time.perf_counter()
        py = py3langid.classify(t[:3000])[0]
        t_py += time.perf_counter() - c0
        verdict = "left to py3langid" if sw is None else "agree" if sw == py else "disagree"
        by.setdefault(src, Counter())[verdict] += 1
        if sw is None:
            left[py] += 1
        elif sw != py:
            print(f"disagree: {src} {name[-40:]}: stopwords {sw}, py3langid {py}, "
                  f"{scores(t)[1].most_common(3)}: {t[:80]!r}")
    total = Counter()
    for src, c in by.items():
        total.update(c)
        print(f"{src:>10}: {dict(c)}")
    print(f"{'all':>10}: {dict(total)} of {len(sample)} texts")
    print("left to py3langid, by py3langid's language:", dict(left.most_common()))
    print(f"per text: stopwords {1000 * t_sw / len(sample):.2f} ms, py3langid {1000 * t_py / len(sample):.2f} ms")


if __name__ == "__main__":
    main()
