"""An experiment: a learned text classifier beside the hand-written rules.

TF-IDF over word unigrams and bigrams (the matcher's own folding and tokens), and a logistic
regression per theme, in numpy only (no scikit-learn in the default install). Measured three ways:

    .venv/bin/python eval/themes/classifier.py --cv          # leave one writer out, on the dev data
    .venv/bin/python eval/themes/classifier.py --blind 10    # trained on all dev data; aggregates only
    .venv/bin/python eval/themes/classifier.py --background  # matches on the 181 real eval-data articles

Each prints the rules alone, the classifier alone and "rules OR classifier" (a text matches when the
rules match, or when the classifier's probability reaches ``--clf-threshold``, default 0.7). Why
0.7: in the cross-validation of round 10 it added recall without a false positive for
russia_unreliable_ally; 0.5 added more recall and more false positives. Not used by newsmon: see
docs/themes-method.md ("A learned classifier beside the rules").
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate import CONFIG_DIR, DEFAULT_BACKGROUND, Item, load_background, load_items  # noqa: E402

from pipeline.themes import ThemeMatcher, load_themes, tokens  # noqa: E402

MAX_FEATURES = 50_000


def features(text: str) -> list[str]:
    toks = tokens(text)
    return toks + [a + " " + b for a, b in zip(toks, toks[1:])]


class Tfidf:
    """Sublinear term frequency x smoothed idf, rows L2-normalised; features seen in 2+ texts."""

    def __init__(self, docs: list[list[str]]) -> None:
        df = Counter(f for d in docs for f in set(d))
        kept = [f for f, n in df.most_common(MAX_FEATURES) if n >= 2]
        self.index = {f: i for i, f in enumerate(kept)}
        n = len(docs)
        self.idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in kept])

    def rows(self, docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR arrays (indptr, indices, data)."""
        indptr, indices, data = [0], [], []
        for d in docs:
            tf = Counter(self.index[f] for f in d if f in self.index)
            idx = np.fromiter(tf.keys(), dtype=np.int64, count=len(tf))
            val = (1 + np.log(np.fromiter(tf.values(), dtype=float, count=len(tf)))) * self.idf[idx]
            norm = np.sqrt((val ** 2).sum()) or 1.0
            indices.extend(idx.tolist()); data.extend((val / norm).tolist()); indptr.append(len(indices))
        return np.array(indptr), np.array(indices, dtype=np.int64), np.array(data)


def _dot(X, w: np.ndarray) -> np.ndarray:
    indptr, indices, data = X
    prod = data * w[indices]
    out = np.zeros(len(indptr) - 1)
    nonempty = indptr[:-1] < indptr[1:]
    out[nonempty] = np.add.reduceat(prod, indptr[:-1][nonempty])
    return out


def _tdot(X, g: np.ndarray, n_features: int) -> np.ndarray:
    indptr, indices, data = X
    return np.bincount(indices, weights=data * np.repeat(g, np.diff(indptr)), minlength=n_features)


def train(X, y: np.ndarray, n_features: int, l2: float = 0.25, iters: int = 400) -> tuple[np.ndarray, float]:
    """Logistic regression, classes weighted to balance, L2 penalty, Adam on the full batch."""
    pos = max(1, int(y.sum())); neg = max(1, len(y) - pos)
    sw = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))
    w = np.zeros(n_features); b = 0.0
    m_w = np.zeros_like(w); v_w = np.zeros_like(w); m_b = v_b = 0.0
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    for t in range(1, iters + 1):
        p = 1 / (1 + np.exp(-(_dot(X, w) + b)))
        g = sw * (p - y) / len(y)
        gw = _tdot(X, g, n_features) + l2 * w / len(y)
        gb = g.sum()
        m_w = b1 * m_w + (1 - b1) * gw; v_w = b2 * v_w + (1 - b2) * gw ** 2
        m_b = b1 * m_b + (1 - b1) * gb; v_b = b2 * v_b + (1 - b2) * gb ** 2
        w -= lr * (m_w / (1 - b1 ** t)) / (np.sqrt(v_w / (1 - b2 ** t)) + eps)
        b -= lr * (m_b / (1 - b1 ** t)) / (math.sqrt(v_b / (1 - b2 ** t)) + eps)
    return w, b


def fit_predict(train_docs: list[list[str]], y: np.ndarray, test_docs: list[list[str]]) -> np.ndarray:
    vec = Tfidf(train_docs)
    w, b = train(vec.rows(train_docs), y, len(vec.index))
    return 1 / (1 + np.exp(-(_dot(vec.rows(test_docs), w) + b)))


def prf(pred: np.ndarray, y: np.ndarray) -> str:
    tp = int((pred & (y == 1)).sum()); fp = int((pred & (y == 0)).sum()); fn = int((~pred & (y == 1)).sum())
    p = tp / max(1, tp + fp); r = tp / max(1, tp + fn)
    return f"P {p:.2f}  R {r:.2f}  ({tp}/{fp}/{fn})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="leave one writer (folder) out on the dev data")
    ap.add_argument("--blind", type=int, default=None, help="score eval/themes_blindN once (aggregates only)")
    ap.add_argument("--background", action="store_true", help="matches on the unlabelled real articles")
    ap.add_argument("--clf-threshold", type=float, default=0.7)
    args = ap.parse_args()
    themes = load_themes(CONFIG_DIR)
    matcher = ThemeMatcher(themes)
    dev: list[Item] = load_items([t.id for t in themes])
    dev_docs = [features(it.title + "\n" + it.text) for it in dev]
    c = args.clf_threshold
    if args.cv:
        folders = sorted({it.folder for it in dev})
        print(f"leave one writer out: {len(dev)} texts, {len(folders)} folders; rules at their configured "
              f"thresholds (written with all folders in view), classifier trained without the held-out folder")
        for t in themes:
            y = np.array([it.labels[t.id] for it in dev])
            rules = np.array([matcher.score(it.text, title=it.title)[t.id].score >= t.threshold for it in dev])
            prob = np.zeros(len(dev))
            for f in folders:
                te = np.array([it.folder == f for it in dev])
                prob[te] = fit_predict([d for d, k in zip(dev_docs, te) if not k], y[~te],
                                       [d for d, k in zip(dev_docs, te) if k])
            print(f"\n### {t.id}\n- rules              {prf(rules, y)}")
            for cc in sorted({0.5, c, 0.85}):
                print(f"- classifier >= {cc:.2f}  {prf(prob >= cc, y)}   rules OR classifier: {prf(rules | (prob >= cc), y)}")
        return
    if args.blind is not None:
        root = ROOT / "eval" / f"themes_blind{args.blind}"
        test = load_items([t.id for t in themes], (root,))
        print(f"blind set {root.relative_to(ROOT)}: {len(test)} texts; classifier trained on {len(dev)} dev texts; "
              f"classifier threshold {c}")
        docs = [features(it.title + "\n" + it.text) for it in test]
        for t in themes:
            y = np.array([it.labels[t.id] for it in dev])
            yt = np.array([it.labels[t.id] for it in test])
            prob = fit_predict(dev_docs, y, docs)
            rules = np.array([matcher.score(it.text, title=it.title)[t.id].score >= t.threshold for it in test])
            print(f"\n### {t.id}\n- rules                {prf(rules, yt)}\n- classifier           {prf(prob >= c, yt)}\n"
                  f"- rules OR classifier  {prf(rules | (prob >= c), yt)}")
        return
    if args.background:
        texts = load_background(DEFAULT_BACKGROUND)
        docs = [features(x) for x in texts]
        for t in themes:
            y = np.array([it.labels[t.id] for it in dev])
            prob = fit_predict(dev_docs, y, docs)
            print(f"{t.id}: {len(texts)} real articles, classifier >= {c}: {int((prob >= c).sum())}, "
                  f">= 0.5: {int((prob >= 0.5).sum())}, max {prob.max():.2f}")
        return
    ap.print_help()


if __name__ == "__main__":
    main()
