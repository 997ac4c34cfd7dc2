"""Stories: articles about the same event, written independently, grouped under one story id.

They are not duplicates (different words), so shingles cannot see them; what they share is the
event's names and key words in the headline and the lead. Each article is reduced to the stemmed
content words of its title and first ~60 words of text ("story terms"); a new article joins the
story of the most similar recent article (TF-IDF cosine over story terms, IDF from the recent
window) when the similarity reaches ``THRESHOLD`` and the two are at most ``WINDOW_HOURS`` apart;
otherwise it starts a story of its own. Near-duplicates always join their original's story.

Memory is bounded by the window (articles of the last ``WINDOW_HOURS``), never by history.
Threshold and window: docs/decisions.md, measured on eval/stories/.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import snowballstemmer

from pipeline.dedupe import normalise_text

THRESHOLD = 0.2  # eval/stories: pair P 0.940, R 0.875 with real distractors in the window (docs/decisions.md)
WINDOW_HOURS = 72
LEAD_WORDS = 60

_STEMMERS = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "ru": "russian",
             "it": "italian", "pt": "portuguese", "nl": "dutch"}
_STOP = frozenset("""
a an the and or but if then of in on at to for from by with without about against between into over under
after before during while as is are was were be been being has have had do does did will would shall should
can could may might must not no nor so than too very just also only own same such both each few more most
other some any all this that these those there here when where which who whom whose what why how it its
he she they them their his her we our you your i me my mine said says say told according new year years
one two three first last week month day today yesterday tomorrow monday tuesday wednesday thursday friday
saturday sunday percent per cent mr mrs ms dr up down out off again further once least many much
der die das und oder ein eine einer eines dem den des ist sind war wurde werden mit von zu im am auf für
nicht auch sich als bei nach aus wie le la les un une des et ou de du au aux en dans sur pour par avec est
sont été qui que ne pas plus el los las y o del al con por para se su sus es son fue que un una""".split())
_cache: dict[str, snowballstemmer.Stemmer] = {}
# Snowball in pure Python costs about 70 us a word, which made story terms 3.9 ms of a worker's
# 24 ms per page; news vocabulary repeats, so stems are memoised per language (bounded).
_stems: dict[str, dict[str, str]] = {}
_STEM_CACHE_LIMIT = 200_000


def _stemmer(language: str | None) -> snowballstemmer.Stemmer:
    name = _STEMMERS.get((language or "en")[:2], "english")
    if name not in _cache:
        _cache[name] = snowballstemmer.stemmer(name)
    return _cache[name]


def _stem_words(words: list[str], language: str | None) -> list[str]:
    name = _STEMMERS.get((language or "en")[:2], "english")
    memo = _stems.setdefault(name, {})
    out = []
    stemmer = None
    for w in words:
        s = memo.get(w)
        if s is None:
            if stemmer is None:
                stemmer = _stemmer(language)
            s = stemmer.stemWord(w)
            if len(memo) >= _STEM_CACHE_LIMIT:
                memo.clear()
            memo[w] = s
        out.append(s)
    return out


_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-ZÀ-ÖØ-ÞА-ЯЁ][\w'-]+)", re.M)


def _names(text: str) -> set[str]:
    """Capitalised words not at the start of a sentence: the names that identify an event."""
    return {m.group(1).lower() for m in _NAME.finditer(text)}


def story_terms(title: str, text: str, language: str | None = None) -> list[str]:
    """Stemmed content words of the headline and the lead.

    Title words count twice, and names (places, people, companies) count twice again: an event is
    told apart from another of the same kind (another fire, another strike) by its names.
    """
    raw_lead = " ".join((text or "").split()[:LEAD_WORDS])
    lead = normalise_text(raw_lead)
    head = normalise_text(title or "")
    names = _names(raw_lead) | _names(title or "")
    words = [w for w in (head + " " + head + " " + lead).split() if len(w) > 2 and w not in _STOP
             and not w.isdigit()]
    words += [w for w in words if w in names]
    return _stem_words(words, language)


@dataclass
class _Doc:
    article_id: int
    story_id: int
    at: datetime
    terms: Counter


@dataclass
class StoryIndex:
    """The recent window of articles, with an inverted index from term to documents."""

    threshold: float = THRESHOLD
    window: timedelta = field(default_factory=lambda: timedelta(hours=WINDOW_HOURS))
    docs: dict[int, _Doc] = field(default_factory=dict)
    postings: dict[str, set[int]] = field(default_factory=dict)
    df: Counter = field(default_factory=Counter)
    # article id -> (index size when computed, normalised weights). Weights depend on the index's
    # document frequencies, which drift slowly as articles are added: a doc's weights are reused
    # until the index has grown by a quarter (measured: 10 ms -> 1 ms per article at 10,000
    # articles in the window, the same stories on eval/stories).
    _wcache: dict[int, tuple[int, dict[str, float]]] = field(default_factory=dict, repr=False)

    def add(self, article_id: int, story_id: int, at: datetime, terms: Iterable[str]) -> None:
        tf = Counter(terms)
        self.docs[article_id] = _Doc(article_id, story_id, at, tf)
        for t in tf:
            self.postings.setdefault(t, set()).add(article_id)
            self.df[t] += 1

    def _weights(self, tf: Counter) -> dict[str, float]:
        n = len(self.docs) + 1
        w = {t: (1 + math.log(c)) * math.log(1 + n / (1 + self.df.get(t, 0))) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in w.values())) or 1.0
        return {t: v / norm for t, v in w.items()}

    def best(self, at: datetime, terms: Iterable[str]) -> tuple[int, int, float] | None:
        """(article id, story id, similarity) of the most similar article in the window, if any."""
        tf = Counter(terms)
        if not tf:
            return None
        q = self._weights(tf)
        candidates: Counter = Counter()
        n = len(self.docs)
        common = max(50, n // 5)  # terms in a fifth of the window say little about the event
        for t in tf:
            posting = self.postings.get(t, ())
            if len(posting) <= common:
                candidates.update(posting)
        best = None
        for aid, shared in candidates.most_common(200):
            if shared < 2:
                break
            doc = self.docs[aid]
            if abs(doc.at - at) > self.window:
                continue
            cached = self._wcache.get(aid)
            if cached is None or n > cached[0] * 1.25:
                cached = (n, self._weights(doc.terms))
                self._wcache[aid] = cached
            d = cached[1]
            sim = sum(q[t] * d[t] for t in q.keys() & d.keys())
            if best is None or sim > best[2]:
                best = (aid, doc.story_id, sim)
        return best

    def assign(self, article_id: int, at: datetime, terms: list[str], forced_story: int | None = None) -> tuple[int, float | None]:
        """The story of a new article (joined or its own), and the similarity that decided it."""
        if forced_story is not None:
            story, sim = forced_story, None
        else:
            hit = self.best(at, terms)
            story, sim = (hit[1], hit[2]) if hit and hit[2] >= self.threshold else (article_id, None)
        self.add(article_id, story, at, terms)
        return story, sim
