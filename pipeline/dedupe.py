"""Exact duplicates: one normalised text, one hash.

Two pages are the same text when they agree after Unicode normalisation (NFKC), case folding,
dropping punctuation and collapsing white space, so a repost with curly quotes or other line
breaks is still caught. Same canonical URL is handled before fetching (see pipeline.ingest).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Text reduced to lower-case words separated by single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def text_hash(text: str) -> str:
    """SHA-256 (hex, first 32 chars) of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:32]
