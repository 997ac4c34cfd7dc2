"""Choose round 16's contest values (contested_above, contested_penalty) by leave-one-writer-out CV.

Run from the repository root:

    .venv/bin/python eval/themes/contest_cv.py            # the development data (DEV_DIRS)

Every development text is scored once with the contest switched off (round 15's scores). Then, for
each held-out folder (one writer), the pair from GRID that maximises the sum of the three themes'
F1 on the other folders is chosen (ties go to the smaller penalty, then to the higher trigger: the
milder contest), and the held-out folder is scored with it. The same pair applies to every theme,
and a rival's score is its own score before any contest, as in ThemeMatcher._contest; a rival
contests only when it scores higher than the theme itself. Prints how
often each pair was chosen, the pooled held-out figures, the same without any contest, and every
pair of the grid on all folders. docs/themes-method.md, "Round 16: contested themes".
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from eval.themes.evaluate import CONFIG_DIR, load_items  # noqa: E402
from pipeline.themes import Theme, ThemeMatcher, contest, load_themes  # noqa: E402

OFF = (2.0, 0.0)  # a trigger no score reaches: no contest
GRID = [OFF] + [(above, pen) for above in (0.7, 0.8, 0.9, 0.95) for pen in (0.3, 0.35, 0.4, 0.45, 0.5)]

Row = tuple[str, dict[str, float], dict[str, int]]  # folder, raw score per theme, label per theme


def counts(theme: Theme, pair: tuple[float, float], rows: list[Row]) -> tuple[int, int, int]:
    """tp, fp, fn of one theme with the contest ``pair`` applied to the raw scores, by the
    matcher's own rule (:func:`pipeline.themes.contest`)."""
    theme = replace(theme, contested_above=pair[0], contested_penalty=pair[1])
    tp = fp = fn = 0
    for _folder, scores, labels in rows:
        hit = contest(theme, scores)[0] >= theme.threshold
        y = labels[theme.id]
        tp += hit and y
        fp += hit and not y
        fn += (not hit) and y
    return tp, fp, fn


def f1(c: tuple[int, int, int]) -> float:
    tp, fp, fn = c
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def pr(c) -> str:
    tp, fp, fn = c
    return f"P {tp / (tp + fp) if tp + fp else 1:.3f} R {tp / (tp + fn) if tp + fn else 1:.3f} ({tp}/{fp}/{fn})"


def main() -> None:
    themes = [replace(t, contested_above=None, contested_penalty=0.0) for t in load_themes(CONFIG_DIR)]
    ids = [t.id for t in themes]
    matcher = ThemeMatcher(themes)
    items = load_items(ids)
    rows: list[Row] = [(it.folder, {k: r.score for k, r in matcher.score(it.text, title=it.title).items()},
                        it.labels) for it in items]
    folders = sorted({r[0] for r in rows})
    print(f"{len(rows)} texts, {len(folders)} folders; grid {len(GRID)} pairs (above, penalty), off = {OFF}")
    chosen: Counter = Counter()
    pooled = {t.id: [0, 0, 0] for t in themes}
    for hold in folders:
        train = [r for r in rows if r[0] != hold]
        test = [r for r in rows if r[0] == hold]
        best = max(GRID, key=lambda g: (round(sum(f1(counts(t, g, train)) for t in themes), 6), -g[1], g[0]))
        chosen[best] += 1
        for t in themes:
            for i, v in enumerate(counts(t, best, test)):
                pooled[t.id][i] += v
    print("chosen per fold:", ", ".join(f"{g}: {n}" for g, n in chosen.most_common()))
    print("\n| theme | no contest | held-out, pair chosen on the other folders |\n|---|---|---|")
    for t in themes:
        print(f"| {t.id} | {pr(counts(t, OFF, rows))} | {pr(tuple(pooled[t.id]))} |")
    print("\nevery pair on all folders:")
    for g in GRID:
        print(f"  {g}: " + " | ".join(f"{t.id[:8]} {pr(counts(t, g, rows))}" for t in themes))


if __name__ == "__main__":
    main()
