"""Five English locales: en-US is the base, the others overlays on it. Each gets its own interaction
model (within Alexa's limits, conflict-free, read by SMAPI), understands its own words ("A&E", "GP",
"wee", "mum", "arvo", "washroom", "paining"), and answers in its own words and emergency number."""

from __future__ import annotations

import random
import shutil
import textwrap
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from envelopes import envelope, intent_request, speech_of
from test_model_package import BUILTIN_PHRASES, concrete
from test_skill_package_smapi import MODELS

from skill.runtime.content import Content, ContentError, load
from skill.runtime.content.loader import DEFAULT_CONTENT_DIR, DEFAULT_LOCALE
from skill.runtime.content.models import LOCALE_PLACEHOLDERS
from skill.runtime.content.voice import load_voice
from skill.runtime.flows.turn import prompts_for
from skill.runtime.speech import Prompts, Speech, speaking_now
from skill.simulator.nlu import Matcher, slot_words
from skill.tools.model_builder import interaction_model, limits_exceeded

# The locale, its emergency number, and what a reply there calls a doctor.
LOCALES = {"en-US": ("911", "your doctor"), "en-GB": ("999", "your GP"), "en-CA": ("911", "your family doctor"),
           "en-AU": ("000", "your GP"), "en-IN": ("112", "your doctor")}
CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture(scope="module")
def models(content: Content) -> dict[str, dict[str, Any]]:
    return {loc: interaction_model(content, loc) for loc in LOCALES}


@pytest.fixture(scope="module")
def matchers(models: dict[str, dict[str, Any]]) -> dict[str, Matcher]:
    return {loc: Matcher(m) for loc, m in models.items()}


def lm(model: dict[str, Any]) -> dict[str, Any]:
    return model["interactionModel"]["languageModel"]


# ---- a model per locale


def test_every_locale_has_a_committed_model_that_smapi_reads() -> None:
    # tests/test_skill_package_smapi.py round-trips each of these files; this makes sure all five are there.
    assert {m.stem for m in MODELS} == set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_each_model_is_within_limits_and_conflict_free(models: dict[str, dict[str, Any]], locale: str) -> None:
    model = models[locale]
    assert not limits_exceeded(model)
    words = slot_words(model)
    owners: dict[str, set[str]] = defaultdict(set)
    for intent in lm(model)["intents"]:
        assert len(intent["samples"]) == len(set(intent["samples"])), intent["name"]
        if not intent["name"].startswith("AMAZON."):
            assert not BUILTIN_PHRASES & set(intent["samples"]), intent["name"]
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent["samples"]:
            for phrase in concrete(sample, slot_types, words):
                owners[phrase].add(intent["name"])
    conflicts = {p: sorted(i) for p, i in owners.items() if len(i) > 1}
    assert not conflicts, dict(list(conflicts.items())[:5])


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != DEFAULT_LOCALE])
def test_an_overlay_adds_to_en_us_and_takes_nothing_away(models: dict[str, dict[str, Any]], locale: str) -> None:
    base = {i["name"]: set(i["samples"]) for i in lm(models[DEFAULT_LOCALE])["intents"]}
    mine = {i["name"]: set(i["samples"]) for i in lm(models[locale])["intents"]}
    assert set(mine) == set(base)
    for name, samples in base.items():
        assert samples <= mine[name], (name, sorted(samples - mine[name])[:3])
    assert sum(map(len, mine.values())) > sum(map(len, base.values()))  # and it has words of its own
    base_words = slot_words(models[DEFAULT_LOCALE])
    for stype, words in slot_words(models[locale]).items():
        assert set(base_words[stype]) <= set(words), stype


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != DEFAULT_LOCALE])
def test_a_locale_s_own_words_reach_its_model_only(content: Content, models: dict[str, dict[str, Any]],
                                                   locale: str) -> None:
    """Every word a locale's slot overlay adds is a synonym of its value there (none lost to
    de-duplication), and not in en-US's model."""
    overlay = yaml.safe_load((CONTENT / "slots" / f"{locale}.yaml").read_text(encoding="utf-8"))
    mine, base = slot_words(models[locale]), slot_words(models[DEFAULT_LOCALE])
    types = {"red_flags": "RED_FLAG", "points": "POINT_NAME", "routines": "ROUTINE_NAME",
             "complaints": "COMPLAINT_NAME", "position": "POSITION_NAME", "time": "TIME_OF_DAY"}
    checked = 0
    for group in ("synonyms", "lists"):
        for source, values in (overlay.get(group) or {}).items():
            stype = types[source]
            for ident, phrases in values.items():
                for phrase in phrases:
                    heard = " ".join(phrase.lower().replace("&", " and ").split())
                    assert mine[stype].get(heard, (None,))[0] == ident, (stype, phrase)
                    assert heard not in base[stype], (stype, phrase)
                    checked += 1
    assert checked >= 5


# ---- understanding people as they talk there (the local matcher over each locale's model)

HEARD = {
    "en-GB": [("I can't wee", "RedFlagIntent", "bladder_bowel"),
              ("I keep weeing myself", "RedFlagIntent", "bladder_bowel"),
              ("I can't go to the loo", "RedFlagIntent", "bladder_bowel"),
              ("my bum is numb", "RedFlagIntent", "saddle_numbness"),
              ("I went to A&E after a fall", "RedFlagIntent", "major_trauma"),
              ("my GP says I'm pregnant", "PregnancyIntent", None),
              ("my midwife has confirmed I'm pregnant", "PregnancyIntent", None),
              ("I'm going to be a mum", "PregnancyIntent", None),
              ("I'm a new mum", "NotPregnantIntent", None),
              ("I'll be on the settee", "SetPositionIntent", "seated"),
              ("remind me after my lunch", "SetReminderIntent", "after_lunch")],
    "en-AU": [("remind me this arvo", "SetReminderIntent", "after_lunch"),
              ("remind me after brekkie", "SetReminderIntent", "morning"),
              ("I'm on the lounge", "SetPositionIntent", "seated"),
              ("I can't do a wee", "RedFlagIntent", "bladder_bowel"),
              ("I ended up in emergency after a fall", "RedFlagIntent", "major_trauma"),
              ("I'm a new mum", "NotPregnantIntent", None)],
    "en-CA": [("I went to emerg after a fall", "RedFlagIntent", "major_trauma"),
              ("I can't use the washroom", "RedFlagIntent", "bladder_bowel"),
              ("my family doctor says I'm pregnant", "PregnancyIntent", None),
              ("I'm a new mom", "NotPregnantIntent", None)],
    "en-IN": [("I am not able to pass urine", "RedFlagIntent", "bladder_bowel"),
              ("I am not able to control my motion", "RedFlagIntent", "bladder_bowel"),
              ("I am not able to feel my legs", "RedFlagIntent", "both_legs"),
              ("I am in the family way", "PregnancyIntent", None),
              ("I have delivered my baby", "NotPregnantIntent", None),
              ("it is paining", "PainIntent", None),
              ("remind me post lunch", "SetReminderIntent", "after_lunch"),
              ("I'm on the cot", "SetPositionIntent", "lying")],
}
CASES = [(loc, said, intent, ident) for loc, cases in HEARD.items() for said, intent, ident in cases]


@pytest.mark.parametrize(("locale", "said", "intent", "ident"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_each_locale_understands_its_own_words(matchers: dict[str, Matcher], locale: str, said: str,
                                               intent: str, ident: str | None) -> None:
    heard = matchers[locale].understand(said)
    assert heard.intent == intent, f"{locale} heard {said!r} as {heard.intent}"
    if ident is not None:
        assert [s.id for s in heard.slots.values()] == [ident], heard.slots


def test_every_locale_still_understands_en_us(matchers: dict[str, Matcher]) -> None:
    for locale, matcher in matchers.items():
        for said, intent in [("where is bladder twenty three", "FindPointIntent"),
                             ("I can't feel my legs", "RedFlagIntent"), ("I'm pregnant", "PregnancyIntent"),
                             ("start the lower back routine", "StartRoutineIntent")]:
            assert matcher.understand(said).intent == intent, (locale, said)


# ---- replies in the request's locale, through the whole pipeline (Lambda and the signed web service)


def said_in(transport: Callable[[dict], dict], locale: str, request: dict[str, Any]) -> str:
    return speech_of(transport(envelope(request, locale=locale, new=True)))


@pytest.mark.parametrize("locale", LOCALES)
def test_an_emergency_reply_names_the_local_emergency_number(transport: Callable[[dict], dict],
                                                             locale: str) -> None:
    number = LOCALES[locale][0]
    ssml = said_in(transport, locale, intent_request("RedFlagIntent", {"symptom": "both my legs have gone numb"}))
    # Read digit by digit: "nine nine nine", never "nine hundred and ninety-nine".
    assert f'<say-as interpret-as="digits">{number}</say-as>' in ssml
    others = {n for n, _ in LOCALES.values()} - {number}
    assert not any(o in ssml for o in others), ssml


@pytest.mark.parametrize("locale", LOCALES)
def test_replies_use_the_locale_s_word_for_a_doctor(transport: Callable[[dict], dict], locale: str) -> None:
    ssml = said_in(transport, locale, intent_request("PainIntent"))
    assert f"check with {LOCALES[locale][1]}." in ssml and "{" not in ssml


@pytest.mark.parametrize("locale", ["fr-FR", "en-NZ", "", "EN-gb-x"])
def test_an_unknown_locale_is_answered_as_en_us(lambda_transport: Callable[[dict], dict], locale: str) -> None:
    ssml = said_in(lambda_transport, locale, intent_request("RedFlagIntent", {"symptom": "I can't pee"}))
    assert '<say-as interpret-as="digits">911</say-as>' in ssml


def test_a_request_without_a_locale_is_answered_as_en_us(lambda_transport: Callable[[dict], dict]) -> None:
    body = envelope(intent_request("PainIntent"), new=True)
    del body["request"]["locale"]
    assert "check with your doctor." in speech_of(lambda_transport(body))


def test_the_locale_s_slot_words_reach_the_handler(lambda_transport: Callable[[dict], dict]) -> None:
    # Alexa resolved nothing; the handler matches the words against the locale's slot list.
    lounge = intent_request("SetPositionIntent", {"position": "on the lounge"})
    assert "you'll be seated" in said_in(lambda_transport, "en-AU", lounge)
    assert "you'll be seated" not in said_in(lambda_transport, "en-US", lounge)


def test_en_gb_conversation_from_launch_to_a_red_flag(lambda_transport: Callable[[dict], dict]) -> None:
    attrs: dict[str, Any] = {}
    replies = []
    for i, request in enumerate([
        {"type": "LaunchRequest", "requestId": "r1", "timestamp": "2026-12-02T10:00:00Z"},
        intent_request("FindPointIntent", {"point": "bladder twenty three"}),
        intent_request("RedFlagIntent", {"symptom": {"value": "i can't wee", "id": "bladder_bowel"}}),
    ]):
        reply = lambda_transport(envelope(request, locale="en-GB", new=i == 0, session_attributes=attrs))
        attrs = dict(reply.get("sessionAttributes") or {})
        replies.append(reply)
    assert "Acupressure Coach" in speech_of(replies[0])
    assert '<say-as interpret-as="digits">999</say-as>' in speech_of(replies[2])
    assert replies[2]["response"]["shouldEndSession"] is True


# ---- the prompts API speaks the locale it is told


@pytest.fixture
def prompts(content: Content) -> Prompts:
    return prompts_for(content, random.Random(1))


def test_prompts_fill_the_locale_s_words(prompts: Prompts) -> None:
    assert prompts.say("emergency_close").endswith("is 911.")  # outside a request: the default locale
    for locale, (number, doctor) in LOCALES.items():
        with prompts.speaking(locale) as chosen:
            assert chosen == locale == prompts.locale == speaking_now().locale
            assert prompts.say("emergency_close").endswith(f"is {number}.")
            assert prompts.say("pain_no_routine").endswith(f"check with {doctor}.")
            assert prompts.fill("Go to {emergency_department}, or call {emergency_number}; {name} stays.") \
                .endswith(f"call {number}; {{name}} stays.")
    assert speaking_now() is None


def test_a_caller_s_field_wins_over_the_locale_s_word() -> None:
    p = Prompts({"k": "Ask {doctor}."}, fills={"en-US": {"doctor": "your doctor"}})
    assert p.say("k") == "Ask your doctor."
    assert p.say("k", doctor="the midwife") == "Ask the midwife."


def test_content_text_in_a_speech_takes_the_locale_s_words(prompts: Prompts) -> None:
    with prompts.speaking("en-GB"):
        ssml = Speech().text("If it gets worse, go to {emergency_department} or call {emergency_number}.").ssml()
    assert ssml == ('<speak>If it gets worse, go to A&amp;E or call <say-as interpret-as="digits">999'
                    "</say-as>.</speak>")
    assert Speech().text("{emergency_number}").ssml() == "<speak>{emergency_number}</speak>"  # no request: as is


def test_slot_words_are_the_locale_s(prompts: Prompts) -> None:
    with prompts.speaking("en-AU"):
        assert "this arvo" in prompts.variants("slot_time_after_lunch")
    with prompts.speaking("en-US"):
        assert "this arvo" not in prompts.variants("slot_time_after_lunch")
        assert "after lunch" in prompts.variants("slot_time_after_lunch")


def test_each_thread_speaks_its_own_request_s_locale(prompts: Prompts) -> None:
    # The web service answers requests on threads: one request's locale never leaks into another's.
    ready = threading.Barrier(len(LOCALES))
    heard: dict[str, str] = {}

    def answer(locale: str) -> None:
        with prompts.speaking(locale):
            ready.wait(timeout=10)
            heard[locale] = prompts.say("emergency_close")

    threads = [threading.Thread(target=answer, args=(loc,)) for loc in LOCALES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert {loc: text[-4:-1] for loc, text in heard.items()} == {loc: n for loc, (n, _) in LOCALES.items()}


def test_every_locale_fills_every_placeholder(content: Content) -> None:
    for locale, facts in content.locales.items():
        assert set(facts.fills()) == set(LOCALE_PLACEHOLDERS), locale
        assert facts.fills()["emergency_number"] == LOCALES[locale][0]


# ---- overlays on copies of the content: what they may and may not do


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, dst)
    return dst


def write(root: Path, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def problems(content_dir: Path, voice_too: bool = True) -> list[str]:
    with pytest.raises(ContentError) as info:
        content = load(content_dir)
        if voice_too:
            load_voice(content)
    return [str(p) for p in info.value.problems]


def test_a_responses_overlay_changes_only_its_keys(content_dir: Path) -> None:
    write(content_dir, "responses/en-GB.yaml", """
        language: en-GB
        responses:
          goodbye: Cheerio. Mind your back.
    """)
    content = load(content_dir)
    p = prompts_for(content)
    with p.speaking("en-GB"):
        assert p.say("goodbye") == "Cheerio. Mind your back."
        assert p.say("repeat_nothing") == content.responses[DEFAULT_LOCALE]["repeat_nothing"]
    with p.speaking("en-AU"):
        assert p.say("goodbye") != "Cheerio. Mind your back."


def test_a_slot_overlay_names_only_lists_values_and_sources_en_us_has(content_dir: Path) -> None:
    write(content_dir, "slots/en-GB.yaml", """
        language: en-GB
        lists:
          position:
            kneeling: [on my knees]
            seated: [in a chair]
          mood:
            calm: [relaxed]
          time:
            morning: [at bedtime]
        synonyms:
          red_flags:
            hiccups: [I can't stop hiccuping]
          moods:
            calm: [chilled]
    """)
    found = problems(content_dir, voice_too=False)
    for line, field, message in [
        (4, "lists.position.kneeling", "no value 'kneeling' in en-US's position"),
        (6, "lists.mood", "no list 'mood' in en-US"),
        (9, "lists.time.morning[0]", "'at bedtime' also names 'bedtime'"),
        (12, "synonyms.red_flags.hiccups", "no red_flags value 'hiccups'"),
        (13, "synonyms.moods", "unknown source 'moods'"),
    ]:
        want = f"content/slots/en-GB.yaml:{line}: {field}: {message}"
        assert any(p.startswith(want) for p in found), (want, found)
    assert not any("in a chair" in p for p in found)  # the same word for the same value is no conflict


def test_a_locale_must_be_in_locales_yaml(content_dir: Path) -> None:
    write(content_dir, "responses/en-NZ.yaml", "language: en-NZ\nresponses:\n  goodbye: Ka kite.\n")
    write(content_dir, "sentences/en-IE/extra.yaml", "language: en-IE\nintents:\n  PainIntent:\n"
                                                     "    sentences: [that's wile sore]\n")
    found = problems(content_dir, voice_too=False)
    assert any(p.startswith("content/responses/en-NZ.yaml:1: language: en-NZ is not in content/locales.yaml")
               for p in found), found
    (content_dir / "responses/en-NZ.yaml").unlink()
    found = problems(content_dir)
    assert "content/sentences/en-IE/:0: (folder): en-IE is not in content/locales.yaml" in found, found


def test_a_locale_without_its_store_text_is_reported(content_dir: Path) -> None:
    (content_dir / "store/en-IN.yaml").unlink()
    assert "content/store/en-IN.yaml:0: (file): file is missing" in problems(content_dir)


def test_a_sentence_overlay_adds_templates_and_may_reword_en_us_s_rules(content_dir: Path) -> None:
    write(content_dir, "sentences/en-GB/_common.yaml", """
        language: en-GB
        expansion_rules:
          where_is: (where is|where's|where on earth is)
    """)
    content = load(content_dir)
    voice = load_voice(content)
    # en-US's "<where_is> {point}" template now also reads "where on earth is {point}", in en-GB only.
    assert any(s.startswith("where on earth is") for s in voice.samples["en-GB"]["FindPointIntent"])
    assert not any(s.startswith("where on earth is") for s in voice.samples["en-US"]["FindPointIntent"])
    assert "i'm a new mum" in voice.samples["en-GB"]["NotPregnantIntent"]


def test_an_overlay_sentence_that_clashes_is_reported_for_its_locale(content_dir: Path) -> None:
    write(content_dir, "sentences/en-AU/points.yaml", """
        language: en-AU
        intents:
          ListPointsIntent:
            sentences:
              - list the routines
    """)
    found = problems(content_dir)
    want = ("content/sentences/en-AU/points.yaml:5: intents.ListPointsIntent.sentences[0]: "
            "in en-AU: 'list the routines' is also a sample of ListRoutinesIntent")
    assert any(p.startswith(want) for p in found), found
