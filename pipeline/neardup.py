"""Near-duplicates: MinHash signatures, LSH buckets persisted in DuckDB, exact verification.

A near-duplicate is the same story syndicated or lightly rewritten: an added intro, a cut ending,
words substituted, other site chrome. Text is reduced to word 3-shingles; a 192-value MinHash
signature is cut into 64 bands of 3 values, and each band's hash is one row of the
``article_lsh`` table. A new article's candidates are the stored articles sharing at least one
bucket with it (one SQL join for a whole batch, so nothing is rebuilt in memory per run); each
candidate is then verified with the *exact* Jaccard similarity of the two shingle sets, and the
article is a near-duplicate when it reaches ``threshold``.

Why these numbers (docs/decisions.md has the measurements): on the 181 real pages in
shared/eval-data, 3-shingles keep a copy with 20% of its words substituted at Jaccard >= 0.33 for
95% of pages, while unrelated pages stay below 0.01; with 64 bands of 3 rows, a pair at J = 0.33
becomes a candidate with probability 1 - (1 - 0.33^3)^64 = 0.90, and a pair at J = 0.01 with
probability 0.00006.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.dedupe import normalise_text

SHINGLE = 3
BANDS = 64
ROWS = 3
PERMUTATIONS = BANDS * ROWS
THRESHOLD = 0.3  # exact 3-shingle Jaccard; see docs/decisions.md for the curve
MAX_SHINGLES = 5000  # a very long article is represented by its first 5,000 shingles

_rng = np.random.default_rng(20261121)  # fixed: signatures must agree across runs and machines
_A = (_rng.integers(1, 2**63 - 1, size=PERMUTATIONS, dtype=np.uint64) | np.uint64(1))
_B = _rng.integers(0, 2**63 - 1, size=PERMUTATIONS, dtype=np.uint64)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def shingles(text: str, k: int = SHINGLE) -> np.ndarray:
    """Stable 64-bit hashes of the word k-shingles of the normalised text (unique, unsorted)."""
    words = normalise_text(text).split()
    if not words:
        return np.zeros(0, dtype=np.uint64)
    ids = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words))
    if len(ids) < k:
        ids = np.concatenate([ids, np.zeros(k - len(ids), dtype=np.uint64)])
    n = min(len(ids) - k + 1, MAX_SHINGLES)
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(k):
            h = (h ^ (ids[j:j + n] * _MIX[j])) * np.uint64(0xFF51AFD7ED558CCD)
            h ^= h >> np.uint64(29)
    return np.unique(h)


def signature(shingle_hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (PERMUTATIONS uint32 values) of a shingle set."""
    if len(shingle_hashes) == 0:
        return np.full(PERMUTATIONS, 0xFFFFFFFF, dtype=np.uint32)
    with np.errstate(over="ignore"):
        # multiply-shift hashing: (a*x + b) >> 32 over uint64 is a universal family
        vals = (np.outer(_A, shingle_hashes) + _B[:, None]) >> np.uint64(32)
    return vals.min(axis=1).astype(np.uint32)


def band_buckets(sig: np.ndarray) -> np.ndarray:
    """One int64 per band: the band number in the top byte, a hash of its rows below."""
    rows = sig.reshape(BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = np.zeros(BANDS, dtype=np.uint64)
        for j in range(ROWS):
            h = (h ^ rows[:, j]) * np.uint64(0x9E3779B97F4A7C15)
            h ^= h >> np.uint64(31)
    bands = np.arange(BANDS, dtype=np.uint64) << np.uint64(56)
    return ((h & np.uint64(0x00FFFFFFFFFFFFFF)) | bands).astype(np.int64)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle-hash sets."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True)
class Fingerprint:
    """What near-duplicate detection keeps of one text."""

    shingles: np.ndarray
    buckets: np.ndarray


def fingerprint(text: str) -> Fingerprint:
    """Shingles and LSH buckets of a text."""
    sh = shingles(text)
    return Fingerprint(sh, band_buckets(signature(sh)))


@dataclass(frozen=True)
class NearMatch:
    """A near-duplicate found: the stored article it copies (its story root) and the similarity."""

    article_id: int  # the most similar stored article
    root_id: int  # that article's earliest copy (duplicate_of, or itself)
    similarity: float


class ShingleCache:
    """Stored articles' (root id, shingles), kept across a run's batches (bounded, oldest out).

    The same stored articles come back as candidates batch after batch (a syndicated story's
    copies, a site's boilerplate); re-reading and re-shingling their texts was 9% of the run
    process's CPU at 10,000 articles (py-spy, throughput bench). About 5 KB per article.
    """

    def __init__(self, size: int = 4000) -> None:
        from collections import OrderedDict

        self.size = size
        self._d: OrderedDict[int, tuple[int, np.ndarray]] = OrderedDict()

    def __contains__(self, aid: int) -> bool:
        return aid in self._d

    def get(self, aid: int) -> tuple[int, np.ndarray] | None:
        v = self._d.get(aid)
        if v is not None:
            self._d.move_to_end(aid)
        return v

    def put(self, aid: int, root: int, sh: np.ndarray) -> None:
        self._d[aid] = (root, sh)
        self._d.move_to_end(aid)
        while len(self._d) > self.size:
            self._d.popitem(last=False)

    def __len__(self) -> int:
        return len(self._d)


def find_near_duplicates(candidates: dict[int, list[int]], texts: dict[int, tuple[int, str]],
                         prints: Sequence[Fingerprint], threshold: float = THRESHOLD,
                         cache: ShingleCache | None = None) -> list[NearMatch | None]:
    """Verify LSH candidates with exact Jaccard.

    Args:
        candidates: index in ``prints`` -> candidate stored article ids.
        texts: candidate article id -> (root id, text), for the candidates not in ``cache``.
        prints: fingerprints of the new articles.
        cache: shingles of stored articles kept from earlier batches (read and filled here).
    Returns:
        per new article, its best verified match at or above ``threshold``, else None.
    """
    cache = cache if cache is not None else ShingleCache(size=1 << 30)
    out: list[NearMatch | None] = []
    for i, fp in enumerate(prints):
        best: NearMatch | None = None
        for aid in candidates.get(i, []):
            hit = cache.get(aid)
            if hit is None:
                if aid not in texts:
                    continue
                hit = (texts[aid][0], shingles(texts[aid][1]))
                cache.put(aid, *hit)
            root, sh = hit
            sim = jaccard(fp.shingles, sh)
            if sim >= threshold and (best is None or sim > best.similarity):
                best = NearMatch(aid, root, round(sim, 4))
        out.append(best)
    return out
