"""Language: from <html lang>, else from the text's common words, else py3langid in the run process.

py3langid's model costs 75 MB of RSS in each process that loads it. Pool workers never load it:
a text whose common words do not tell its language is left (with its story terms, which are
stemmed for the language) to the run process, which loads the model only for such a text.
"""

from __future__ import annotations

import sys

import pytest

from pipeline.articles import Article, Extractor, FetchedPage, complete_language, detect_language, extract_page
from pipeline.entries import Entry
from pipeline.language import LANGUAGES, script_language, stopword_language
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


# No spaces between words: no common words to count, so only py3langid can tell.
JAPANESE = [
    "政府は水曜日、鉄道と港湾への新たな投資計画を発表した。総額は約四兆円に上る見通しで、工事は今年中に始まり、"
    "地方の雇用を大きく押し上げると期待されている。",
    "大臣は記者団に対し、財源は特別基金でまかなうため財政規律は守られると説明したが、具体的な工程表は示さなかった。"
    "野党はこれを強く批判している。",
    "野党は計画を「古い約束の繰り返しだ」と批判し、費用の見通しを明らかにするよう求めた。国会は十二月に予算案を"
    "採決する予定で、審議は難航が予想される。",
]
THAI = [
    "รัฐบาลประกาศเมื่อวันพุธว่าจะเพิ่มงบประมาณสำหรับทางรถไฟและสะพานในปีหน้า โดยเงินจะมาจากกองทุนพิเศษที่รัฐสภาอนุมัติเมื่อฤดูใบไม้ผลิ",
    "รัฐมนตรีกล่าวกับผู้สื่อข่าวว่าวินัยการคลังจะยังคงได้รับการรักษาไว้ แต่ไม่ได้ให้รายละเอียดเกี่ยวกับกำหนดการก่อสร้าง",
    "ฝ่ายค้านวิจารณ์แผนดังกล่าวว่าเป็นการให้คำมั่นสัญญาเดิมซ้ำอีกครั้ง และเรียกร้องให้รัฐบาลเปิดเผยประมาณการค่าใช้จ่ายทั้งหมด",
]
KOREAN = ("정부는 수요일 내년 철도와 교량 예산을 늘리겠다고 발표했다. 재원은 국회가 봄에 승인한 특별기금에서 "
          "충당된다. 야당은 이 계획이 과거 약속의 반복이라고 비판했다.")
CHINESE = ("政府周三宣布，明年将增加铁路和桥梁方面的支出，资金将来自议会今年春天批准的一项特别基金。"
           "反对派批评该计划只是重复旧的承诺，并要求政府公布费用估算。")


def _page(lang_attr: bool, paragraphs: list[str] = GERMAN, lang: str = "de") -> FetchedPage:
    html = page_html("Haushalt für die Bahn", paragraphs, lang=lang)
    if not lang_attr:
        html = html.replace(f'<html lang="{lang}">', "<html>")
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


def test_pool_workers_name_the_language_from_common_words_and_leave_the_rest_to_the_run_process() -> None:
    with Extractor(workers=2) as ex:
        no_attr, with_attr, japanese, unsure = ex.submit_chunk(
            [_page(False), _page(True), _page(False, JAPANESE, "ja"), _page(False, THAI, "th")]).result()
        loaded = [f.result() for f in [ex._get_pool().submit(_loaded_in_worker) for _ in range(8)]]
    assert not any(loaded)  # no worker loaded the 75 MB model
    assert with_attr.language == "de" and with_attr.story_terms  # <html lang> is enough
    # no <html lang>: "die, der, und, für" say German, in the worker, with German stems
    assert no_attr.language == "de" and no_attr.story_terms == with_attr.story_terms
    assert complete_language(no_attr) is no_attr
    # Japanese: no common words to count (no spaces), but kana are written only for Japanese.
    assert japanese.language == "ja" and japanese.story_terms
    # Thai: neither a common-words list nor a script rule. The worker leaves it, and the run
    # process asks py3langid.
    assert unsure.language is None and unsure.story_terms == ()
    done = complete_language(unsure)
    assert done.language == "th"
    assert done.story_terms == tuple(story_terms(done.title, done.text, "th"))
    assert complete_language(with_attr) is with_attr


@pytest.mark.parametrize(("code", "text"), [
    ("en", "The government said on Wednesday that it would raise spending on railways and bridges next "
           "year, and that the money would come from a special fund approved by parliament in the spring."),
    ("de", " ".join(GERMAN)),
    ("fr", "Le gouvernement a annoncé mercredi une hausse des dépenses pour les chemins de fer et les ponts, "
           "financée par un fonds spécial que le Parlement doit encore approuver avant la fin de l'année."),
    ("es", "El Gobierno anunció el miércoles un aumento del gasto en ferrocarriles y puentes para el próximo "
           "año, que se financiará con un fondo especial que el Congreso debe aprobar antes de diciembre."),
    ("ca", "El govern català ha aprovat aquest dimecres un nou pla d'inversions en ferrocarrils i ports, que "
           "inclou obres a diverses comarques de l'interior i que s'allargarà fins a l'any vinent."),
    ("en", "The minister said on Wednesday that the money would come from a special fund approved by "
           "parliament in the spring. \"Die Schuldenbremse wird eingehalten, und das ist auch gut so\", he "
           "told reporters in Berlin, before the opposition accused the government of hiding the costs."),
    ("ru", "Правительство в среду объявило о росте расходов на железные дороги и мосты в следующем году, "
           "а деньги для этого будут взяты из специального фонда, который парламент одобрил весной."),
])
def test_common_words_name_the_language(code: str, text: str) -> None:
    assert code in LANGUAGES
    assert stopword_language(text) == code
    assert detect_language(text) == code


@pytest.mark.parametrize("text", [
    # the same few words over and over: "go" is Polish for "him", but this is a changelog
    "Bump github.com/go-jose/go-jose/v3 from 3.0.1 to 3.0.3. Bump go-jose go-jose go-jose go go go "
    "go-jose v3 v3 v3 release notes go-jose go go.",
    " ".join(JAPANESE),
    "Bridges and railways: more money next year.",  # too short
])
def test_common_words_say_nothing_when_they_cannot_tell(text: str) -> None:
    assert stopword_language(text) is None
    assert detect_language(text) is not None or len(text) < 40  # py3langid answers instead


@pytest.mark.parametrize(("code", "text"), [("ko", KOREAN), ("ja", "".join(JAPANESE)), ("zh", CHINESE)])
def test_the_script_names_korean_japanese_and_chinese(code: str, text: str) -> None:
    assert stopword_language(text) is None  # no spaces between words: no common words to count
    assert script_language(text) == code
    assert detect_language(text, guess=False) == code  # what a pool worker does: no model needed


@pytest.mark.parametrize("text", [" ".join(GERMAN), " ".join(THAI), "株式会社 2026年 東京"])
def test_the_script_says_nothing_for_other_scripts_or_too_few_letters(text: str) -> None:
    assert script_language(text) is None


def test_html_lang_wins_over_the_text() -> None:
    assert detect_language(" ".join(GERMAN), b'<html lang="fr"><body></body></html>') == "fr"
