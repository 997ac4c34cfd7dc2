"""SSRF guard: links from feed content never reach private networks, checked at connect time."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.localserver import CorpusServer
from pipeline.config import FetchSettings
from pipeline.fetch import Request, fetch_all
from pipeline.netguard import address_problem

SETTINGS = FetchSettings(timeout_s=2, connect_timeout_s=1, per_host_delay_s=0)


@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                "100.64.0.1", "224.0.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::",
                                "::ffff:127.0.0.1", "::ffff:169.254.169.254", "ff02::1"])
def test_non_public_addresses_are_refused(ip: str) -> None:
    assert address_problem(ip) is not None


@pytest.mark.parametrize("ip", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "93.184.216.34"])
def test_public_addresses_pass(ip: str) -> None:
    assert address_problem(ip) is None


@pytest.fixture()
def server(tmp_path: Path):
    (tmp_path / "page.html").write_text("<p>hi</p>")
    with CorpusServer(tmp_path) as srv:
        yield srv


def test_private_links_are_blocked_and_never_requested(server: CorpusServer) -> None:
    urls = [server.url("/page.html"), f"http://localhost:{server.port}/page.html",
            "http://169.254.169.254/latest/meta-data/", f"http://127.0.0.2:{server.port}/page.html",
            f"http://[::1]:{server.port}/page.html"]
    out = fetch_all([Request(u) for u in urls], SETTINGS, guard=True)
    assert all(r.error_kind == "blocked" for r in out), [(r.request.url, r.error) for r in out]
    assert "loopback" in out[1].error and "link-local" in out[2].error
    assert server.requests == []  # nothing reached the server


def test_a_private_feed_may_link_to_its_own_host_only(server: CorpusServer) -> None:
    allow = frozenset({"127.0.0.1"})
    own, other = fetch_all([Request(server.url("/page.html"), allow_private=allow),
                            Request(f"http://localhost:{server.port}/page.html", allow_private=allow)],
                           SETTINGS, guard=True)
    assert own.ok and other.error_kind == "blocked"
    # A redirect from the allowed host to another private host is checked at that hop.
    server.set_route("/hop", status=302, location=f"http://localhost:{server.port}/page.html")
    hop = fetch_all([Request(server.url("/hop"), allow_private=allow)], SETTINGS, guard=True)[0]
    assert hop.error_kind == "blocked" and hop.redirects == (server.url("/hop"),)


def test_allow_private_networks_and_trusted_feeds(server: CorpusServer) -> None:
    open_settings = FetchSettings(timeout_s=2, connect_timeout_s=1, per_host_delay_s=0, allow_private_networks=True)
    assert fetch_all([Request(f"http://localhost:{server.port}/page.html")], open_settings, guard=True)[0].ok
    # Configured feed URLs are trusted: fetched without the guard.
    assert fetch_all([Request(f"http://localhost:{server.port}/page.html")], SETTINGS, guard=False)[0].ok
