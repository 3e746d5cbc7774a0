"""A pregnant user, cleared by her midwife, plays a routine hands-free: where a step on a point avoided
in pregnancy was left out, a short clip names that point and why, in its place (issue 13, section 2).

Through lambda_handler with a manifest as a render writes it (its prompt files planned by the render
plan itself), on the simulated Echo, in the event orders real devices send.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import AUDIO_BASE, import_lambda, rendered_manifest_data
from envelopes import AudioDevice, audio_player_event, directives_of, speech_of
from expectations import prompt_fragments, words
from test_audioplayer_orders import ORDERS, OrderedDevice, assert_silent

from skill.runtime.content import Content
from skill.runtime.engine import RoutineState, Status
from skill.runtime.manifest import FileKind
from skill.runtime.streams import REWIND_MS, Token
from skill.tools.render.plan import plan
from skill.tools.render.settings import Settings

NOTICE_MS = 7_000
PREGNANT_USER = "amzn1.ask.account.PREGNANT-CLEARED"


def manifest_with_prompts(content: Content) -> dict[str, Any]:
    """A rendered manifest: every step file, and every prompt file the render plan asks for."""
    data = rendered_manifest_data(content)
    for item in plan(content, "test", Settings(), routines=[], prompts=True):
        assert item.kind is FileKind.PROMPT
        data["files"][item.key] = {"kind": "prompt", "path": item.path, "text": item.text, "hash": item.hash,
                                   "duration_ms": NOTICE_MS}
    return data


def lengths(data: dict[str, Any]) -> dict[str, int]:
    return {AUDIO_BASE + e["path"]: e["duration_ms"] for e in data["files"].values()}


def texts(data: dict[str, Any]) -> dict[str, str]:
    return {AUDIO_BASE + e["path"]: e["text"] for e in data["files"].values()}


def sender(audio: Path, data: dict[str, Any]) -> Callable[[dict], dict]:
    """A new cold start of the deployed skill with this manifest."""
    (audio / "manifest.json").write_text(json.dumps(data))
    module = import_lambda()

    def send(body: dict) -> dict:
        return json.loads(json.dumps(module.lambda_handler(json.loads(json.dumps(body)), None)))
    return send


def avoided_points(content: Content) -> dict[str, str]:
    return {p.id: p.name for p in content.points.values() if p.pregnancy_contraindicated}


def plays(reply: dict) -> list[dict]:
    return [d for d in directives_of(reply) if d["type"] == "AudioPlayer.Play"]


def pregnant_and_cleared(device: AudioDevice) -> None:
    """She says she is pregnant, then that her midwife said acupressure is fine."""
    device.intent("PregnancyIntent")
    device.conversation.end_session()
    device.intent("PregnancyClearedIntent")
    device.conversation.end_session()


def start(device: AudioDevice, routine_id: str) -> dict:
    reply = device.intent("StartRoutineIntent", {"routine": {"value": routine_id, "id": routine_id}})
    assert plays(reply), reply
    return reply


def heard(device: AudioDevice, data: dict[str, Any], content: Content) -> list[tuple[str, str]]:
    """What played, as the listener hears it: ('step', id), or ('notice', the point its clip names)."""
    said = texts(data)
    names = avoided_points(content)
    out = []
    urls = [d["audioItem"]["stream"] for r in device.replies for d in plays(r)]
    url_of = {s["token"]: s["url"] for s in urls}
    for raw in device.started:
        token = Token.parse(raw)
        assert token is not None, raw
        if token.notice is None:
            out.append(("step", token.step_id))
            continue
        text = said[url_of[raw]]
        assert any(f in words(text) for f in prompt_fragments(content, "pregnancy_skipped_here")), text
        [point] = [p for p, name in names.items() if words(name) in words(text)]
        out.append(("notice", point))
    return out


def expected(content: Content, routine_id: str) -> list[tuple[str, str]]:
    """Every kept step in order, and between two kept steps each left-out point named once."""
    avoid = avoided_points(content)
    out: list[tuple[str, str]] = []
    named: set[str] = set()
    for s in content.routines[routine_id].steps:
        if s.point in avoid:
            if s.point not in named:
                out.append(("notice", s.point))
                named.add(s.point)
        else:
            out.append(("step", s.id))
            named = set()
    return out


@pytest.fixture
def data(content: Content) -> dict[str, Any]:
    return manifest_with_prompts(content)


@pytest.fixture
def send(audio_env: Path, data: dict[str, Any]) -> Callable[[dict], dict]:
    return sender(audio_env, data)


@pytest.fixture
def device(send: Callable[[dict], dict], data: dict[str, Any]) -> AudioDevice:
    dev = AudioDevice(send, lengths(data), user_id=PREGNANT_USER)
    pregnant_and_cleared(dev)
    return dev


@pytest.mark.parametrize("routine_id", ["hand_and_ankle", "full_routine"])
@pytest.mark.parametrize("order_name", ["echo_show", "nearly_just_before_end", "finished_before_nearly",
                                        "finished_before_nearly_after_next_started",
                                        "finished_first_every_late_event", "echo_show_every_late_event"])
def test_each_left_out_point_is_named_where_its_steps_were(order_name: str, routine_id: str, content: Content,
                                                           send: Callable[[dict], dict],
                                                           data: dict[str, Any]) -> None:
    device = OrderedDevice(send, lengths(data), user_id=PREGNANT_USER, order=ORDERS[order_name])
    pregnant_and_cleared(device)
    device.replies = []
    start(device, routine_id)
    device.play_to_end()

    assert heard(device, data, content) == expected(content, routine_id)
    # The avoided points' own steps never play.
    avoided_steps = {s.id for s in content.routines[routine_id].steps if s.point in avoided_points(content)}
    assert not {Token.parse(t).step_id for t in device.started if Token.parse(t).notice is None} & avoided_steps
    # Each stream was sent once; each one queued (when Finished came first: played) after the one before it.
    sent = [d for r in device.replies for d in plays(r)]
    assert Counter(d["audioItem"]["stream"]["token"] for d in sent) == Counter(device.started)
    assert sent[0]["playBehavior"] == "REPLACE_ALL"
    for before, d in zip(device.started, sent[1:], strict=False):
        if d["playBehavior"] == "ENQUEUE":
            assert d["audioItem"]["stream"]["expectedPreviousToken"] == before
    assert_silent(device.event_replies)
    # The routine is over, and its close waits for her next launch.
    reply = device.launch()
    assert any(f in words(speech_of(reply))
               for f in prompt_fragments(content, "welcome_back_finished"))


def play_until_notice(device: AudioDevice) -> Token:
    for _ in range(200):
        token = Token.parse(device.token)
        if token is not None and token.notice is not None:
            return token
        device.listen(1_000)
    raise AssertionError("no notice played")


def kept_around(content: Content, routine_id: str, left_out: str) -> tuple[str, str]:
    """The kept steps just before and just after a left-out step."""
    avoid = avoided_points(content)
    steps = content.routines[routine_id].steps
    i = [s.id for s in steps].index(left_out)
    before = next(s.id for s in reversed(steps[:i]) if s.point not in avoid)
    after = next(s.id for s in steps[i + 1:] if s.point not in avoid)
    return before, after


@pytest.mark.parametrize("how", ["voice", "button"])
def test_next_during_a_notice_goes_to_the_next_kept_step(how: str, device: AudioDevice, content: Content) -> None:
    start(device, "hand_and_ankle")
    notice = play_until_notice(device)
    _, after = kept_around(content, "hand_and_ankle", notice.step_id)
    device.replies = []
    reply = device.intent("AMAZON.NextIntent") if how == "voice" else device.button("Next")
    [play] = plays(reply)
    token = Token.parse(play["audioItem"]["stream"]["token"])
    assert play["playBehavior"] == "REPLACE_ALL" and token is not None
    assert (token.notice, token.step_id) == (None, after)


@pytest.mark.parametrize("how", ["voice", "button"])
def test_previous_during_a_notice_goes_to_the_step_before(how: str, device: AudioDevice, content: Content) -> None:
    start(device, "hand_and_ankle")
    notice = play_until_notice(device)
    before, _ = kept_around(content, "hand_and_ankle", notice.step_id)
    reply = device.intent("AMAZON.PreviousIntent") if how == "voice" else device.button("Previous")
    [play] = plays(reply)
    token = Token.parse(play["audioItem"]["stream"]["token"])
    assert token is not None and (token.notice, token.step_id) == (None, before)


def test_next_on_the_step_before_a_gap_names_the_left_out_point_first(device: AudioDevice,
                                                                      content: Content) -> None:
    start(device, "hand_and_ankle")  # first step: SI3 on the left hand; LI4 on the left hand is left out after it
    reply = device.intent("AMAZON.NextIntent")
    [play] = plays(reply)
    token = Token.parse(play["audioItem"]["stream"]["token"])
    assert token is not None and token.notice is not None
    assert content.routines["hand_and_ankle"].steps[[s.id for s in content.routines["hand_and_ankle"].steps]
                                                    .index(token.step_id)].point in avoided_points(content)
    device.play_to_end()
    kinds = [Token.parse(t).notice is None for t in device.started]
    assert kinds.count(False) >= 1 and len(device.started) == len(set(device.started))


def test_pause_and_resume_during_a_notice_replay_it_from_a_little_before(device: AudioDevice, content: Content,
                                                                        data: dict[str, Any]) -> None:
    start(device, "hand_and_ankle")
    notice = play_until_notice(device)
    device.listen(2_000)
    offset = device.offset
    device.intent("AMAZON.PauseIntent")
    assert not device.active
    reply = device.intent("AMAZON.ResumeIntent")
    [play] = plays(reply)
    stream = play["audioItem"]["stream"]
    assert Token.parse(stream["token"]) == notice
    assert stream["offsetInMilliseconds"] == max(0, offset - REWIND_MS)
    device.started, device.replies = [device.token or ""], []
    device.play_to_end()
    rest = [Token.parse(t) for t in device.started]
    # After the notice, the routine goes on from the next kept step, each stream once.
    _, after = kept_around(content, "hand_and_ankle", notice.step_id)
    assert rest[1] is not None and (rest[1].notice, rest[1].step_id) == (None, after)
    assert len(device.started) == len(set(device.started))


def test_stop_during_a_notice_keeps_the_place_for_later(device: AudioDevice, content: Content) -> None:
    start(device, "hand_and_ankle")
    notice = play_until_notice(device)
    device.intent("AMAZON.StopIntent")
    assert not device.active
    device.conversation.end_session()
    device.replies = []
    reply = device.intent("AMAZON.ResumeIntent")
    [play] = plays(reply)
    token = Token.parse(play["audioItem"]["stream"]["token"])
    assert token is not None and (token.index, token.notice) == (notice.index, notice.notice)


def test_without_rendered_notices_playback_is_as_before(audio_env: Path, content: Content) -> None:
    data = rendered_manifest_data(content)  # steps only: no prompt files rendered
    device = AudioDevice(sender(audio_env, data), lengths(data), user_id=PREGNANT_USER)
    pregnant_and_cleared(device)
    start(device, "hand_and_ankle")
    device.play_to_end()
    tokens = [Token.parse(t) for t in device.started]
    assert all(t is not None and t.notice is None for t in tokens)
    assert [t.step_id for t in tokens if t] == [s.id for s in content.routines["hand_and_ankle"].steps
                                                 if s.point not in avoided_points(content)]


def test_a_user_who_is_not_pregnant_gets_the_same_directives_with_or_without_notices(
        audio_env: Path, content: Content) -> None:
    runs = []
    for data in (rendered_manifest_data(content), manifest_with_prompts(content)):
        device = AudioDevice(sender(audio_env, data), lengths(data), user_id=f"amzn1.ask.account.NP{len(runs)}")
        reply = device.intent("StartRoutineIntent", {"routine": {"value": "x", "id": "hand_and_ankle"}})
        if not plays(reply):
            device.intent("AMAZON.NoIntent")  # asked once whether she is pregnant: no
        device.play_to_end()
        runs.append(json.dumps([directives_of(r) for r in device.replies], sort_keys=True))
    assert runs[0] == runs[1]
    assert "|n0" not in runs[0]


def test_notice_tokens_parse_and_are_never_taken_for_a_step() -> None:
    step = Token("v" * 12, "hand_and_ankle", 0, "si3_left", 60)
    notice = Token("v" * 12, "hand_and_ankle", 0, "li4_left", None, 0)
    assert Token.parse(step.encode()) == step and Token.parse(notice.encode()) == notice
    assert step.encode() != notice.encode() and step.encode().count("|") == 5
    for bad in (notice.encode() + "x", notice.encode().replace("|n0", "|0"), notice.encode() + "|n1"):
        assert Token.parse(bad) is None
    state = RoutineState("hand_and_ankle", ("si3_left", "switch_hands"), status=Status.ACTIVE)
    assert step.matches(state) and step.at(state) and not notice.at(state)
    assert notice.matches(state) and not Token("v" * 12, "hand_and_ankle", 0, "si3_left", None, 0).matches(state)


def test_a_notice_that_fails_to_play_is_told_next_time_and_the_routine_goes_on_by_voice(
        device: AudioDevice, content: Content) -> None:
    start(device, "hand_and_ankle")
    notice = play_until_notice(device)
    _, after = kept_around(content, "hand_and_ankle", notice.step_id)
    reply = device.event(audio_player_event("PlaybackFailed", device.token or "", 1000))
    assert not directives_of(reply)  # never retried: that could loop
    device.active = False
    device.conversation.end_session()
    spoken = words(speech_of(device.launch()))
    assert any(f in spoken for f in prompt_fragments(content, "playback_failed_notice"))
    reply = device.intent("AMAZON.YesIntent")
    # Spoken turns from the next kept step: not the step before the notice again.
    step = {s.id: s for s in content.routines["hand_and_ankle"].steps}[after]
    assert plays(reply) == [] and words(step.title) in words(speech_of(reply))


def test_every_routine_she_may_play_names_what_it_leaves_out_and_never_plays_it(
        send: Callable[[dict], dict], data: dict[str, Any], content: Content) -> None:
    played = []
    for routine in content.routines.values():
        device = AudioDevice(send, lengths(data), user_id=f"{PREGNANT_USER}-{routine.id}")
        pregnant_and_cleared(device)
        reply = device.intent("StartRoutineIntent", {"routine": {"value": "x", "id": routine.id}})
        if not plays(reply):
            continue  # not for pregnancy (lying flat, or only avoided points): offered something else
        device.play_to_end()
        assert heard(device, data, content) == expected(content, routine.id), routine.id
        played.append(routine.id)
    assert {"hand_and_ankle", "full_routine"} <= set(played)
