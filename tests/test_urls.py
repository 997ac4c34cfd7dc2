"""Canonical URLs: variants of one page agree; different pages never do."""

import pytest

from pipeline.urls import RedirectWrapper, canonical_url, fetch_url, unwrap

SAME = [
    # scheme and host case, default port, fragment
    ("HTTPS://Example.COM:443/World/Story.html#comments", "https://example.com/World/Story.html"),
    ("http://example.com:80/a", "https://example.com/a"),
    # tracking parameters, and the remaining query sorted
    ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7", "https://example.com/a?id=7"),
    ("https://example.com/a?fbclid=XYZ&gclid=1&b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com/a?mc_cid=1&mc_eid=2&_ga=3&ocid=4", "https://example.com/a"),
    # www. and trailing slash
    ("https://www.example.com/news/story/", "https://example.com/news/story"),
    # AMP variants
    ("https://example.com/amp/news/story", "https://example.com/news/story"),
    ("https://example.com/news/story/amp/", "https://example.com/news/story"),
    ("https://example.com/news/story.amp.html", "https://example.com/news/story.html"),
    ("https://amp.example.com/news/story", "https://example.com/news/story"),
    ("https://example.com/news/story?amp=1", "https://example.com/news/story"),
    ("https://example-com.cdn.ampproject.org/c/s/example.com/news/story", "https://example.com/news/story"),
    # redirect wrappers
    ("https://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&url=https%3a%2f%2fexample.com%2fnews%2fstory%3futm_source%3dbing&c=1",
     "https://example.com/news/story"),
    ("https://www.google.com/url?rct=j&sa=t&url=https://www.example.com/news/story/&ct=ga", "https://example.com/news/story"),
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fnews%2Fstory&h=AT0", "https://example.com/news/story"),
    # percent-encoding of characters that need none
    ("https://example.com/caf%C3%A9", "https://example.com/café"),
    ("https://example.com//double//slash", "https://example.com/double/slash"),
]


@pytest.mark.parametrize(("raw", "expected"), SAME)
def test_canonical_forms(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_different_pages_stay_different() -> None:
    urls = ["https://example.com/a?id=1", "https://example.com/a?id=2", "https://example.com/a",
            "https://example.com/b", "https://other.com/a", "https://example.com:8443/a",
            "https://example.com/a?page=2", "https://example.com/a?cid=9"]
    assert len({canonical_url(u) for u in urls}) == len(urls)


def test_configured_wrapper_is_unwrapped() -> None:
    w = (RedirectWrapper("127.0.0.1", "/click", "url"),)
    raw = "http://127.0.0.1:8000/click?url=http%3A%2F%2F127.0.0.1%3A8000%2Fstory.html%3Futm_source%3Dx"
    assert canonical_url(raw, w) == "https://127.0.0.1:8000/story.html"
    assert fetch_url(raw, w) == "http://127.0.0.1:8000/story.html?utm_source=x"


def test_wrapper_loop_terminates() -> None:
    w = (RedirectWrapper("a.example", "/r", "u"),)
    url = "https://a.example/r?u=https://a.example/r?u=https://a.example/r"
    assert unwrap(url, w).startswith("https://a.example/r")


def test_non_http_urls_are_left_alone() -> None:
    assert canonical_url("  mailto:someone@example.com ") == "mailto:someone@example.com"
    assert canonical_url("ftp://example.com/x") == "ftp://example.com/x"


def test_fetch_url_keeps_www_and_slash() -> None:
    # The canonical form is a key; the request goes where the feed pointed.
    assert fetch_url("https://www.example.com/news/story/#x") == "https://www.example.com/news/story/"
