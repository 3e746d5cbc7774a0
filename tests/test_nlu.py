"""skill.simulator.nlu: typed words become the intent and slots Alexa would send, from the committed model."""

from __future__ import annotations

import json

import pytest

from skill.simulator.nlu import Kind, Matcher, default_matcher, iso_duration
from skill.tools.model_builder import MODEL_JSON, PACKAGE_DIR

MODEL = json.loads((PACKAGE_DIR / MODEL_JSON).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return default_matcher()


# said -> (intent, {slot: resolved id or exact value})
CASES = {
    "where is bladder 23": ("FindPointIntent", {"point": "BL23"}),
    "Where is BL23?": ("FindPointIntent", {"point": "BL23"}),
    "where's b 54": ("FindPointIntent", {"point": "BL40"}),
    "how do I find the point behind my knee": ("FindPointIntent", {"point": "BL40"}),
    "tell me about weizhong": ("FindPointIntent", {"point": "BL40"}),
    "where is B47": ("FindPointIntent", {"point": "BL52"}),
    "what helps sciatica": ("PointsForComplaintIntent", {"complaint": "sciatica"}),
    "start the knee routine": ("StartRoutineIntent", {"routine": "back_of_knee"}),
    "start the lower back routine": ("StartRoutineIntent", {"routine": "seated_lower_back"}),
    "hold each point for 2 minutes": ("SetHoldTimeIntent", {"duration": "PT2M"}),
    "ninety seconds per point": ("SetHoldTimeIntent", {"duration": "PT1M30S"}),
    "next": ("AMAZON.NextIntent", {}),
    "I'm ready.": ("AMAZON.NextIntent", {}),
    "go back": ("AMAZON.PreviousIntent", {}),
    "pause": ("AMAZON.PauseIntent", {}),
    "resume": ("AMAZON.ResumeIntent", {}),
    "stop": ("AMAZON.StopIntent", {}),
    "cancel": ("AMAZON.CancelIntent", {}),
    "help": ("AMAZON.HelpIntent", {}),
    "yes": ("AMAZON.YesIntent", {}),
    "no thanks": ("AMAZON.NoIntent", {}),
    "tell me a joke": ("AMAZON.FallbackIntent", {}),
    "order a pizza": ("AMAZON.FallbackIntent", {}),
}


@pytest.mark.parametrize("said", list(CASES))
def test_phrase_becomes_intent_and_slots(matcher: Matcher, said: str) -> None:
    intent, slots = CASES[said]
    got = matcher.understand(said)
    assert got.kind is Kind.INTENT
    assert got.intent == intent
    for name, want in slots.items():
        heard = got.slots[name]
        assert want in (heard.id, heard.value), f"{said!r}: {name} heard as {heard}"


def test_unknown_point_words_still_fill_the_slot_without_a_resolution(matcher: Matcher) -> None:
    got = matcher.understand("where is the elbow thing")
    assert got.intent == "FindPointIntent"
    assert got.slots["point"].value == "elbow thing" or got.slots["point"].value == "the elbow thing"
    assert got.slots["point"].id is None


@pytest.mark.parametrize("said", ["open acupressure coach", "Alexa, open Acupressure Coach",
                                  "talk to acupressure coach", "acupressure coach"])
def test_opening_the_skill_is_a_launch(matcher: Matcher, said: str) -> None:
    got = matcher.understand(said)
    assert got.kind is Kind.LAUNCH and got.new_session


def test_asking_in_one_go_starts_a_session_with_the_intent(matcher: Matcher) -> None:
    got = matcher.understand("ask acupressure coach where is bladder 23")
    assert (got.kind, got.intent, got.new_session) == (Kind.INTENT, "FindPointIntent", True)
    assert got.slots["point"].id == "BL23"


def test_exit_leaves_the_skill(matcher: Matcher) -> None:
    assert matcher.understand("exit").kind is Kind.END


def _samples_without_slots() -> list[tuple[str, str]]:
    lm = MODEL["interactionModel"]["languageModel"]
    return [(i["name"], s) for i in lm["intents"] for s in i["samples"] if "{" not in s]


@pytest.mark.slow  # every sample of the model through the matcher: about a minute
def test_every_sample_of_the_model_reaches_its_intent(matcher: Matcher) -> None:
    # One test over the ~10,000 samples (a test each made the fast tier wait on pytest, not the matcher).
    samples = _samples_without_slots()
    assert len(samples) > 1000
    wrong = [f"{sample!r}: {intent}, got {got}" for intent, sample in samples
             if (got := matcher.understand(sample).intent) != intent]
    assert not wrong, "\n".join(wrong)


def _samples_with_a_slot() -> list[tuple[str, str, str, str, str]]:
    """Each slotted sample filled with the first value of its slot type: (intent, said, slot, id)."""
    lm = MODEL["interactionModel"]["languageModel"]
    types = {t["name"]: t["values"] for t in lm["types"]}
    out = []
    for i in lm["intents"]:
        slot_types = {s["name"]: s["type"] for s in i.get("slots", [])}
        for s in i["samples"]:
            names = [n for n in slot_types if "{" + n + "}" in s]
            if len(names) != 1 or slot_types[names[0]] not in types:
                continue
            value = types[slot_types[names[0]]][-1]
            out.append((i["name"], s.replace("{" + names[0] + "}", value["name"]["value"]), names[0],
                        value["id"], slot_types[names[0]]))
    return out


@pytest.mark.slow
def test_slotted_samples_resolve_to_the_slot_value_id(matcher: Matcher) -> None:
    cases = _samples_with_a_slot()
    assert len(cases) > 1000
    wrong = []
    for intent, said, slot, ident, stype in cases:
        got = matcher.understand(said)
        value = got.slots.get(slot)
        if got.intent != intent or value is None or (value.id, value.slot_type) != (ident, stype):
            wrong.append(f"{said!r}: want {intent} {slot}={ident} ({stype}), got {got.intent} {got.slots}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("words", "iso"), [
    ("two minutes", "PT2M"), ("90 seconds", "PT1M30S"), ("a minute and a half", "PT1M30S"),
    ("1 minute 30 seconds", "PT1M30S"), ("half a minute", "PT30S"), ("an hour", "PT1H"),
    ("thirty seconds", "PT30S"), ("forty five seconds", "PT45S"), ("soon", None),
    ("two and a half minutes", "PT2M30S"), ("one and a half minutes", "PT1M30S"),
])
def test_durations_as_amazon_duration_gives_them(words: str, iso: str | None) -> None:
    assert iso_duration(words) == iso
