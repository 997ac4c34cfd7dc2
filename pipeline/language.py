"""The language of an article's text, from its most frequent words, without a model.

Most pages say their language (``<html lang>``); for the rest (17% of the throughput bench's
pages) newsmon used py3langid, whose model costs 75 MB of memory in the process that loads it.
A text's commonest words tell its language as well in most cases: "the, of, and" or "der, die,
und". :func:`stopword_language` counts a text's words in the head of jusText's stoplists (which
trafilatura already installs; the lists are in order of frequency) for the 52 languages below, and
names the language that holds most of them. A text too short, a text in a language without a
list or in a script without spaces (Japanese, Chinese), which finds no common words, and a tie
answer None. :func:`script_language` then names Korean, Japanese and Chinese from their scripts
(Hangul, kana, Han characters), which no other language writes; the rest is left to py3langid
(:func:`pipeline.articles.detect_language`). :func:`text_language` is the two in that order.

Measured against py3langid by ``eval/language/evaluate.py`` on 1,958 texts (the 181 real articles
of eval-data, the theme texts in five languages, feed entries): 1,864 named, all as py3langid names
them (the script rule names the 4 Korean and Japanese real articles); 94 left to py3langid, most of
them feed entries of a sentence or two (docs/decisions.md, "Language without a model").
"""

from __future__ import annotations

import pkgutil
import re
from collections import Counter

# ISO 639-1 code (what py3langid and <html lang> give) -> jusText's stoplist name.
LANGUAGES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "be": "Belarusian",
    "bg": "Bulgarian", "mk": "Macedonian", "sr": "Serbian", "hr": "Croatian", "bs": "Bosnian",
    "sl": "Slovenian", "pl": "Polish", "cs": "Czech", "sk": "Slovak", "ro": "Romanian",
    "hu": "Hungarian", "fi": "Finnish", "et": "Estonian", "lv": "Latvian", "lt": "Lithuanian",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian_Bokmal", "is": "Icelandic", "el": "Greek",
    "tr": "Turkish", "az": "Azerbaijani", "kk": "Kazakh", "ky": "Kyrgyz", "uz": "Uzbek",
    "hy": "Armenian", "ka": "Georgian", "ar": "Arabic", "fa": "Persian", "he": "Hebrew",
    "ur": "Urdu", "hi": "Hindi", "id": "Indonesian", "ms": "Malay", "vi": "Vietnamese",
    "tl": "Tagalog", "sw": "Swahili", "ca": "Catalan", "gl": "Galician", "eu": "Basque",
    "sq": "Albanian", "ko": "Korean",
}
HEAD = 150  # the commonest words of each list; deeper words are topical and shared
MIN_WORDS = 12  # fewer words than this: too short to tell
MIN_SHARE = 0.2  # the leading language's common words must make up this share of the text
MIN_DISTINCT = 5  # ... with at least this many different words (not "go" ten times)

_WORD = re.compile(r"[^\W\d_]+")
_index: dict[str, int] | None = None  # word -> bit mask of the languages whose head holds it
_codes: list[str] = []


def _load() -> dict[str, int]:
    global _index
    if _index is None:
        index: dict[str, int] = {}
        for bit, (code, name) in enumerate(LANGUAGES.items()):
            _codes.append(code)
            data = pkgutil.get_data("justext", f"stoplists/{name}.txt") or b""
            seen: set[str] = set()
            for line in data.decode("utf-8").splitlines():
                w = line.strip().lower()
                if not w or w in seen:
                    continue
                seen.add(w)
                index[w] = index.get(w, 0) | (1 << bit)
                if len(seen) >= HEAD:
                    break
        _index = index
    return _index


def _counts(text: str) -> tuple[int, Counter, Counter]:
    """(words in the text's first 3,000 characters, common words found per language code,
    distinct common words found per language code)."""
    index = _load()
    words = _WORD.findall(text[:3000].lower())
    found = Counter(w for w in words if w in index)
    hits: Counter = Counter()
    distinct: Counter = Counter()
    for w, k in found.items():
        mask, bit = index[w], 0
        while mask:
            if mask & 1:
                hits[_codes[bit]] += k
                distinct[_codes[bit]] += 1
            mask >>= 1
            bit += 1
    return len(words), hits, distinct


def scores(text: str) -> tuple[int, Counter]:
    """(words in the text's first 3,000 characters, common words found per language code)."""
    n, hits, _ = _counts(text)
    return n, hits


def stopword_language(text: str) -> str | None:
    """ISO 639-1 code of the language whose common words the text holds most, when they make up
    MIN_SHARE of its words with at least MIN_DISTINCT different ones and no other language has as
    many; else None.

    Close languages share most common words (Spanish and Catalan: "de, la, que, en"), but each
    has some of its own ("los, con, una"), so the text's own language still leads; the measured
    cases are in the module docstring."""
    n, hits, distinct = _counts(text)
    if n < MIN_WORDS or not hits:
        return None
    top = hits.most_common(2)
    best, count = top[0]
    if len(top) > 1 and top[1][1] == count:  # a tie: Galician or Portuguese?
        return None
    if count < MIN_SHARE * n or distinct[best] < MIN_DISTINCT:
        return None
    return best


MIN_LETTERS = 50  # fewer letters than this: too short to tell a script


def script_language(text: str) -> str | None:
    """``ko``, ``ja`` or ``zh`` when the text's letters are mostly in the script of one of them:
    Hangul is written only for Korean; kana (hiragana, katakana) only for Japanese, whose prose is
    about half kana; Han characters without kana are Chinese. Else None. These texts have no
    spaces between words, so :func:`stopword_language` finds no common words in them."""
    letters = hangul = kana = han = 0
    for ch in text[:3000]:
        if not ch.isalpha():
            continue
        letters += 1
        o = ord(ch)
        if 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            hangul += 1
        elif 0x3040 <= o <= 0x30FF:
            kana += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            han += 1
    if letters < MIN_LETTERS:
        return None
    if hangul >= 0.3 * letters:
        return "ko"
    if kana >= 0.1 * letters:
        return "ja"
    if han >= 0.5 * letters:
        return "zh"
    return None


def text_language(text: str) -> str | None:
    """The text's language without a model: its common words (:func:`stopword_language`), else its
    script (:func:`script_language`); None when neither can tell."""
    return stopword_language(text) or script_language(text)
