"""Finding a point by ear: where it is with one cue, then (if wanted) one find step at a time, then how
to press it, with next, repeat and go back working as a person lying down would use them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from conftest import rendered_manifest, stream_durations
from envelopes import AudioDevice, Conversation, speech_of
from expectations import check, prompt_fragments, words

from skill.runtime.content import Content
from skill.runtime.pipeline import App


def said(reply: dict[str, Any]) -> str:
    return words(speech_of(reply))


def has(content: Content, reply: dict[str, Any], key: str) -> bool:
    return any(f in said(reply) for f in prompt_fragments(content, key))


def find_steps_in(content: Content, point_id: str, reply: dict[str, Any]) -> list[int]:
    """Which of the point's find steps a reply says (by number)."""
    return [i for i, s in enumerate(content.points[point_id].find_steps) if words(s) in said(reply)]


@pytest.fixture
def talk(app: App) -> Conversation:
    c = Conversation(app.handle_event)
    c.launch()
    return c


def ask_where(talk: Conversation, point_id: str) -> dict[str, Any]:
    return talk.intent("FindPointIntent", {"point": {"value": point_id.lower(), "id": point_id}})


def test_a_look_up_says_where_with_one_cue_and_offers_the_rest(talk: Conversation, content: Content) -> None:
    cued = 0
    for point in content.points.values():
        reply = ask_where(talk, point.id)
        assert words(point.location) in said(reply)
        assert len(find_steps_in(content, point.id, reply)) <= 1, said(reply)
        # At most one cue to find it, the first step (or its first sentence), when the where leaves room.
        assert not any(words(s) in said(reply) for s in point.find_steps[1:]), said(reply)
        cued += words(re.split(r"(?<=[.!?])\s+", point.find_steps[0])[0]) in said(reply)
        assert not any(words(s) in said(reply) for s in point.press.steps), "how to press comes later"
        assert said(reply).endswith("?") and has(content, reply, "find_offer")
        assert reply["response"]["shouldEndSession"] is False
    # A location too long to leave room for a cue is itself detailed enough to go by.
    assert cued >= len(content.points) // 2, "most look-ups carry a cue"


def test_yes_walks_the_find_steps_one_at_a_time_then_how_to_press(talk: Conversation, content: Content) -> None:
    point = content.points["BL40"]
    ask_where(talk, "BL40")
    heard: list[int] = []
    reply = talk.intent("AMAZON.YesIntent")
    for _ in range(30):
        steps = find_steps_in(content, "BL40", reply)
        if not steps:
            break
        assert len(steps) == 1, said(reply)
        heard += steps
        reply = talk.intent("AMAZON.NextIntent")
    assert heard == list(range(len(point.find_steps)))
    # Then how to press it, and (spoken where it is pressed) the caution about what runs under it.
    pressing = ""
    for _ in range(10):
        pressing += " " + said(reply)
        if has(content, reply, "point_followup"):
            break
        reply = talk.intent("AMAZON.NextIntent")
    assert all(words(s) in pressing for s in point.press.steps)
    # A long caution comes a sentence or two at a time, every sentence of it.
    assert all(words(s) in pressing for c in point.cautions for s in re.split(r"(?<=[.!?])\s+", c.text))
    # The walk is over: 'next' is back to meaning a routine, and there is none.
    check(content, talk.intent("AMAZON.NextIntent"), {"prompt": ["no_routine"]})


def test_repeat_and_go_back_within_the_walk(talk: Conversation, content: Content) -> None:
    ask_where(talk, "BL23")
    assert find_steps_in(content, "BL23", talk.intent("AMAZON.YesIntent")) == [0]
    assert find_steps_in(content, "BL23", talk.intent("AMAZON.NextIntent")) == [1]
    assert find_steps_in(content, "BL23", talk.intent("AMAZON.RepeatIntent")) == [1]
    assert find_steps_in(content, "BL23", talk.intent("AMAZON.PreviousIntent")) == [0]
    first = talk.intent("AMAZON.PreviousIntent")
    assert find_steps_in(content, "BL23", first) == [0] and has(content, first, "step_already_first")
    assert find_steps_in(content, "BL23", talk.intent("AMAZON.NextIntent")) == [1]
    # 'Yes' when it says 'say next when you're ready' goes on too.
    assert find_steps_in(content, "BL23", talk.intent("AMAZON.YesIntent")) == [2]


def test_no_thanks_keeps_it_short_and_gentle(talk: Conversation, content: Content) -> None:
    ask_where(talk, "GV4")
    reply = talk.intent("AMAZON.NoIntent")
    assert has(content, reply, "find_declined") and has(content, reply, "point_followup")
    assert not find_steps_in(content, "GV4", reply)


def test_something_else_ends_the_walk(talk: Conversation, content: Content) -> None:
    ask_where(talk, "KI3")
    talk.intent("AMAZON.YesIntent")
    talk.intent("AMAZON.HelpIntent")
    check(content, talk.intent("AMAZON.NextIntent"), {"prompt": ["no_routine"]})


def test_a_walk_mid_routine_keeps_the_routines_place(talk: Conversation, content: Content) -> None:
    talk.intent("StartRoutineIntent", {"routine": {"value": "seated", "id": "seated_lower_back"}})
    check(content, talk.intent("AMAZON.NextIntent"), {"routine_step": ["seated_lower_back", 2]})
    ask_where(talk, "BL52")
    reply = talk.intent("AMAZON.YesIntent")
    for _ in range(30):
        if has(content, reply, "followup_in_routine"):
            break
        reply = talk.intent("AMAZON.NextIntent")
    assert has(content, reply, "followup_in_routine"), said(reply)
    check(content, talk.intent("AMAZON.NextIntent"), {"routine_step": ["seated_lower_back", 3]})


def test_a_pregnant_user_is_not_coached_to_press_an_avoided_point(talk: Conversation, content: Content) -> None:
    talk.intent("PregnancyIntent")
    point = content.points["LI4"]
    reply = ask_where(talk, "LI4")
    assert words(point.pregnancy_caution.text) in said(reply)
    walked = ""
    reply = talk.intent("AMAZON.YesIntent")
    for _ in range(20):
        walked += " " + said(reply)
        if "finding" not in talk.attributes:
            break
        reply = talk.intent("AMAZON.NextIntent")
    assert all(words(s) in walked for s in point.find_steps)
    assert not any(words(s) in walked for s in point.press.steps)


@pytest.mark.parametrize("heard", ["stomach thirty six", "the one my aunt swears by", "zzz 42"])
def test_an_unknown_point_is_never_said_back(talk: Conversation, content: Content, heard: str) -> None:
    reply = talk.intent("FindPointIntent", {"point": heard})
    assert heard not in said(reply).lower()
    assert "a point called" not in said(reply).lower()
    check(content, reply, {"prompt": ["point_unknown"], "points": ["GV4", "BL23"], "end": False})


def test_asking_where_the_point_for_a_complaint_is_names_the_points(talk: Conversation, content: Content) -> None:
    reply = talk.intent("FindPointIntent", {"point": "the point for sciatica"})
    helping = [p.id for p in content.points.values() if "sciatica" in p.complaints]
    assert helping
    check(content, reply, {"prompt": ["points_for"], "points": helping, "end": False})
    assert "point for sciatica" not in said(reply)


def test_a_walk_during_a_playing_routine_leaves_the_player_alone(make_app: Callable[..., App],
                                                                  content: Content) -> None:
    app = make_app(manifest=rendered_manifest(content))
    durations = stream_durations(content)
    device = AudioDevice(app.handle_event, durations)
    device.launch()
    device.intent("StartRoutineIntent", {"routine": {"value": "seated", "id": "seated_lower_back"}})
    playing = device.token
    assert playing is not None
    device.intent("FindPointIntent", {"point": {"value": "bladder 23", "id": "BL23"}})
    first = device.intent("AMAZON.YesIntent")
    second = device.intent("AMAZON.NextIntent")
    assert find_steps_in(content, "BL23", first) == [0] and find_steps_in(content, "BL23", second) == [1]
    assert device.token == playing, "the routine's stream was not touched"


def test_a_screen_keeps_the_point_up_while_walking_through_it_mid_routine(make_app: Callable[..., App],
                                                                           content: Content) -> None:
    from test_screens import ECHO_SHOW, data_of, on

    talk = on(make_app(audio_base_url=None), ECHO_SHOW, user_id="amzn1.ask.account.WALKSHOW")
    talk.launch()
    talk.intent("StartRoutineIntent", {"routine": {"value": "seated", "id": "seated_lower_back"}})
    ask_where(talk, "BL23")
    for reply in (talk.intent("AMAZON.YesIntent"), talk.intent("AMAZON.NextIntent")):
        data = data_of(reply)
        assert (data["kind"], data["subject"]) == ("lookup", "BL23"), data
