"""Hostile feeds and pages, written by the project: every case must end as a recorded outcome.

``build(root, big=...)`` writes the site and returns (feeds, expected): the feed list for the
config, and what each feed's status and each entry's outcome must be.
"""

from __future__ import annotations

from pathlib import Path

from newsmon.localserver import CorpusServer
from tests.conftest import page_html, paragraphs, rss

MiB = 1 << 20


def _w(root: Path, rel: str, data: str | bytes) -> None:
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>{{BASE}}/ok/bomb-survivor.html</link><guid>bomb-1</guid></item>
</channel></rss>
"""


def build(root: Path, big: bool = False) -> tuple[list[tuple[str, str]], dict]:
    """Write the hostile site. ``big``: gigabyte-scale bombs and streams (the soak run)."""
    huge = 1024 * MiB if big else 64 * MiB
    # Good pages, so the run has something to store among the wreckage.
    for i in range(4):
        _w(root, f"/ok/good-{i}.html", page_html(f"A good story {i}", paragraphs(300 + i)))
    _w(root, "/ok/bomb-survivor.html", page_html("Survivor of the bomb feed", paragraphs(310)))
    _w(root, "/ok/latin1.html", page_html("Caf\u00e9 owners in M\u00e1laga", paragraphs(311))
       .replace('<meta charset="utf-8">', "").encode("latin-1"))
    rtl = "\u202eevil\u202c \u200bzero\u200b-width \u05e9\u05dc\u05d5\u05dd"
    _w(root, "/ok/rtl.html", page_html(f"Headline {rtl}", paragraphs(312)))
    _w(root, "/h/binary.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 200)
    _w(root, "/h/error200.html", "<html><body><h1>404</h1><p>Page not found.</p></body></html>")
    _w(root, "/h/empty.html", b"")

    items = [
        ("Good 0", "{{BASE}}/ok/good-0.html", "g0"),
        ("Endless page", "{{BASE}}/h/endless.html", "h1"),
        ("Trickling page", "{{BASE}}/h/trickle.html", "h2"),
        ("Gzip bomb page", "{{BASE}}/h/bomb.html", "h3"),
        ("PNG served as HTML", "{{BASE}}/h/binary.html", "h4"),
        ("Redirect loop", "{{BASE}}/h/loop-a.html", "h5"),
        ("Error page with 200", "{{BASE}}/h/error200.html", "h6"),
        ("Empty body", "{{BASE}}/h/empty.html", "h7"),
        ("Server error", "{{BASE}}/h/500.html", "h8"),
        ("Latin-1 page without charset", "{{BASE}}/ok/latin1.html", "h9"),
        ("Right-to-left and zero-width", "{{BASE}}/ok/rtl.html", "h10"),
        ("Good 1, twice under one guid", "{{BASE}}/ok/good-1.html", "dup"),
        ("Good 2, same guid again", "{{BASE}}/ok/good-2.html", "dup"),
        ("x" * 200_000, "{{BASE}}/ok/good-3.html", "h11"),
        ("javascript link", "javascript:alert(1)", "h12"),
        ("File link", "file:///etc/passwd", "h13"),
    ]
    feed = rss("Hostile links", items).replace(
        "<pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate>", "<pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>", 1)
    _w(root, "/feeds/hostile-links.xml", feed)
    _w(root, "/feeds/billion-laughs.xml", BILLION_LAUGHS)
    _w(root, "/feeds/broken.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken'
       '<item><title>Half an item</title><link>{{BASE}}/ok/good-0.html</link>')
    _w(root, "/feeds/utf16.xml", rss("UTF-16 feed", [("Sixteen", "{{BASE}}/ok/good-1.html", "u16")])
       .replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16"))
    _w(root, "/feeds/wrong-encoding.xml", rss("Caf\u00e9 news", [("Caf\u00e9 story", "{{BASE}}/ok/good-2.html", "we")])
       .encode("latin-1"))  # declared utf-8, really latin-1
    _w(root, "/feeds/html.xml", "<!doctype html><html><body><p>This is a web page, not a feed.</p></body></html>")
    _w(root, "/feeds/binary.xml", bytes(range(256)) * 50)
    _w(root, "/routes.toml", "\n".join([
        '[[route]]\npath = "/h/endless.html"\nstream_bytes = %d\n' % (2 * huge),
        '[[route]]\npath = "/h/trickle.html"\ntrickle_s = 0.5\n',
        '[[route]]\npath = "/h/bomb.html"\ngzip_bomb = %d\n' % huge,
        '[[route]]\npath = "/h/loop-a.html"\nstatus = 302\nlocation = "/h/loop-b.html"\n',
        '[[route]]\npath = "/h/loop-b.html"\nstatus = 302\nlocation = "/h/loop-a.html"\n',
        '[[route]]\npath = "/h/500.html"\nstatus = 500\n',
        '[[route]]\npath = "/feeds/slow.xml"\ntrickle_s = 0.5\n',
        '[[route]]\npath = "/feeds/endless.xml"\nstream_bytes = %d\n' % (2 * huge),
        '[[route]]\npath = "/feeds/gzip-bomb.xml"\ngzip_bomb = %d\n' % huge,
        '[[route]]\npath = "/h/binary.html"\ncontent_type = "text/html; charset=utf-8"\n',
    ]))
    feeds = [(name, "{{BASE}}/feeds/" + f) for name, f in [
        ("Hostile links", "hostile-links.xml"), ("Billion laughs", "billion-laughs.xml"), ("Broken XML", "broken.xml"),
        ("UTF-16", "utf16.xml"), ("Wrong encoding", "wrong-encoding.xml"), ("HTML not feed", "html.xml"),
        ("Binary", "binary.xml"), ("Slow feed", "slow.xml"), ("Endless feed", "endless.xml"),
        ("Gzip bomb feed", "gzip-bomb.xml")]]
    expected = {
        "feeds": {"Hostile links": "ok", "Billion laughs": "ok", "Broken XML": "failed", "UTF-16": "ok",
                  "Wrong encoding": "ok", "HTML not feed": "failed", "Binary": "failed", "Slow feed": "failed",
                  "Endless feed": "failed", "Gzip bomb feed": "failed"},
        "entries": {
            "Good 0": "new", "Endless page": "too_large", "Trickling page": "fetch_failed",
            "Gzip bomb page": "too_large", "PNG served as HTML": "not_html", "Redirect loop": "fetch_failed",
            "Error page with 200": "no_text", "Empty body": "no_text", "Server error": "fetch_failed",
            "Latin-1 page without charset": "new", "Right-to-left and zero-width": "new",
            "Good 1, twice under one guid": "new", "javascript link": "invalid_link", "File link": "invalid_link",
            "x" * 500: "new",  # a 200,000-character title, cut to 500
            "Sixteen": "duplicate_url",  # UTF-16 feed served as utf-8: re-sniffed; links Good 1
            "Café story": "new",  # latin-1 bytes declared utf-8
            "&lol9;": "new",  # the billion-laughs feed: entities left unexpanded, its one link stored
        },
    }
    return feeds, expected


__all__ = ["CorpusServer", "build"]
