"""Pages to articles: classify a fetched page, then extract text and metadata with trafilatura.

trafilatura's ``Document`` is converted once, here, into a frozen :class:`Article`.
Extraction is CPU-bound (a median 10 ms of CPU per real page), so :class:`Extractor` spreads it
over a process pool when a batch is large enough to pay for starting the workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pipeline.entries import MAX_TITLE, Entry, clean_text
from pipeline.fetch import Response
from pipeline.outcomes import Outcome

HTML_TYPES = ("text/html", "application/xhtml+xml", "")
MIN_TEXT_CHARS = 200  # below this a "page" is a video caption, a paywall stub or an error page
_LANG_ATTR = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})", re.I)


@dataclass(frozen=True)
class FetchedPage:
    """A page fetched for an entry, ready for extraction."""

    entry: Entry
    url: str  # what was requested
    final_url: str  # after redirects
    status: int
    content_type: str
    html: bytes


@dataclass(frozen=True)
class Article:
    """An extracted article, before de-duplication."""

    url: str  # the entry's link
    canonical_url: str
    final_url: str
    guid: str
    feed: str
    feed_url: str
    title: str
    author: str | None
    published_at: datetime | None
    language: str | None
    site: str | None
    description: str | None
    text: str
    text_hash: str = ""
    scores: tuple[Any, ...] = ()  # pipeline.themes.ThemeScore per theme, when a matcher was given
    fingerprint: Any = None  # pipeline.neardup.Fingerprint, computed where the CPU work is done
    entry: Any = None  # the Entry it came from
    story_terms: tuple[str, ...] = ()  # pipeline.stories.story_terms of title and lead


@dataclass(frozen=True)
class Rejected:
    """An entry that did not become an article, with its outcome and reason."""

    entry: Entry
    outcome: Outcome
    reason: str
    final_url: str | None = None
    http_status: int | None = None


def classify_response(entry: Entry, resp: Response) -> FetchedPage | Rejected:
    """Turn a page response into a FetchedPage, or a Rejected with the reason."""
    if resp.error:
        outcome = {"too_large": Outcome.TOO_LARGE, "blocked": Outcome.BLOCKED}.get(resp.error_kind or "",
                                                                                  Outcome.FETCH_FAILED)
        return Rejected(entry, outcome, resp.error, resp.final_url, resp.status)
    ctype = resp.content_type
    if ctype not in HTML_TYPES and not ctype.endswith("+xml") and ctype != "text/plain":
        return Rejected(entry, Outcome.NOT_HTML, f"content type {ctype!r}", resp.final_url, resp.status)
    head = resp.body[:1024].lstrip()
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")):
        return Rejected(entry, Outcome.NOT_HTML, f"binary body served as {ctype or 'no type'}", resp.final_url, resp.status)
    return FetchedPage(entry, resp.request.url, resp.final_url, resp.status or 200, ctype, resp.body)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value[:19] if "T" in value else value[:10], fmt)
        except ValueError:
            continue
    return None


def _published(page: datetime | None, entry: datetime | None) -> datetime | None:
    """The page's own date (htmldate reads it to the day) unless the feed entry's falls on the same
    day: the entry's then adds the time of day. Without a page date, the entry's."""
    if page is None or (entry is not None and entry.date() == page.date()):
        return entry or page
    return page


# In the process pool's workers, py3langid is not loaded: its model costs 75 MB of RSS in each
# process that loads it (measured). 17% of the bench's pages have no <html lang>; their common words
# name the language of most of them (pipeline.language). A worker leaves the rest (and their story
# terms, which depend on the language) to the run process, which loads the model only then:
# complete_language(). Set by _init_worker.
_DEFER_LANGUAGE = False


def detect_language(text: str, html: bytes | None = None, guess: bool = True) -> str | None:
    """ISO 639-1 code: the page's ``<html lang>`` when present, else the text's common words or
    script (:func:`pipeline.language.text_language`) when they tell, else py3langid on the text
    (unless ``guess`` is false)."""
    if html:
        m = _LANG_ATTR.search(html[:4096])
        if m:
            return m.group(1).decode().lower()[:2]
    if len(text) < 40:
        return None
    from pipeline.language import text_language

    language = text_language(text)
    if language is not None or not guess:
        return language
    import py3langid

    return py3langid.classify(text[:3000])[0]


# trafilatura's options. The fallback extractors stay on (fast=False), though they cost 29% more
# CPU: on the 181 real eval-data pages fast=True scores the same on average (F1 0.961 vs 0.959) but
# turns one page's article into 8,733 characters of boilerplate, and in the throughput bench that
# page's copies then looked like near-duplicates of each other (46 false near-copies in 10,000).
# eval/extraction/evaluate.py; docs/decisions.md.
TRAFILATURA_OPTIONS: dict[str, Any] = {"with_metadata": True, "include_comments": False, "include_tables": False,
                                       "deduplicate": False, "fast": False}

# htmldate's extensive date search is off (trafilatura's EXTENSIVE_DATE_SEARCH, on by default). Its
# last resort hands free-text phrases to dateparser in every one of its ~200 locales: the first
# phrase no locale reads ("... Published 11:34") builds them all, 1.1 s of CPU and +45 MB in each
# extraction worker, held for the run. Without it, htmldate still reads the meta tags, JSON-LD,
# <time> elements, the URL and dates written out in the text; on the 181 real eval-data pages it
# finds the same date on 179 and none on 2, where the feed entry's date is used instead.
EXTENSIVE_DATE_SEARCH = False


def trafilatura_options() -> dict[str, Any]:
    """Keyword arguments for ``trafilatura.bare_extraction`` that make it extract as newsmon does:
    :data:`TRAFILATURA_OPTIONS` with a config whose EXTENSIVE_DATE_SEARCH is
    :data:`EXTENSIVE_DATE_SEARCH` (the bench's CPU limit and naive script, and the tests, use it)."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "on" if EXTENSIVE_DATE_SEARCH else "off")
    return {**TRAFILATURA_OPTIONS, "config": config}


def page_metadata(tree: Any, url: str | None) -> Any:
    """The metadata trafilatura's ``extract_metadata`` finds in a parsed page (title, author,
    date, site name, description, URL), without the categories, tags and licence newsmon does not
    keep: those three took a third of the metadata's CPU (about 1 ms of 17 ms per page). The same
    steps in the same order, on trafilatura's own functions (pinned version): on the 400 bench
    pages and the 181 eval-data pages the kept fields are identical (tests/test_extraction_meta.py
    checks the project's own pages). The author XPaths, when the meta tags and JSON-LD name no
    author, run as Python predicates (:mod:`pipeline.authors`): the same author, 2.1 ms instead of
    4.7 ms. Tried and dropped: looking for an author only when the page has a candidate element
    (trafilatura's author XPaths on the whole tree cost more than the pruned copy they would save:
    a quarter of the pages that need an author have none); skipping the search when the page's
    bytes hold none of the predicates' words ("author", "byl", "writer" ...): 17 of 434 bench pages
    that need the search, 0.1 ms per page."""
    from htmldate import find_date
    from trafilatura import metadata as md
    from trafilatura.settings import set_date_params

    from pipeline.authors import extract_author

    doc = md.examine_meta(tree)
    if doc.author and " " not in doc.author:
        doc.author = None
    try:
        doc = md.extract_meta_json(tree, doc)
    except Exception:  # trafilatura's own guard: bugs in its JSON-LD parser
        pass
    if not doc.title:
        doc.title = md.extract_title(tree)
    if not doc.author:
        doc.author = extract_author(tree)  # = md.extract_author, 2.3x faster (pipeline.authors)
    if not doc.url:
        doc.url = md.extract_url(tree, url)
    if doc.url:
        doc.hostname = md.extract_domain(doc.url, fast=True)
    date_params = set_date_params(EXTENSIVE_DATE_SEARCH)
    date_params["url"] = doc.url
    doc.date = find_date(tree, **date_params)
    if not doc.sitename:
        doc.sitename = md.extract_sitename(tree)
    if doc.sitename:
        doc.sitename = doc.sitename.lstrip("@")
        if doc.sitename and "." not in doc.sitename and not doc.sitename[0].isupper():
            doc.sitename = doc.sitename.title()
    elif doc.url:
        m = md.META_URL.match(doc.url)
        if m:
            doc.sitename = m[1]
    doc.filedate = date_params.get("max_date")
    doc.clean_and_trim()
    return doc


def html_element_lookup() -> Any:
    """An lxml element-class lookup that gives each element the class lxml.html's own gives it,
    decided in C. lxml.html's parser asks a Python method (``HtmlElementClassLookup.lookup``)
    for the class of every element that Python touches: about 3,700 calls per bench page,
    through trafilatura's XPath passes, copies and loops. This one maps the same names (the
    form elements: ``form``, ``input``, ``select``, ``textarea``, ``label``) to the same classes
    and everything else to ``HtmlElement``, ``HtmlComment``, ``HtmlProcessingInstruction`` or
    ``HtmlEntity``, as the Python method does for the lower-case tag names an HTML parser gives
    (tests/test_extraction_meta.py compares the classes and the extraction)."""
    from lxml import etree
    from lxml import html as lxml_html

    fallback = etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction, entity=lxml_html.HtmlEntity)
    lookup = etree.ElementNamespaceClassLookup(fallback)
    lookup.get_namespace(None).update(lxml_html.HtmlElementClassLookup()._element_classes)
    return lookup


_LOOKUP_SET = False


def _use_html_element_lookup() -> None:
    """Give trafilatura's HTML parser :func:`html_element_lookup` (once per process): the same
    trees and the same extraction, for about 1% less of the workers' CPU at full size
    (docs/performance.md)."""
    global _LOOKUP_SET
    if not _LOOKUP_SET:
        from trafilatura.utils import HTML_PARSER

        HTML_PARSER.set_element_class_lookup(html_element_lookup())
        _LOOKUP_SET = True


def extract_html(html: bytes | str, url: str | None = None) -> dict[str, Any] | None:
    """trafilatura's extraction of one page, as a plain dict (None when it finds no article).

    Equal to ``trafilatura.bare_extraction(html, url=url, **trafilatura_options())`` on the fields
    kept: the page is parsed once, its text extracted with metadata off, and its metadata read by
    :func:`page_metadata`."""
    import trafilatura
    from trafilatura.settings import DEFAULT_CONFIG
    from trafilatura.utils import load_html

    # trafilatura logs ERROR for every empty or unparsable page; the outcome carries the reason.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    _use_html_element_lookup()
    tree = load_html(html, DEFAULT_CONFIG.getint("DEFAULT", "MAX_FILE_SIZE"))
    if tree is None:
        return None
    # As in trafilatura: metadata first, then the text (bare_extraction works on a copy of a
    # parsed tree), with the page's own URL when the caller has none.
    meta = page_metadata(tree, url)
    doc = trafilatura.bare_extraction(tree, url=url or meta.url, **{**TRAFILATURA_OPTIONS, "with_metadata": False})
    if doc is None or not (doc.text or "").strip():
        return None
    raw = html.encode("utf-8", "replace") if isinstance(html, str) else html
    text = doc.text.strip()
    title = clean_text(meta.title, MAX_TITLE)  # no invisible or bidi controls, at most 500 chars
    first, _, rest = text.partition("\n")
    if title and rest and first.strip() == title:
        # trafilatura keeps an <h1> inside <article> as the first line: the headline is metadata,
        # and a changed headline must not change the text (or its hash).
        text = rest.strip()
    return {
        "title": title,
        "author": (meta.author or "").strip() or None,
        "date": meta.date,
        "language": detect_language(text, raw, guess=not _DEFER_LANGUAGE),
        "site": (meta.sitename or "").strip() or None,
        "description": (meta.description or "").strip() or None,
        "text": text,
    }


def extract_page(page: FetchedPage, matcher: Any = None) -> Article | Rejected:
    """Extract one fetched page into an Article (scored against the themes when a matcher is
    given), or reject it with ``no_text``."""
    from pipeline.dedupe import text_hash
    from pipeline.neardup import fingerprint
    from pipeline.stories import story_terms

    try:
        meta = extract_html(page.html, page.final_url)
    except Exception as exc:  # trafilatura/lxml on hostile markup: one page, one outcome
        return Rejected(page.entry, Outcome.NO_TEXT, f"extraction failed: {type(exc).__name__}: {exc}",
                        page.final_url, page.status)
    if meta is None or len(meta["text"]) < MIN_TEXT_CHARS:
        n = 0 if meta is None else len(meta["text"])
        return Rejected(page.entry, Outcome.NO_TEXT, f"{n} characters of article text (minimum {MIN_TEXT_CHARS})",
                        page.final_url, page.status)
    e = page.entry
    title = meta["title"] or e.title
    scores: tuple[Any, ...] = ()
    if matcher is not None:
        scores = tuple(matcher.score(meta["text"], title=title, language=meta["language"]).values())
    return Article(
        url=e.link, canonical_url=e.canonical_url, final_url=page.final_url, guid=e.guid,
        feed=e.feed, feed_url=e.feed_url, title=meta["title"] or e.title, author=meta["author"],
        published_at=_published(_date(meta["date"]), e.published), language=meta["language"], site=meta["site"],
        description=meta["description"] or (e.summary or None), text=meta["text"],
        text_hash=text_hash(meta["text"]), scores=scores, fingerprint=fingerprint(meta["text"]), entry=e,
        story_terms=tuple(story_terms(title, meta["text"], meta["language"])) if meta["language"] or not _DEFER_LANGUAGE else (),
    )


def complete_language(article: Article) -> Article:
    """The article with its language guessed from the text, and its story terms stemmed for that
    language, when a pool worker left them out (no ``<html lang>``; see _DEFER_LANGUAGE)."""
    from pipeline.stories import story_terms

    if article.language is not None:
        return article
    language = detect_language(article.text)
    if language is None:
        return article
    return replace(article, language=language,
                   story_terms=tuple(story_terms(article.title, article.text, language)))


_WORKER_MATCHER: Any = None  # set once per worker process by _init_worker


def extract_pages(pages: Sequence[FetchedPage], matcher: Any = None) -> list[Article | Rejected]:
    """Extract (and score) pages in this process; the unit of work a pool or a Dask worker runs."""
    matcher = matcher if matcher is not None else _WORKER_MATCHER
    return [extract_page(p, matcher) for p in pages]


_extract_batch = extract_pages


def _init_worker(matcher: Any) -> None:
    global _WORKER_MATCHER, _DEFER_LANGUAGE
    import trafilatura  # noqa: F401  (import once per worker, not once per page)

    _WORKER_MATCHER = matcher
    _DEFER_LANGUAGE = True


class Extractor:
    """A spawn process pool for extraction (started on first use), or in-process extraction."""

    def __init__(self, workers: int = 2, matcher: Any = None) -> None:
        self.workers = max(1, workers)
        self.matcher = matcher  # sent to each worker once, at start
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the flow process runs threads (Prefect, httpx) that fork would copy mid-lock.
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker,
                                             initargs=(self.matcher,))
        return self._pool

    def submit_chunk(self, pages: Sequence[FetchedPage], inline: bool = False) -> Future:
        """One chunk of pages to the pool (or extracted here and now when ``inline`` or with one
        worker); the future's result is the chunk's results, in order."""
        if inline or self.workers == 1:
            done: Future = Future()
            done.set_result(_extract_batch(list(pages), self.matcher))
            return done
        return self._get_pool().submit(_extract_batch, list(pages))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
