"""The page stream: fetching and extraction overlap, every entry comes out once, memory is bounded.

A real HTTP server on 127.0.0.1, real extraction (in-process or in the spawn pool).
"""

from __future__ import annotations

import threading
from dataclasses import replace
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from newsmon.localserver import CorpusServer
from pipeline.articles import Article, Extractor, Rejected
from pipeline.config import load_config
from pipeline.entries import Entry
from pipeline.fetch import PAGE_ACCEPT, FetchStream
from pipeline.ingest import PageStream, page_requests
from pipeline.outcomes import Outcome
from tests.conftest import page_html, paragraphs, write_config


def _site(root: Path, n: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"p{i}.html").write_text(page_html(f"Story number {i}", paragraphs(1000 + i)), encoding="utf-8")
    return root


def _entries(base: str, n: int, missing: set[int] = frozenset()) -> list[Entry]:
    out = []
    for i in range(n):
        link = f"{base}/{'gone' if i in missing else 'p'}{i}.html"
        out.append(Entry(feed="f", feed_url=f"{base}/feed.xml", title=f"Story number {i}", link=link,
                         canonical_url=link, guid=link, published=None, summary=""))
    return out


def _settings(tmp_path: Path, base: str):
    cfg = write_config(tmp_path, base, [], tmp_path / "db.duckdb")
    return load_config(cfg).settings


def _inline(pages: list) -> Future:
    from pipeline.articles import extract_pages

    f: Future = Future()
    f.set_result(extract_pages(pages))
    return f


def test_every_entry_comes_out_once_in_batches_in_entry_order(tmp_path: Path) -> None:
    with CorpusServer(_site(tmp_path / "site", 40)) as server:
        settings = _settings(tmp_path, server.base_url)
        entries = _entries(server.base_url, 40, missing={3, 17})
        with Extractor(workers=2) as ex:
            stream = PageStream(entries, settings, ex.submit_chunk, chunk=4, workers=2)
            batches = list(stream.batches(15))
    assert all(len(b) <= 15 for b in batches)
    results = [r for b in batches for r in b]
    assert sorted(r.entry.link for r in results) == sorted(e.link for e in entries)  # each once
    rank = {e.link: i for i, e in enumerate(entries)}
    for b in batches:
        assert [rank[r.entry.link] for r in b] == sorted(rank[r.entry.link] for r in b)
    gone = [r for r in results if isinstance(r, Rejected)]
    assert sorted(r.entry.link.rsplit("/", 1)[1] for r in gone) == ["gone17.html", "gone3.html"]
    assert all(r.outcome is Outcome.FETCH_FAILED and r.http_status == 404 for r in gone)
    arts = [r for r in results if isinstance(r, Article)]
    assert len(arts) == 38 and all(a.text and a.fingerprint is not None for a in arts)
    assert stream.stats["chunks"] >= 38 / 4


def test_the_window_holds_fetching_back_while_nothing_is_taken(tmp_path: Path) -> None:
    with CorpusServer(_site(tmp_path / "site", 30)) as server:
        settings = _settings(tmp_path, server.base_url)
        reqs = page_requests(_entries(server.base_url, 30), settings)
        with FetchStream(reqs, settings.fetch, PAGE_ACCEPT, window=4) as stream:
            time.sleep(1.0)  # nothing taken: at most the window's 4 requests may have been made
            assert len(server.paths_requested("/p")) == 4
            got = []
            while (resp := stream.get(timeout=10)) is not None:
                got.append(resp)
        assert len(got) == 30 and all(r.status == 200 for r in got)
        assert len(server.paths_requested("/p")) == 30


def test_a_consumer_that_stops_early_stops_the_fetching(tmp_path: Path) -> None:
    with CorpusServer(_site(tmp_path / "site", 60)) as server:
        for i in range(60):
            server.set_route(f"/p{i}.html", delay_s=0.2)
        settings = _settings(tmp_path, server.base_url)
        stream = PageStream(_entries(server.base_url, 60), settings, _inline, chunk=2, workers=1, window=8)
        gen = stream.batches(5)
        first = next(gen)
        gen.close()  # e.g. storing the batch raised
        assert len(first) == 5
        deadline = time.monotonic() + 5
        while any(t.name == "newsmon-page-fetch" for t in threading.enumerate()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(t.name == "newsmon-page-fetch" for t in threading.enumerate())
        assert len(server.paths_requested("/p")) < 60


def test_an_extraction_error_reaches_the_caller(tmp_path: Path) -> None:
    def broken(pages: list) -> Future:
        f: Future = Future()
        f.set_exception(RuntimeError("worker died"))
        return f

    with CorpusServer(_site(tmp_path / "site", 10)) as server:
        settings = _settings(tmp_path, server.base_url)
        stream = PageStream(_entries(server.base_url, 10), settings, broken, chunk=2, workers=1)
        with pytest.raises(RuntimeError, match="worker died"):
            list(stream.batches(5))


def test_time_queued_behind_the_per_host_cap_does_not_count_against_a_page(tmp_path: Path) -> None:
    """60 pages of one host, 20 per second at most: the last starts after 3 s, beyond the 2 s total
    deadline of a request. Every page is still fetched (the deadline counts from the request's start)."""
    with CorpusServer(_site(tmp_path / "site", 60)) as server:
        settings = _settings(tmp_path, server.base_url)
        fetch = replace(settings.fetch, timeout_s=1.0, per_host_concurrency=1, per_host_delay_s=0.05)
        reqs = page_requests(_entries(server.base_url, 60), settings)
        with FetchStream(reqs, fetch, PAGE_ACCEPT) as stream:
            got = []
            while (resp := stream.get(timeout=30)) is not None:
                got.append(resp)
    assert len(got) == 60
    assert [r.error for r in got if not r.ok] == []


def test_a_redirect_to_a_malformed_host_is_one_failed_page_not_a_hang(tmp_path: Path) -> None:
    with CorpusServer(_site(tmp_path / "site", 8)) as server:
        for i in range(6):  # more bad pages than the window: each must give its slot back
            server.set_route(f"/p{i}.html", status=302, location="http://xn--ls8h.la/story")
        settings = _settings(tmp_path, server.base_url)
        reqs = page_requests(_entries(server.base_url, 8), settings)
        with FetchStream(reqs, settings.fetch, PAGE_ACCEPT, window=2) as stream:
            got = []
            while (resp := stream.get(timeout=20)) is not None:
                got.append(resp)
    assert len(got) == 8
    bad = [r for r in got if not r.ok]
    assert len(bad) == 6 and all(r.error_kind == "protocol" and r.error for r in bad)
