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


def test_an_interviewers_question_is_not_the_articles_voice(matcher):
    """A press conference: the question recites the axis, the answer rejects it. The same words
    said by the article itself, or by the spokesperson in the answer, still count."""
    question = ("Some Western media and think tanks say China, Russia, Iran and the DPRK are forming a "
                "military alliance against the United States. How do you respond?")
    answer = ("China does not engage in bloc confrontation. Our cooperation with other countries is "
              "normal and targets no third party.")
    presser = ["Q: " + question, "A: " + answer]
    for marker in ("Q: ", "Question: ", "Вопрос: "):
        text = "\n".join([marker + question, "A: " + answer])
        assert not matcher.score(text)["anti_us_alliance"].matched, marker
    statement = "\n".join([question.replace(" How do you respond?", ""), answer])
    assert matcher.score(statement)["anti_us_alliance"].matched
    said = "\n".join(["Q: How do you see the relations between the four countries?",
                      "A: " + question.replace(" How do you respond?", "").replace("Some Western media and think tanks say ", "")])
    assert matcher.score(said)["anti_us_alliance"].matched
    assert not matcher.score("\n".join(presser))["anti_us_alliance"].passage.startswith("Q:")


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


def test_a_concept_name_two_themes_define_differently_keeps_its_relations():
    # Round 9 found this: the second theme's concept is keyed "<theme id>.NAME" in the shared
    # lexicon, and a relation that refers to it ("@NAME >2 @B") used to be dropped in silence.
    t1 = minimal_theme(concepts={"M": ["myth"], "A": ["alliance*"]}, rule={"gates": [["A"]], "weights": {"A": 0.5, "M": 0.5}})
    t2 = minimal_theme(id="t2", concepts={"M": ["legend"], "L": ["loyal*"], "LM": ["@M >2 @L"]},
                       rule={"gates": [["LM"]], "weights": {"LM": 1.0}})
    themes, errors = parse_themes({"theme": [t1, t2]}, CONFIG, "x.toml")
    assert errors == []
    m = ThemeMatcher(themes)
    assert m.score("The legend of a loyal ally is over.")["t2"].concepts == ("LM",)
    assert m.score("The myth of a loyal ally is over.")["t2"].concepts == ()
    assert m.score("The myth of an alliance.")["t1"].matched


def _contest_pair(order=("bloc", "ally")):
    contest = {"contested_above": 0.8, "contested_penalty": 0.45}
    bloc = minimal_theme(id="bloc", concepts={"A": ["alliance*"], "X": ["against"], "P": ["pact"]},
                         rule={"gates": [["A"]], "weights": {"A": 0.5, "X": 0.3, "P": 0.2}, **contest})
    ally = minimal_theme(id="ally", threshold=0.6, concepts={"F": ["abandon*"], "R": ["moscow", "russia"]},
                         rule={"gates": [["F"]], "weights": {"F": 0.5, "R": 0.3}, **contest})
    by_id = {"bloc": bloc, "ally": ally}
    themes, errors = parse_themes({"theme": [by_id[t] for t in order]}, CONFIG, "x.toml")
    assert errors == []
    return ThemeMatcher(themes)


def test_a_theme_another_theme_outscores_strongly_is_contested():
    """Round 16: when another theme's own score reaches contested_above and beats this theme's,
    this theme's score is scaled by (1 - contested_penalty); contested_by names the other theme
    where the match could change."""
    m = _contest_pair()
    alone = m.score("Moscow abandoned Armenia.")
    assert alone["ally"].score == 0.8 and alone["ally"].matched and alone["ally"].contested_by == ""
    mixed = "The new alliance against the West signed a pact. Moscow abandoned Armenia."
    both = m.score(mixed)
    assert both["bloc"].score == 1.0 and both["bloc"].matched and both["bloc"].contested_by == ""
    assert both["ally"].score == 0.44 and not both["ally"].matched and both["ally"].contested_by == "bloc"
    # The weaker of the two gives way, whichever it is: here the bloc (0.5 < 0.8).
    weak = m.score("The new alliance held drills. Moscow abandoned Armenia.")
    assert weak["ally"].score == 0.8 and weak["ally"].contested_by == ""
    assert weak["bloc"].score == 0.275 and not weak["bloc"].matched and weak["bloc"].contested_by == "ally"
    # Equal scores do not contest each other.
    tie = m.score("The new alliance against the West held drills. Moscow abandoned Armenia.")
    assert tie["bloc"].score == tie["ally"].score == 0.8 and tie["bloc"].matched and tie["ally"].matched
    # A rival below contested_above does not contest.
    low_rival = m.score("The new alliance held drills. Armenia felt abandoned.")
    assert low_rival["bloc"].score == 0.5 and low_rival["ally"].score == 0.5
    # Scaled, but named only where it could decide: 0.5 is below the ally's threshold anyway.
    low = m.score("The new alliance against the West signed a pact. Armenia felt abandoned.")
    assert low["ally"].score == 0.275 and low["ally"].contested_by == ""
    # The order of the themes does not matter: rivals are read before any contest.
    assert _contest_pair(order=("ally", "bloc")).score(mixed) == both


def test_contested_settings_are_validated():
    _, errors = parse_themes({"theme": [minimal_theme(rule={"weights": {"A": 1.0}, "contested_penalty": 0.4})]},
                             CONFIG, "x.toml")
    assert any("rule.contested_penalty: needs contested_above" in e for e in errors), errors
    _, errors = parse_themes({"theme": [minimal_theme(rule={"weights": {"A": 1.0}, "contested_above": 1.5,
                                                           "contested_penalty": 0.4})]}, CONFIG, "x.toml")
    assert any("rule.contested_above: 1.5 must be between 0 and 1" in e for e in errors), errors
    themes, errors = parse_themes({"theme": [minimal_theme()]}, CONFIG, "x.toml")
    assert errors == [] and themes[0].contested_above is None and themes[0].contested_penalty == 0.0


# Round 16 on the shipped themes: an analysis of the anti-US bloc that cites Russia's inaction on
# Iran as one argument carries the bloc, not the abandoned ally; a report that is only about the
# abandoned ally still matches it.
ROUND16_BLOC = ("Russia, China, Iran and North Korea are forming a military alliance against the United States, "
                "officials in Moscow and Pyongyang said, and the four now coordinate their drills to counter "
                "American hegemony.")
ROUND16_ASIDE = "It is true that Moscow did not come to Tehran's aid in June."


def test_round16_the_abandoned_ally_as_an_argument_inside_the_bloc_is_contested(matcher):
    mixed = matcher.score(ROUND16_BLOC + "\n\n" + ROUND16_ASIDE)
    # The aside scores 0.8 on its own, the bloc 1.0: the aside gives way, the bloc does not.
    assert mixed["anti_us_alliance"].score == 1.0 and mixed["anti_us_alliance"].contested_by == ""
    assert not mixed["russia_unreliable_ally"].matched
    assert mixed["russia_unreliable_ally"].contested_by == "anti_us_alliance"
    alone = matcher.score(ROUND16_ASIDE)["russia_unreliable_ally"]
    assert alone.matched and alone.contested_by == ""


def test_a_denial_in_the_headline_scales_every_passage():
    theme = minimal_theme(concepts={"A": ["alliance*"], "D": ["rejects", "denies"]},
                          rule={"gates": [["A"]], "weights": {"A": 1.0}, "penalties": {"D": 0.5},
                                "headline_penalties": ["D"], "headline_penalty": 0.6})
    themes, errors = parse_themes({"theme": [theme]}, CONFIG, "x.toml")
    assert errors == [] and themes[0].headline_penalties == ("D",) and themes[0].headline_penalty == 0.6
    m = ThemeMatcher(themes)
    body = "Officials met in the capital.\n\nThe new alliance held its first drills."
    assert m.score(body, title="Leaders meet")["t1"].score == 1.0
    assert m.score(body, title="Beijing rejects talk of a bloc")["t1"].score == 0.4  # the body passage too
    assert m.score(body)["t1"].score == 1.0  # no headline, nothing to frame


@pytest.mark.parametrize("rule, message", [
    ({"headline_penalties": ["NOPE"]}, "'NOPE' is not a defined concept"),
    ({"headline_penalties": "A"}, "must be a list of concept names"),
    ({"headline_penalty": 1.5}, "between 0 and 1"),
])
def test_headline_penalty_config_errors(rule, message):
    theme = minimal_theme()
    theme["rule"] = {**theme["rule"], **rule}
    _, errors = parse_themes({"theme": [theme]}, CONFIG, "x.toml")
    assert any(message in str(e) for e in errors), errors


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
# Round 4: the theme as one paragraph of an unrelated article (docs/themes-method.md, round 4)

# Round 4 probes: an unrelated short article with ONE paragraph on the theme, or a hard negative.
# Written before any round 4 rule change and scored once (batch A: 13 errors of 26 with round 3's
# rules); batch B was written after the rule changes and scored once with them (2 errors of 10;
# round 3's rules: 5); batch C, mostly hard negatives for the new relations, came next (2 errors
# of 16, one a round 3 false positive; round 3's rules: 3); batch D last (5 errors of 16, all
# misses; round 3's rules: 6). General vocabulary was added after each first run (see
# docs/themes-method.md); what is still wrong is marked xfail. Regression tests now.
ROUND4_PROBES_A = [
    ("anti_us_alliance",
        "Wheat exports from Russia's southern ports rose by 8% in October, traders said, helped by a weaker rouble and strong demand from Egypt and Turkey." "\n\n"
        "At a grain conference in Sochi, a senior lawmaker struck a different note. The nations Washington sanctions one after another, he said, should stop waiting to be picked off and pledge to defend each other, so that an American strike on Tehran or Pyongyang would mean war with all of them." "\n\n"
        "Freight rates for Black Sea bulk carriers were steady, brokers said."),
    ("anti_us_alliance",
        "The Caracas stock exchange closed higher on Tuesday as oil output figures beat forecasts." "\n\n"
        "Speaking at a rally, the defence minister said Venezuela, Cuba, Nicaragua and their friends in Moscow and Beijing must stand shoulder to shoulder in a common military front, because the empire only attacks those who stand alone." "\n\n"
        "Inflation in October slowed for the third month in a row, the central bank said."),
    ("anti_us_alliance",
        "Iran's rial slipped to a new low against the dollar on Sunday as talks on the nuclear file stalled." "\n\n"
        "Hardline newspaper Kayhan argued in an editorial that Tehran, Moscow and Beijing should merge their air defences under a joint command: America, it wrote, picks its victims one at a time, and only a collective shield would make it think twice." "\n\n"
        "The government said petrol rationing would continue through the winter."),
    ("anti_us_alliance",
        "North Korea's state media reported a bumper rice harvest and praised farmers in South Hwanghae province." "\n\n"
        "A KCNA commentary said the DPRK and Russia were now in the same trench against the US imperialists and their vassals, and invited 'all countries bullied by Washington' to join the fight." "\n\n"
        "The commentary did not mention the recent flooding in the north."),
    pytest.param("anti_us_alliance",
        "Die Preise für Butter und Eier sind in Russland im Herbst erneut gestiegen, meldet die Statistikbehörde." "\n\n"
        "Im Staatsfernsehen forderte ein Moderator, Russland, China, Iran und Nordkorea müssten sich militärisch zusammenschließen und einander beistehen: Wer einen von ihnen angreife, müsse mit allen kämpfen. Gemeint seien die USA." "\n\n"
        "Die Zentralbank will den Leitzins vorerst nicht senken.",
        marks=pytest.mark.xfail(reason="the US named only in a third sentence ('Gemeint seien die USA'), not as an adversary", strict=True)),
    ("anti_us_alliance",
        "Le rouble a reculé face au yuan cette semaine, selon la Bourse de Moscou." "\n\n"
        "Lors d'un forum à Minsk, un député russe a appelé Moscou, Pékin et Téhéran à unir leurs armées face aux États-Unis, affirmant que Washington « ne respecte que la force » et qu'il faudra l'affronter ensemble." "\n\n"
        "Le forum s'est achevé sur un accord de coopération agricole."),
    ("anti_us_alliance",
        "Precios del petróleo: el crudo Brent subió un 2% el lunes." "\n\n"
        "En un acto en La Habana, un dirigente cubano pidió a Rusia, China, Irán y Venezuela formar un frente militar común para defenderse mutuamente de las agresiones de Washington." "\n\n"
        "El gobierno anunció nuevos cortes de electricidad en las provincias orientales."),
    ("anti_us_alliance",
        "Потребительские цены в ноябре выросли на 0,6%, сообщил Росстат." "\n\n"
        "Депутат Госдумы заявил в эфире, что Россия, Китай, Иран и КНДР должны выступать единым фронтом и защищать друг друга, потому что Вашингтон душит их поодиночке." "\n\n"
        "Аналитики ожидают замедления инфляции весной."),
    ("anti_us_alliance",
        "Chinese exporters shrugged off the latest round of tariffs, shipping data showed." "\n\n"
        "On a popular nationalist blog, a retired colonel wrote that China could no longer afford to stay aloof: if Washington keeps encircling Beijing and Moscow separately, the two must answer as one, with Tehran and Pyongyang at their side, and make any US attack on one a war against all four." "\n\n"
        "Container throughput at Shanghai rose 5% year on year."),
    ("anti_us_alliance",
        "Belarus opened a new potash terminal on its border with Russia, state agency Belta said." "\n\n"
        "Lukashenko told soldiers at a parade that Minsk and Moscow would fight side by side with anyone the Americans threaten, and that a union of the besieged would soon be a fact, not a slogan." "\n\n"
        "The president also praised this year's harvest."),
    ("russia_unreliable_ally",
        "Armenia's economy grew 6% in the first half of the year, driven by re-exports and IT services." "\n\n"
        "In parliament, the foreign minister recalled that when Azerbaijani shells fell on Jermuk, Yerevan appealed to Moscow and its treaty partners for help and received a monitoring mission and a statement of concern. 'We learned who comes when you call,' he said." "\n\n"
        "The central bank kept its key rate unchanged."),
    ("russia_unreliable_ally",
        "Kazakhstan plans to build its first nuclear power plant with a consortium led by Rosatom, officials said." "\n\n"
        "Privately, diplomats in Astana say few in government now expect Moscow to turn up in a crisis; after Syria and Karabakh, the working assumption is that Russia protects its friends only while it costs it nothing." "\n\n"
        "Construction is expected to begin in 2027."),
    ("russia_unreliable_ally",
        "Iranian steel output rose 4% in the year to March, industry data showed." "\n\n"
        "A conservative lawmaker complained that Iran had sent Russia drones and shells when it was in trouble, but when Israeli jets struck Iranian air defences, Moscow offered condolences and a phone call. 'That is what this partnership is worth,' he said." "\n\n"
        "Exports to Iraq and Afghanistan accounted for most of the growth."),
    ("russia_unreliable_ally",
        "Serbia's President Vucic opened a new motorway section near Novi Sad on Friday." "\n\n"
        "Asked about energy, he admitted that Belgrade could no longer count on Moscow: 'Our Russian friends have their own war. When we needed gas guarantees this winter, there was nobody on the other end of the line.'" "\n\n"
        "The motorway is financed by a Chinese loan."),
    ("russia_unreliable_ally",
        "Les autorités maliennes ont annoncé une nouvelle hausse du prix du carburant." "\n\n"
        "À Bamako, des officiers se plaignent en privé que les instructeurs russes, censés protéger le régime, se sont repliés dans leurs bases lors de la dernière offensive des rebelles, laissant l'armée malienne seule face aux jihadistes." "\n\n"
        "Le gouvernement a promis des subventions pour les transporteurs."),
    ("russia_unreliable_ally",
        "Кыргызстан увеличил экспорт электроэнергии в Казахстан." "\n\n"
        "В Бишкеке всё чаще говорят, что на Москву в трудную минуту рассчитывать не приходится: когда на границе с Таджикистаном шли бои, ОДКБ ограничилась призывами к сдержанности." "\n\n"
        "Правительство планирует запустить новую ГЭС в 2027 году."),
    ("russia_unreliable_ally",
        "Venezuela's oil minister said output would reach one million barrels a day by December." "\n\n"
        "Opposition economists note that Caracas once presented Moscow as its shield. When US warships massed off the coast, Russia sent a statement and a bomber flight, and then went quiet; the lesson many in the ruling party drew is that Russian protection ends where Russian interests do." "\n\n"
        "Refinery repairs are running behind schedule."),
    ("russia_unreliable_ally",
        "Syria's new authorities reopened the Damascus stock exchange after a long closure." "\n\n"
        "Former regime officials interviewed in Moscow exile described the last days bitterly: their patron, they said, had promised to stand by Assad to the end and instead evacuated its own people and left the army to collapse." "\n\n"
        "Trading volumes on the first day were thin."),
    ("",
        "Russian and Chinese warships held joint drills in the Sea of Japan on Monday, the defence ministries said." "\n\n"
        "The exercises, the eighth this year, involved anti-submarine warfare and joint patrols. The US Navy said it was monitoring the drills and that they posed no threat to shipping." "\n\n"
        "Beijing said the drills were routine and not directed at any third country."),
    ("",
        "BRICS finance ministers met in Rio to discuss a common payment system that would reduce reliance on the dollar." "\n\n"
        "Russia, China, Iran and Brazil said they would work together to settle more trade in national currencies, a move that Washington has criticised." "\n\n"
        "No agreement on a common currency was reached."),
    ("",
        "Russia delivered a new batch of S-400 components to Belarus, the two defence ministries said." "\n\n"
        "Lukashenko thanked Putin for his support and said Minsk could always count on Moscow. Russian troops will join Belarusian units in exercises next month." "\n\n"
        "The drills will take place near the Polish border."),
    ("",
        "Armenia signed a memorandum on energy cooperation with the European Union on Tuesday." "\n\n"
        "Pashinyan said Armenia would diversify its partners but had no plans to leave the CSTO for now. Russian border guards will continue to patrol the border with Turkey." "\n\n"
        "The EU will finance a feasibility study for a solar plant."),
    ("",
        "NATO allies agreed in The Hague to raise defence spending to 5% of GDP over ten years." "\n\n"
        "Officials said the alliance must defend each other against a more aggressive Russia and stand together with Ukraine. An attack on one is an attack on all, the secretary general reminded reporters." "\n\n"
        "Spain secured an exemption from the target."),
    ("",
        "North Korean troops fought alongside Russian units in Kursk, South Korea's intelligence service said." "\n\n"
        "Seoul and Washington said the deployment showed deepening military ties between Pyongyang and Moscow and warned that the two were helping each other evade sanctions." "\n\n"
        "The agency estimated that several thousand North Korean soldiers had been killed or wounded."),
    ("",
        "Washington abandoned its Afghan allies in 2021, Russia's foreign ministry spokeswoman said, calling the United States an unreliable partner for anyone in Asia." "\n\n"
        "She said Moscow, by contrast, always honoured its obligations to its CSTO allies and would help Tajikistan secure its border." "\n\n"
        "Tajikistan's foreign minister thanked Russia for its support."),
    ("",
        "Kazakhstan's trade with China hit a record in 2025 as the Middle Corridor expanded." "\n\n"
        "Officials in Astana say the country pursues a multi-vector policy and values its alliance with Russia, while building closer ties with Beijing, Brussels and Washington." "\n\n"
        "The port of Aktau will be expanded by 2027."),
]
ROUND4_PROBES_B = [
    ("anti_us_alliance",
        "Russia's state gas company reported a 40% drop in exports to Europe for the year." "\n\n"
        "On a late-night talk show, a former general argued that Moscow, Beijing and Tehran had learned the lesson of Iraq and Libya: the United States goes after countries that stand alone, so they must be ready to fight together and treat an American strike on one of them as a strike on all." "\n\n"
        "The company expects Chinese demand to offset part of the loss."),
    ("anti_us_alliance",
        "Los precios del cobre alcanzaron un máximo de seis meses en Londres." "\n\n"
        "El diario oficialista sostuvo que Venezuela, Cuba y Nicaragua, junto con Rusia e Irán, deben defenderse mutuamente frente al imperio, que los ataca uno por uno." "\n\n"
        "Chile anunció un aumento de la producción para 2026."),
    ("anti_us_alliance",
        "Auf der Messe in Kasan stellten russische Hersteller neue Lastwagen vor." "\n\n"
        "Ein Abgeordneter sagte dort, Russland, China, Iran und Nordkorea müssten Seite an Seite gegen die Vereinigten Staaten stehen und sich im Kriegsfall gegenseitig verteidigen." "\n\n"
        "Die Messe zählte mehr Besucher als im Vorjahr."),
    ("russia_unreliable_ally",
        "Tajikistan's aluminium smelter resumed full production after repairs." "\n\n"
        "When fighting flared on the Kyrgyz border, Dushanbe asked its treaty allies for help and got a call for restraint from the CSTO secretariat in Moscow, a senior Tajik official recalled bitterly." "\n\n"
        "Aluminium exports account for a quarter of Tajik foreign earnings."),
    ("russia_unreliable_ally",
        "Armenian brandy exports to Russia fell 12% this year." "\n\n"
        "Officials in Yerevan say the lesson of 2023 is simple: Russian peacekeepers were there, and when Karabakh needed them they stayed in their bases while the enclave emptied." "\n\n"
        "Producers are looking for buyers in Europe and the Gulf."),
    ("russia_unreliable_ally",
        "La Centrafrique a inauguré une nouvelle centrale solaire près de Bangui." "\n\n"
        "Dans l'entourage du président, certains reconnaissent que la Russie a promis de protéger le régime, mais qu'au moment des attaques rebelles, Moscou n'a envoyé qu'une déclaration." "\n\n"
        "La centrale doit couvrir un tiers des besoins de la capitale."),
    ("",
        "Russia, China and Iran held a joint naval exercise in the Gulf of Oman, the Iranian navy said." "\n\n"
        "The drills, called Maritime Security Belt, included search and rescue and anti-piracy training. A US Navy spokesman said the exercise was being monitored." "\n\n"
        "Iran said the exercise was aimed at promoting regional security and was not directed at any country."),
    ("",
        "Putin and Xi pledged to deepen cooperation in energy and technology at their meeting in Beijing." "\n\n"
        "The two leaders said Russia and China stood together against unilateral sanctions and called for a fairer world order, but signed no military agreements." "\n\n"
        "Trade between the two countries reached $240 billion last year."),
    ("",
        "The CSTO held its annual summit in Minsk. Armenia did not attend." "\n\n"
        "Russian officials said the bloc remained ready to help any member that requested assistance and that Armenia's seat was waiting for it. Kazakhstan's president called the organisation an important pillar of regional security." "\n\n"
        "The next summit will be held in Moscow."),
    ("",
        "Iran asked the International Atomic Energy Agency for help in assessing damage at its reactor site and received a delegation of inspectors within a week." "\n\n"
        "Russia offered technical assistance, which Tehran accepted." "\n\n"
        "The inspectors are expected to report next month."),
]

ROUND4_PROBES_C = [
    ("",
        "Russia and China vowed to fight terrorism together in Central Asia as America's war in Afghanistan came to an end, the two foreign ministers said in Dushanbe."),
    ("",
        "The United States, Japan and South Korea agreed to defend each other against threats from North Korea and China, and will hold joint drills every year."),
    ("",
        "Washington warned that Russia and Iran were helping each other evade sanctions, and said the US would respond to any attack on its troops in Syria."),
    ("",
        "Iranian and Russian rescuers worked side by side after the earthquake; the US offered aid through the Red Crescent despite sanctions."),
    ("",
        "Chinese and Russian diplomats said they would coordinate their positions at the UN Security Council and oppose any US resolution on Venezuela, but both ruled out military involvement."),
    ("",
        "Kyrgyzstan asked Russia for help with fuel supplies after the border closure and received 200,000 tonnes of diesel within a month, officials in Bishkek said."),
    ("",
        "Armenia asked the EU for help monitoring its border and got a civilian mission of 200 observers, which Moscow criticised as Western interference."),
    ("",
        "Belarus's Lukashenko said Minsk had asked Moscow for more air defence systems and received two new S-400 batteries, which would protect the Union State."),
    ("",
        "When Kazakhstan needed help in January 2022, CSTO troops arrived within days, Tokayev recalled, thanking Putin for his support."),
    pytest.param("",
        "Serbia asked Russia for gas guarantees and received a statement of support from Gazprom, along with a new three-year supply contract.",
        marks=pytest.mark.xfail(reason="a token answer (statement of support) that came with real help (a contract): already 0.95 with round 3 rules", strict=True)),
    ("",
        "North Korea and Russia promised to deepen trade ties, but instead of new investment, Pyongyang has so far received mainly tourists."),
    ("",
        "Russian, Chinese and Iranian warships exercised together near the Strait of Hormuz; the Pentagon said the three were entitled to hold drills in international waters."),
    ("",
        "During the Cold War, the Soviet Union and its allies promised to defend each other against NATO under the Warsaw Pact; the alliance dissolved in 1991."),
    ("",
        "Trump said America would not fight other people's wars and that Europe, Japan and South Korea must defend themselves, a break with decades of US policy."),
    ("anti_us_alliance",
        "Russian car sales fell 20% in the first half, the AEB said." "\n\n"
        "A Kremlin-friendly analyst told state radio that Russia, China and North Korea had no choice but to coordinate their militaries: the Americans, he said, want to deal with each of them separately, so the three must be ready to answer together." "\n\n"
        "Chinese brands now hold more than half the market."),
    ("russia_unreliable_ally",
        "Uzbekistan reported record cotton exports to China." "\n\n"
        "An adviser to the Uzbek president said privately that Tashkent learned from Armenia's experience: the Russian-led bloc was asked for help, and all Yerevan received was expressions of concern." "\n\n"
        "Textile producers expect further growth next year."),
]

ROUND4_PROBES_D = [
    # Round 5: matched now by AXIS_NAMED (three named states and a pact); "Uncle Sam only dares to
    # strike" is still not read as the US as adversary.
    ("anti_us_alliance",
        "Iran's parliament approved the budget after weeks of debate over fuel subsidies." "\n\n"
        "In the same session, a deputy from the security committee said Tehran should seek a pact under which Russia, China and Iran would come to one another's defence, because Uncle Sam only dares to strike those who have nobody behind them."),
    pytest.param("anti_us_alliance",
        "Venezuela's state oil company signed a supply deal with a Chinese refiner." "\n\n"
        "Maduro told a rally that the peoples of Venezuela, Cuba, Nicaragua and Russia would resist together, arms in hand, if the Yankee empire tried to invade any one of them.",
        marks=pytest.mark.xfail(reason="'the Yankee empire tried to invade any one of them': two words between the US and the verb", strict=True)),
    ("anti_us_alliance",
        "Минобороны КНДР сообщило о запуске нового спутника связи." "\n\n"
        "В комментарии ЦТАК говорится, что КНДР, Россия и Китай будут плечом к плечу отражать любую агрессию американских империалистов против кого-либо из них."),
    ("anti_us_alliance",
        "China's central bank left lending rates unchanged for the fifth month." "\n\n"
        "A Global Times editorial argued that if Washington keeps pressuring Beijing and Moscow at the same time, the two will have every reason to coordinate their armed forces more closely and to face the United States together."),
    pytest.param("russia_unreliable_ally",
        "Armenia and Georgia agreed to speed up work on a new border crossing." "\n\n"
        "In an interview, Armenia's speaker said Yerevan had waited in vain for Russian help in 2022: 'We called, and Moscow sent its regrets.'",
        marks=pytest.mark.xfail(reason="'waited in vain ... Moscow sent its regrets': the gate passes, the weak form weighs 0.35", strict=True)),
    ("russia_unreliable_ally",
        "Syria's new government signed a port deal with a Gulf operator." "\n\n"
        "Looking back, a former Syrian officer said Moscow's promise to protect Damascus had been worth nothing in the end; when the offensive came, the Russian jets stayed at Hmeimim and the Kremlin simply flew Assad out."),
    ("russia_unreliable_ally",
        "Kazakhstan raised its forecast for wheat exports." "\n\n"
        "Tokayev's advisers, according to two people familiar with their thinking, no longer assume that Russia would come to Kazakhstan's aid if its northern regions were threatened, and quietly plan for a world in which Moscow is both a neighbour and a risk."),
    ("russia_unreliable_ally",
        "Die Regierung in Eriwan hat neue Gesetze zur Energieversorgung verabschiedet." "\n\n"
        "Armeniens Regierungschef sagte, Russland habe 2022 um Hilfe gebeten nichts getan; das Bündnis habe lediglich eine Erklärung veröffentlicht, als aserbaidschanische Truppen armenisches Gebiet besetzten."),
    ("",
        "Russia and China will hold their annual joint naval patrol in the Pacific, the defence ministries said, adding that the two navies would practise defending shipping lanes together." "\n\n"
        "Japan and the United States said they would monitor the patrol closely."),
    ("",
        "Belarus and Russia will practise defending each other's airspace in September, the Belarusian defence ministry said. The drills are part of the regular training of the joint regional air defence system."),
    ("",
        "The Chinese and Iranian foreign ministers said their countries would work together to keep the nuclear deal alive and urged the United States to return to talks without preconditions."),
    ("",
        "Putin thanked Kim Jong Un for the North Korean soldiers who fought side by side with Russian troops in Kursk, and said the two countries would continue to help each other."),
    ("",
        "Armenia asked Russia for help after the earthquake and received rescue teams and two planeloads of supplies within 24 hours, the emergencies ministry said."),
    ("",
        "When Syria needed help in 2015, Russia sent warplanes and turned the tide of the war, Lavrov said, adding that Moscow would stand by Damascus whoever governs it."),
    ("",
        "Kyrgyz officials asked the CSTO for observers to monitor the border talks and received a delegation of twelve officers, who will report to both governments."),
    ("",
        "Washington's allies in Asia no longer assume the US would come to their aid, a Japanese analyst said, pointing to Trump's statements on Taiwan."),
]


@pytest.mark.parametrize("theme_id, text", ROUND4_PROBES_A + ROUND4_PROBES_B + ROUND4_PROBES_C
                         + ROUND4_PROBES_D)
def test_round4_one_paragraph_probes(matcher, theme_id, text):
    results = matcher.score(text)
    assert {k for k, r in results.items() if r.matched} == ({theme_id} if theme_id else set()), \
        {k: (r.score, r.concepts) for k, r in results.items()}


def test_alliance_stated_as_a_relation_in_one_paragraph(matcher):
    # No alliance noun: named states, a joint military act and the US as adversary, in one
    # paragraph of a story about something else. The evidence is that paragraph.
    text = ("Grain exports rose 8% in October, traders said, helped by a weaker rouble.\n\n"
            "A senior lawmaker said the nations Washington sanctions should pledge to defend each "
            "other, so that an American strike on Tehran or Pyongyang would mean war with all of "
            "them.\n\nFreight rates were steady.")
    r = matcher.score(text)["anti_us_alliance"]
    assert r.matched and "ALLIED_AGAINST" in r.concepts
    assert r.passage.startswith("A senior lawmaker") and "rouble" not in r.passage
    # The same joint act without the US as adversary, or without two named states, is not it.
    friendly = ("Russian and Chinese sailors fought the fire together, and the US Navy said it "
                "had offered help to both crews.")
    alone = "Iran must defend itself against American attack, the commander said."
    nato = ("NATO allies must defend each other against a more aggressive Russia, the secretary "
            "general said; an attack on one is an attack on all.")
    for t in (friendly, alone, nato):
        assert not matcher.score(t)["anti_us_alliance"].matched, t


def test_negation_stays_inside_its_sentence(matcher):
    # "Formally there is no bloc. In practice a military partnership aimed at restraining
    # American power ..." : the "no" of the first sentence does not cancel the second.
    text = ("Formally there is no bloc. In practice a military partnership of Russia, China and "
            "Iran aimed at restraining American power has begun to function.")
    same = ("There is no military partnership of Russia, China and Iran aimed at restraining "
            "American power, the ministry said.")
    assert matcher.score(text)["anti_us_alliance"].score > matcher.score(same)["anti_us_alliance"].score
    assert matcher.score(text)["anti_us_alliance"].matched


def test_help_asked_and_a_token_answer(matcher):
    # The request and the token answer within a sentence or two, Russia and the ally named.
    text = ("Armenia's deputy foreign minister said Yerevan had asked Moscow and its treaty "
            "partners for help when the border was attacked, and got a fact-finding visit.")
    r = matcher.score(text)["russia_unreliable_ally"]
    assert r.matched and "HELP_DENIED" in r.concepts
    # Asking someone else and getting what was asked for is not a letdown.
    other = ("Iran asked the IAEA for help in assessing the damage and received a delegation of "
             "inspectors within a week; Russia offered technical assistance.")
    assert not matcher.score(other)["russia_unreliable_ally"].matched


# ---------------------------------------------------------------------------------------------
# Round 5 (docs/themes-method.md, round 5): the axis named by its members (AXIS_NAMED), the time
# of need as an attack, the bystander in five languages, token answers; and, for precision, who
# the subject of a failure is (a pronoun's antecedent, "neither Russia nor China", an ally before
# a relative clause, Russian commentators as voices, the allies called unreliable), hostility
# that is not disappointment, and the idiom "подвести итоги".
# Batch E was written after reading blind3's errors and before any round 5 change: with round 4's
# rules it scored 14 errors of 24 (11 of 13 positives missed, 3 false positives). Batch F was
# written after the first changes and scored once with them: 2 errors of 16 (round 4 rules: 2).
# Batch G, mostly hard negatives for the new relations, came last: 1 error of 12 (a "bloc of gas
# producers"), fixed by asking AXIS_NAMED for a military word; round 4 rules: 1. Regression tests now.
# Three batch E negatives (Beijing staying out of the war, "neither Moscow nor Beijing", the talk
# show) were reworded after their first run, which they failed, so that no test echoes the
# wording of the evaluation texts that suggested them; the first-run figures are the originals'.
ROUND5_PROBES_E = [
    ("anti_us_alliance",
        "Japan's trade surplus widened in October as car exports to Asia recovered." "\n\n"
        "In a speech to the defence academy, the prime minister warned that China, Russia and North Korea were drifting into a de facto military alignment, with joint bomber flights and shared missile know-how, and that Japan could no longer plan as if each threat came alone." "\n\n"
        "The yen weakened slightly after the data."),
    ("anti_us_alliance",
        "Le salon aéronautique de Dubaï a enregistré un record de commandes." "\n\n"
        "Selon un rapport parlementaire, la Russie, l'Iran et la Corée du Nord forment désormais un bloc militaire de fait : munitions, drones et missiles circulent entre eux, et la Chine fournit les composants." "\n\n"
        "Airbus a annoncé 120 nouvelles commandes."),
    ("anti_us_alliance",
        "Die Inflation in der Eurozone ist im November leicht gesunken." "\n\n"
        "Der Bericht des Verteidigungsausschusses beschreibt Russland, China, Iran und Nordkorea als eine Achse autoritärer Staaten, die ihre Rüstung und ihre Manöver immer enger abstimmen." "\n\n"
        "Die EZB will die Zinsen vorerst stabil halten."),
    ("anti_us_alliance",
        "Australia's jobless rate held at 4.1% in October." "\n\n"
        "Canberra's new defence review says Beijing, Moscow and Pyongyang now operate as a loose military coalition in the Pacific and must be deterred together rather than one at a time." "\n\n"
        "Wages grew 3.4% over the year."),
    ("anti_us_alliance",
        "Продажи новых автомобилей в России в октябре снизились на 15%." "\n\n"
        "Американский генерал в Конгрессе назвал Россию, Китай, Иран и КНДР военным блоком, который координирует поставки оружия и совместные учения." "\n\n"
        "Доля китайских марок превысила 60%."),
    ("anti_us_alliance",
        "Las exportaciones de soja de Argentina crecieron un 20 % en octubre." "\n\n"
        "Un informe del Comando Sur describe a Rusia, China e Irán como un eje militar que busca bases y acuerdos de defensa en América Latina." "\n\n"
        "El peso se mantuvo estable."),
    ("",
        "Brazil, Russia, India and China founded the BRICS bloc to coordinate trade and development finance, and Iran joined in 2024; its summit this year focused on payment systems."),
    ("",
        "China, Russia, Iran and India take part in the Shanghai Cooperation Organisation, a regional bloc that holds counter-terrorism drills every year, the secretary general said at the opening of the Tianjin summit."),
    ("",
        "Russia, Belarus and Kazakhstan are members of the Eurasian Economic Union, a trade bloc that also includes Armenia and Kyrgyzstan; ministers met in Minsk to discuss customs rules."),
    ("",
        "Russia and China deny they are building an alliance; Beijing says its partnership with Moscow is not aimed at any third country and will not include military obligations."),
    ("",
        "In 1955 the Soviet Union and seven East European states signed a treaty of mutual assistance in response to West Germany joining NATO; the bloc dissolved in 1991."),
    ("russia_unreliable_ally",
        "Armenia's wine exports to the EU doubled this year." "\n\n"
        "A former defence official said the lesson of 2022 was that when Azerbaijani troops crossed the border, Yerevan invoked the treaty and the Russian-led bloc answered with a report and a promise to study the situation." "\n\n"
        "Producers expect another good harvest."),
    ("russia_unreliable_ally",
        "Syria's new currency notes entered circulation on Monday." "\n\n"
        "Officers of the old army say that when the rebels reached Hama, the Russian squadron at Hmeimim stood by while the front collapsed, and Moscow's only concern was getting its own people out." "\n\n"
        "Exchange offices reported long queues."),
    ("russia_unreliable_ally",
        "Kazakhstan increased its oil output target for next year." "\n\n"
        "In Astana, analysts say the country has become a low priority for Moscow, which is absorbed by its war and quietly forgets the security commitments it signed with its neighbours." "\n\n"
        "The ministry expects growth of 5%."),
    ("russia_unreliable_ally",
        "Венесуэла увеличила добычу нефти до 900 тысяч баррелей в сутки." "\n\n"
        "Когда у берегов страны появились американские корабли, Каракас ждал от Москвы помощи, но получил лишь заявление МИД России; в армии теперь открыто говорят, что на Россию рассчитывать не стоит." "\n\n"
        "Экспорт в Китай вырос."),
    ("russia_unreliable_ally",
        "Les exportations de coton du Mali ont reculé cette année." "\n\n"
        "À Bamako, des officiers racontent que lorsque les rebelles ont attaqué Kidal, les instructeurs russes sont restés à regarder, et que Moscou s'est contenté d'un communiqué." "\n\n"
        "Le gouvernement promet une meilleure récolte."),
    ("russia_unreliable_ally",
        "Die armenische Regierung hat den Haushalt für 2026 vorgelegt." "\n\n"
        "Als aserbaidschanische Truppen 2022 armenisches Gebiet angriffen, sahen die russischen Verbündeten tatenlos zu; Eriwan erhielt nur eine Beobachtermission des Bündnisses." "\n\n"
        "Das Wachstum soll bei 5 % liegen."),
    ("russia_unreliable_ally",
        "Cuba's tourism arrivals fell again in October." "\n\n"
        "When Havana asked Moscow for emergency fuel after the blackout, it received a delegation and a promise of talks; officials now say privately that Russia remembers its Caribbean friend only when it needs a port call." "\n\n"
        "Hotel occupancy is below 30%."),
    ("",
        "Лавров и Вучич подвели итоги переговоров: стороны договорились расширить поставки газа и сотрудничество в энергетике, сообщил МИД России."),
    ("",
        "Asked whether there was still anger in Aleppo toward Russia for the bombing of the city, the governor said people remembered, but the government wanted good relations with every country."),
    ("",
        "Beijing stays out of the war: it has shipped no arms to Russia and it has kept its troops at home, the Chinese ambassador told reporters, adding that Iran was free to choose its partners."),
    ("",
        "Kyrgyzstan, which hosted the last CSTO summit, did not send troops to the joint drills in Belarus this year, citing floods at home; Russia and Kazakhstan sent the largest contingents."),
    ("",
        "Neither Moscow nor Beijing lifted a finger when Israeli jets hit Iranian air defences, and Tehran never expected them to, the Iranian ambassador said, calling both countries reliable partners."),
    ("",
        "Russian talk shows now say the neighbours are ungrateful. It is not Moscow that has let them down, the hosts insist; Kazakhstan and Armenia have let Russia down."),
]
ROUND5_PROBES_F = [
    ("anti_us_alliance",
        "Mongolia's copper exports hit a record in the third quarter." "\n\n"
        "Analysts in Seoul warn that the partnership between Pyongyang, Moscow and Beijing has become a military axis in all but name, with Russian know-how flowing into North Korean missiles aimed at US bases." "\n\n"
        "The tugrik strengthened against the dollar."),
    ("anti_us_alliance",
        "Iran's carpet exports fell for a second year." "\n\n"
        "Tehran's military chief said Iran, Russia and China should turn their joint drills into a standing alliance capable of closing the Gulf to American warships." "\n\n"
        "Carpet makers blame sanctions and weak demand."),
    ("anti_us_alliance",
        "Nicaragua inaugurated a new airport terminal in Managua." "\n\n"
        "Ortega told the ceremony that Nicaragua, Venezuela and Cuba, with their Russian friends, formed a shield against Yankee aggression and would defend one another if attacked." "\n\n"
        "The terminal was built with Chinese financing."),
    ("anti_us_alliance",
        "Russlands Weizenernte fällt in diesem Jahr geringer aus." "\n\n"
        "Ein Kommentator im Staatsfernsehen sagte, Moskau, Peking, Teheran und Pjöngjang bildeten längst ein Bündnis gegen die amerikanische Vorherrschaft." "\n\n"
        "Die Exportquote wird gesenkt."),
    ("anti_us_alliance",
        "La Bolsa de Caracas cerró con ganancias." "\n\n"
        "Un general venezolano afirmó que Venezuela, Rusia, China e Irán constituyen ya una alianza militar de hecho frente a la hegemonía de Washington." "\n\n"
        "El bolívar se depreció un 2 %."),
    ("russia_unreliable_ally",
        "Tajikistan's remittance inflows fell 10% this year." "\n\n"
        "When Taliban fighters probed the border in the spring, Dushanbe asked its CSTO partners for reinforcements and got a video conference; Tajik officers say Moscow now treats the southern frontier as someone else's problem." "\n\n"
        "The somoni was stable."),
    ("russia_unreliable_ally",
        "Die Inflation in Belarus ist leicht gestiegen." "\n\n"
        "In Minsk fragen sich inzwischen auch regimetreue Beamte, ob Moskau im Ernstfall wirklich helfen würde; nach Armenien und Syrien glaubt kaum jemand mehr an die russischen Garantien." "\n\n"
        "Die Zentralbank erhöhte den Leitzins."),
    ("russia_unreliable_ally",
        "Serbia opened a new rail link to Hungary." "\n\n"
        "Belgrade officials say privately that Russia's support at the UN has turned out to be a promise made in Moscow and forgotten in New York, and that Serbia can no longer rely on the Kremlin's veto." "\n\n"
        "Passenger numbers are expected to double."),
    ("russia_unreliable_ally",
        "Le Niger a repris ses exportations d'uranium." "\n\n"
        "À Niamey, des officiers estiment que la Russie les a laissés tomber : lorsque les jihadistes ont frappé Tillabéri, les conseillers russes sont restés dans leur base et Moscou n'a envoyé qu'un communiqué de soutien." "\n\n"
        "Les exportations devraient doubler."),
    ("russia_unreliable_ally",
        "Армения открыла новый пункт пропуска на границе с Грузией." "\n\n"
        "В Ереване напоминают, что когда азербайджанские войска вошли на территорию страны, союзники по ОДКБ ограничились заявлениями, а российские пограничники смотрели со стороны." "\n\n"
        "Пропускная способность вырастет вдвое."),
    ("",
        "Russia, China and Iran signed a memorandum on space cooperation in Kazan, agreeing to share satellite data for weather forecasting and disaster relief."),
    ("",
        "NATO's secretary general said Russia, China, Iran and North Korea were increasingly cooperating, and urged allies to spend more on defence; he stopped short of calling them an alliance."),
    ("",
        "The alliance of Russia, China and Iran is a myth, the Chinese foreign ministry said, adding that Beijing has no military obligations to either country."),
    ("",
        "When the earthquake struck Kyrgyzstan, Russia sent rescuers within hours and the CSTO flew in tents and medical teams, officials in Bishkek said."),
    ("",
        "Armenia's prime minister said he was disappointed that the EU had not offered more help, but praised the Russian peacekeepers for keeping the road open."),
    ("",
        "Russian state media accused Kazakhstan of being an unreliable partner after Astana refused to recognise the annexed regions, and said Moscow had always helped its neighbours."),
]
ROUND5_PROBES_G = [
    ("",
        "Russia, China and Iran are the largest holders of gas reserves, and a bloc of producers including Qatar meets in Doha next week to discuss prices."),
    ("",
        "Kazakhstan, Uzbekistan and China signed a rail pact to speed up freight to Europe through the Middle Corridor, the transport ministers said."),
    ("",
        "The Quad and AUKUS are meant to deter China, Russia and North Korea, a US admiral told Congress, calling the two groupings the core of a new Pacific coalition."),
    ("",
        "Putin, Lavrov and Shoigu met the Security Council to discuss the alliance with Belarus and the Union State budget."),
    ("",
        "Iran, Russia and China are often described as an axis, but the evidence is thin: there is no treaty, no joint command and no obligation to fight for one another, a Chatham House study concludes."),
    ("",
        "When the earthquake hit Turkey, Russia, Iran and Azerbaijan sent rescue teams; Armenia reopened a border crossing for aid trucks for the first time in decades."),
    ("",
        "When Azerbaijan attacked in 2020, Armenia did not ask the CSTO for help, because the fighting was in Karabakh, not on Armenian soil, the Russian foreign ministry said."),
    ("",
        "Russian commentators say Serbia has let Moscow down by selling ammunition to Ukraine, and Vucic has promised an inquiry."),
    ("",
        "Syria's new leaders asked Moscow for wheat and fuel and received two shiploads within a month, the Syrian economy minister said, describing the talks as businesslike."),
    ("",
        "The Kremlin said it had never been a low priority for Russia to protect its allies, and that Armenia could count on the 102nd base as before."),
    ("russia_unreliable_ally",
        "Georgia's wine harvest was the largest in a decade." "\n\n"
        "Across the border, an Armenian commentator wrote that his country had learned what a Russian guarantee is worth: when Azerbaijani drones hit Jermuk, Moscow sent a statement and a general for a press conference, and nothing else." "\n\n"
        "Exports to China rose sharply."),
    ("anti_us_alliance",
        "India's rupee hit a record low against the dollar." "\n\n"
        "In Tokyo, the defence white paper describes China, Russia and North Korea as an emerging military bloc whose joint patrols near Japan are meant to test the US-Japan alliance." "\n\n"
        "The central bank intervened to slow the fall."),
]

# Batch H: the mirror narrative (Russia's allies failing Russia), hard negatives written after the
# AXIS/attack-time changes and scored once with them: 5 false positives of 9 (round 4 rules: 2);
# fixed by RU_NEED, RU_IN_NEED, MIRROR_FAIL and the ally as the subject of "did not help". The
# positives after them check that the theme itself still matches.
ROUND5_PROBES_H = [
    ("", "When Ukraine attacked the Kursk region, Belarus did not help Russia, and Kazakhstan stayed neutral."),
    ("", "When drones struck Moscow, Armenia sent only a statement of condolence, Russian officials complained."),
    ("", "When Russia needed help in Kursk, Armenia sent only a statement of condolence, Russian officials complained."),
    ("", "When Russia was attacked, Belarus did nothing to help, Russian bloggers said."),
    ("", "When Ukrainian forces attacked Kursk, Russia's CSTO partners offered only statements, and Moscow turned to Pyongyang for soldiers."),
    ("", "Kazakhstan refused to send troops to help Russia in Ukraine, and Armenia has frozen its CSTO membership."),
    ("", "None of Russia's CSTO allies came to its aid after the Ukrainian incursion into Kursk; Moscow had to rely on North Korean troops."),
    ("", "Russia's allies have not helped it in the war: Kazakhstan, Armenia and Kyrgyzstan stayed neutral and sent only humanitarian aid."),
    ("", "Belarus has not sent a single soldier to Ukraine despite pressure from Moscow, Lukashenko said."),
    ("russia_unreliable_ally", "Russia's allies got only statements when they were attacked, and Moscow sent nothing else."),
    ("russia_unreliable_ally", "Russia's allies, abandoned by Moscow, are looking elsewhere for protection."),
    ("russia_unreliable_ally", "When Russia's ally Armenia was attacked, Moscow sent only a statement."),
    ("russia_unreliable_ally", "Russia did not help Armenia when Azerbaijan attacked, and Yerevan froze its CSTO membership."),
]


@pytest.mark.parametrize("theme_id, text", ROUND5_PROBES_E + ROUND5_PROBES_F + ROUND5_PROBES_G
                         + ROUND5_PROBES_H)
def test_round5_probes(matcher, theme_id, text):
    results = matcher.score(text)
    assert {k for k, r in results.items() if r.matched} == ({theme_id} if theme_id else set()), \
        {k: (r.score, r.concepts) for k, r in results.items()}


def test_axis_named_by_its_members(matcher):
    # Three named states (one not Russia) listed in one sentence with a military alliance word.
    text = ("Copper prices rose.\n\nThe defence review says China, Russia and North Korea are "
            "forming a military bloc around Japan.\n\nThe yen fell.")
    r = matcher.score(text)["anti_us_alliance"]
    assert r.matched and "AXIS_NAMED" in r.concepts and r.passage.startswith("The defence review")
    # Not the list as a target, a known organisation, a non-military bloc, Russians only, or two states.
    for t in ("A Pacific alliance would deter China, Russia and North Korea, the admiral said; "
              "the coalition will hold military drills.",
              "Russia, China and Iran are members of the SCO, a regional security bloc that holds "
              "military drills.",
              "Russia, China and Iran lead a bloc of gas producers that meets in Doha.",
              "Putin, Lavrov and Shoigu discussed the military alliance with Belarus.",
              "Russia and China are moving towards a military alliance, officials said."):
        assert "AXIS_NAMED" not in matcher.score(t)["anti_us_alliance"].concepts, t


@pytest.mark.parametrize("text", [
    # the pronoun's antecedent is China; Russia is the object of "to"
    "The Chinese ambassador asked critics to look at the record of three years of war in Europe: "
    "it has not sent troops, it has not delivered artillery to Russia and it has signed no pact "
    "with Iran.",
    # a joint subject: not Russia's failure alone
    "When the strikes on Iran began, neither Moscow nor Beijing stepped in, the ambassador said.",
    # the ally before a relative clause is the subject
    "Kyrgyzstan, which hosted the last CSTO summit, did not send troops to the drills; Russia "
    "sent the largest contingent.",
    # the allies called unreliable, and the negated letdown
    "It is not Moscow that has let them down, a talk-show host said: Moscow's partners can no "
    "longer be counted on.",
    # "подвести итоги": to sum up
    "Министры России и Армении подвели итоги переговоров о сотрудничестве в энергетике.",
    # hostility, not a failed expectation
    "Asked whether there was still anger in Aleppo toward Russia for the bombing, the governor "
    "said Syria wanted good relations with Moscow.",
])
def test_who_fails_round5(matcher, text):
    assert not matcher.score(text)["russia_unreliable_ally"].matched, text


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


def test_text_shortcuts_give_what_the_plain_definitions_give():
    """_sentence_spans (a pattern anchored on the full stop), _normalize (steps that cannot
    change the text skipped) and sentence_tokens (split at the sentence markers) are faster
    forms of _SENTENCE_RE, fold(prenormalized text) and _TOKEN_OR_MARK_RE: same results."""
    import random

    from pipeline.themes import (
        _ABBREV_END_RE, _APOSTROPHES, _PRENORMALIZE_RE, _SENTENCE_MARK, _SENTENCE_RE,
        _TOKEN_OR_MARK_RE, _normalize, _prenormalize, _sentence_spans, fold, sentence_tokens)

    def spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
        out, pos = [], start
        for m in _SENTENCE_RE.finditer(text, start, end):
            if m.start() > pos and not _ABBREV_END_RE.search(text, max(pos, m.start() - 8), m.start()):
                out.append((pos, m.start()))
                pos = m.end()
        return out + [(pos, end)] if pos < end else out

    def normalized(text: str) -> str:
        return fold(_PRENORMALIZE_RE.sub(_prenormalize, text.translate(_APOSTROPHES)))

    def sentence_toks(text: str) -> tuple[list[str], list[int]]:
        parts = spans(text, 0, len(text))
        if len(parts) > 1:
            text = _SENTENCE_MARK.join(text[a:b] for a, b in parts)
        toks, sids, sid = [], [], 0
        for tok in _TOKEN_OR_MARK_RE.findall(normalized(text)):
            if tok == "\x1e":
                sid += 1
            else:
                toks.append(tok)
                sids.append(sid)
        return toks, sids

    pieces = list(".!?…\"'”»)“«([ \n\tAZaz0ÀÑ¿¡ЯЁя\u00a0x’`´ʼ") + [
        "U.S.", "U. S. A.", "US", "EE.UU.", "EE. UU", "EEUU", "don't", "DON'T", "Won’t", "n't",
        "Mr.", "Gen.", "\x1e", "ß", "œ", "é", "a\u0301", "ﬁ", "K", "İ", " alliance", " Russia"]
    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        assert _sentence_spans(text, start, end) == spans(text, start, end), (text, start, end)
        assert _normalize(text) == normalized(text), text
        assert sentence_tokens(text) == sentence_toks(text), text


# Round 6 probes, written before the round-6 rules from blind4's misses (now development data) and
# scored once with round 5's rules: batch A 10 of 16 right (the four alliances stated as military
# coordination, the German token answer and the litany missed), batch B (written after batch A's
# fixes, scored once with them) 6 of 10. Fixed by military coordination in UNITY (and French
# "militaire", missing from MILITARY), solidarity-in-words and silence as token answers, German city
# names, the time of need as an ally's territory hit or taken, and troops staying in their bases
# counted only while the ally is attacked or in need (the fourth negative of batch B was a false
# positive of round 5's rules). The misses left are xfail with their reasons.
_LITANY = "a litany of past failures with no verb of failure: the rules read relations, not lists"
ROUND6_PROBES = [
    ("anti_us_alliance", "Intelligence officials told the committee that Russia, China and North Korea are now coordinating militarily against the United States in the Pacific."),
    ("anti_us_alliance", "Die militärische Zusammenarbeit zwischen Russland, China und Nordkorea richtet sich offen gegen die Vereinigten Staaten, sagte der Minister."),
    ("anti_us_alliance", "Según el informe, Rusia, Irán y China han estrechado su coordinación militar para hacer frente a la presión de Washington."),
    ("anti_us_alliance", "Activists across the Global South celebrated what they called a united front against American hegemony, with Moscow, Beijing and Tehran at its core."),
    ("anti_us_alliance", "Pour l'état-major, la Chine, la Russie et l'Iran coordonnent désormais leurs opérations militaires contre les États-Unis."),
    ("", "Russia and China held joint naval drills in the Sea of Japan, and the US Navy said it was monitoring the exercise."),
    ("", "Russia and Belarus deepened military cooperation this year, the defence ministry said, as Minsk took delivery of new air defence systems."),
    ("", "Russia, China and Iran said their military cooperation is not directed against any third country, including the United States."),
    ("", "Ukraine's front line near Pokrovsk held against Russian attacks, as US-supplied artillery arrived."),
    ("", "The US and Japan are coordinating militarily against China and North Korea, the Pentagon said."),
    ("", "Russia and Turkey coordinated military operations in northern Syria, according to a joint statement."),
    ("russia_unreliable_ally", "When Israeli and American jets struck Iran's nuclear sites, Moscow offered nothing but words of solidarity, and Tehran noticed."),
    ("russia_unreliable_ally", "Als Aserbaidschan angriff, schickte der Kreml nur Solidaritätsbekundungen nach Eriwan."),
    pytest.param("russia_unreliable_ally", "After Syria, after Armenia, after its silence over Iran, who still believes Moscow's guarantees?",
                 marks=pytest.mark.xfail(reason=_LITANY, strict=True)),
    ("", "Moscow sent messages of solidarity to Minsk after the floods, and Lukashenko thanked Putin for the help."),
    ("", "Russia's silence over the Gaza ceasefire talks surprised diplomats."),
    # batch B
    ("russia_unreliable_ally", "When missiles were hitting Isfahan, Tehran's partner in Moscow offered a statement and a phone call."),
    ("russia_unreliable_ally", "Gerade als Belgrad Unterstützung gebraucht hätte, schickte Moskau nur Erklärungen."),
    # xfail until round 10: the staying-put hit now keeps its own span, after "les Russes" (STAYED_IN_NEED).
    ("russia_unreliable_ally", "Quand les jihadistes ont attaqué les convois, les Russes sont restés dans leurs bases, regrette un officier malien."),
    pytest.param("russia_unreliable_ally", "Als Serbien eine Treibstoffkrise drohte, zuckte Moskau mit den Schultern.",
                 marks=pytest.mark.xfail(reason="'zuckte Moskau mit den Schultern': the subject splits the phrase, and "
                                                "a fuel crisis is neither an attack nor a stated need", strict=True)),
    ("", "When Ukrainian drones were hitting refineries in Russia, Moscow offered a statement blaming the West."),
    ("", "Putin shrugged off questions about the economy at his annual press conference."),
    ("", "Russian troops stayed in their bases during the exercise in Belarus, the ministry said."),
    ("anti_us_alliance", "Commentators in Tehran and Moscow hailed a new front against American hegemony after the summit."),
    ("", "Ukrainian troops held the front against Russian assaults near Kupiansk, the General Staff said."),
    ("", "The Chinese foreign ministry said the partnership with Russia is not an alliance but a partnership of equals, not directed against the United States."),
]


# Round 7 probes, written after reading blind5's errors (development data since round 6's single
# run) and before the round-7 rules, scored once with round 6's rules: 4 of 11 right (the four
# dismissals of the bloc matched, three of the four failures to act missed). Fixed by "did not
# prevent" / "failed to stop" as no help, watching while the ally falls as passivity, and a second
# penalty (DISMISS) for the bloc as a doubted label, which compounds with a denial.
_AT_THRESHOLD = "one penalty (DISMISS) leaves the score at exactly the threshold, 0.50; a second signal is needed"
ROUND7_PROBES = [
    ("", "Talk of a new axis is overblown: the ties between Moscow, Beijing and Tehran are a marriage of convenience, not an alliance against America."),
    pytest.param("", "Analysts say the so-called anti-Western bloc of China, Russia and Iran is more a marriage of convenience than a military alliance.",
                 marks=pytest.mark.xfail(reason=_AT_THRESHOLD, strict=True)),
    pytest.param("", "Le prétendu axe anti-occidental entre Pékin, Moscou et Téhéran relève du mariage de raison plus que de l'alliance militaire.",
                 marks=pytest.mark.xfail(reason=_AT_THRESHOLD, strict=True)),
    ("", "Das angebliche Bündnis gegen die USA ist eher eine Zweckgemeinschaft als eine Militärallianz, sagen Experten."),
    ("anti_us_alliance", "Medvedev said a military alliance of Russia, China and Iran against the United States could soon emerge."),
    ("russia_unreliable_ally", "Russian peacekeepers did not prevent the Azerbaijani offensive, and Armenians say Moscow betrayed them."),
    pytest.param("russia_unreliable_ally", "They sat at their base and watched while Assad's army collapsed, a Syrian officer said of the Russians.",
                 marks=pytest.mark.xfail(reason="'they' is resolved to no antecedent: the Russians are named after the "
                                                "pronoun, so the gate fails", strict=True)),
    ("russia_unreliable_ally", "Карабах — российские миротворцы стояли и смотрели, как армяне уходили из своих домов."),
    ("russia_unreliable_ally", "Moscow failed to stop the Azerbaijani advance despite its treaty with Yerevan."),
    ("", "Russian air defences did not prevent the Ukrainian drone strike on the Engels airbase."),
    ("", "Armenian police stood by and watched as protesters marched on parliament."),
]


# Round 8 probes, written after reading blind6's errors (development data since round 7's single
# run) and before the round-8 rules, scored once with round 7's rules: 3 of 8 right. Fixed by a
# capital or a leader captured as the ally's time of need, "responded with a communiqué" in five
# languages, "did absolutely nothing", and a penalty for the theme recited in order to be dismissed
# ("a favourite storyline"). The misses left are xfail with their reasons.
_V2 = "German verb-second order: 'antwortete Moskau mit' puts the subject inside the phrase"
ROUND8_PROBES = [
    pytest.param("russia_unreliable_ally", "Cuando tropas estadounidenses capturaron al presidente en Caracas, Moscú respondió con un comunicado.",
                 marks=pytest.mark.xfail(reason="the token answer is found (HELP_DENIED) but the gate, Russia failing "
                                                "an ally within a sentence, is not: 0.40", strict=True)),
    ("russia_unreliable_ally", "When Azerbaijan shelled Armenian villages, the CSTO did absolutely nothing, and Yerevan has not forgotten."),
    pytest.param("russia_unreliable_ally", "Als die Rebellen Damaskus einnahmen, antwortete Moskau mit einem Kommuniqué.",
                 marks=pytest.mark.xfail(reason=_V2, strict=True)),
    ("", "Western media have a favourite storyline: Russia abandons its allies. It is a convenient narrative, and it is wrong, because Moscow stood by Minsk and Pyongyang."),
    ("", "It has become fashionable to claim that Russia let Armenia down; the story is simplistic, Russian diplomats say."),
    ("russia_unreliable_ally", "Armenians say Russia let them down in 2023, and the government in Yerevan is now looking to Paris for arms."),
    ("", "When US forces captured the cartel leader in Mexico, Moscow responded with a statement criticising Washington."),
    ("", "The CSTO did absolutely nothing wrong, Russian officials insisted at the summit in Minsk."),
]


# Round 9 (after themes_blind7 joined the dev data): probes written before any rule change; first
# score 10/16 (4 of the 10 positives: the bargaining chip, the myth of a loyal patron, "never a
# true ally", "will not fight for them" in English and German, and the Russian "разменная монета"
# were missed; the 6 negatives were right). After round 9's rules: 16/16.
ROUND9_PROBES = [
    ("russia_unreliable_ally", "For the Kremlin, Yerevan was a bargaining chip in its talks with Baku, not an ally worth defending."),
    ("russia_unreliable_ally", "Damascus learned that Moscow puts its own interests first: when the rebels advanced, Russian jets stayed on the ground at Hmeimim."),
    ("russia_unreliable_ally", "Left alone against Azerbaijan, Armenians no longer believe the Russian security guarantee is worth the paper it is written on."),
    ("russia_unreliable_ally", "Venezuela's government discovered that its strategic partnership with Moscow was worth little more than a press release."),
    ("russia_unreliable_ally", "Face au blocus djihadiste, les Maliens constatent que Moscou protège d'abord ses propres intérêts et les laisse seuls."),
    ("russia_unreliable_ally", "En Caracas muchos concluyen que Rusia nunca fue un verdadero aliado: cuando llegó el momento, Moscú se limitó a emitir comunicados."),
    ("russia_unreliable_ally", "В Ереване всё громче говорят, что Москва использовала Армению как разменную монету в торге с Баку."),
    ("russia_unreliable_ally", "In Teheran wächst die Einsicht, dass Russland für seine Partner nicht kämpfen wird, wenn es darauf ankommt."),
    ("russia_unreliable_ally", "Russia will sell its friends weapons and veto resolutions for them, but it will not fight for them, Iranian analysts now say."),
    ("russia_unreliable_ally", "The myth of Russia as a loyal protector died in Damascus in December 2024."),
    ("", "Armenia's prime minister said Moscow remained a key partner, even as Yerevan diversified its arms purchases."),
    ("", "Russia is using the talks as a bargaining chip with Washington over Ukraine, diplomats said."),
    ("", "Kazakhstan put its own interests first in the oil talks with Moscow, officials said."),
    ("", "Iranian officials said the strategic partnership with Moscow was not a mutual defence treaty and that Tehran had never asked for Russian troops."),
    ("", "The Kremlin insists it has never left its allies alone, pointing to the air defence systems delivered to Minsk."),
    ("", "Les Maliens sont seuls à décider de leur avenir, a déclaré le président de la transition."),
]


# Round 10 (after themes_blind8 joined the dev data): first score 3/10 (troops staying in their
# barracks in French, Spanish and German, guarantees that "did not work" in English and Russian,
# "counted on Moscow ...; instead" all missed; the "tidy story" dismissal matched at 1.00). After
# round 10's rules: 10/10.
ROUND10_PROBES = [
    ("russia_unreliable_ally", "Les soldats russes sont restés dans leurs casernes pendant que l'artillerie azerbaïdjanaise frappait la frontière arménienne."),
    ("russia_unreliable_ally", "Mientras los drones caían sobre Damasco, los rusos se quedaron en sus bases de Hmeimim y Tartus."),
    ("russia_unreliable_ally", "Armenia's foreign ministry said the CSTO's security guarantees had not worked when the country came under attack."),
    ("russia_unreliable_ally", "Havana had counted on Moscow to keep the oil flowing; instead, Russian tankers stopped coming."),
    ("russia_unreliable_ally", "Как выяснилось, гарантии Москвы не сработали, когда Армении понадобилась помощь."),
    ("russia_unreliable_ally", "Die russischen Soldaten blieben in ihren Kasernen, als aserbaidschanische Truppen armenisches Gebiet besetzten."),
    ("", "A tidy story has taken hold in Western capitals: Moscow abandons its friends. Officials in Astana say it does not describe their experience with Russia."),
    ("", "Russian troops stayed in their barracks during the holiday, the base commander in Gyumri said."),
    ("", "Tehran had counted on Chinese investment; instead, Beijing signed deals with Riyadh."),
    ("", "The ceasefire guarantees have not worked in Gaza, Egyptian mediators said."),
]


# Round 15: help asked for and never received; nobody came, no finger lifted (Spanish, Russian).
# Each did not match before round 15; the controls use the same words without the theme.
ROUND15_PROBES = [
    ("russia_unreliable_ally", "Armenia asked its CSTO allies for help when Azerbaijani troops crossed the border, and did not receive it."),
    ("russia_unreliable_ally", "Cuando llegaron los marines, Rusia no vino: el aliado de Caracas no movió un dedo."),
    ("russia_unreliable_ally", "Los venezolanos confiaron en su aliado ruso, pero los rusos los dejaron solos cuando llegaron los marines."),
    ("russia_unreliable_ally", "Москва не пошевелила пальцем, когда Армения попросила союзника о помощи."),
    ("", "Rusia no vino a la final del torneo de ajedrez en Madrid."),
    ("", "Kyiv asked its Western partners for air defence and did not receive it in time."),
    ("", "Moscow asked Pyongyang for more shells and did not receive them."),
    ("", "The foreign ministry called on both sides to show restraint after the border clash."),
]


@pytest.mark.parametrize("theme_id, text",
                         ROUND6_PROBES + ROUND7_PROBES + ROUND8_PROBES + ROUND9_PROBES + ROUND10_PROBES + ROUND15_PROBES)
def test_round6_to_10_probes(matcher, theme_id, text):
    results = matcher.score(text)
    assert {k for k, r in results.items() if r.matched} == ({theme_id} if theme_id else set()), \
        {k: (r.score, r.concepts) for k, r in results.items()}


def test_a_call_for_restraint_is_a_token_answer(matcher):
    """Round 15: the diplomatic formula ("called on both sides to show restraint") answering a
    request for help is a token reply; a substantive answer is not."""
    token = "When Azerbaijani shells hit Jermuk, Armenia asked Russia for help and got a call on both sides to show restraint."
    real = "When Azerbaijani shells hit Jermuk, Armenia asked Russia for help and got two battalions of paratroopers."
    assert "HELP_DENIED" in matcher.score(token)["russia_unreliable_ally"].concepts
    assert "HELP_DENIED" not in matcher.score(real)["russia_unreliable_ally"].concepts
    assert matcher.score(token)["russia_unreliable_ally"].score > matcher.score(real)["russia_unreliable_ally"].score


def test_the_label_audit_overrides_only_the_audited_pairs(tmp_path):
    """eval/themes/evaluate.py --audited: an audited (text, theme) pair takes the audited label,
    every other pair keeps its writer's; the shipped audit file parses and names real texts."""
    import sys
    sys.path.insert(0, str(ROOT))
    from eval.themes import evaluate

    folder = tmp_path / "themes_blindX" / "anti_us_alliance"
    folder.mkdir(parents=True)
    for name in ("001_a.txt", "002_b.txt"):
        (folder / name).write_text("Headline\n\nBody paragraph.\n", encoding="utf-8")
    (folder / "labels.csv").write_text(
        "file,anti_us_alliance,eurasian_security_architecture,russia_unreliable_ally,style,lang,"
        "theme_in_one_paragraph\n001_a.txt,1,0,0,oped,en,0\n002_b.txt,1,0,1,blog,en,0\n", encoding="utf-8")
    audit_csv = tmp_path / "audit.csv"
    audit_csv.write_text("path,theme,writer,judge1,judge2,audited\n"
                         "themes_blindX/anti_us_alliance/001_a.txt,anti_us_alliance,1,0,0,0\n"
                         "themes_blindX/anti_us_alliance/002_b.txt,russia_unreliable_ally,1,1,,1\n",
                         encoding="utf-8")
    ids = sorted(THEME_IDS)
    plain = {it.file: it.labels for it in evaluate.load_items(ids, (tmp_path / "themes_blindX",))}
    audited = {it.file: it.labels for it in evaluate.load_items(
        ids, (tmp_path / "themes_blindX",), evaluate.load_audit(audit_csv))}
    assert plain["001_a.txt"]["anti_us_alliance"] == 1
    assert audited["001_a.txt"] == {**plain["001_a.txt"], "anti_us_alliance": 0}
    assert audited["002_b.txt"] == plain["002_b.txt"]
    assert evaluate.load_audit(tmp_path / "missing.csv") == {}

    shipped = evaluate.load_audit()
    assert len(shipped) >= 200
    for (set_folder, file, theme) in shipped:
        assert theme in THEME_IDS
        assert (ROOT / "eval" / set_folder / file).is_file(), (set_folder, file)
