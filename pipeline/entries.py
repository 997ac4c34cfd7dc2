"""Feeds to entries: parse RSS/Atom with feedparser and convert each entry once into an ``Entry``.

feedparser returns untyped dicts; nothing downstream of this module sees one.
"""

from __future__ import annotations

import calendar
import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin
from datetime import UTC, datetime

import feedparser

from pipeline.urls import RedirectWrapper, canonical_url, fetch_url

_TAG = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")
# Zero-width and bidi control characters: invisible, and used to make two titles look alike.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
MAX_TITLE = 500
MAX_SUMMARY = 4000


@dataclass(frozen=True)
class Entry:
    """One feed entry, as newsmon uses it."""

    feed: str  # the feed's configured name
    feed_url: str
    title: str
    link: str  # the URL to fetch (wrappers unwrapped)
    canonical_url: str
    guid: str
    published: datetime | None
    summary: str
    feed_link: str = ""  # the link exactly as the feed gave it (before unwrapping)

    @property
    def key(self) -> str:
        """Identity of the entry within its feed: the guid when it has one, else the canonical URL."""
        return self.guid or self.canonical_url


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed document: its entries and, when feedparser struggled, why."""

    title: str
    entries: tuple[Entry, ...]
    bozo: str | None  # feedparser's complaint, kept even when entries were recovered
    is_feed: bool = True  # False when the document is not recognisably RSS/Atom/RDF at all
    skipped: tuple[tuple[str, str, str, str], ...] = ()  # (title, link, guid, reason) of unusable entries


def clean_text(value: str | None, limit: int) -> str:
    """Plain text from a feed field: tags and entities removed, invisible characters dropped."""
    if not value:
        return ""
    text = html.unescape(_TAG.sub(" ", value))
    text = _WS.sub(" ", _INVISIBLE.sub("", text)).strip()
    return text[:limit]


def _published(raw: dict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(raw, key)  # plain lookup: feedparser's aliasing of updated/published warns
        if value:
            try:
                when = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            # Absurd dates (year 1, year 9999) are feed bugs, not news.
            if 1990 <= when.year <= datetime.now(UTC).year + 1:
                return when.replace(tzinfo=None)
    return None


def parse_feed(content: bytes, feed_name: str, feed_url: str, content_type: str | None = None,
               wrappers: tuple[RedirectWrapper, ...] = ()) -> ParsedFeed:
    """Parse a feed document into entries; never raises on bad input."""
    headers = {"content-type": content_type} if content_type else None
    parsed = feedparser.parse(content, response_headers=headers, sanitize_html=False,
                              resolve_relative_uris=False)
    if headers and parsed.get("bozo") and not parsed.get("entries"):
        # Servers often declare the wrong charset (utf-8 on a UTF-16 feed with a BOM): let
        # feedparser sniff the BOM and the XML declaration instead.
        retry = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
        if retry.get("entries") or not retry.get("bozo"):
            parsed = retry
    bozo = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        bozo = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    entries: list[Entry] = []
    skipped: list[tuple[str, str, str, str]] = []
    for raw in parsed.get("entries", []):
        title = clean_text(raw.get("title"), MAX_TITLE)
        link = (raw.get("link") or "").strip()
        if not link:
            for alt in raw.get("links", []):
                if alt.get("href") and alt.get("rel", "alternate") == "alternate":
                    link = alt["href"].strip()
                    break
        raw_guid = raw.get("id") or raw.get("guid") or ""
        if link and link == raw_guid and not link.lower().startswith(("http://", "https://")):
            link = ""  # feedparser copies a non-URL <guid> into link (isPermaLink defaults to true)
        if link and not link.lower().startswith(("http://", "https://")):
            link = urljoin(feed_url, link)
        guid = clean_text(raw_guid, 1000)
        if not link.lower().startswith(("http://", "https://")):
            skipped.append((title, link, guid, "entry has no http(s) link"))
            continue
        entries.append(Entry(
            feed=feed_name,
            feed_url=feed_url,
            title=title,
            link=fetch_url(link, wrappers),
            canonical_url=canonical_url(link, wrappers),
            guid=guid,
            published=_published(raw),
            summary=clean_text(raw.get("summary") or raw.get("description"), MAX_SUMMARY),
            feed_link=link,
        ))
    feed_title = clean_text(parsed.get("feed", {}).get("title"), MAX_TITLE)
    # Nothing recovered from a malformed document: the caller records a parse failure. A
    # well-formed feed with no items is not a failure.
    is_feed = bool(entries or skipped or (parsed.get("version") and not parsed.get("bozo")))
    return ParsedFeed(feed_title, tuple(entries), bozo, is_feed, tuple(skipped))
