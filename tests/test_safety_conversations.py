"""Safety end to end through lambda_handler: red flags, pregnancy in every routine and both modes,
privacy (what is stored, deletion, SkillDisabled) and logs free of health statements."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import import_lambda, stream_durations
from data_schemas import load_data
from envelopes import (
    USER_ID,
    AudioDevice,
    Conversation,
    directives_of,
    envelope,
    intent_request,
    launch_request,
    skill_disabled,
    speech_of,
)
from expectations import prompt_fragments, words

from skill.runtime.content import Content
from skill.runtime.content.models import Tier
from skill.runtime.screening import Detector
from skill.runtime.streams import Token
from skill.simulator.nlu import compile_model, understand
from skill.tools.model_builder import interaction_model

DATA = load_data("safety_phrasings.yaml")
CONTRAINDICATED = {"LI4", "BL60", "BL53"}
SEE_SOON_IDS = {"age_onset", "inflammatory_stiffness", "spine_deformity", "not_improving", "minor_injury"}


@pytest.fixture
def send(audio_env: Path) -> Callable[[dict], dict]:
    """lambda_handler of a fresh cold start, with JSON in and out as on AWS."""
    module = import_lambda()

    def go(body: dict) -> dict:
        return json.loads(json.dumps(module.lambda_handler(json.loads(json.dumps(body)), None)))
    return go


@pytest.fixture(scope="module")
def patterns(content: Content):
    # Every reading, including slot-only samples with any words: whichever intent Alexa picks.
    return compile_model(interaction_model(content), amazon_phrases=False, bare_slots_take_any_words=True)


def readings(patterns, said: str) -> list[tuple[str, dict[str, str]]]:
    found = {(m.intent, tuple(sorted(m.slots.items()))) for m in understand(patterns, said)}
    assert found, f"the model understands nothing in {said!r}"
    return [(i, dict(s)) for i, s in sorted(found)]


def said(content: Content, reply: dict, key: str) -> bool:
    return any(f in words(speech_of(reply)) for f in prompt_fragments(content, key))


def durations(content: Content) -> dict[str, int]:
    return stream_durations(content)


def start_intent(routine_id: str) -> dict:
    return intent_request("StartRoutineIntent", {"routine": {"value": routine_id, "id": routine_id}})


# ---- red flags


def flag_of(content: Content, flag_id: str):
    return next(f for f in content.safety.red_flags if f.id == flag_id)


def expected_reply(content: Content, flag) -> list[str]:
    s = content.safety
    replies = {Tier.EMERGENCY: s.emergency_reply, Tier.SAME_DAY: s.same_day_reply, Tier.SEE_SOON: s.see_soon_reply}
    return replies[flag.tier]


STOPPING = [c for c in DATA["red_flags"] if c["flag"] not in SEE_SOON_IDS]
SEE_SOON = [c for c in DATA["red_flags"] if c["flag"] in SEE_SOON_IDS]


@pytest.mark.parametrize("case", STOPPING, ids=[c["say"] for c in STOPPING])
def test_red_flag_mid_routine_stops_and_sends_for_care(case: dict, send, patterns, content: Content) -> None:
    flag = flag_of(content, case["flag"])
    assert flag.stops
    for intent, slots in readings(patterns, case["say"]):
        conv = Conversation(send)
        conv.send(start_intent("seated_lower_back"))
        reply = conv.send(intent_request(intent, slots))
        spoken = words(speech_of(reply))
        assert all(words(line) in spoken for line in expected_reply(content, flag)), (intent, slots, spoken)
        assert reply["response"]["shouldEndSession"] is True
        # Nothing is left to continue.
        assert said(content, conv.send(intent_request("AMAZON.NextIntent")), "no_routine")


@pytest.mark.parametrize("case", SEE_SOON, ids=[c["say"] for c in SEE_SOON])
def test_see_soon_flag_mid_routine_advises_and_offers_to_carry_on(case: dict, send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(start_intent("seated_lower_back"))
    reply = conv.send(intent_request("RedFlagIntent", {"symptom": case["say"]}))
    spoken = words(speech_of(reply))
    assert all(words(line) in spoken for line in content.safety.see_soon_reply), spoken
    assert reply["response"]["shouldEndSession"] is False and said(content, reply, "red_flag_carry_on_ask")
    # Yes carries on with the routine, where it was.
    reply = conv.send(intent_request("AMAZON.YesIntent"))
    assert reply["response"]["shouldEndSession"] is False
    assert not said(content, reply, "no_routine") and not said(content, reply, "yes_no_unexpected")
    assert steps_in(reply, content.routines["seated_lower_back"]), speech_of(reply)


def test_see_soon_then_no_ends_kindly_and_keeps_the_place(send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(start_intent("seated_lower_back"))
    conv.send(intent_request("RedFlagIntent", {"symptom": "it's been two months and it still hasn't got better"}))
    reply = conv.send(intent_request("AMAZON.NoIntent"))
    assert said(content, reply, "red_flag_carry_on_declined") and reply["response"]["shouldEndSession"] is True
    assert said(content, Conversation(send).send(launch_request()), "welcome_back_continue")


@pytest.mark.parametrize("say", ["my left leg keeps giving way and it's getting weaker",
                                 "I've had a fever since last night", "it's been six weeks and it's no better"])
def test_red_flag_while_playing(say: str, send, content: Content) -> None:
    """Emergency and same-day flags stop the player for good; see-soon pauses it and offers to carry on."""
    device = AudioDevice(send, durations(content))
    device.intent("StartRoutineIntent", {"routine": {"value": "x", "id": "seated_lower_back"}})
    device.listen(7000)
    reply = device.intent("RedFlagIntent", {"symptom": say})
    types = {d["type"] for d in directives_of(reply)}
    assert "AudioPlayer.Play" not in types and not device.active
    flag = Detector.from_safety(content.safety).red_flag(say)
    assert flag is not None
    if flag.stops:
        assert {"AudioPlayer.Stop", "AudioPlayer.ClearQueue"} <= types
        assert reply["response"]["shouldEndSession"] is True
        assert not said(content, device.launch(), "welcome_back_continue")  # nothing to resume
    else:
        assert reply["response"]["shouldEndSession"] is False and said(content, reply, "red_flag_carry_on_ask")
        again = device.intent("AMAZON.YesIntent")
        assert "AudioPlayer.Play" in {d["type"] for d in directives_of(again)} and device.active


@pytest.mark.parametrize("case", DATA["red_flags"][::5], ids=[c["say"] for c in DATA["red_flags"][::5]])
def test_red_flag_while_playing_stops_the_player(case: dict, send, content: Content) -> None:
    if case["flag"] in SEE_SOON_IDS:
        pytest.skip("a see-soon flag pauses and offers to carry on (test_red_flag_while_playing)")
    device = AudioDevice(send, durations(content))
    device.intent("StartRoutineIntent", {"routine": {"value": "x", "id": "seated_lower_back"}})
    device.listen(7000)
    reply = device.intent("RedFlagIntent", {"symptom": case["say"]})
    types = {d["type"] for d in directives_of(reply)}
    assert {"AudioPlayer.Stop", "AudioPlayer.ClearQueue"} <= types and "AudioPlayer.Play" not in types
    assert reply["response"]["shouldEndSession"] is True and not device.active
    # The next day there is no routine to resume.
    assert not said(content, device.launch(), "welcome_back_continue")


def test_red_flag_instead_of_starting_a_routine(send, content: Content) -> None:
    said = {"complaint": "numb groin and back pain"}
    reply = Conversation(send).send(intent_request("PointsForComplaintIntent", said))
    assert all(words(line) in words(speech_of(reply)) for line in content.safety.emergency_reply)


@pytest.mark.parametrize(("locale", "care"), [("en-US", "urgent care"), ("en-GB", "NHS 111"),
                                              ("en-AU", "your GP or an after-hours clinic")])
def test_same_day_reply_sends_to_a_doctor_today_in_the_local_words(locale: str, care: str, send,
                                                                   content: Content) -> None:
    said = intent_request("RedFlagIntent", {"symptom": "I've had a high temperature and shivers since yesterday"})
    reply = send(envelope(said, locale=locale, new=True))
    spoken = words(speech_of(reply))
    assert spoken.count("gp") <= 1, spoken  # en-AU's words for care already name the GP
    assert all(words(line) in spoken for line in content.safety.same_day_reply)
    assert words(care) in spoken and "today" in spoken and reply["response"]["shouldEndSession"] is True


def test_words_that_name_no_flag_get_a_careful_answer_never_a_shrug(send, content: Content) -> None:
    conv = Conversation(send)
    reply = conv.send(intent_request("RedFlagIntent", {"symptom": "something feels really wrong with me"}))
    spoken = words(speech_of(reply))
    assert all(words(line) in spoken for line in content.safety.unsure_reply), spoken
    assert "911" in speech_of(reply) or "nine one one" in spoken
    assert "can't help" not in spoken and "cannot help" not in spoken
    assert reply["response"]["shouldEndSession"] is False


def test_unsure_words_mid_routine_offer_to_carry_on(send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(start_intent("seated_lower_back"))
    reply = conv.send(intent_request("RedFlagIntent", {"symptom": "what is the capital of peru"}))
    assert all(words(line) in words(speech_of(reply)) for line in content.safety.unsure_reply)
    assert said(content, reply, "red_flag_carry_on_ask") and reply["response"]["shouldEndSession"] is False
    reply = conv.send(intent_request("RedFlagIntent", {"symptom": "ouch that one really hurts"}))
    assert all(words(line) in words(speech_of(reply)) for line in content.safety.pain_during)


# ---- pregnancy


def steps_in(reply: dict, routine) -> list[str]:
    """Steps a reply coaches: by their rendered audio (<audio src=...>) or their spoken words."""
    ssml = speech_of(reply)
    found = re.findall(rf"/steps/{routine.id}/([a-z0-9_]+?)(?:-\d+)?\.mp3", ssml)
    spoken = words(ssml)
    found += [s.id for s in routine.steps if words(s.say[0]) in spoken]
    return found


def walk_dialog(conv: Conversation, content: Content, routine_id: str) -> list[str]:
    """Start a routine in dialog mode and say next to the end; the step ids actually coached."""
    routine = content.routines[routine_id]
    spoken_steps: list[str] = []
    reply = conv.send(start_intent(routine_id))
    for _ in range(len(routine.steps) + 2):
        spoken = words(speech_of(reply))
        spoken_steps += [sid for sid in steps_in(reply, routine) if sid not in spoken_steps]
        if any(f in spoken for f in prompt_fragments(content, "routine_done")):
            break
        reply = conv.send(intent_request("AMAZON.NextIntent"))
    return spoken_steps


def avoided(content: Content, routine_id: str) -> set[str]:
    return {s.id for s in content.routines[routine_id].steps
            if s.point and content.points[s.point].pregnancy_contraindicated}


def clear(send, user: str) -> None:
    """She tells the skill her midwife said acupressure is fine."""
    Conversation(send, user_id=user).send(intent_request("PregnancyClearedIntent"))


def avoided_names(content: Content) -> list[str]:
    """Every way the content names a point avoided in pregnancy (its code, name, pinyin, English)."""
    out = []
    for p in content.points.values():
        if p.pregnancy_contraindicated:
            out += [p.id, p.name, p.pinyin, *([p.english] if p.english else [])]
    return [words(n) for n in out]


def coached_text(content: Content, routine, step_ids: list[str]) -> str:
    steps = {s.id: s for s in routine.steps}
    return words(" ".join(line for sid in step_ids for line in [*steps[sid].say, *steps[sid].release]))


@pytest.mark.parametrize("phrase", DATA["pregnant"])
def test_pregnancy_phrasing_is_remembered_and_respected(phrase: str, send, patterns, content: Content) -> None:
    for intent, slots in readings(patterns, phrase):
        user = f"amzn1.ask.account.{hashlib.sha1((phrase + intent + str(slots)).encode()).hexdigest()}"
        conv = Conversation(send, user_id=user)
        reply = conv.send(intent_request(intent, slots))
        spoken = words(speech_of(reply))
        assert words(content.safety.pregnancy[0]) in spoken, (intent, slots, speech_of(reply))
        # Said plainly, with what is safe offered straight away.
        assert "mindfulness" in spoken and "tips" in spoken and "where points are" in spoken
        # No routine until her midwife or practitioner says it is fine.
        assert walk_dialog(Conversation(send, user_id=user), content, "hand_and_ankle") == []
        clear(send, user)
        steps = walk_dialog(Conversation(send, user_id=user), content, "hand_and_ankle")
        assert steps and not set(steps) & avoided(content, "hand_and_ankle"), (intent, steps)


def test_a_pregnant_user_is_offered_what_is_safe_instead_of_a_routine(send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(intent_request("PregnancyIntent"))
    reply = conv.send(start_intent("seated_lower_back"))
    assert said(content, reply, "pregnancy_needs_ok") and reply["response"]["shouldEndSession"] is False
    # The mindfulness exercise is safe: it starts.
    reply = conv.send(start_intent("mindfulness"))
    assert steps_in(reply, content.routines["mindfulness"]), speech_of(reply)


@pytest.mark.parametrize("state", ["pregnant", "cleared"])
@pytest.mark.parametrize("mode", ["dialog", "audio_player"])
def test_no_avoided_point_is_coached_to_a_pregnant_user_in_any_routine(state: str, mode: str, send,
                                                                     content: Content) -> None:
    names = avoided_names(content)
    for routine in content.routines.values():
        user = f"amzn1.ask.account.PREGNANT-{state}-{mode}-{routine.id}"
        Conversation(send, user_id=user).send(intent_request("PregnancyIntent"))
        if state == "cleared":
            clear(send, user)
        bad = avoided(content, routine.id)
        if mode == "dialog":
            steps = walk_dialog(Conversation(send, user_id=user), content, routine.id)
        else:
            device = AudioDevice(send, durations(content), user_id=user)
            device.intent("StartRoutineIntent", {"routine": {"value": "x", "id": routine.id}})
            device.play_to_end()
            steps = [Token.parse(t).step_id for t in device.started]
        # Never an avoided point, not even inside another point's steps (KI3 never coaches BL60).
        assert not set(steps) & bad, (routine.id, mode, set(steps) & bad)
        text = coached_text(content, routine, steps)
        assert not [n for n in names if n in text], (routine.id, [n for n in names if n in text])
        acupressure = routine.kind.value == "acupressure"
        only_bad = bool(bad) and not (set(s.id for s in routine.steps if s.point) - bad)
        if acupressure and (state == "pregnant" or only_bad or not routine.fits_pregnancy):
            assert steps == [], (routine.id, state, mode)  # waits for the OK, or not for pregnancy at all
        else:
            assert set(steps) == {s.id for s in routine.steps} - bad, (routine.id, state, mode)


@pytest.mark.parametrize("yes", [True, False])
def test_asked_whether_her_midwife_agreed_when_she_starts_a_routine(yes: bool, send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(intent_request("PregnancyIntent"))
    reply = conv.send(start_intent("hand_and_ankle"))
    assert said(content, reply, "pregnancy_ok_ask") and not steps_in(reply, content.routines["hand_and_ankle"])
    reply = conv.send(intent_request("AMAZON.YesIntent" if yes else "AMAZON.NoIntent"))
    coached = steps_in(reply, content.routines["hand_and_ankle"])
    if yes:
        assert coached and not set(coached) & avoided(content, "hand_and_ankle")
    else:
        assert not coached and said(content, reply, "pregnancy_not_yet")
        assert reply["response"]["shouldEndSession"] is False


def test_a_lying_on_the_back_routine_is_refused_with_a_seated_one_offered(send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(intent_request("PregnancyIntent"))
    conv.send(intent_request("PregnancyClearedIntent"))
    for rid in ("lying_lower_back", "partner"):
        reply = conv.send(start_intent(rid))
        assert said(content, reply, "pregnancy_posture"), speech_of(reply)
        assert not steps_in(reply, content.routines[rid])


def test_before_her_midwifes_ok_a_lying_routine_is_refused_for_its_posture_not_held_for_the_ok(
        send, content: Content) -> None:
    """Pregnant, not yet cleared, asking for a routine done flat on the back: she hears at once that it is not
    for pregnancy and which one is, rather than being asked for an OK that would not make it advisable."""
    conv = Conversation(send)
    conv.send(intent_request("PregnancyIntent"))
    reply = conv.send(start_intent("lying_lower_back"))
    assert said(content, reply, "pregnancy_posture"), speech_of(reply)
    assert not said(content, reply, "pregnancy_ok_ask") and not steps_in(reply, content.routines["lying_lower_back"])
    # The seated one it offers still waits for her OK.
    reply = conv.send(start_intent("seated_lower_back"))
    assert said(content, reply, "pregnancy_ok_ask"), speech_of(reply)
    assert not steps_in(reply, content.routines["seated_lower_back"]), speech_of(reply)


def test_the_skipped_point_is_named_with_the_reason_where_it_is_skipped(send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(intent_request("PregnancyIntent"))
    conv.send(intent_request("PregnancyClearedIntent"))
    routine = content.routines["hand_and_ankle"]
    reply = conv.send(start_intent("hand_and_ankle"))
    li4 = content.points["LI4"].name
    assert words(li4) in words(speech_of(reply)) and "traditionally avoided" in words(speech_of(reply))
    heard_at: dict[str, str] = {}
    for _ in range(len(routine.steps) + 1):
        reply = conv.send(intent_request("AMAZON.NextIntent"))
        for sid in steps_in(reply, routine):
            heard_at[sid] = words(speech_of(reply))
        if said(content, reply, "routine_done"):
            break
    order = [s.id for s in routine.steps]
    kept = [sid for sid in order if sid in heard_at]
    for sid in kept:
        before = order[order.index(sid) - 1] if order.index(sid) else None
        skipped = before is not None and before not in heard_at and before in avoided(content, routine.id)
        point = content.points[routine.steps[order.index(before)].point] if skipped and before else None
        if point is not None and sid != kept[0]:
            assert words(point.name) in heard_at[sid] and "traditionally avoided" in heard_at[sid], sid


def test_pregnancy_said_mid_routine_stops_acupressure_until_her_midwife_agrees(send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(start_intent("hand_and_ankle"))
    conv.send(intent_request("AMAZON.NoIntent"))            # asked once: not pregnant (then)
    reply = conv.send(intent_request("PregnancyIntent"))
    assert words(content.safety.pregnancy[0]) in words(speech_of(reply))
    assert said(content, conv.send(intent_request("AMAZON.NextIntent")), "no_routine")
    conv.send(intent_request("PregnancyClearedIntent"))
    steps = walk_dialog(conv, content, "hand_and_ankle")
    assert steps and not set(steps) & avoided(content, "hand_and_ankle")


def test_cleared_mid_routine_keeps_going_without_the_avoided_points(send, content: Content) -> None:
    conv = Conversation(send)
    conv.send(intent_request("PregnancyClearedIntent"))
    routine = content.routines["hand_and_ankle"]
    conv.send(start_intent("hand_and_ankle"))
    reply = conv.send(intent_request("PregnancyIntent"))  # said again mid-routine: she is cleared already
    assert words(content.safety.pregnancy[0]) in words(speech_of(reply))
    heard: list[str] = []
    for _ in range(len(routine.steps) + 1):
        reply = conv.send(intent_request("AMAZON.NextIntent"))
        heard += steps_in(reply, routine)
        if reply["response"].get("shouldEndSession") or said(content, reply, "routine_done"):
            break
    assert heard and not set(heard) & avoided(content, "hand_and_ankle")


def test_not_pregnant_clears_both_flags_and_points_return(send, content: Content, db_path: Path) -> None:
    conv = Conversation(send)
    conv.send(intent_request("PregnancyIntent"))
    conv.send(intent_request("PregnancyClearedIntent"))
    stored = stored_raw(db_path)
    assert stored["pregnant"] is True and stored["pregnancy_cleared"] is True
    conv.send(intent_request("NotPregnantIntent"))
    stored = stored_raw(db_path)
    assert "pregnant" not in stored and "pregnancy_cleared" not in stored
    steps = walk_dialog(Conversation(send), content, "hand_and_ankle")
    assert avoided(content, "hand_and_ankle") <= set(steps)


# ---- privacy


def stored_raw(db_path: Path, user_id: str = USER_ID) -> dict[str, Any]:
    key = hashlib.sha256(user_id.encode()).hexdigest()
    with sqlite3.connect(db_path) as db:
        row = db.execute("SELECT attributes FROM attributes WHERE id = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else {}


def test_store_keeps_only_what_is_needed_under_a_hashed_key(send, db_path: Path) -> None:
    conv = Conversation(send)
    conv.send(launch_request())
    conv.send(start_intent("seated_lower_back"))
    data = stored_raw(db_path)
    assert data and "pregnant" not in data and "pregnancy_asked" not in data
    assert set(data) <= {"schema", "prefs", "progress", "disclaimer_heard", "sessions", "last_routine_id"}
    assert USER_ID.encode() not in db_path.read_bytes()


def test_skill_disabled_deletes_the_users_data(send, db_path: Path) -> None:
    Conversation(send).send(start_intent("seated_lower_back"))
    other = "amzn1.ask.account.SOMEONE-ELSE"
    Conversation(send, user_id=other).send(start_intent("seated_lower_back"))
    assert stored_raw(db_path)
    reply = send(envelope(skill_disabled(), session=False))
    assert "outputSpeech" not in reply["response"]
    assert stored_raw(db_path) == {}
    assert stored_raw(db_path, other)  # only that user's data


def _health_words(texts: list[str]) -> list[str]:
    out = ["pregnan", "RedFlagIntent", "PregnancyIntent", "NotPregnantIntent", "PainIntent"]
    for t in texts:
        out += [w for w in words(t).lower().split() if len(w) > 4]
    return out


def test_logs_hold_no_health_statements(send, caplog: pytest.LogCaptureFixture, content: Content) -> None:
    phrases = [DATA["red_flags"][0]["say"], DATA["red_flags"][7]["say"], "i'm expecting twins", "that hurts a lot"]
    with caplog.at_level(logging.DEBUG):
        conv = Conversation(send)
        conv.send(start_intent("hand_and_ankle"))
        conv.send(intent_request("PregnancyIntent"))
        conv.send(intent_request("SetPositionIntent", {"position": phrases[2]}))
        conv.send(intent_request("RedFlagIntent", {"symptom": phrases[3]}))
        conv.send(intent_request("FindPointIntent", {"point": "the point for my fever"}))
        conv.send(intent_request("RedFlagIntent", {"symptom": phrases[0]}))
        Conversation(send).send(intent_request("PointsForComplaintIntent", {"complaint": phrases[1]}))
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records).lower()
    assert caplog.records, "nothing was logged at all"
    for w in _health_words([*phrases, "fever"]):
        assert w.lower() not in logged, f"{w!r} appears in the logs"


# ---- the tier replies: short, kind, in the locale's words

LOCALE_NUMBERS = {"en-US": "911", "en-GB": "999", "en-CA": "911", "en-AU": "000", "en-IN": "112"}
SAID_BY_TIER = {
    "emergency": "my legs have both gone numb and weak",
    "same_day": "I've had a high temperature and the shivers since yesterday",
    "see_soon": "it's been two months and it's no better",
    "unsure": "something just feels wrong",
}


def before_question(ssml: str) -> str:
    """What is said before the question a reply ends with (all of it if it asks none)."""
    text = re.sub(r"<[^>]+>", " ", ssml)
    if "?" not in text:
        return text
    head = text.split("?")[0]
    return head[:max(head.rfind("."), 0)]


@pytest.mark.parametrize("locale", sorted(LOCALE_NUMBERS))
@pytest.mark.parametrize("tier", sorted(SAID_BY_TIER))
def test_each_tier_reply_is_short_and_in_the_local_words(tier: str, locale: str, send, content: Content) -> None:
    conv_user = f"amzn1.ask.account.TIER-{tier}-{locale}"
    send(envelope(start_intent("seated_lower_back"), locale=locale, new=True, user_id=conv_user))
    said_ = intent_request("RedFlagIntent", {"symptom": SAID_BY_TIER[tier]})
    ssml = speech_of(send(envelope(said_, locale=locale, user_id=conv_user)))
    assert len(re.findall(r"[\w']+", before_question(ssml))) <= 40, ssml
    assert "can't help" not in ssml and "cannot help" not in ssml
    if tier in ("emergency", "unsure"):
        assert f'<say-as interpret-as="digits">{LOCALE_NUMBERS[locale]}</say-as>' in ssml, ssml
    if tier in ("see_soon", "unsure"):
        assert "?" in ssml  # offers to carry on
    assert words(ssml).count("gp") <= 1, ssml  # en-AU's urgent care already names the GP
