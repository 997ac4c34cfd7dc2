"""Story clustering on the labelled set in eval/stories/: pair precision and recall, and a curve.

Run: .venv/bin/python eval/stories/evaluate.py [--threshold T]
Articles are fed in publication order through pipeline.stories.StoryIndex, exactly as the
pipeline does; a pair is predicted together when both land in one story.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline import stories  # noqa: E402

HERE = Path(__file__).resolve().parent


def distractors(rows: list[dict], seed: int = 7) -> list[dict]:
    """The 181 real pages of shared/eval-data, each placed at a random event's time: unrelated
    articles that share the window, as in a real stream. Each is its own 'event'."""
    import json
    import random
    from datetime import timedelta

    gt = ROOT.parent / "shared" / "eval-data" / "extraction" / "ground-truth.json"
    if not gt.exists():
        return []
    rng = random.Random(seed)
    out = []
    for key, v in sorted(json.loads(gt.read_text()).items()):
        body = v.get("articleBody", "")
        if len(body.split()) < 80:
            continue
        anchor = rng.choice(rows)["at"]
        first = body.strip().split("\n")[0][:120]
        out.append({"file": f"distractor:{key[:12]}", "event": f"d-{key[:12]}", "lang": "en", "title": first,
                    "body": body, "at": anchor + timedelta(hours=rng.uniform(-24, 24))})
    return out


def load() -> list[dict]:
    rows = []
    with (HERE / "labels.csv").open() as fh:
        for r in csv.DictReader(fh):
            text = (HERE / r["file"]).read_text(encoding="utf-8")
            title, _, body = text.partition("\n")
            rows.append({**r, "title": title.strip(), "body": body.strip(),
                         "at": datetime.fromisoformat(r["published"].replace("Z", "+00:00")).replace(tzinfo=None)})
    return sorted(rows, key=lambda r: r["at"])


def cluster(rows: list[dict], threshold: float, window_h: float = stories.WINDOW_HOURS) -> dict[str, int]:
    from datetime import timedelta

    index = stories.StoryIndex(threshold=threshold, window=timedelta(hours=window_h))
    out = {}
    for i, r in enumerate(rows):
        terms = stories.story_terms(r["title"], r["body"], r["lang"])
        out[r["file"]], _ = index.assign(i, r["at"], terms)
    return out


def pair_scores(rows: list[dict], pred: dict[str, int], english_only: bool = False) -> tuple[float, float, int, int, int]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(rows, 2):
        if english_only and (a["lang"] != "en" or b["lang"] != "en"):
            continue
        same = a["event"] == b["event"]
        together = pred[a["file"]] == pred[b["file"]]
        tp += same and together
        fp += together and not same
        fn += same and not together
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, tp, fp, fn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threshold", type=float, default=stories.THRESHOLD)
    args = ap.parse_args()
    rows = load()
    noise = distractors(rows)
    mixed = sorted(rows + noise, key=lambda r: r["at"])
    print(f"{len(rows)} articles, {len({r['event'] for r in rows})} events (incl. same-topic negatives), "
          f"plus {len(noise)} real unrelated pages placed in the same windows")
    for label, data, window in (("window 72 h, with distractors", mixed, stories.WINDOW_HOURS),
                                ("no time window (similarity alone must separate same-topic events)", rows, 1e9)):
        print(f"\nthreshold curve, {label}, English pairs:")
        print("  thr   precision  recall   tp  fp  fn")
        for t in [x / 100 for x in range(10, 61, 5)]:
            p, r, tp, fp, fn = pair_scores(data, cluster(data, t, window), english_only=True)
            mark = "  <- configured" if abs(t - args.threshold) < 1e-9 else ""
            print(f"  {t:.2f}  {p:9.3f}  {r:6.3f}  {tp:3d} {fp:3d} {fn:3d}{mark}")
    p, r, tp, fp, fn = pair_scores(mixed, cluster(mixed, args.threshold))
    print(f"\nall pairs at {args.threshold}: precision {p:.3f}, recall {r:.3f} (tp {tp}, fp {fp}, fn {fn}); "
          "cross-language pairs are not expected to match")


if __name__ == "__main__":
    main()
