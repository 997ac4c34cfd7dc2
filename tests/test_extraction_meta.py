"""newsmon's extraction reads the page's metadata itself (pipeline.articles.page_metadata: no
categories, tags or licence) and must give what trafilatura's own extraction with metadata gives."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT / "demo" / "corpus").as_posix() for p in (ROOT / "demo" / "corpus").rglob("*.html"))


@pytest.fixture(scope="module")
def server():
    from newsmon.localserver import CorpusServer

    return CorpusServer(ROOT / "demo" / "corpus")  # not started: render() fills the placeholders


def _trafilatura(html: str, url: str | None):
    import trafilatura

    from pipeline.articles import trafilatura_options

    return trafilatura.bare_extraction(html, url=url, **trafilatura_options())


@pytest.mark.parametrize("url", [None, "http://127.0.0.1:8000/page.html"])
def test_page_metadata_and_text_equal_trafilaturas_own(server, url) -> None:
    import trafilatura
    from trafilatura.utils import load_html

    from pipeline.articles import TRAFILATURA_OPTIONS, page_metadata

    assert len(PAGES) >= 20
    authors = 0
    for path in PAGES:
        html = server.render("/" + path)
        assert html is not None, path
        want = _trafilatura(html, url)
        tree = load_html(html)
        meta = page_metadata(tree, url)
        doc = trafilatura.bare_extraction(tree, url=url or meta.url, **{**TRAFILATURA_OPTIONS, "with_metadata": False})
        if want is None:
            assert doc is None or not doc.text, path
            continue
        got = (meta.title, meta.author, meta.date, meta.sitename, meta.description, meta.url, doc.text)
        assert got == (want.title, want.author, want.date, want.sitename, want.description, want.url, want.text), path
        authors += bool(meta.author)
    assert authors >= 10  # the comparison covers pages with an author, not only empty fields


def test_author_with_and_without_a_byline() -> None:
    from trafilatura.utils import load_html

    from pipeline.articles import page_metadata

    html = ("<html><head><title>Grain talks resume - Example Times</title></head><body><article><h1>Grain talks resume</h1>"
            + "<p>" + "Negotiators met again in Istanbul on Monday to discuss the corridor. " * 12 + "</p>"
            + "</article></body></html>")
    url = "https://example.org/grain"
    meta = page_metadata(load_html(html), url)
    assert meta.author is None and meta.title == _trafilatura(html, url).title == "Grain talks resume"
    html_by = html.replace("<article>", '<article><p class="byline">By Jane Doe</p>')
    assert page_metadata(load_html(html_by), url).author == _trafilatura(html_by, url).author == "Jane Doe"
