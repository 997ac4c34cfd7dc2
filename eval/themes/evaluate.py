"""Evaluate the theme matcher on the labelled texts in eval/themes/ and eval/themes_blind*/.

Run from the repository root:

    .venv/bin/python eval/themes/evaluate.py                     # the configured method
    .venv/bin/python eval/themes/evaluate.py --method all        # compare concepts/lexical/hybrid
    .venv/bin/python eval/themes/evaluate.py --errors            # every mistake, to tune on
    .venv/bin/python eval/themes/evaluate.py --folders           # per-writer (folder) figures
    .venv/bin/python eval/themes/evaluate.py --cv                # leave-one-writer-out, 54 folds
    .venv/bin/python eval/themes/evaluate.py --blind18           # eval/themes_blind18, aggregates only
    .venv/bin/python eval/themes/evaluate.py --audited           # with the audited labels (below)

Development data (eighth session): the 150 texts of eval/themes/ and the 90 of each of
eval/themes_blind/ to eval/themes_blind17/ (the blind sets of rounds 2 to 16, each read only after
its scoring), fifty-four folders written by fifty-four different people. Every theme is
evaluated on all texts of all folders (a text is positive for a theme when its column in labels.csv
is 1). A blind set (written by other people, never read by whoever tunes the rules) is scored with
--blindN, which prints aggregate figures only, never a text, a file name, a score of one text or a
passage. Every set up to blind17 is spent and is development data now; themes_blind18 is the next
fresh set (eval/themes/README.md).

Labels are the writers' own. --audited replaces some of them with the verdict of a label audit
(eval/themes/label_audit.csv): independent judges, who saw neither the writer's label nor the
matcher's output, re-read a sample of (text, theme) pairs, every disagreement between the writer's
label and the matcher plus a random sample of agreements; a label changes only when both judges
overrule the writer. Figures are reported both ways (docs/themes-method.md, "Label audit").
"""

from __future__ import annotations

import argparse
import csv
import pickle
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.themes import METHODS, Theme, ThemeMatcher, _Rule, load_themes  # noqa: E402

# Round 4: round 3's blind set (themes_blind2) was spent by round 3's single run and is
# development data now; round 5: so is round 4's (themes_blind3). Twelve folders, twelve writers.
# Round 6: round 5's (themes_blind4) too; round 7: round 6's (themes_blind5); round 8: round 7's
# (themes_blind6); round 9: round 8's (themes_blind7); round 10: round 9's (themes_blind8); round 11:
# themes_blind9 and themes_blind10; round 12: themes_blind11 and themes_blind12 (blind12 was scored once
# with round 11's rules, then joined); round 13: themes_blind13 (scored once with round 13's rules, then
# joined); round 15: themes_blind14 (scored once with round 13's rules, then joined) and themes_blind15
# (scored once with round 15's rules, then joined); round 16: themes_blind16 (scored once with round
# 15's rules, then joined) and themes_blind17 (scored once with round 15's and once with
# round 16's rules, both fixed before it was scored, then joined). 54 folders, 54 writers.
DEV_DIRS = (ROOT / "eval" / "themes", ROOT / "eval" / "themes_blind", ROOT / "eval" / "themes_blind2",
            ROOT / "eval" / "themes_blind3", ROOT / "eval" / "themes_blind4", ROOT / "eval" / "themes_blind5",
            ROOT / "eval" / "themes_blind6", ROOT / "eval" / "themes_blind7", ROOT / "eval" / "themes_blind8",
            ROOT / "eval" / "themes_blind9", ROOT / "eval" / "themes_blind10", ROOT / "eval" / "themes_blind11",
            ROOT / "eval" / "themes_blind12", ROOT / "eval" / "themes_blind13", ROOT / "eval" / "themes_blind14",
            ROOT / "eval" / "themes_blind15", ROOT / "eval" / "themes_blind16", ROOT / "eval" / "themes_blind17")
BLIND2_DIR = ROOT / "eval" / "themes_blind2"
BLIND3_DIR = ROOT / "eval" / "themes_blind3"
BLIND4_DIR = ROOT / "eval" / "themes_blind4"
BLIND5_DIR = ROOT / "eval" / "themes_blind5"
BLIND6_DIR = ROOT / "eval" / "themes_blind6"
BLIND7_DIR = ROOT / "eval" / "themes_blind7"
BLIND8_DIR = ROOT / "eval" / "themes_blind8"
BLIND9_DIR = ROOT / "eval" / "themes_blind9"
BLIND10_DIR = ROOT / "eval" / "themes_blind10"
BLIND11_DIR = ROOT / "eval" / "themes_blind11"
# Round 12's blind set, written by other people: only run_blind() reads it (aggregates only).
BLIND12_DIR = ROOT / "eval" / "themes_blind12"
# Round 13's blind set (round 13: interviewers' questions are not evidence), written by other
# people, committed before scoring, scored once, then joined the development data.
BLIND13_DIR = ROOT / "eval" / "themes_blind13"
# A second fresh set for round 13's rules (no rule changed after blind13), written by other people and
# committed before scoring: only run_blind() reads it (aggregates only).
BLIND14_DIR = ROOT / "eval" / "themes_blind14"
# Round 15's blind set (round 15: help asked for and not received, the call for restraint as a token
# answer, nobody came in Spanish and Russian), written by three other people while the rules were
# changed and committed before scoring: only run_blind() reads it (aggregates only).
BLIND15_DIR = ROOT / "eval" / "themes_blind15"
# A second fresh set for round 15's rules (no rule changed after blind15), written by three more
# people and committed before scoring: only run_blind() reads it (aggregates only).
BLIND16_DIR = ROOT / "eval" / "themes_blind16"
# The eighth session's first fresh set, written by three other people while the label audit ran and
# committed before scoring; scored once with round 15's rules and once with round 16's, then joined.
BLIND17_DIR = ROOT / "eval" / "themes_blind17"
# The eighth session's second fresh set for round 16's rules (no rule changed after blind17), written
# by three more people and committed before scoring: only run_blind() reads it (aggregates only).
BLIND18_DIR = ROOT / "eval" / "themes_blind18"
AUDIT_FILE = ROOT / "eval" / "themes" / "label_audit.csv"
CONFIG_DIR = ROOT / "config"
STEPS = [round(0.05 * i, 2) for i in range(1, 20)]
# Real published articles (2019 news, mostly unrelated to the themes) used by the extraction
# evaluation; every match on them is a false positive or a rare true one, to be read by hand.
DEFAULT_BACKGROUND = ROOT.parent / "shared" / "eval-data" / "extraction" / "output" / "trafilatura.json"


@dataclass(frozen=True)
class Item:
    """One labelled text."""

    folder: str  # "<set>/<theme folder>", e.g. "themes_blind/anti_us_alliance": one writer
    file: str
    title: str
    text: str
    labels: dict[str, int]
    lang: str
    style: str
    one_paragraph: bool

    @property
    def words(self) -> int:
        return len(self.text.split()) + len(self.title.split())

    @property
    def own_theme(self) -> str:
        """The theme its writer was asked to write about (the folder's name)."""
        return self.folder.rsplit("/", 1)[-1]


def load_audit(path: Path = AUDIT_FILE) -> dict[tuple[str, str, str], int]:
    """The audited label of each audited (folder, file, theme): ``{("themes_blind3/x", "001.txt", t): 0|1}``.

    ``path`` is a CSV with columns path (``<set>/<theme folder>/<file>``), theme and audited.
    """
    audited: dict[tuple[str, str, str], int] = {}
    if not path.is_file():
        return audited
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            folder, _, file = row["path"].rpartition("/")
            audited[(folder, file, row["theme"])] = int(row["audited"])
    return audited


def load_items(theme_ids: list[str], roots: tuple[Path, ...] = DEV_DIRS,
               audit: dict[tuple[str, str, str], int] | None = None) -> list[Item]:
    """Every labelled text under each ``root``/*/labels.csv, with ``audit``'s labels where it has one."""
    audit = audit or {}
    items = []
    for root in roots:
        for labels in sorted(root.glob("*/labels.csv")):
            folder = f"{root.name}/{labels.parent.name}"
            with labels.open(newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    raw = (labels.parent / row["file"]).read_text(encoding="utf-8")
                    title, _, body = raw.strip().partition("\n")
                    items.append(Item(
                        folder=folder, file=row["file"], title=title.strip(), text=body.strip(),
                        labels={t: audit.get((folder, row["file"], t), int(row.get(t) or 0))
                                for t in theme_ids},
                        lang=row.get("lang", "en").strip() or "en", style=row.get("style", ""),
                        one_paragraph=row.get("theme_in_one_paragraph", "0").strip() == "1"))
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


def curve(pairs: list[tuple[int, float]]) -> None:
    """Threshold curve in steps of 0.05."""
    print("\n| threshold | P | R | F1 | tp/fp/fn |")
    print("|---:|---:|---:|---:|---|")
    for step in STEPS:
        p_, r_, f_, tp, fp, fn = prf(pairs, step)
        print(f"| {step:.2f} | {p_:.2f} | {r_:.2f} | {f_:.2f} | {tp}/{fp}/{fn} |")


def run(method: str, items: list[Item], show_errors: bool, curves: bool,
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
    summary: dict = {"build_ms": build_s * 1000, "ms_800_cold": timings[0][1], "ms_800_warm": timings[1][1]}
    if background:
        bg_matched: dict[str, int] = {t.id: 0 for t in themes}
        bg_max: dict[str, float] = {t.id: 0.0 for t in themes}
        fresh = pickle.loads(pickle.dumps(ThemeMatcher(themes, method=method)))
        t = time.process_time()
        for text in background:
            for tid, r in fresh.score(text).items():
                bg_matched[tid] += r.matched
                bg_max[tid] = max(bg_max[tid], r.score)
        elapsed = time.process_time() - t
        bg_words = sum(len(x.split()) for x in background)
        print(f"unlabelled real articles ({len(background)}, mean {bg_words / len(background):.0f} words, "
              f"cold caches): {1000 * elapsed / len(background):.2f} ms per article "
              f"({1000 * elapsed / bg_words * 800:.2f} ms per 800 words); matched: "
              + ", ".join(f"{k} {v} (max score {bg_max[k]:.2f})" for k, v in bg_matched.items()))
        summary["background"] = bg_matched
    sets = sorted({it.folder.split("/")[0] for it in items})
    for theme in themes:
        thr = theme.lexical_threshold if method == "lexical" else theme.threshold
        print(f"\n### {theme.id} (threshold {thr:.2f})\n")

        def pairs(pred) -> list[tuple[int, float]]:
            return [(it.labels[theme.id], scores[(it.folder, it.file)][theme.id].score)
                    for it in items if pred(it)]

        rows = {"all": pairs(lambda it: True)}
        for s in sets:
            rows[f"eval/{s}"] = pairs(lambda it, s=s: it.folder.startswith(s + "/"))
        rows["English"] = pairs(lambda it: it.lang == "en")
        rows["non-English"] = pairs(lambda it: it.lang != "en")
        for name, ps in rows.items():
            n_pos = sum(y for y, _ in ps)
            print(f"- {name:<20} n={len(ps):>3} pos={n_pos:>2}  {fmt(*prf(ps, thr))}")
            summary[(theme.id, name)] = prf(ps, thr)
        one = [s for (y, s) in pairs(lambda it: it.own_theme == theme.id and it.labels[theme.id]
                                     and it.one_paragraph)]
        if one:
            hit = sum(1 for s in one if s >= thr)
            print(f"- one-paragraph positives: recall {hit / len(one):.2f} ({hit}/{len(one)})")
            summary[(theme.id, "one_paragraph")] = (hit, len(one))
        best = max(STEPS, key=lambda x: (round(prf(rows["all"], x)[2], 6), -abs(x - 0.5)))
        summary[(theme.id, "best")] = (best, prf(rows["all"], best))
        print(f"- best F1 at threshold {best:.2f}: {fmt(*prf(rows['all'], best))}")
        if curves:
            curve(rows["all"])
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
            print("\nerrors:")
            for it in items:
                r = scores[(it.folder, it.file)][theme.id]
                y = it.labels[theme.id]
                if bool(y) != (r.score >= thr):
                    kind = "FN" if y else "FP"
                    print(f"  {kind} {r.score:.3f} {it.folder}/{it.file} [{it.lang}] {','.join(r.concepts)}")
                    print(f"     passage: {r.passage[:300]!r}")
    return summary


# --------------------------------------------------------------------------------------------
# Cross-validation: hand-set weights vs a learned combination of the same features


def _features(theme: Theme, rule: _Rule, present: frozenset[str]) -> list[float]:
    """One window as a feature vector: each weighted concept, each gate, each penalty (0/1)."""
    x = [1.0 if name in present else 0.0 for name, _ in theme.weights]
    for gate in rule.gates:
        x.append(float(any(req <= present and not (forb & present) for req, forb in gate)))
    for req, forb, _p in rule.penalties:
        x.append(float(req <= present and not (forb & present)))
    return x


def _feature_names(theme: Theme) -> list[str]:
    return ([n for n, _ in theme.weights] + [f"gate {i + 1}" for i in range(len(theme.gates))]
            + [f"penalty {c}" for c, _ in theme.penalties])


def _fit(np, X, starts, y, sign, l2: float, iters: int = 1500, sharpness: float = 8.0):
    """Logistic regression over windows, pooled per article with a soft maximum (log-sum-exp),
    fitted with Adam; concept and gate weights kept >= 0, penalty weights <= 0."""
    n_rows, k = X.shape
    n = len(starts)
    seg = np.repeat(np.arange(n), np.diff(np.append(starts, n_rows)))
    w, b = np.zeros(k), -3.0
    m1, m2 = np.zeros(k + 1), np.zeros(k + 1)
    for t in range(1, iters + 1):
        z = X @ w + b
        zmax = np.maximum.reduceat(z, starts)
        e = np.exp(sharpness * (z - zmax[seg]))
        es = np.add.reduceat(e, starts)
        p = 1 / (1 + np.exp(-(zmax + np.log(es) / sharpness)))
        g = (p - y) / n
        share = e / es[seg]
        grad = np.append((X * (g[seg] * share)[:, None]).sum(0) + l2 * w / n, g.sum())
        m1 = 0.9 * m1 + 0.1 * grad
        m2 = 0.999 * m2 + 0.001 * grad ** 2
        step = 0.05 * (m1 / (1 - 0.9 ** t)) / (np.sqrt(m2 / (1 - 0.999 ** t)) + 1e-8)
        w, b = w - step[:-1], b - step[-1]
        w = np.where(sign > 0, np.maximum(w, 0), np.minimum(w, 0))
    return w, b


def choose_threshold(pairs: list[tuple[int, float]]) -> float:
    """The best-F1 threshold in steps of 0.05 (ties: nearest 0.5)."""
    return max(STEPS, key=lambda t: (round(prf(pairs, t)[2], 6), -abs(t - 0.5)))


def run_cv(items: list[Item], l2_values: tuple[float, ...] = (0.3, 1.0, 3.0)) -> None:
    """Leave one folder (one writer) out: the hand-set rule (at its configured threshold) vs a
    logistic regression fitted on the other folders (probability >= 0.5), both on the same
    concept and relation features."""
    try:
        import numpy as np
    except ImportError:
        sys.exit("--cv needs numpy (.venv/bin/pip install numpy)")
    themes = load_themes(CONFIG_DIR)
    matcher = ThemeMatcher(themes)
    windows = [matcher.window_concepts(it.text, it.title) for it in items]
    rule_scores = [matcher.score(it.text, title=it.title) for it in items]
    folders = sorted({it.folder for it in items})
    print(f"\n## cross-validation: {len(items)} texts, {len(folders)} folders (one writer each); "
          f"each folder is scored by weights (or a threshold) fitted on the other {len(folders) - 1}\n")
    print("Hand-set weights were not refitted per fold, and the lexicons under both were written "
          "with all folders in view: the comparison is of the combination only. The 'hand-set (config)' "
          "and 'learned' lines score each theme alone; the 'threshold chosen on the other folders' line "
          "uses ThemeMatcher.score, with the contest between themes (round 16).")
    print("Folders (tp/fp/fn per folder in the tables): "
          + "; ".join(f"{i + 1} = {f}" for i, f in enumerate(folders)))
    for theme in themes:
        rule = _Rule.of(theme)
        decay = theme.window_decay
        rows, starts, hand = [], [], []
        for it, win in zip(items, windows):
            starts.append(len(rows))
            best = 0.0
            # As in ThemeMatcher.score: a headline concept of headline_penalties scales every window.
            headline = next((p for s0, n0, p in win[theme.id] if s0 == 0 and n0 == 1), frozenset())
            framing = (1.0 - theme.headline_penalty
                       if it.title.strip() and headline & set(theme.headline_penalties) else 1.0)
            for _start, size, present in win[theme.id] or [(0, 1, frozenset())]:
                rows.append(_features(theme, rule, present))
                if present:
                    best = max(best, rule.score(set(present))[0] * decay ** (size - 1) * framing)
            hand.append(best)
        X = np.array(rows)
        starts_all = np.array(starts)
        ends = np.append(starts_all[1:], len(rows))
        y = np.array([it.labels[theme.id] for it in items], float)
        names = _feature_names(theme)
        sign = np.array([-1 if n.startswith("penalty") else 1 for n in names])
        print(f"\n### {theme.id}\n")
        print("| combination | P | R | F1 | tp/fp/fn | "
              + " | ".join(f"folder {i + 1}" for i in range(len(folders))) + " |")
        print("|---|---:|---:|---:|---|" + "---|" * len(folders))

        def line(label: str, scores, thr: float = 0.5) -> None:
            pairs = list(zip(y.astype(int), scores))
            per = []
            for f in folders:
                ps = [pairs[i] for i, it in enumerate(items) if it.folder == f]
                _, _, _, tp, fp, fn = prf(ps, thr)
                per.append(f"{tp}/{fp}/{fn}")
            p_, r_, f_, tp, fp, fn = prf(pairs, thr)
            print(f"| {label} | {p_:.2f} | {r_:.2f} | {f_:.2f} | {tp}/{fp}/{fn} | " + " | ".join(per) + " |")

        line(f"hand-set (config, threshold {theme.threshold:g})", hand, theme.threshold)
        # The rule's own scores (matcher.score), with the threshold chosen on the other folders.
        rule = [r[theme.id].score for r in rule_scores]
        chosen, cv_thr = {}, np.zeros(len(items))
        for f in folders:
            train = [(int(y[i]), rule[i]) for i, it in enumerate(items) if it.folder != f]
            chosen[f] = choose_threshold(train)
            for i, it in enumerate(items):
                if it.folder == f:
                    cv_thr[i] = 1.0 if rule[i] >= chosen[f] else 0.0
        line("hand-set, threshold chosen on the other folders", cv_thr)
        print("\nthresholds chosen per held-out folder: "
              + ", ".join(f"{folders.index(f) + 1}: {t:.2f}" for f, t in chosen.items())
              + f"; on all folders: {choose_threshold(list(zip(y.astype(int), rule))):.2f}\n")
        fitted = {}
        for l2 in l2_values:
            cv = np.zeros(len(items))
            for f in folders:
                train = [i for i, it in enumerate(items) if it.folder != f]
                test = [i for i, it in enumerate(items) if it.folder == f]
                tr_rows = np.concatenate([np.arange(starts_all[i], ends[i]) for i in train])
                tr_starts = np.cumsum([0] + [ends[i] - starts_all[i] for i in train[:-1]])
                w, b = _fit(np, X[tr_rows], tr_starts, y[train], sign, l2)
                for i in test:
                    cv[i] = 1 / (1 + np.exp(-(X[starts_all[i]:ends[i]] @ w + b).max()))
            line(f"learned, L2 {l2:g}", cv)
            fitted[l2] = _fit(np, X, starts_all, y, sign, l2)
        w, b = fitted[1.0 if 1.0 in fitted else l2_values[0]]
        print("\nlearned on all folders (L2 1): bias {:.2f}; ".format(b)
              + ", ".join(f"{n} {v:.2f}" for n, v in zip(names, w)))


# --------------------------------------------------------------------------------------------
# The blind test


def run_blind(theme_ids: list[str], method: str, root: Path,
              audit: dict[tuple[str, str, str], int] | None = None, curves: bool = True) -> None:
    """Aggregate figures on a blind set: no text, file name, score or passage is printed."""
    missing = [t for t in theme_ids if not (root / t / "labels.csv").is_file()]
    if missing:
        sys.exit(f"blind set incomplete: no labels.csv for {', '.join(missing)}")
    items = load_items(theme_ids, (root,), audit)
    themes = load_themes(CONFIG_DIR)
    matcher = pickle.loads(pickle.dumps(ThemeMatcher(themes, method=method)))
    scores = {}
    cpu = time.process_time()
    for it in items:
        scores[(it.folder, it.file)] = {k: r.score for k, r in
                                        matcher.score(it.text, title=it.title).items()}
    cpu = time.process_time() - cpu
    words = sum(it.words for it in items)
    print(f"blind set {root.relative_to(ROOT)}: {len(items)} texts in "
          f"{len({it.folder for it in items})} folders, non-English {sum(it.lang != 'en' for it in items)}; "
          f"method {method}; {1000 * cpu / words * 800:.2f} ms CPU per 800 words (cold caches)")
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
        one = [s for (y, s) in pairs(lambda it: it.own_theme == theme.id and it.labels[theme.id]
                                     and it.one_paragraph)]
        if one:
            hit = sum(1 for s in one if s >= thr)
            print(f"- one-paragraph positives: recall {hit / len(one):.2f} ({hit}/{len(one)})")
        if curves:
            curve(pairs(lambda it: True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", default="concepts", choices=(*METHODS, "all"))
    ap.add_argument("--errors", action="store_true", help="list every mistake per theme")
    ap.add_argument("--folders", action="store_true", help="figures per folder (per writer)")
    ap.add_argument("--cv", action="store_true",
                    help="leave-one-folder-out: hand-set weights vs learned logistic regression")
    blind_dirs = {2: BLIND2_DIR, 3: BLIND3_DIR, 4: BLIND4_DIR, 5: BLIND5_DIR, 6: BLIND6_DIR, 7: BLIND7_DIR,
                  8: BLIND8_DIR, 9: BLIND9_DIR, 10: BLIND10_DIR, 11: BLIND11_DIR, 12: BLIND12_DIR,
                  13: BLIND13_DIR, 14: BLIND14_DIR, 15: BLIND15_DIR,
                  16: BLIND16_DIR, 17: BLIND17_DIR, 18: BLIND18_DIR}
    for n, d in blind_dirs.items():
        ap.add_argument(f"--blind{n}", action="store_true",
                        help=f"score {d.relative_to(ROOT)} (a blind set) and print aggregate figures only")
    ap.add_argument("--audited", action="store_true",
                    help=f"use the audited labels of {AUDIT_FILE.relative_to(ROOT)} where it has one")
    ap.add_argument("--no-curves", action="store_true", help="skip the threshold tables")
    ap.add_argument("--background", default=str(DEFAULT_BACKGROUND) if DEFAULT_BACKGROUND.exists() else "",
                    help="JSON of unlabelled real articles ({id: {articleBody}}) to count matches on")
    args = ap.parse_args()
    theme_ids = [t.id for t in load_themes(CONFIG_DIR)]
    chosen = [d for n, d in blind_dirs.items() if getattr(args, f"blind{n}")]
    if chosen:
        run_blind(theme_ids, args.method if args.method != "all" else "concepts", chosen[-1],
                  load_audit() if args.audited else None, not args.no_curves)
        return
    audit = load_audit() if args.audited else None
    items = load_items(theme_ids, audit=audit)
    if not items:
        sys.exit(f"no labelled texts under {', '.join(str(d) for d in DEV_DIRS)}")
    print(f"{len(items)} labelled texts in {len({it.folder for it in items})} folders; "
          f"non-English {sum(it.lang != 'en' for it in items)}")
    if audit is not None:
        writers = {(it.folder, it.file): it for it in load_items(theme_ids)}
        for t in theme_ids:
            up = sum(1 for it in items if it.labels[t] > writers[(it.folder, it.file)].labels[t])
            down = sum(1 for it in items if it.labels[t] < writers[(it.folder, it.file)].labels[t])
            print(f"audited labels, {t}: {up} turned positive, {down} turned negative "
                  f"({sum(k[2] == t for k in audit)} pairs audited)")
    if args.cv:
        run_cv(items)
        return
    methods = METHODS if args.method == "all" else (args.method,)
    background = load_background(Path(args.background)) if args.background else []
    summaries = {m: run(m, items, args.errors, not args.no_curves, background, args.folders)
                 for m in methods}
    if len(methods) > 1:
        print("\n## comparison, each method at its configured threshold and at its best threshold\n")
        print("| method | theme | P | R | F1 | best threshold | best F1 |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for m, s in summaries.items():
            for t in theme_ids:
                p_, r_, f_, *_ = s[(t, "all")]
                best, b = s[(t, "best")]
                print(f"| {m} | {t} | {p_:.2f} | {r_:.2f} | {f_:.2f} | {best:.2f} | {b[2]:.2f} |")


if __name__ == "__main__":
    main()
