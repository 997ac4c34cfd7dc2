"""Theme matcher: config validation, scoring on fixtures, evidence, negation, pickling, speed.

Fixtures in tests/fixtures/themes/ are short texts written for these tests (never copied from
eval/themes/): ``pos_<theme>_*.txt`` express a theme, ``neg_*.txt`` are hard negatives that share
its vocabulary; ``probes.json`` holds rounds 2 and 3's probe snippets (see its "about").
KNOWN_MISSES (and a snippet's "known_miss") lists what the rules still get wrong (strict xfail, so
a fix is noticed). ``expected.json`` is the golden output; after an intended change to the
lexicons or rules, regenerate it with:

    NEWSMON_REGEN_THEMES=1 .venv/bin/python -m pytest tests/test_themes.py -k golden
"""

from __future__ import annotations

import json
import os
import pickle
import time
from pathlib import Path

import pytest

from pipeline.themes import (
    MAX_BASELINE_CHARS,
    MAX_PASSAGE_CHARS,
    Theme,
    ThemeConfigError,
    ThemeMatcher,
    ThemeScore,
    load_themes,
    parse_themes,
    split_sentences,
)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
FIXTURES = Path(__file__).parent / "fixtures" / "themes"
GOLDEN = FIXTURES / "expected.json"
THEME_IDS = {"anti_us_alliance", "eurasian_security_architecture", "russia_unreliable_ally"}
POSITIVE_PREFIX = {"pos_anti_us": "anti_us_alliance", "pos_esa": "eurasian_security_architecture",
                   "pos_rua": "russia_unreliable_ally"}


def read(name: str) -> tuple[str, str]:
    """(title, body) of a fixture: first line is the headline."""
    title, _, body = (FIXTURES / name).read_text(encoding="utf-8").strip().partition("\n")
    return title.strip(), body.strip()


@pytest.fixture(scope="module")
def themes() -> list[Theme]:
    return load_themes(CONFIG)


@pytest.fixture(scope="module")
def matcher(themes) -> ThemeMatcher:
    return ThemeMatcher(themes)


# Fixtures the current rules get wrong, with the reason; kept so that the next round fixes them.
# Round 3 fixed round 2's one (neg_rua_west_unreliable.txt: "could not be trusted", said of the US,
# joined with a CSTO mention two paragraphs on).
KNOWN_MISSES: dict[str, str] = {}


def fixture_names(prefix: str) -> list:
    return [pytest.param(p.name, marks=pytest.mark.xfail(reason=KNOWN_MISSES[p.name], strict=True))
            if p.name in KNOWN_MISSES else p.name
            for p in sorted(FIXTURES.glob(f"{prefix}*.txt"))]


# ---------------------------------------------------------------------------------------------
# Config


def test_shipped_config_has_the_three_themes(themes):
    assert {t.id for t in themes} == THEME_IDS
    by_id = {t.id: t for t in themes}
    assert by_id["anti_us_alliance"].baselines[0].name == "000_b6ac7bf3ed839898.txt"
    assert by_id["russia_unreliable_ally"].baselines[0].name == "001_ffb5340048c709c7.txt"
    assert by_id["eurasian_security_architecture"].baselines[0].name == "002_2c15666fd8eb07b5.txt"
    for t in themes:
        assert 0 < t.threshold < 1 and t.gates and t.weights and t.key_phrases


def minimal_theme(**overrides) -> dict:
    theme = {
        "id": "t1", "name": "Test", "description": "d",
        "baselines": ["baselines/000_b6ac7bf3ed839898.txt"], "threshold": 0.5,
        "concepts": {"A": ["alliance*"], "B": ["against"]},
        "rule": {"gates": [["A"]], "weights": {"A": 0.6, "B": 0.4}},
    }
    theme.update(overrides)
    return theme


def test_parse_minimal_theme():
    themes, errors = parse_themes({"theme": [minimal_theme()]}, CONFIG, "x.toml")
    assert errors == []
    assert themes[0].id == "t1" and themes[0].baselines[0].is_file()


@pytest.mark.parametrize("override, expected", [
    ({"baselines": ["baselines/x.txt"]}, "x.toml: theme[0].baselines[0]: 'baselines/x.txt' does not exist"),
    ({"threshold": 1.5}, "x.toml: theme[0].threshold: 1.5 must be between 0 and 1"),
    ({"threshold": "high"}, "x.toml: theme[0].threshold: 'high' is not a number"),
    ({"id": "Bad Id"}, "x.toml: theme[0].id: 'Bad Id' is not an id (lowercase letters, digits, _)"),
    ({"colour": "red"}, "x.toml: theme[0].colour: unknown key"),
    ({"rule": {"gates": [["C"]], "weights": {"A": 0.5}}}, "x.toml: theme[0].rule.gates[0]: 'C' is not a defined concept"),
    ({"rule": {"weights": {"A": 2}}}, "x.toml: theme[0].rule.weights.A: 2 must be a number between 0 and 1"),
    ({"concepts": {"A": ["al*liance"]}}, "x.toml: theme[0].concepts.A[0]: 'al*liance' has a misplaced '*'"),
    ({"concepts": {"A": ["@B >x @C"]}}, "x.toml: theme[0].concepts.A[0]: '@B >x @C' is not '@A', '@A >N @B', '@A ~N @B'"),
    ({"concepts": {"A": ["@B ^1 @C"], "B": ["x"]}}, "x.toml: theme[0].concepts.A: refers to 'C', which is not defined"),
    ({"concepts": {"A": ["@B >2 @B !@D"], "B": ["x"]}}, "x.toml: theme[0].concepts.A: refers to 'D', which is not defined"),
    ({"concepts": {"A": ["@Z"], "B": ["x"]}}, "x.toml: theme[0].concepts.A: refers to 'Z', which is not defined"),
    ({"concepts": {"A": ["@B"], "B": ["@A"]}}, "x.toml: theme[0].concepts: concepts refer to each other in a cycle"),
    ({"negated_by": {"A": "NOPE"}}, "x.toml: theme[0].negated_by.A: 'NOPE' is not a defined concept"),
])
def test_config_errors_name_file_key_and_value(override, expected):
    themes, errors = parse_themes({"theme": [minimal_theme(**override)]}, CONFIG, "x.toml")
    assert themes == []
    assert any(e.startswith(expected) for e in errors), errors


def test_every_problem_is_reported_at_once():
    bad = minimal_theme(threshold=3, baselines=["nope.txt"])
    _, errors = parse_themes({"theme": [bad, minimal_theme()]}, CONFIG, "x.toml")
    assert len([e for e in errors if e.startswith("x.toml: theme[0].")]) == 2
    assert any("theme[1].id: 't1' is used twice" in e for e in errors)


def test_load_themes_raises_on_missing_and_broken_files(tmp_path):
    with pytest.raises(ThemeConfigError, match="file not found"):
        load_themes(tmp_path)
    (tmp_path / "themes.toml").write_text("[[theme]\nid = ", encoding="utf-8")
    with pytest.raises(ThemeConfigError, match="invalid TOML"):
        load_themes(tmp_path)
    (tmp_path / "themes.toml").write_text('[[theme]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(ThemeConfigError) as info:
        load_themes(tmp_path)
    assert any("theme[0].baselines" in p for p in info.value.problems)


def test_empty_document_means_no_themes():
    assert parse_themes({}, CONFIG) == ([], [])


# ---------------------------------------------------------------------------------------------
# Scoring


@pytest.mark.parametrize("name", fixture_names("pos_"))
def test_positive_fixture_matches_its_theme(matcher, name):
    theme_id = next(t for prefix, t in POSITIVE_PREFIX.items() if name.startswith(prefix))
    title, body = read(name)
    result = matcher.score(body, title=title)[theme_id]
    assert result.matched, (result.score, result.concepts, result.passage)


@pytest.mark.parametrize("name", fixture_names("neg_"))
def test_hard_negative_matches_no_theme(matcher, name):
    title, body = read(name)
    results = matcher.score(body, title=title)
    assert not any(r.matched for r in results.values()), {k: (r.score, r.concepts) for k, r in results.items()}


def test_one_paragraph_is_scored_on_that_paragraph(matcher):
    title, body = read("pos_anti_us_one_paragraph.txt")
    result = matcher.score(body, title=title)["anti_us_alliance"]
    assert result.matched
    assert result.passage.startswith("On the sidelines of the St Petersburg forum")
    assert "rouble" not in result.passage.lower()


def test_negated_alliance_does_not_count(matcher):
    text = ("Moscow and Beijing are forming a military alliance against the United States, "
            "the Russian commentator said, naming Iran and North Korea as future members.")
    denied = ("Moscow and Beijing are not forming a military alliance against the United States, "
              "the Russian foreign ministry said, and Iran and North Korea have no such plans.")
    assert matcher.score(text)["anti_us_alliance"].matched
    assert not matcher.score(denied)["anti_us_alliance"].matched


def test_mere_mentions_of_the_actors_do_not_fire(matcher):
    text = ("Russia, China, Iran and North Korea held talks on trade. NATO allies met in Brussels. "
            "BRICS ministers discussed payments. Ukraine reported drone attacks overnight.")
    assert not any(r.matched for r in matcher.score(text).values())


def test_english_title_words_case(matcher):
    # "US" (the country) is not the pronoun "us": only the first text names the United States.
    country = "Iran and Russia form a military alliance against the US, Tehran says."
    pronoun = "Iran and Russia form a military alliance, join us, Tehran says."
    assert matcher.score(country)["anti_us_alliance"].score > matcher.score(pronoun)["anti_us_alliance"].score


def test_evidence_passage_is_body_text_not_the_title(matcher):
    # The headline alone states the theme; the body has it in its second paragraph. The alert
    # shows the headline anyway, so the evidence must be the body paragraph.
    title = "Medvedev: Russia, China and Iran will form a military alliance against the United States"
    body = ("Grain exports rose in October, the customs service said.\n\n"
            "Dmitry Medvedev wrote that Moscow, Beijing and Tehran would build a military bloc "
            "to confront Washington and its allies.\n\n"
            "The rouble was little changed.")
    r = matcher.score(body, title=title)["anti_us_alliance"]
    assert r.matched
    assert r.passage in body and title not in r.passage
    assert r.passage.startswith("Dmitry Medvedev wrote")


def test_title_only_match_still_shows_body_text(matcher):
    title = "Russia, China and Iran form a military alliance against the United States"
    body = "Officials gave no details.\n\nThe meeting lasted two hours."
    r = matcher.score(body, title=title)["anti_us_alliance"]
    assert r.passage and r.passage in body


def test_baseline_passage_is_a_baseline_sentence_sharing_concepts(matcher, themes):
    by_id = {t.id: t for t in themes}
    text = ("Armenian officials say Russia abandoned them: Moscow failed to come to Armenia's aid "
            "when Azerbaijan attacked, and Yerevan no longer trusts its ally.")
    r = matcher.score(text)["russia_unreliable_ally"]
    assert r.matched
    baseline = " ".join(p.read_text(encoding="utf-8") for p in by_id["russia_unreliable_ally"].baselines)
    assert r.baseline_passage in baseline
    assert r.baseline_passage not in by_id["russia_unreliable_ally"].key_phrases
    # One or two whole sentences, not a fragment or a whole paragraph.
    assert 1 <= len(split_sentences(r.baseline_passage)) <= 2
    # It echoes the passage's concepts: the baseline sentence names the letdown too.
    assert any(w in r.baseline_passage.lower() for w in ("abandon", "let down", "betray", "assistance"))


def test_baseline_passage_falls_back_to_description_or_key_phrase(matcher, themes):
    # A passage that shares no concept with any baseline sentence gets the theme's own words.
    by_id = {t.id: t for t in themes}
    r = matcher.score("Grain prices were stable and the harvest was good this year.")
    for theme_id, result in r.items():
        theme = by_id[theme_id]
        assert result.baseline_passage in theme.key_phrases + (theme.description,)


def test_who_failed_whom(matcher):
    # Russia letting an ally down is the theme; the West doing so, or Russia being the one
    # let down, is not (the wording Russian state media use about Washington and Yerevan).
    russia_fails = "Moscow abandoned Armenia: Russian peacekeepers did nothing when Azerbaijan attacked its ally."
    west_fails = ("Washington abandoned its Kurdish allies in Syria, Russian Foreign Ministry spokeswoman "
                  "Maria Zakharova said, calling the United States an unreliable partner.")
    russia_victim = "Russian state television accused Armenia of betraying Moscow by turning to the European Union."
    russia_betrayed = "Putin said Russia had been betrayed by its Western partners, who deceived Moscow over NATO."
    assert matcher.score(russia_fails)["russia_unreliable_ally"].matched
    for text in (west_fails, russia_victim, russia_betrayed):
        assert not matcher.score(text)["russia_unreliable_ally"].matched, text


@pytest.mark.parametrize("text", [
    # Round 3: the kinds of sentence that round 2 read as Russia failing an ally (written for this
    # test, in the manner of round 2's blind-set false positives).
    "Kazakhstan's contacts with Moscow were busy this spring, with three ministerial visits and a "
    "new gas deal for Astana.",
    "Putin met the Azerbaijani and Armenian leaders on the sidelines to discuss transit routes.",
    "Cuban delegates proposed a joint front of the sanctioned states; the Kremlin did not respond "
    "to the proposal.",
    "Kyrgyzstan, which hosts a base of the Russian-led CSTO, did not send troops to the exercise.",
    "Pour Bamako, la Russie reste un partenaire prioritaire dans le domaine de l'énergie.",
    # Written while fixing the above: the ally (or Ukraine's partner) is the one failing.
    "The Kremlin said Armenia had failed to honour its obligations as a CSTO member and had "
    "abandoned its allies.",
    "Ukraine's main partner failed to deliver the promised tanks. Russian troops advanced near "
    "Pokrovsk while Belarus hosted drills.",
    "China does not trust Moscow's promises, diplomats say, and Iran does not trust anyone.",
])
def test_russia_named_near_a_weak_failure_word_is_not_the_theme(matcher, text):
    assert not matcher.score(text)["russia_unreliable_ally"].matched, text


def test_russia_named_by_its_role(matcher):
    # The patron named by its role ("its security guarantor"), Russia named in the next sentence.
    text = ("Deputies argued that Armenia had been left without protection by its supposed security "
            "guarantor when Azerbaijan attacked. \"Moscow promised a shield and gave us a report,\" "
            "one said.")
    assert matcher.score(text)["russia_unreliable_ally"].matched


def test_a_historical_alliance_is_not_a_new_one(matcher):
    history = ("The Warsaw Pact, the military alliance formed in 1955 in response to West Germany "
               "joining NATO, was an instrument of Soviet control over Eastern Europe.")
    new = ("Commentators in Moscow call the emerging military alliance of Russia, China and North "
           "Korea a new Warsaw Pact aimed at the United States.")
    assert not matcher.score(history)["anti_us_alliance"].matched
    assert matcher.score(new)["anti_us_alliance"].matched


def test_window_concepts_are_what_score_combines(matcher):
    title, body = read("pos_anti_us_axis_wire.txt")
    windows = matcher.window_concepts(body, title)
    result = matcher.score(body, title=title)["anti_us_alliance"]
    assert set(windows) == THEME_IDS
    assert any(set(result.concepts) <= present for _, _, present in windows["anti_us_alliance"])
    n_paras = 1 + len([line for line in body.splitlines() if line.strip()])
    assert {(start, size) for start, size, _ in windows["anti_us_alliance"]} == {
        (a, k) for k in (1, 2, 3) for a in range(n_paras - k + 1)}


def probe_snippets() -> list:
    data = json.loads((FIXTURES / "probes.json").read_text(encoding="utf-8"))
    return [pytest.param(s["theme"], s["text"], id=f"{b['name']}-{i}",
                         marks=[pytest.mark.xfail(reason=s["known_miss"], strict=True)]
                         if "known_miss" in s else [])
            for b in data["batches"] for i, s in enumerate(b["snippets"])]


@pytest.mark.parametrize("theme_id, text", probe_snippets())
def test_probe_snippets(matcher, theme_id, text):
    # Real-style one-paragraph snippets (see probes.json): the theme they state matches, no other.
    results = matcher.score(text)
    assert {k for k, r in results.items() if r.matched} == ({theme_id} if theme_id else set()), \
        {k: (r.score, r.concepts) for k, r in results.items()}


def test_relations_stay_inside_a_sentence_or_two():
    # `>N` never reaches into the next sentence; `^1` does; `@A - @B` drops overlapping hits;
    # `!@C` rejects a pair with C in between.
    theme = minimal_theme(concepts={
        "R": ["russia", "moscow"], "W": ["washington"], "L": ["abandon*"], "AL": ["ally", "allies"],
        "NEAR": ["@R >6 @L"], "NEXT": ["@R ^1 @L"], "WHO": ["@R >6 @L !@W"],
        "OWN": ["@AL - @W_AL"], "W_AL": ["@W >1 @AL"]},
        rule={"weights": {"NEAR": 0.2, "NEXT": 0.2, "WHO": 0.2, "OWN": 0.2}})
    themes, errors = parse_themes({"theme": [theme]}, CONFIG, "x.toml")
    assert errors == []
    m = ThemeMatcher(themes)
    assert set(m.score("Russia is strong. Abandoned, Armenia looked west.")["t1"].concepts) == {"NEXT"}
    assert set(m.score("Russia abandoned Armenia.")["t1"].concepts) == {"NEAR", "NEXT", "WHO"}
    assert set(m.score("Moscow says Washington abandoned them.")["t1"].concepts) == {"NEAR", "NEXT"}
    assert set(m.score("Washington allies met. Our allies met.")["t1"].concepts) == {"OWN"}
    assert m.score("Washington allies met.")["t1"].concepts == ()


def test_sentence_split_keeps_abbreviations():
    text = "U.S. President Donald Trump met Lt. Gen. Smith on Jan. 5 in Washington. Russia said no."
    assert split_sentences(text) == [
        "U.S. President Donald Trump met Lt. Gen. Smith on Jan. 5 in Washington.", "Russia said no."]


def test_scores_and_evidence_fields(matcher, themes):
    title, body = read("pos_rua_armenia.txt")
    results = matcher.score(body, title=title, language="en")
    assert set(results) == THEME_IDS
    baseline_text = {t.id: " ".join(p.read_text(encoding="utf-8") for p in t.baselines) for t in themes}
    phrases = {t.id: t.key_phrases + (t.description,) for t in themes}
    for theme_id, r in results.items():
        assert isinstance(r, ThemeScore) and r.theme_id == theme_id
        assert 0.0 <= r.score <= 1.0 and r.score == round(r.score, 3)
        assert r.matched == (r.score >= next(t.threshold for t in themes if t.id == theme_id))
        assert 0 < len(r.passage) <= MAX_PASSAGE_CHARS
        assert r.passage in body
        assert 0 < len(r.baseline_passage) <= MAX_BASELINE_CHARS
        assert r.baseline_passage in baseline_text[theme_id] or r.baseline_passage in phrases[theme_id]
    rua = results["russia_unreliable_ally"]
    assert "stood aside" in rua.passage
    assert {"RUSSIA_ALLY", "LETDOWN"} <= set(rua.concepts)


def test_long_paragraph_is_trimmed_verbatim(matcher):
    filler = "The harvest was good and grain prices were stable across the region this year. " * 30
    key = ("Dmitry Medvedev said Russia, China and Iran would form a military alliance against "
           "the United States. ")
    text = filler + key + filler
    r = matcher.score(text)["anti_us_alliance"]
    assert r.matched
    assert len(r.passage) <= MAX_PASSAGE_CHARS and r.passage in text
    assert "military alliance against the United States" in r.passage


def test_empty_text(matcher):
    results = matcher.score("")
    assert all(r.score == 0 and not r.matched and r.passage == "" for r in results.values())


def test_unknown_method_is_rejected(themes):
    with pytest.raises(ValueError, match="method"):
        ThemeMatcher(themes, method="magic")


# ---------------------------------------------------------------------------------------------
# Golden output


def golden_output(matcher: ThemeMatcher) -> dict:
    out = {}
    for name in sorted(p.name for p in FIXTURES.glob("*.txt")):
        title, body = read(name)
        out[name] = {k: {"score": r.score, "matched": r.matched}
                     for k, r in sorted(matcher.score(body, title=title).items())}
    return out


def test_golden_scores(matcher):
    actual = golden_output(matcher)
    if os.environ.get("NEWSMON_REGEN_THEMES"):
        GOLDEN.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert actual == expected, (
        "theme scores changed; if intended, regenerate with "
        "NEWSMON_REGEN_THEMES=1 .venv/bin/python -m pytest tests/test_themes.py -k golden")


# ---------------------------------------------------------------------------------------------
# Operations


def test_matcher_pickles_and_scores_the_same(matcher):
    title, body = read("pos_esa_minsk.txt")
    before = matcher.score(body, title=title)
    clone = pickle.loads(pickle.dumps(matcher))
    assert clone.score(body, title=title) == before
    assert len(pickle.dumps(matcher)) < 2_000_000


def test_builds_in_under_a_second(themes):
    start = time.perf_counter()
    ThemeMatcher(themes)
    assert time.perf_counter() - start < 1.0


def test_scoring_is_fast(matcher):
    # ~800 words: the brief's budget is 5 ms per article for 3 themes; allow CI noise.
    texts = [read(n) for n in sorted(p.name for p in FIXTURES.glob("*.txt"))]
    body = "\n\n".join(b for _, b in texts)
    words = len(body.split())
    article = " ".join(body.split()[:800]) if words >= 800 else body
    matcher.score(article)  # warm the caches as a long-running worker would be
    start = time.perf_counter()
    for _ in range(20):
        matcher.score(article)
    assert (time.perf_counter() - start) / 20 < 0.025


def test_same_concept_name_in_two_themes_keeps_each_definition():
    one = minimal_theme(id="one", concepts={"A": ["alliance*"], "B": ["against"]})
    two = minimal_theme(id="two", concepts={"A": ["abandon*"], "B": ["against"]})
    themes, errors = parse_themes({"theme": [one, two]}, CONFIG, "x.toml")
    assert errors == []
    results = ThemeMatcher(themes).score("They felt abandoned.")
    assert not results["one"].matched and results["two"].matched
