"""Language: from <html lang>, else guessed by py3langid in the run process, never in pool workers.

py3langid's model costs 75 MB of RSS in each process that loads it, so pool workers leave the
guess (and the story terms, which are stemmed for the language) to the run process.
"""

from __future__ import annotations

import sys

from pipeline.articles import Article, Extractor, FetchedPage, complete_language, extract_page
from pipeline.entries import Entry
from pipeline.stories import story_terms
from tests.conftest import page_html

GERMAN = [
    "Die Bundesregierung hat am Mittwoch in Berlin einen neuen Haushaltsentwurf vorgelegt, der deutlich "
    "höhere Ausgaben für die Bahn und für die Sanierung von Brücken vorsieht.",
    "Der Finanzminister sagte vor Journalisten, die Schuldenbremse werde trotz der zusätzlichen Mittel "
    "eingehalten, weil ein großer Teil über das Sondervermögen finanziert werde.",
    "Die Opposition kritisierte den Entwurf als unseriös und warf der Regierung vor, die Kosten für die "
    "kommenden Jahre zu verschleiern. Der Bundestag soll im Dezember abstimmen.",
]


def _page(lang_attr: bool) -> FetchedPage:
    html = page_html("Haushalt für die Bahn", GERMAN, lang="de")
    if not lang_attr:
        html = html.replace('<html lang="de">', "<html>")
    link = "http://127.0.0.1:1/haushalt.html"
    e = Entry(feed="f", feed_url="http://127.0.0.1:1/feed.xml", title="Haushalt für die Bahn", link=link,
              canonical_url=link, guid=link, published=None, summary="")
    return FetchedPage(e, link, link, 200, "text/html", html.encode())


def _loaded_in_worker() -> bool:
    """Whether py3langid's model is loaded here (trafilatura imports the module, not the model)."""
    mod = sys.modules.get("py3langid.langid")
    return mod is not None and mod.IDENTIFIER is not None


def test_in_process_extraction_guesses_the_language() -> None:
    a = extract_page(_page(lang_attr=False))
    assert isinstance(a, Article) and a.language == "de"
    assert a.story_terms == tuple(story_terms(a.title, a.text, "de"))


def test_pool_workers_leave_the_guess_to_the_run_process() -> None:
    with Extractor(workers=2) as ex:
        no_attr, with_attr = ex.submit_chunk([_page(False), _page(True)]).result()
        loaded = [f.result() for f in [ex._get_pool().submit(_loaded_in_worker) for _ in range(8)]]
    assert not any(loaded)  # no worker loaded the 75 MB model
    assert with_attr.language == "de" and with_attr.story_terms  # <html lang> is enough
    assert no_attr.language is None and no_attr.story_terms == ()
    done = complete_language(no_attr)
    assert done.language == "de"
    # the same story terms as an article whose language was known in the worker (German stems)
    assert done.story_terms == with_attr.story_terms
    assert done.story_terms != tuple(story_terms(done.title, done.text, "en"))
    assert complete_language(with_attr) is with_attr
