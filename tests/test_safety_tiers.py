"""Red flags in three tiers, from the user's side: how people really say them (the held-out set in
tests/data/red_flag_phrasings.yaml and a fresh set written before the lexicons were tuned) reach the
right tier in the text detector, and RedFlagIntent through the shipped interaction model."""

from __future__ import annotations

from collections import Counter

import pytest
from data_schemas import load_data

from skill.runtime.content import Content
from skill.runtime.content.models import Tier
from skill.runtime.screening import Concern, Detector, most_urgent
from skill.simulator.nlu import Matcher

HELD_OUT = load_data("red_flag_phrasings.yaml")
FRESH = load_data("red_flag_fresh.yaml")
HELD_OUT_CASES = [(p, f["id"], f["tier"]) for f in HELD_OUT["flags"] for p in f["phrases"]]
FRESH_CASES = [(c["say"], c["flag"], c["tier"]) for c in FRESH["cases"]]
# The fresh set was measured before tuning (94%) and is kept as written: it must stay this good.
FRESH_MIN_DETECTED = 0.95


@pytest.fixture(scope="module")
def detector(content: Content) -> Detector:
    return Detector.from_safety(content.safety)


def test_every_flag_of_the_held_out_set_is_in_the_content_at_its_tier(content: Content) -> None:
    flags = {f.id: f.tier.value for f in content.safety.red_flags}
    assert {f["id"]: f["tier"] for f in HELD_OUT["flags"]}.items() <= flags.items()
    assert len(HELD_OUT_CASES) >= 300
    assert Counter(flags.values()) == Counter({"emergency": 6, "same_day": 9, "see_soon": 5})


def test_the_fresh_set_names_flags_the_content_has(content: Content) -> None:
    flags = {f.id: f.tier.value for f in content.safety.red_flags}
    assert {c["flag"]: c["tier"] for c in FRESH["cases"]}.items() <= flags.items()
    assert len(FRESH_CASES) >= 60


@pytest.mark.parametrize(("said", "flag_id", "tier"), HELD_OUT_CASES, ids=[c[0] for c in HELD_OUT_CASES])
def test_held_out_phrasing_is_detected_at_its_tier(said: str, flag_id: str, tier: str, detector: Detector) -> None:
    flag = detector.red_flag(said)
    assert flag is not None, f"not detected ({flag_id})"
    assert flag.tier is Tier(tier), (flag.id, flag_id)
    assert detector.concern(said) is Concern.RED_FLAG


def test_fresh_set_is_detected_at_its_tier(detector: Detector) -> None:
    missed = [(said, want) for said, _, want in FRESH_CASES
              if (found := detector.red_flag(said)) is None or found.tier is not Tier(want)]
    rate = 1 - len(missed) / len(FRESH_CASES)
    assert rate >= FRESH_MIN_DETECTED, missed


@pytest.mark.parametrize("said", HELD_OUT["not_flags"] + FRESH["not_flags"])
def test_ordinary_back_pain_talk_is_not_a_red_flag(said: str, detector: Detector) -> None:
    assert detector.red_flag(said) is None


# ---- through the shipped interaction model (skill-package/, read by the local matcher)

ROUTED_MIN = 0.95


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.load()


def reached(matcher: Matcher, detector: Detector, said: str) -> tuple[str | None, Tier | None]:
    """The intent a phrase reaches, and the tier the skill finds in the words the slot took."""
    heard = matcher.intent_of(said)
    texts = [s.value for s in heard.slots.values()]
    found = [f for f in map(detector.red_flag, texts) if f] or \
        [f for f in map(detector.red_flag_after_opener, texts) if f]
    flag = most_urgent(found)
    return heard.intent, flag.tier if flag else None


@pytest.mark.parametrize(("name", "cases"), [("held out", HELD_OUT_CASES), ("fresh", FRESH_CASES)])
def test_red_flags_reach_the_red_flag_intent_through_the_shipped_model(name: str, cases: list, matcher: Matcher,
                                                                       detector: Detector) -> None:
    results = [(said, tier, *reached(matcher, detector, said)) for said, _, tier in cases]
    routed = [r for r in results if r[2] == "RedFlagIntent"]
    assert len(routed) / len(cases) >= ROUTED_MIN, [r[0] for r in results if r[2] != "RedFlagIntent"]
    # ... and the words the slot took still tell the tier (else the reply is the careful one).
    right = [r for r in routed if r[3] is Tier(r[1])]
    assert len(right) / len(cases) >= ROUTED_MIN, [r[0] for r in routed if r[3] is not Tier(r[1])]


# ---- pregnancy, and her midwife's or practitioner's OK

PREGNANT = HELD_OUT["pregnancy"] + FRESH["pregnancy"]
CLEARED = HELD_OUT["pregnancy_cleared"] + FRESH["pregnancy_cleared"]


@pytest.mark.parametrize("said", PREGNANT)
def test_saying_she_is_pregnant_in_any_words(said: str, detector: Detector) -> None:
    assert detector.pregnancy(said) is Concern.PREGNANT
    assert detector.red_flag(said) is None


@pytest.mark.parametrize("said", CLEARED)
def test_saying_her_midwife_or_practitioner_agreed(said: str, detector: Detector) -> None:
    assert detector.pregnancy(said) is Concern.PREGNANCY_CLEARED
    assert detector.red_flag(said) is None


@pytest.mark.parametrize(("said", "concern"), [(p, Concern.PREGNANT) for p in PREGNANT]
                         + [(p, Concern.PREGNANCY_CLEARED) for p in CLEARED])
def test_pregnancy_statements_reach_the_skill_through_the_shipped_model(said: str, concern: Concern,
                                                                       matcher: Matcher, detector: Detector) -> None:
    heard = matcher.intent_of(said)
    by_intent = {"PregnancyIntent": Concern.PREGNANT, "PregnancyClearedIntent": Concern.PREGNANCY_CLEARED}
    in_slots = {detector.pregnancy(s.value) for s in heard.slots.values()}
    if heard.intent == "RedFlagIntent":  # as the skill reads it: the opener's words put back
        in_slots |= {detector.pregnancy_after_opener(s.value) for s in heard.slots.values()}
    assert by_intent.get(heard.intent or "") is concern or concern in in_slots, (heard.intent, in_slots)
