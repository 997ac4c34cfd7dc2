"""One ingest pass, as plain functions the Prefect flow wires together.

    fetch_feeds -> select_entries -> PageStream (fetch -> extract, streamed) -> store_batch -> finish

Each function takes what it needs and returns values; none of them knows about Prefect, so every
stage runs (and is tested) without the engine. Every entry ends in exactly one outcome.
"""

from __future__ import annotations

import queue
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline import feedhealth, neardup, netguard, stories
from pipeline.articles import Article, FetchedPage, Rejected, classify_response, complete_language
from pipeline.config import Feed, Settings
from pipeline.entries import Entry, parse_feed
from pipeline.fetch import FEED_ACCEPT, PAGE_ACCEPT, FetchStream, Request, Response, fetch_all
from pipeline.outcomes import ORDER, RETRYABLE, Outcome
from pipeline.store import Store, utcnow
from pipeline.urls import canonical_url, fetch_url, host_of

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def new_run_id() -> str:
    """Sortable, unique run id: UTC time plus a random suffix."""
    return utcnow().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


@dataclass(frozen=True)
class FeedResult:
    """One feed's fetch and parse."""

    feed: Feed
    status: str  # ok | not_modified | failed
    http_status: int | None
    error: str | None
    etag: str | None
    last_modified: str | None
    entries: tuple[Entry, ...]
    skipped: tuple[tuple[str, str, str, str], ...]
    elapsed_s: float
    error_kind: str | None = None
    retry_after: str | None = None  # the server's Retry-After header, on 429/503
    attempts: int = 1

    @property
    def transient(self) -> bool:
        return self.status == "failed" and feedhealth.is_transient(self.http_status, self.error_kind)

    def as_row(self, new_entries: int = 0) -> dict[str, Any]:
        return {"feed_url": self.feed.url, "feed_name": self.feed.name, "status": self.status,
                "http_status": self.http_status, "error": self.error, "entries": len(self.entries),
                "new_entries": new_entries, "elapsed_s": round(self.elapsed_s, 3), "etag": self.etag,
                "last_modified": self.last_modified}


def _feed_result(feed: Feed, resp: Response, settings: Settings) -> FeedResult:
    h = resp.headers
    if resp.not_modified:
        return FeedResult(feed, "not_modified", 304, None, None, None, (), (), resp.elapsed_s)
    if resp.error:
        return FeedResult(feed, "failed", resp.status, resp.error, None, None, (), (), resp.elapsed_s,
                          resp.error_kind, h.get("retry-after"))
    parsed = parse_feed(resp.body, feed.name, feed.url, h.get("content-type"), settings.redirect_wrappers)
    if not parsed.is_feed:
        return FeedResult(feed, "failed", resp.status, f"not a feed: {parsed.bozo}"[:500], None, None, (),
                          parsed.skipped, resp.elapsed_s, "parse")
    return FeedResult(feed, "ok", resp.status, None, h.get("etag"), h.get("last-modified"),
                      parsed.entries, parsed.skipped, resp.elapsed_s)


def fetch_feeds(feeds: Sequence[Feed], validators: dict[str, tuple[str | None, str | None]],
                settings: Settings, progress: Progress | None = None) -> list[FeedResult]:
    """Fetch and parse every feed concurrently, with conditional GET where validators are known."""
    reqs = [Request(f.url, key=f, etag=validators.get(f.url, (None, None))[0],
                    last_modified=validators.get(f.url, (None, None))[1], max_bytes=settings.fetch.max_feed_bytes)
            for f in feeds]
    done = [0]

    def tick(_: Response) -> None:
        done[0] += 1
        if progress:
            progress("feeds", done[0], len(reqs))

    responses = fetch_all(reqs, settings.fetch, FEED_ACCEPT, tick)
    return [_feed_result(r.request.key, r, settings) for r in responses]


class TransientFeedFailures(Exception):
    """Some feeds still failed transiently; ``results`` holds the best results so far."""

    def __init__(self, results: list[FeedResult]) -> None:
        self.results = results
        bad = [r.feed.name for r in results if r.transient]
        super().__init__(f"{len(bad)} feed(s) failed transiently: {', '.join(bad[:5])}")


def retry_transient(results: Sequence[FeedResult], validators: dict[str, tuple[str | None, str | None]],
                    settings: Settings, wait_s: float = 0.0, max_wait_s: float = 30.0) -> list[FeedResult]:
    """Fetch again the feeds that failed transiently (timeouts, 5xx, 429), after ``wait_s``.

    Honours Retry-After (up to ``max_wait_s``). Raises TransientFeedFailures while some still fail,
    so the caller's retry layer (Prefect task retries with back-off) can try again; parse errors
    and other hard failures are never retried.
    """
    todo = [r for r in results if r.transient]
    if not todo:
        return list(results)
    now = utcnow()
    waits = [feedhealth.retry_after_seconds(r.retry_after, now) or 0.0 for r in todo]
    time.sleep(min(max(wait_s, *waits), max_wait_s))
    again = {r.feed.url: replace(r, attempts=results_attempts(results, r.feed.url) + 1)
             for r in fetch_feeds([r.feed for r in todo], validators, settings)}
    merged = [again.get(r.feed.url, r) for r in results]
    if any(r.transient for r in merged):
        raise TransientFeedFailures(merged)
    return merged


def results_attempts(results: Sequence[FeedResult], feed_url: str) -> int:
    return next((r.attempts for r in results if r.feed.url == feed_url), 1)


def plan_feeds(feeds: Sequence[Feed], health: dict[str, Any], now: Any) -> tuple[list[Feed], list[FeedResult]]:
    """Feeds due now, and a 'skipped' result (with the reason) for those backing off or disabled."""
    due, skipped = [], []
    for f in feeds:
        ok, why = feedhealth.due(health.get(f.url, feedhealth.FeedHealth()), now)
        if ok:
            due.append(f)
        else:
            skipped.append(FeedResult(f, "skipped", None, why, None, None, (), (), 0.0))
    return due, skipped


@dataclass
class RunState:
    """What one run has decided so far (kept by the flow between batches)."""

    run_id: str
    # canonical URL -> entries that share it with the entry being fetched (other feeds, variants)
    followers: dict[str, list[Entry]] = field(default_factory=dict)
    new_article_ids: list[int] = field(default_factory=list)
    matched: int = 0  # (article, theme) pairs that matched
    story_index: Any = None  # pipeline.stories.StoryIndex over the recent window, loaded once per run
    # stored articles' shingles, kept across batches (near-duplicate candidates recur)
    shingle_cache: Any = field(default_factory=lambda: neardup.ShingleCache())
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome, n: int = 1) -> None:
        self.counts[outcome.value] = self.counts.get(outcome.value, 0) + n


def _outcome_row(entry: Entry, outcome: Outcome, reason: str, article_id: int | None = None,
                 final_url: str | None = None, http_status: int | None = None) -> dict[str, Any]:
    return {"feed_url": entry.feed_url, "entry_key": entry.key, "feed_name": entry.feed, "guid": entry.guid or None,
            "link": entry.feed_link or entry.link, "canonical_url": entry.canonical_url, "title": entry.title,
            "published_at": entry.published, "outcome": outcome.value, "reason": reason,
            "article_id": article_id, "final_url": final_url, "http_status": http_status}


def _invalid_rows(result: FeedResult) -> list[dict[str, Any]]:
    rows = []
    for title, link, guid, reason in result.skipped:
        key = (guid or link or title or "(empty entry)")[:500]
        rows.append({"feed_url": result.feed.url, "entry_key": key, "feed_name": result.feed.name,
                     "guid": guid or None, "link": link[:2000], "canonical_url": link[:2000], "title": title or None,
                     "published_at": None, "outcome": Outcome.INVALID_LINK.value, "reason": reason,
                     "article_id": None, "final_url": None, "http_status": None})
    return rows


def select_entries(store: Store, results: Sequence[FeedResult], state: RunState,
                   settings: Settings) -> list[Entry]:
    """Decide, before any page is fetched, which entries need fetching.

    Records outcomes for entries that need no fetch (duplicate URL, invalid link) and the feed
    results; entries already decided in an earlier run are skipped silently (their outcome is
    already recorded), unless their outcome is retryable and attempts remain.
    """
    all_entries: list[Entry] = []
    invalid: list[dict[str, Any]] = []
    for r in results:
        seen_keys: set[str] = set()
        for e in r.entries:
            if e.key in seen_keys:  # a feed that repeats a guid: one entry
                continue
            seen_keys.add(e.key)
            all_entries.append(e)
        invalid.extend(_invalid_rows(r))
    known = store.known_entries([(e.feed_url, e.key) for e in all_entries])
    invalid_known = store.known_entries([(row["feed_url"], row["entry_key"]) for row in invalid])
    invalid = [row for row in invalid if (row["feed_url"], row["entry_key"]) not in invalid_known]
    fresh: list[Entry] = []
    for e in all_entries:
        prior = known.get((e.feed_url, e.key))
        if prior is None:
            fresh.append(e)
    # Failed pages are retried, with a back-off, whether or not their feed still lists them.
    queued = {(e.feed_url, e.key) for e in fresh}
    for name, feed_url, title, link, canon, guid, published in store.retryable_entries(
            [o.value for o in RETRYABLE], settings.max_entry_attempts, settings.retry_after_minutes):
        e = Entry(name, feed_url, title or "", fetch_url(link, settings.redirect_wrappers), canon, guid or "",
                  published, "", feed_link=link)
        if (feed_url, e.key) not in queued:
            queued.add((feed_url, e.key))
            fresh.append(e)
    stored = store.lookup_urls(e.canonical_url for e in fresh)
    rows: list[dict[str, Any]] = list(invalid)
    to_fetch: list[Entry] = []
    leaders: dict[str, Entry] = {}
    for e in fresh:
        if e.canonical_url in stored:
            aid = stored[e.canonical_url]
            rows.append(_outcome_row(e, Outcome.DUPLICATE_URL, f"URL already stored as article {aid}", aid))
            state.count(Outcome.DUPLICATE_URL)
        elif e.canonical_url in leaders:
            # Same URL from another feed (or another form of it) in this run: fetch it once.
            state.followers.setdefault(e.canonical_url, []).append(e)
        else:
            leaders[e.canonical_url] = e
            to_fetch.append(e)
    if invalid:
        state.count(Outcome.INVALID_LINK, len(invalid))
    new_per_feed: dict[str, int] = {}
    for e in fresh:
        new_per_feed[e.feed_url] = new_per_feed.get(e.feed_url, 0) + 1
    store.record_outcomes(state.run_id, rows)
    now = utcnow()
    prior = store.feed_health(r.feed.url for r in results)
    feed_rows = []
    for r in results:
        row = r.as_row(new_per_feed.get(r.feed.url, 0))
        if r.status != "skipped":
            kind = feedhealth.classify(r.status, r.http_status, r.error, r.error_kind)
            row["health"] = feedhealth.update(prior.get(r.feed.url, feedhealth.FeedHealth()), kind, now,
                                              settings.health, feedhealth.retry_after_seconds(r.retry_after, now),
                                              r.error)
        feed_rows.append(row)
    store.save_feed_results(state.run_id, feed_rows)
    return interleave_by_host(to_fetch)


def interleave_by_host(entries: Sequence[Entry]) -> list[Entry]:
    """Order entries round-robin across hosts, so every batch of pages spreads over many hosts.

    Feeds list one host's links together; fetched in that order, a batch of 100 pages from two
    hosts waits on the per-host cap and delay (2 at a time, 0.25 s apart) while the other
    connections idle.
    """
    queues: dict[str, list[Entry]] = {}
    for e in entries:
        queues.setdefault(host_of(e.link), []).append(e)
    out: list[Entry] = []
    lists = list(queues.values())
    for i in range(max((len(q) for q in lists), default=0)):
        out.extend(q[i] for q in lists if i < len(q))
    return out


def page_requests(entries: Sequence[Entry], settings: Settings) -> list[Request]:
    """One request per entry's page. Links come from feed content, so the SSRF guard applies; a
    feed configured on a private address (an intranet feed) may still link to its own host."""
    private_feed: dict[str, frozenset[str]] = {}
    for e in entries:
        if e.feed_url not in private_feed:
            host = host_of(e.feed_url)
            private_feed[e.feed_url] = frozenset({host}) if netguard.is_private_host(host) else frozenset()
    return [Request(e.link, key=e, max_bytes=settings.fetch.max_page_bytes, allow_private=private_feed[e.feed_url])
            for e in entries]


class PageStream:
    """Pages fetched and extracted as one stream, handed over in batches for storing.

    A page goes to extraction as soon as it arrives, in chunks of ``chunk`` pages, so fetching,
    extraction and storing overlap all the time instead of batch by batch (lock-step batches left
    the extraction workers idle while the slowest page of each batch arrived). Memory is bounded:
    at most ``window`` pages fetched and not yet handed to extraction, at most ``max_chunks``
    chunks submitted and not yet collected.

    ``submit(pages)`` starts extracting a chunk and returns a handle with ``done()`` and
    ``result()`` (a ``concurrent.futures.Future``, for one). Each batch comes back in the order
    of ``entries``; batches follow the order extraction finished.
    """

    def __init__(self, entries: Sequence[Entry], settings: Settings, submit: Callable[[list[FetchedPage]], Any],
                 progress: Progress | None = None, *, chunk: int = 8, workers: int = 2,
                 max_chunks: int | None = None, window: int = 96) -> None:
        self.entries = list(entries)
        self.settings = settings
        self.submit = submit
        self.progress = progress
        self.chunk = max(1, chunk)
        self.workers = max(1, workers)
        self.max_chunks = max_chunks or 6 * self.workers
        self.window = window
        self._rank = {e.canonical_url: i for i, e in enumerate(self.entries)}
        # Where the consumer's thread waited (seconds): for pages to arrive, for extraction.
        self.stats: dict[str, float] = {"wait_pages_s": 0.0, "wait_extraction_s": 0.0, "chunks": 0}

    def _ordered(self, results: list[Article | Rejected]) -> list[Article | Rejected]:
        return sorted(results, key=lambda r: self._rank.get(r.entry.canonical_url, len(self._rank)))

    def batches(self, size: int) -> Iterator[list[Article | Rejected]]:
        """Extracted articles and rejected pages, ``size`` at a time, as they are ready."""
        if not self.entries:
            return
        total = len(self.entries)
        inflight: deque[Any] = deque()
        chunk: list[FetchedPage] = []
        ready: list[Article | Rejected] = []
        fetched_all = False
        pages = 0

        def send() -> None:
            inflight.append(self.submit(chunk[:]))
            self.stats["chunks"] += 1
            chunk.clear()

        def oldest() -> list[Article | Rejected]:
            t = time.perf_counter()
            out = inflight.popleft().result()
            self.stats["wait_extraction_s"] += time.perf_counter() - t
            return out

        with FetchStream(page_requests(self.entries, self.settings), self.settings.fetch, PAGE_ACCEPT,
                         guard=True, window=self.window) as stream:
            while True:
                while inflight and inflight[0].done():  # collect finished chunks, oldest first
                    ready.extend(inflight.popleft().result())
                if len(ready) >= size or (fetched_all and not inflight and not chunk and ready):
                    out, ready = ready[:size], ready[size:]
                    yield self._ordered(out)
                    continue
                if fetched_all:
                    if chunk:
                        send()
                    elif inflight:
                        ready.extend(oldest())
                    else:
                        return
                    continue
                if len(inflight) >= self.max_chunks:  # the pool has enough work: wait for it
                    ready.extend(oldest())
                    continue
                t = time.perf_counter()
                try:
                    resp = stream.get(timeout=0.05 if (inflight or chunk) else None)
                except queue.Empty:
                    self.stats["wait_pages_s"] += time.perf_counter() - t
                    # Nothing arrived: a part chunk goes now rather than leave a worker idle.
                    if chunk and len(inflight) < self.workers:
                        send()
                    continue
                self.stats["wait_pages_s"] += time.perf_counter() - t
                if resp is None:
                    fetched_all = True
                    continue
                pages += 1
                if self.progress:
                    self.progress("pages", pages, total)
                page = classify_response(resp.request.key, resp)
                if isinstance(page, FetchedPage):
                    chunk.append(page)
                    if len(chunk) >= self.chunk:
                        send()
                else:
                    ready.append(page)


def store_batch(store: Store, state: RunState, results: Sequence[Article | Rejected],
                wrappers: Sequence[Any] = ()) -> list[int]:
    """De-duplicate a batch of extracted articles against history and each other, and store it.

    Returns the ids of the articles stored as new.
    """
    now = utcnow()
    results = [complete_language(r) if isinstance(r, Article) else r for r in results]
    articles = [r for r in results if isinstance(r, Article)]
    final_canon = {a.canonical_url: canonical_url(a.final_url, tuple(wrappers)) for a in articles}
    by_url = store.lookup_urls(list(final_canon.values()))
    by_hash = store.lookup_hashes(a.text_hash for a in articles)
    # Near-duplicate candidates from all history: one join for the whole batch.
    probes = [(i, int(b)) for i, a in enumerate(articles) if a.fingerprint is not None for b in a.fingerprint.buckets]
    history = store.lsh_candidates(probes)
    cache = state.shingle_cache
    stored_texts = store.article_texts({aid for ids in history.values() for aid in ids if aid not in cache})
    near = neardup.find_near_duplicates(history, stored_texts, [a.fingerprint for a in articles], cache=cache)
    near_by_canon = {a.canonical_url: m for a, m in zip(articles, near)}
    # ...and from earlier articles of this batch: bucket -> (article id, root id, shingles)
    batch_buckets: dict[int, list[tuple[int, int, Any]]] = {}
    if state.story_index is None:
        state.story_index = stories.StoryIndex()
        for sid, story, at, terms in store.story_window(now - state.story_index.window):
            state.story_index.add(sid, story, at, terms or ())
    next_id = store.next_article_id()
    lsh_rows: list[tuple[int, int]] = []
    article_rows: list[dict[str, Any]] = []
    match_rows: list[tuple[int, Any]] = []
    url_rows: list[tuple[str, int, str, str, str | None]] = []
    outcome_rows: list[dict[str, Any]] = []
    new_ids: list[int] = []
    stored_prints: list[tuple[int, int, Any]] = []

    def settle(leader: Entry, outcome: Outcome, reason: str, aid: int | None, final_url: str | None,
               status: int | None) -> None:
        """Record the leader's outcome and its followers' (same canonical URL)."""
        outcome_rows.append(_outcome_row(leader, outcome, reason, aid, final_url, status))
        state.count(outcome)
        for f in state.followers.pop(leader.canonical_url, []):
            if aid is not None:
                outcome_rows.append(_outcome_row(f, Outcome.DUPLICATE_URL,
                                                 f"same URL as {leader.feed!r} entry, article {aid}", aid, final_url))
                url_rows.append((f.canonical_url, aid, f.link, "alias", f.feed))
                state.count(Outcome.DUPLICATE_URL)
            else:
                outcome_rows.append(_outcome_row(f, outcome, f"same URL as {leader.feed!r} entry: {reason}", None,
                                                 final_url, status))
                state.count(outcome)

    for r in results:
        if isinstance(r, Rejected):
            settle(r.entry, r.outcome, r.reason, None, r.final_url, r.http_status)
            continue
        a = r
        entry = a.entry
        fc = final_canon[a.canonical_url]
        if fc != a.canonical_url and fc in by_url:
            aid = by_url[fc]
            settle(entry, Outcome.DUPLICATE_URL, f"redirects to stored article {aid}", aid, a.final_url, 200)
            url_rows.append((a.canonical_url, aid, a.url, "alias", a.feed))
            continue
        if a.text_hash in by_hash:
            aid = by_hash[a.text_hash]
            settle(entry, Outcome.DUPLICATE_TEXT, f"same text as article {aid}", aid, a.final_url, 200)
            url_rows.append((a.canonical_url, aid, a.url, "alias", a.feed))
            continue
        aid = next_id
        next_id += 1
        by_hash[a.text_hash] = aid
        by_url[fc] = aid
        copy_of = near_by_canon.get(a.canonical_url)
        if a.fingerprint is not None:
            for b in a.fingerprint.buckets:
                for other_id, other_root, other_sh in batch_buckets.get(int(b), []):
                    sim = neardup.jaccard(a.fingerprint.shingles, other_sh)
                    if sim >= neardup.THRESHOLD and (copy_of is None or sim > copy_of.similarity):
                        copy_of = neardup.NearMatch(other_id, other_root, round(sim, 4))
            root = copy_of.root_id if copy_of else aid
            for b in a.fingerprint.buckets:
                batch_buckets.setdefault(int(b), []).append((aid, root, a.fingerprint.shingles))
                lsh_rows.append((int(b), aid))
            stored_prints.append((aid, root, a.fingerprint.shingles))
        story, story_sim = state.story_index.assign(
            aid, a.published_at or now, list(a.story_terms),
            forced_story=_story_of(state.story_index, store, copy_of.root_id) if copy_of else None)
        article_rows.append({
            "story_id": story, "story_terms": list(a.story_terms),
            "story_similarity": round(story_sim, 4) if story_sim is not None else None,
            "id": aid, "url": a.url, "canonical_url": a.canonical_url, "final_url": a.final_url, "guid": a.guid or None,
            "title": a.title, "author": a.author, "published_at": a.published_at, "fetched_at": now,
            "language": a.language, "site": a.site, "feed": a.feed, "feed_url": a.feed_url,
            "description": a.description, "text": a.text, "text_hash": a.text_hash,
            "duplicate_of": copy_of.root_id if copy_of else None,
            "similarity": copy_of.similarity if copy_of else None, "run_id": state.run_id,
        })
        url_rows.append((a.canonical_url, aid, a.url, "canonical", a.feed))
        if fc != a.canonical_url:
            url_rows.append((fc, aid, a.final_url, "redirect", a.feed))
        new_ids.append(aid)
        match_rows.extend((aid, score) for score in a.scores)
        if copy_of is not None:
            # Stored (it is evidence of spread), but marked as a copy of its story's earliest article.
            settle(entry, Outcome.NEAR_DUPLICATE,
                   f"near-copy of article {copy_of.article_id} (Jaccard {copy_of.similarity:.2f}); "
                   f"stored with duplicate_of = {copy_of.root_id}", aid, a.final_url, 200)
        else:
            settle(entry, Outcome.NEW, "stored", aid, a.final_url, 200)
    with store.transaction():
        store.insert_articles(article_rows)
        store.insert_urls(url_rows)
        store.upsert_matches(match_rows)
        store.insert_lsh(lsh_rows)
        store.record_outcomes(state.run_id, outcome_rows)
    for aid, root, sh in stored_prints:  # the next batches' candidates, without a read
        cache.put(aid, root, sh)
    state.new_article_ids.extend(new_ids)
    state.matched += sum(1 for _, score in match_rows if score.matched)
    return new_ids


def _story_of(index: Any, store: Store, article_id: int) -> int:
    """The story an existing article belongs to (from the window, else the database)."""
    doc = index.docs.get(article_id)
    if doc is not None:
        return doc.story_id
    row = store.con.execute("SELECT coalesce(story_id, id) FROM article WHERE id = ?", [article_id]).fetchone()
    return int(row[0]) if row else article_id


def settle_orphans(store: Store, state: RunState) -> None:
    """Followers whose leader never came back (should not happen) still get an outcome."""
    rows = []
    for canon, entries in list(state.followers.items()):
        for e in entries:
            rows.append(_outcome_row(e, Outcome.FETCH_FAILED, "run ended before its page was processed"))
            state.count(Outcome.FETCH_FAILED)
        del state.followers[canon]
    if rows:
        store.record_outcomes(state.run_id, rows)


def batches(items: Sequence[Any], size: int) -> list[list[Any]]:
    """Split ``items`` into lists of at most ``size``."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def load_baselines(store: Store, themes: Sequence[Any], baselines_dir: Any) -> int:
    """Load every baseline file into the ``baseline`` table, tagged with the themes that use it."""
    from pathlib import Path

    owners: dict[str, list[str]] = {}
    paths: dict[str, Path] = {}
    for theme in themes:
        for p in theme.baselines:
            p = Path(p)
            owners.setdefault(p.name, []).append(theme.id)
            paths[p.name] = p
    base = Path(baselines_dir)
    if base.is_dir():
        for p in sorted(base.glob("*.txt")):
            owners.setdefault(p.name, [])
            paths.setdefault(p.name, p)
    items = [(name, paths[name].read_text(encoding="utf-8"), ids) for name, ids in sorted(owners.items())]
    return store.load_baselines(items)


def summary_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Outcome counts in the canonical order, zeros included."""
    return [(o.value, counts.get(o.value, 0)) for o in ORDER]


def run_report_markdown(summary: Any) -> str:
    """A markdown report of a run: feeds ok/failed, entries by outcome, matches, alerts."""
    feeds = summary.feeds
    status = {k: sum(1 for f in feeds if f["status"] == k) for k in ("ok", "not_modified", "failed", "skipped")}
    lines = [f"# newsmon run `{summary.run_id}`", "",
             f"{summary.seconds:.1f} s · database `{summary.db_path}`", "",
             "| feeds ok | not modified | failed | skipped | new articles | near-duplicates | theme matches | "
             "alerts queued | alerts sent | alerts failed |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| {status['ok']} | {status['not_modified']} | {status['failed']} | {status['skipped']} | "
             f"{summary.counts.get('new', 0)} | {summary.counts.get('near_duplicate', 0)} | {summary.matched} | "
             f"{summary.alerts.get('queued', 0)} | {summary.alerts.get('sent', 0)} | {summary.alerts.get('failed', 0)} |",
             "", "| outcome | entries |", "|---|---:|"]
    lines += [f"| {name} | {n} |" for name, n in summary_counts(summary.counts) if n]
    failed = [f for f in feeds if f["status"] in ("failed", "skipped")]
    if failed:
        lines += ["", "| feed | status | error |", "|---|---|---|"]
        lines += [f"| {f['feed_name']} | {f['status']} | {(f['error'] or '').replace('|', '/')[:200]} |" for f in failed]
    return "\n".join(lines) + "\n"
