"""The fetcher against a real server on 127.0.0.1: caps, redirects, conditional GET, failures."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from newsmon.localserver import CorpusServer
from pipeline.config import FetchSettings
from pipeline.fetch import Request, fetch_all

FAST = FetchSettings(timeout_s=2.0, connect_timeout_s=1.0, per_host_delay_s=0.0, max_redirects=3)


@pytest.fixture()
def server(tmp_path: Path):
    (tmp_path / "page.html").write_text("<html><body><p>hello</p></body></html>")
    (tmp_path / "big.html").write_bytes(b"<p>" + b"a" * 200_000 + b"</p>")
    with CorpusServer(tmp_path) as srv:
        yield srv


def one(req: Request, settings: FetchSettings = FAST):
    return fetch_all([req], settings)[0]


def test_ok_and_conditional_get(server: CorpusServer) -> None:
    first = one(Request(server.url("/page.html")))
    assert first.ok and b"hello" in first.body
    assert first.headers["etag"]
    again = one(Request(server.url("/page.html"), etag=first.headers["etag"]))
    assert again.not_modified and again.error is None and again.body == b""
    by_date = one(Request(server.url("/page.html"), last_modified=first.headers["last-modified"]))
    assert by_date.not_modified


def test_size_cap_applies_after_decompression(server: CorpusServer) -> None:
    # The server gzips: 200 kB of 'a' travel as a few hundred bytes, and the cap still trips.
    resp = one(Request(server.url("/big.html"), max_bytes=50_000))
    assert resp.error_kind == "too_large" and resp.body == b""
    assert len(gzip.compress(b"a" * 200_000)) < 50_000
    assert one(Request(server.url("/big.html"), max_bytes=300_000)).ok


def test_redirects_followed_recorded_and_limited(server: CorpusServer) -> None:
    server.set_route("/old", status=301, location="/page.html")
    resp = one(Request(server.url("/old")))
    assert resp.ok and resp.final_url == server.url("/page.html") and resp.redirects == (server.url("/old"),)
    for i in range(5):
        server.set_route(f"/hop{i}", status=302, location=f"/hop{i + 1}")
    too_many = one(Request(server.url("/hop0")))
    assert too_many.error_kind == "redirects" and "more than 3" in too_many.error
    server.set_route("/loopa", status=302, location="/loopb")
    server.set_route("/loopb", status=302, location="/loopa")
    assert one(Request(server.url("/loopa"))).error_kind == "redirects"


def test_redirect_to_other_scheme_refused(server: CorpusServer) -> None:
    server.set_route("/ftp", status=302, location="ftp://127.0.0.1/x")
    resp = one(Request(server.url("/ftp")))
    assert resp.error_kind == "protocol" and "http and https only" in resp.error


def test_http_errors_and_unreachable_hosts_are_values(server: CorpusServer) -> None:
    server.set_route("/boom", status=500)
    boom = one(Request(server.url("/boom")))
    assert boom.status == 500 and boom.error == "HTTP 500 Internal Server Error"
    missing = one(Request(server.url("/nope.html")))
    assert missing.status == 404 and not missing.ok
    refused = one(Request("http://127.0.0.1:1/feed.xml"))
    assert refused.error_kind == "connect" and refused.status is None


def test_slow_response_times_out(server: CorpusServer) -> None:
    server.set_route("/slow.html", delay_s=3.0)
    start = time.monotonic()
    resp = one(Request(server.url("/slow.html")), FetchSettings(timeout_s=0.5, connect_timeout_s=0.5, per_host_delay_s=0))
    assert resp.error_kind == "timeout"
    assert time.monotonic() - start < 2.5


def test_per_host_cap_and_order(server: CorpusServer) -> None:
    server.set_route("/slowish.html", delay_s=0.3)
    reqs = [Request(server.url("/slowish.html"), key=i) for i in range(4)]
    settings = FetchSettings(timeout_s=5, per_host_concurrency=1, per_host_delay_s=0.0)
    start = time.monotonic()
    out = fetch_all(reqs, settings)
    # One at a time to one host: four 0.3 s responses take at least 1.2 s; results keep input order.
    assert time.monotonic() - start >= 1.15
    assert [r.request.key for r in out] == [0, 1, 2, 3]


def test_user_agent_is_honest(server: CorpusServer) -> None:
    assert one(Request(server.url("/page.html"))).ok
    assert server.user_agents[-1].startswith("newsmon/") and "http" in server.user_agents[-1]


def test_host_clients_keep_one_pool_per_host_and_close_them_all() -> None:
    import asyncio

    from pipeline.config import FetchSettings
    from pipeline.fetch import HostClients

    async def go() -> tuple:
        async with HostClients(FetchSettings()) as clients:
            a1 = clients.get("http://127.0.0.1:8001/a")
            a2 = clients.get("http://127.0.0.1:8001/b?x=1")
            b = clients.get("http://127.0.0.2:8001/a")
            bad = clients.get("http://[::1/broken")  # malformed: still a client; the fetch reports it
            pools = (a1._transport._pool._max_connections, b._transport._pool._max_connections)
            same_tls = a1._transport._pool._ssl_context is b._transport._pool._ssl_context
        return a1, a2, b, bad, pools, same_tls

    a1, a2, b, bad, pools, same_tls = asyncio.run(go())
    assert a1 is a2 and a1 is not b and bad is not a1
    assert pools == (4, 4)  # a few connections per host, not the global 32
    assert same_tls  # one TLS context for all hosts
    assert all(c.is_closed for c in (a1, b, bad))
