"""Feed parsing: typed entries out, bad input never raises."""

from __future__ import annotations

from pipeline.entries import parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>One &amp; <b>two</b></title><link>https://www.example.com/a/?utm_source=rss</link>
<guid>g-1</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate><description>&lt;p&gt;Sum&lt;/p&gt;</description></item>
<item><title>Again</title><link>https://example.com/a</link><guid>g-1</guid></item>
<item><title>No link</title><guid>g-3</guid></item>
<item><title>Relative</title><link>/rel/path.html</link></item>
<item><title>Year one\xe2\x80\x8b</title><link>https://example.com/old</link><pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_rss_entries_are_typed_and_clean() -> None:
    parsed = parse_feed(RSS, "Feed", "https://example.com/feed.xml")
    first = parsed.entries[0]
    assert first.title == "One & two" and first.summary == "Sum"
    assert first.link == "https://www.example.com/a/?utm_source=rss"
    assert first.canonical_url == "https://example.com/a"
    assert first.guid == "g-1" and first.key == "g-1"
    assert first.published is not None and first.published.year == 2026
    # a relative link is resolved against the feed; a link-less entry is reported, not dropped silently
    assert any(e.link == "https://example.com/rel/path.html" for e in parsed.entries)
    assert parsed.skipped == (("No link", "", "g-3", "entry has no http(s) link"),)
    # absurd dates become None; zero-width characters are removed from titles
    old = next(e for e in parsed.entries if e.link.endswith("/old"))
    assert old.published is None and old.title == "Year one"


def test_entry_without_guid_is_keyed_by_canonical_url() -> None:
    parsed = parse_feed(RSS, "Feed", "https://example.com/feed.xml")
    rel = next(e for e in parsed.entries if e.title == "Relative")
    assert rel.guid == "" and rel.key == "https://example.com/rel/path.html"


def test_garbage_is_a_failed_parse_not_an_exception() -> None:
    for junk in (b"", b"<html><body>Not a feed</body></html>", b"\x00\xff\xfe garbage", b"<rss><channel><item>"):
        parsed = parse_feed(junk, "F", "https://example.com/f")
        assert parsed.entries == ()


def test_atom_links() -> None:
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><title>E</title><link rel="alternate" href="https://example.com/e"/><id>urn:e</id>
    <updated>2026-11-20T08:00:00Z</updated></entry></feed>"""
    (entry,) = parse_feed(atom, "A", "https://example.com/atom").entries
    assert entry.link == "https://example.com/e" and entry.guid == "urn:e"
