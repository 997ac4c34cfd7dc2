"""Evaluate the theme matcher on the labelled texts in eval/themes/<theme_id>/.

Run from the repository root:

    .venv/bin/python eval/themes/evaluate.py                     # the configured method
    .venv/bin/python eval/themes/evaluate.py --method all        # compare concepts/lexical/hybrid
    .venv/bin/python eval/themes/evaluate.py --errors            # every mistake, to tune on
    .venv/bin/python eval/themes/evaluate.py --folders           # per-writer (folder) figures
    .venv/bin/python eval/themes/evaluate.py --blind             # eval/themes_blind, aggregates only

Every theme is evaluated on all texts of all folders (a text is positive for a theme when its
column in labels.csv is 1). Round 1 split the 150 texts into dev and holdout (sha1("<folder>/<file>")
starting with 0-4); its holdout figures have been read, so since round 2 all 150 texts are
development data: the split is still printed, for comparison with round 1, and --errors lists all.
The blind set (eval/themes_blind/, written by other people, never read by whoever tunes the rules)
is the test: --blind prints aggregate figures only, never a text, a file name or a passage.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import pickle
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.themes import METHODS, ThemeMatcher, load_themes  # noqa: E402

EVAL_DIR = ROOT / "eval" / "themes"
BLIND_DIR = ROOT / "eval" / "themes_blind"
CONFIG_DIR = ROOT / "config"
STEPS = [round(0.05 * i, 2) for i in range(1, 20)]
# Real published articles (2019 news, mostly unrelated to the themes) used by the extraction
# evaluation; every match on them is a false positive or a rare true one, to be read by hand.
DEFAULT_BACKGROUND = ROOT.parent / "shared" / "eval-data" / "extraction" / "output" / "trafilatura.json"


@dataclass(frozen=True)
class Item:
    """One labelled text."""

    folder: str
    file: str
    title: str
    text: str
    labels: dict[str, int]
    lang: str
    style: str
    one_paragraph: bool
    split: str

    @property
    def words(self) -> int:
        return len(self.text.split()) + len(self.title.split())


def split_of(folder: str, file: str) -> str:
    """``holdout`` for sha1(folder/file) starting with 0-4, else ``dev``."""
    return "holdout" if hashlib.sha1(f"{folder}/{file}".encode()).hexdigest()[0] in "01234" else "dev"


def load_items(theme_ids: list[str], root: Path = EVAL_DIR) -> list[Item]:
    """Every labelled text under ``root``/*/labels.csv."""
    items = []
    for labels in sorted(root.glob("*/labels.csv")):
        folder = labels.parent.name
        with labels.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                raw = (labels.parent / row["file"]).read_text(encoding="utf-8")
                title, _, body = raw.strip().partition("\n")
                items.append(Item(
                    folder=folder, file=row["file"], title=title.strip(), text=body.strip(),
                    labels={t: int(row.get(t) or 0) for t in theme_ids},
                    lang=row.get("lang", "en").strip() or "en", style=row.get("style", ""),
                    one_paragraph=row.get("theme_in_one_paragraph", "0").strip() == "1",
                    split=split_of(folder, row["file"])))
    return items


def load_background(path: Path) -> list[str]:
    """Article bodies from a ``{"output": {id: {"articleBody": text}}}`` or ``{id: ...}`` JSON."""
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    data = data.get("output", data)
    return [v.get("articleBody", "") if isinstance(v, dict) else str(v) for v in data.values()]


def prf(pairs: list[tuple[int, float]], threshold: float) -> tuple[float, float, float, int, int, int]:
    """Precision, recall, F1, tp, fp, fn of (label, score) pairs at a threshold."""
    tp = sum(1 for y, s in pairs if y and s >= threshold)
    fp = sum(1 for y, s in pairs if not y and s >= threshold)
    fn = sum(1 for y, s in pairs if y and s < threshold)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, tp, fp, fn


def fmt(p: float, r: float, f: float, tp: int, fp: int, fn: int) -> str:
    return f"P {p:.2f}  R {r:.2f}  F1 {f:.2f}  (tp {tp}, fp {fp}, fn {fn})"


def run(method: str, items: list[Item], show_errors: bool, curves: bool, dev_only: bool = False,
        background: list[str] | None = None, folders: bool = False) -> dict:
    """Score every item with one method and print its report; returns the summary figures."""
    themes = load_themes(CONFIG_DIR)
    t0 = time.process_time()
    matcher = ThemeMatcher(themes, method=method)
    build_s = time.process_time() - t0
    matcher = pickle.loads(pickle.dumps(matcher))  # score with a copy as a worker process would

    scores: dict[tuple[str, str], dict] = {}
    words = [it.words for it in items]
    timings = []
    # CPU time of this process (time.process_time): wall-clock time on a shared machine measures
    # the neighbours as much as the matcher.
    for _pass in ("cold", "warm"):  # cold: empty token/stem caches, as in a fresh worker
        times = []
        for it in items:
            t = time.process_time()
            res = matcher.score(it.text, title=it.title, language=None)
            times.append(time.process_time() - t)
            scores[(it.folder, it.file)] = res
        timings.append((1000 * statistics.mean(times), 1000 * sum(times) / sum(words) * 800))

    print(f"\n## method: {method}\n")
    print(f"build {build_s * 1000:.0f} ms; {len(items)} texts, mean {statistics.mean(words):.0f} words; "
          f"{len(themes)} themes per article: cold caches {timings[0][0]:.2f} ms per article "
          f"({timings[0][1]:.2f} ms per 800 words), warm {timings[1][0]:.2f} ms ({timings[1][1]:.2f} ms per 800 words)")
    summary = {"build_ms": build_s * 1000, "ms_800_cold": timings[0][1], "ms_800_warm": timings[1][1]}
    if background:
        bg_matched: dict[str, int] = {t.id: 0 for t in themes}
        fresh = pickle.loads(pickle.dumps(ThemeMatcher(themes, method=method)))
        t = time.process_time()
        for text in background:
            for tid, r in fresh.score(text).items():
                bg_matched[tid] += r.matched
        elapsed = time.process_time() - t
        bg_words = sum(len(x.split()) for x in background)
        print(f"unlabelled real articles ({len(background)}, mean {bg_words / len(background):.0f} words, "
              f"cold caches): {1000 * elapsed / len(background):.2f} ms per article "
              f"({1000 * elapsed / bg_words * 800:.2f} ms per 800 words); matched: "
              + ", ".join(f"{k} {v}" for k, v in bg_matched.items()))
        summary["background"] = bg_matched
    for theme in themes:
        thr = theme.lexical_threshold if method == "lexical" else theme.threshold
        print(f"\n### {theme.id} (threshold {thr:.2f})\n")

        def pairs(pred) -> list[tuple[int, float]]:
            return [(it.labels[theme.id], scores[(it.folder, it.file)][theme.id].score)
                    for it in items if pred(it)]

        rows = {
            "dev": pairs(lambda it: it.split == "dev"),
            "holdout": pairs(lambda it: it.split == "holdout"),
            "all": pairs(lambda it: True),
            "dev, English": pairs(lambda it: it.split == "dev" and it.lang == "en"),
            "holdout, English": pairs(lambda it: it.split == "holdout" and it.lang == "en"),
            "all, non-English": pairs(lambda it: it.lang != "en"),
        }
        for name, ps in rows.items():
            if dev_only and "holdout" in name:
                continue
            n_pos = sum(y for y, _ in ps)
            print(f"- {name:<17} n={len(ps):>3} pos={n_pos:>2}  {fmt(*prf(ps, thr))}")
            summary[(theme.id, name)] = prf(ps, thr)
        for split in (("dev",) if dev_only else ("dev", "holdout", "all")):
            one = [(1, scores[(it.folder, it.file)][theme.id].score) for it in items
                   if it.folder == theme.id and it.labels[theme.id] and it.one_paragraph
                   and (split == "all" or it.split == split)]
            if one:
                hit = sum(1 for _, s in one if s >= thr)
                print(f"- one-paragraph positives ({split}): recall {hit / len(one):.2f} ({hit}/{len(one)})")
                summary[(theme.id, f"one_paragraph_{split}")] = (hit, len(one))
        best = max(STEPS, key=lambda x: (round(prf(rows["dev"], x)[2], 6), -abs(x - 0.5)))
        d, h = prf(rows["dev"], best), prf(rows["holdout"], best)
        summary[(theme.id, "best")] = (best, d, h)
        print(f"- best dev F1 at threshold {best:.2f}: dev {fmt(*d)}"
              + ("" if dev_only else f"; holdout {fmt(*h)}"))
        if curves:
            if dev_only:
                print("\n| threshold | dev P | dev R | dev F1 |")
                print("|---:|---:|---:|---:|")
            else:
                print("\n| threshold | dev P | dev R | dev F1 | holdout P | holdout R | holdout F1 |")
                print("|---:|---:|---:|---:|---:|---:|---:|")
            for step in STEPS:
                d, h = prf(rows["dev"], step), prf(rows["holdout"], step)
                line = f"| {step:.2f} | {d[0]:.2f} | {d[1]:.2f} | {d[2]:.2f} |"
                print(line if dev_only else line + f" {h[0]:.2f} | {h[1]:.2f} | {h[2]:.2f} |")
        if folders:
            print("\nper folder (each folder is one writer's texts):\n")
            print("| folder | n | pos | P | R | F1 | tp/fp/fn |")
            print("|---|---:|---:|---:|---:|---:|---|")
            for folder in sorted({it.folder for it in items}):
                ps = pairs(lambda it, f=folder: it.folder == f)
                p_, r_, f_, tp, fp, fn = prf(ps, thr)
                print(f"| {folder} | {len(ps)} | {sum(y for y, _ in ps)} | {p_:.2f} | {r_:.2f} | "
                      f"{f_:.2f} | {tp}/{fp}/{fn} |")
                summary[(theme.id, "folder", folder)] = (p_, r_, f_, tp, fp, fn)
        if show_errors:
            print("\nerrors (all texts: since round 2 every labelled text is development data):")
            for it in items:
                r = scores[(it.folder, it.file)][theme.id]
                y = it.labels[theme.id]
                if bool(y) != (r.score >= thr):
                    kind = "FN" if y else "FP"
                    print(f"  {kind} {r.score:.3f} {it.folder}/{it.file} [{it.lang}] {','.join(r.concepts)}")
                    print(f"     passage: {r.passage[:300]!r}")
    return summary


def run_blind(theme_ids: list[str], method: str) -> None:
    """Aggregate figures on the blind set: no text, file name, score or passage is printed."""
    missing = [t for t in theme_ids if not (BLIND_DIR / t / "labels.csv").is_file()]
    if missing:
        sys.exit(f"blind set incomplete: no labels.csv for {', '.join(missing)}")
    items = load_items(theme_ids, BLIND_DIR)
    themes = load_themes(CONFIG_DIR)
    matcher = pickle.loads(pickle.dumps(ThemeMatcher(themes, method=method)))
    scores = {}
    cpu = time.process_time()
    for it in items:
        scores[(it.folder, it.file)] = {k: r.score for k, r in
                                        matcher.score(it.text, title=it.title).items()}
    cpu = time.process_time() - cpu
    words = sum(it.words for it in items)
    print(f"blind set: {len(items)} texts in {len({it.folder for it in items})} folders, "
          f"non-English {sum(it.lang != 'en' for it in items)}; method {method}; "
          f"{1000 * cpu / words * 800:.2f} ms CPU per 800 words (cold caches)")
    for theme in themes:
        thr = theme.lexical_threshold if method == "lexical" else theme.threshold
        print(f"\n### {theme.id} (threshold {thr:.2f})\n")

        def pairs(pred) -> list[tuple[int, float]]:
            return [(it.labels[theme.id], scores[(it.folder, it.file)][theme.id])
                    for it in items if pred(it)]

        for name, pred in (("all", lambda it: True), ("English", lambda it: it.lang == "en"),
                           ("non-English", lambda it: it.lang != "en")):
            ps = pairs(pred)
            print(f"- {name:<12} n={len(ps):>3} pos={sum(y for y, _ in ps):>2}  {fmt(*prf(ps, thr))}")
        one = [s for (y, s) in pairs(lambda it: it.folder == theme.id and it.labels[theme.id]
                                     and it.one_paragraph)]
        if one:
            hit = sum(1 for s in one if s >= thr)
            print(f"- one-paragraph positives: recall {hit / len(one):.2f} ({hit}/{len(one)})")
        ps = pairs(lambda it: True)
        print("\n| threshold | P | R | F1 | tp/fp/fn |")
        print("|---:|---:|---:|---:|---|")
        for step in STEPS:
            p_, r_, f_, tp, fp, fn = prf(ps, step)
            print(f"| {step:.2f} | {p_:.2f} | {r_:.2f} | {f_:.2f} | {tp}/{fp}/{fn} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", default="concepts", choices=(*METHODS, "all"))
    ap.add_argument("--errors", action="store_true", help="list every mistake per theme")
    ap.add_argument("--folders", action="store_true", help="figures per folder (per writer)")
    ap.add_argument("--blind", action="store_true",
                    help=f"score {BLIND_DIR.relative_to(ROOT)} and print aggregate figures only")
    ap.add_argument("--no-curves", action="store_true", help="skip the threshold tables")
    ap.add_argument("--background", default=str(DEFAULT_BACKGROUND) if DEFAULT_BACKGROUND.exists() else "",
                    help="JSON of unlabelled real articles ({id: {articleBody}}) to count matches on")
    ap.add_argument("--dev-only", action="store_true",
                    help="print no holdout figure (use while tuning lexicons and thresholds)")
    args = ap.parse_args()
    theme_ids = [t.id for t in load_themes(CONFIG_DIR)]
    if args.blind:
        run_blind(theme_ids, args.method if args.method != "all" else "concepts")
        return
    items = load_items(theme_ids)
    if not items:
        sys.exit(f"no labelled texts under {EVAL_DIR}/*/labels.csv")
    n_dev = sum(it.split == "dev" for it in items)
    print(f"{len(items)} labelled texts: dev {n_dev}, holdout {len(items) - n_dev}; "
          f"non-English {sum(it.lang != 'en' for it in items)}")
    methods = METHODS if args.method == "all" else (args.method,)
    if args.dev_only:
        items = [it for it in items if it.split == "dev"]
    background = load_background(Path(args.background)) if args.background else []
    summaries = {m: run(m, items, args.errors, not args.no_curves, args.dev_only, background,
                        args.folders) for m in methods}
    if len(methods) > 1 and not args.dev_only:
        print("\n## comparison, each method at its best dev-F1 threshold\n")
        print("| method | theme | threshold | dev P | dev R | dev F1 | holdout P | holdout R | holdout F1 |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for m, s in summaries.items():
            for t in theme_ids:
                best, d, h = s[(t, "best")]
                print(f"| {m} | {t} | {best:.2f} | {d[0]:.2f} | {d[1]:.2f} | {d[2]:.2f} | "
                      f"{h[0]:.2f} | {h[1]:.2f} | {h[2]:.2f} |")


if __name__ == "__main__":
    main()
