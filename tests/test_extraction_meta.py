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


_DATEPARSER_PROBE = """
import sys
import pipeline.articles as A
A.EXTENSIVE_DATE_SEARCH = sys.argv[1] == "1"
body = " ".join(["The council met again to discuss the harbour budget and the ferry timetable."] * 12)
html = ("<html><head><title>Harbour budget</title></head><body><article><h1>Harbour budget</h1>"
        f"<p>Updated November 20 15:23 2019</p><p>{body}</p><p>{body}</p></article></body></html>")
meta = A.extract_html(html, "http://127.0.0.1/story")
print(meta["date"], "dateparser" in sys.modules)
"""


@pytest.mark.parametrize("extensive", [False, True])
def test_a_free_text_date_never_reaches_dateparser(extensive: bool) -> None:
    """htmldate's extensive search hands such a phrase to dateparser, whose ~200 locales cost a worker
    1.1 s and 45 MB (and here it reads the phrase as 1 January 2019). newsmon's fast search leaves the
    date to the feed entry. The extensive case is the control: it shows the probe reaches dateparser."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _DATEPARSER_PROBE, "1" if extensive else "0"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == (["2019-01-01", "True"] if extensive else ["None", "False"])


def test_a_page_without_a_date_takes_the_feed_entrys_and_a_page_date_wins() -> None:
    """htmldate reads a page's date to the day: the entry's date adds the time when the days agree."""
    from datetime import datetime

    from pipeline.articles import FetchedPage, extract_page
    from pipeline.entries import Entry

    body = " ".join(["The council met again to discuss the harbour budget and the ferry timetable."] * 12)
    entry_date = datetime(2026, 11, 20, 7, 30)

    def page(head: str) -> FetchedPage:
        html = (f"<html><head><title>Harbour budget</title>{head}</head><body><article><h1>Harbour budget</h1>"
                f"<p>Updated November 20 15:23 2019</p><p>{body}</p></article></body></html>").encode()
        e = Entry("f", "http://127.0.0.1/feed", "Harbour budget", "http://127.0.0.1/s", "http://127.0.0.1/s",
                  "g1", entry_date, "")
        return FetchedPage(e, e.link, e.link, 200, "text/html", html)

    assert extract_page(page("")).published_at == entry_date
    dated = extract_page(page('<meta property="article:published_time" content="2026-11-19T08:00:00Z">'))
    assert dated.published_at == datetime(2026, 11, 19)
    same_day = extract_page(page('<meta property="article:published_time" content="2026-11-20T08:00:00Z">'))
    assert same_day.published_at == entry_date


def _author_cases() -> list[str]:
    """Small pages, each with one candidate element: every tag and attribute the author XPaths of
    trafilatura test, with the values they look for, near misses, and the prunings around them."""
    tags = ["a", "address", "div", "link", "p", "span", "strong", "h3", "h4", "section", "li", "author", "em"]
    values = ["author", "Author", "author-name", "authorname", "AuthorName", "authorName", "post-author", "byline",
              "Byline", "byl", "BBL", "username", "screenname", "writer", "zuozhe", "bianji", "xiaobian",
              "channel-name", "submitted-by", "posted-by", "journalist-name", "author name", "AuthorCard",
              "AuthorURL", "me", "autho", "by-line", "AUTHOR", "writers-room", ""]
    attrs = ["class", "id", "itemprop", "rel", "data-testid", "data-component"]
    pages = []
    for tag in tags:
        for attr in attrs:
            for value in values:
                pages.append(f'<{tag} {attr}="{value}">By Jane Q. Reporter</{tag}>')
    wrappers = ['<div id="comments">{}</div>', '<div class="comments">{}</div>', '<div id="comments-12">{}</div>',
                '<section class="Comments">{}</section>', '<span class="sidebar-left">{}</span>',
                '<div class="article-share">{}</div>', '<div class="title">{}</div>', '<div id="ProductReviews">{}</div>',
                '<a data-component="FigureCaption">{}</a>', '<figure>{}</figure>', '<p class="print-only">{}</p>',
                '<div class="x-comments">{}</div>', '<li class="comments">{}</li>']
    inner = ['<span class="byline">By Jane Q. Reporter</span>', '<div class="author">Jane Q. Reporter</div>']
    pages += [w.format(i) for w in wrappers for i in inner]
    pages += ['<div class="byline">By Jane Q. Reporter <time>2026-11-20</time> in Vilnius</div>',
              '<div class="byline"><rel>me</rel>Jane Q. Reporter</div>',
              '<p rel="author">x</p><span class="author">Jane Q. Reporter</span>',
              '<div class="author">' + "very long " * 20 + '</div><span class="byline">By Jane Q. Reporter</span>',
              '<!-- class="author" --><span id="Author1">Jane Q. Reporter and John Roe</span>']
    body = "<p>" + "The council met again to discuss the harbour budget and the ferry timetable. " * 6 + "</p>"
    return [f"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>{c}{body}</article></body></html>"
            for c in pages]


def test_the_author_is_trafilaturas_on_every_predicate_and_the_projects_pages(server) -> None:
    from trafilatura import metadata as md
    from trafilatura.utils import load_html

    from pipeline.authors import extract_author

    cases = _author_cases() + [server.render("/" + path) for path in PAGES]
    found = 0
    for html in cases:
        tree = load_html(html)
        want = md.extract_author(load_html(html))
        assert extract_author(tree) == want, html[:300]
        found += want is not None
    assert len(cases) > 2300 and found > 600  # the cases do reach the author branches (639 of 2,371 have one)


def test_the_c_element_lookup_gives_lxml_htmls_classes_and_the_same_extraction(server) -> None:
    """pipeline.articles.html_element_lookup decides each element's class in C: the same classes
    as lxml.html's Python lookup (form elements included), the same extraction of every page."""
    from lxml import html as lxml_html
    from trafilatura.utils import HTML_PARSER

    import pipeline.articles as A

    page = ("<HTML><Body><FORM action='/s'><LABEL>q</LABEL><INPUT name=q><SELECT><option>a</option></SELECT>"
            "<TextArea>t</TextArea></FORM><p>One <b>two</b></p><svg:rect/><fb:like/></Body></HTML>")

    def classes(lookup) -> list[str]:
        parser = lxml_html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True)
        parser.set_element_class_lookup(lookup)
        tree = lxml_html.fromstring(page, parser=parser)
        made = lxml_html.Element("div")
        tree.append(made)
        return [type(e).__name__ for e in tree.iter()]

    want = classes(lxml_html.HtmlElementClassLookup())
    assert {"FormElement", "InputElement", "SelectElement", "TextareaElement", "LabelElement"} <= set(want)
    assert classes(A.html_element_lookup()) == want

    def extract_all(lookup) -> list:
        HTML_PARSER.set_element_class_lookup(lookup)
        return [A.extract_html(server.render("/" + path), "http://127.0.0.1:8000/page.html") for path in PAGES]

    try:
        assert extract_all(A.html_element_lookup()) == extract_all(lxml_html.HtmlElementClassLookup())
    finally:
        A._LOOKUP_SET = False  # the next extraction installs the C lookup again
