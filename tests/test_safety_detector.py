"""The free-text safety detector: red flags, pregnancy and pain, on phrasings it was never given."""

from __future__ import annotations

import pytest
from data_schemas import load_data

from skill.runtime.content import Content
from skill.runtime.content.models import Tier
from skill.runtime.screening import Concern, Detector
from skill.tools.model_builder import interaction_model

DATA = load_data("safety_phrasings.yaml")


@pytest.fixture(scope="module")
def detector(content: Content) -> Detector:
    return Detector.from_safety(content.safety)


@pytest.fixture(scope="module")
def model_words(content: Content, detector: Detector) -> set[str]:
    """Every sample utterance and slot word of the generated model, normalised."""
    normalize = detector.normalize
    lm = interaction_model(content)["interactionModel"]["languageModel"]
    out = {normalize(s) for i in lm["intents"] for s in i["samples"]}
    out |= {normalize(w) for t in lm["types"] for v in t["values"]
            for w in [v["name"]["value"], *v["name"].get("synonyms", [])]}
    return out


def test_enough_held_out_phrasings() -> None:
    assert len(DATA["red_flags"]) >= 30
    assert len(DATA["pregnant"]) >= 10
    assert {c["flag"] for c in DATA["red_flags"]} >= {"bladder_bowel", "saddle_numbness", "both_legs",
                                                      "major_trauma", "minor_injury", "fever_unwell",
                                                      "cancer_history", "weight_loss", "severe_worsening",
                                                      "night_rest_pain"}


@pytest.mark.parametrize("case", DATA["red_flags"], ids=[c["say"] for c in DATA["red_flags"]])
def test_held_out_red_flag_is_detected(case: dict, detector: Detector, content: Content,
                                       model_words: set[str]) -> None:
    said = detector.normalize(case["say"])
    phrases = {detector.normalize(p) for f in content.safety.red_flags for p in f.phrases}
    assert said not in phrases and said not in model_words, "not held out: it is in the content or the model"
    flag = detector.red_flag(case["say"])
    assert flag is not None and flag.id == case["flag"], flag
    assert detector.concern(case["say"]) is Concern.RED_FLAG


@pytest.mark.parametrize("said", DATA["not_red_flags"])
def test_ordinary_requests_are_not_red_flags(said: str, detector: Detector) -> None:
    assert detector.red_flag(said) is None


def test_every_content_phrase_is_its_own_flag(detector: Detector, content: Content) -> None:
    for flag in content.safety.red_flags:
        for phrase in flag.phrases:
            found = detector.red_flag(phrase)
            assert found is not None and found.id == flag.id, (phrase, found)


def test_no_slot_word_of_the_model_is_a_red_flag_or_pregnancy(detector: Detector, content: Content) -> None:
    lm = interaction_model(content)["interactionModel"]["languageModel"]
    for t in lm["types"]:
        if t["name"] == "RED_FLAG":
            continue
        for v in t["values"]:
            for w in [v["name"]["value"], *v["name"].get("synonyms", [])]:
                assert detector.red_flag(w) is None and detector.pregnancy(w) is None, (t["name"], w)


def test_emergency_wins_when_two_flags_are_said(detector: Detector) -> None:
    flag = detector.red_flag("i bumped my back yesterday and now my groin is numb")
    assert flag is not None and flag.emergency and flag.id in {"saddle_numbness", "major_trauma"}


@pytest.mark.parametrize(("said", "tier"), [
    ("i've had cancer and i fell down the stairs", Tier.EMERGENCY),  # a high-energy fall (NICE NG41)
    ("i'm sixty and i've had a fever since yesterday", Tier.SAME_DAY),
    ("i'm seventeen and my back has been stiff every morning for months", Tier.SEE_SOON),
])
def test_the_most_urgent_tier_wins(said: str, tier: Tier, detector: Detector) -> None:
    flag = detector.red_flag(said)
    assert flag is not None and flag.tier is tier, flag


@pytest.mark.parametrize("said", ["the pain is severe", "it's severe today", "my back pain is really bad",
                                  "it's worse when i sit for a long time"])
def test_severe_alone_is_not_a_red_flag(said: str, detector: Detector) -> None:
    # SI3 "if your pain is severe, rub more strongly": severe pain alone is self-care.
    assert detector.red_flag(said) is None


@pytest.mark.parametrize("said", ["the pain is severe and getting worse every day",
                                  "it's severe and it doesn't let up even lying still at night"])
def test_severe_and_worsening_or_unrelenting_is_one(said: str, detector: Detector) -> None:
    flag = detector.red_flag(said)
    assert flag is not None and flag.tier is Tier.SAME_DAY, flag


@pytest.mark.parametrize("said", DATA["pregnant"])
def test_pregnancy_statements(said: str, detector: Detector) -> None:
    assert detector.pregnancy(said) is Concern.PREGNANT


@pytest.mark.parametrize("said", DATA["not_pregnant"])
def test_no_longer_pregnant_statements(said: str, detector: Detector) -> None:
    assert detector.pregnancy(said) is Concern.NOT_PREGNANT


@pytest.mark.parametrize("said", ["that hurts", "ouch that's too much", "it's really sore there", "too hard"])
def test_pain(said: str, detector: Detector) -> None:
    assert detector.red_flag(said) is None and detector.concern(said) is Concern.PAIN


def test_normalize(detector: Detector) -> None:
    assert detector.normalize("I CAN\u2019T feel my legs!") == "i cannot feel my legs"
    assert detector.normalize("where is bladder twenty three") == "where is"
    assert detector.normalize("is B-54 the one behind the knee?") == "is the one behind the knee"
