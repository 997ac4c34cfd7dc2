"""eval/themes/classifier.py: the numpy TF-IDF + logistic regression measured beside the rules."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval" / "themes"))

from classifier import Tfidf, _dot, _tdot, features, fit_predict  # noqa: E402


def test_sparse_products_match_dense() -> None:
    docs = [features("Moscow abandoned its allies"), features("Allies met in Moscow"), features("")]
    vec = Tfidf(docs + docs)
    X = vec.rows(docs)
    dense = np.zeros((len(docs), len(vec.index)))
    for r in range(len(docs)):
        dense[r, X[1][X[0][r]:X[0][r + 1]]] = X[2][X[0][r]:X[0][r + 1]]
    w = np.arange(len(vec.index), dtype=float)
    g = np.array([0.5, -1.0, 2.0])
    assert np.allclose(_dot(X, w), dense @ w)
    assert np.allclose(_tdot(X, g, len(vec.index)), dense.T @ g)
    assert np.allclose(np.linalg.norm(dense[:2], axis=1), 1.0)


def test_learns_a_separable_theme_and_generalises_to_an_unseen_text() -> None:
    pos = ["Moscow abandoned its ally when it was attacked", "The Kremlin let Armenia down and did nothing",
           "Russia failed its partners in their hour of need", "Yerevan says Moscow abandoned it"]
    neg = ["Grain prices rose in Chicago on Monday", "The central bank kept rates unchanged",
           "Storms closed schools along the coast", "The football club signed a new coach"]
    docs = [features(t) for t in pos + neg]
    y = np.array([1] * len(pos) + [0] * len(neg))
    prob = fit_predict(docs, y, [features("Damascus says Moscow abandoned it and did nothing"),
                                 features("Rates and grain prices were unchanged on Monday")])
    assert prob[0] > 0.5 and prob[0] > prob[1] + 0.2
