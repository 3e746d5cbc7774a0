"""Hands-free routines through lambda_handler with the full AudioPlayer event sequence, on a real SQLite file."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import AUDIO_BASE, ROOT, STEP_MS, import_lambda, stream_durations
from envelopes import (
    AudioDevice,
    audio_player_event,
    directives_of,
    envelope,
    exception_encountered,
    launch_request,
    speech_of,
)
from expectations import prompt_fragments, words

from skill.runtime import engine
from skill.runtime.content import Content
from skill.runtime.engine import Preferences
from skill.runtime.manifest import step_key
from skill.runtime.persistence import Profile, SQLiteAdapter
from skill.runtime.streams import MAX_TOKEN_CHARS, REWIND_MS, Token


def lambda_transport_of(module: Any) -> Callable[[dict], dict]:
    def send(body: dict) -> dict:
        return json.loads(json.dumps(module.lambda_handler(json.loads(json.dumps(body)), None)))
    return send


@pytest.fixture
def transport(audio_env: Path) -> Callable[[dict], dict]:
    return lambda_transport_of(import_lambda())


def durations(content: Content) -> dict[str, int]:
    return stream_durations(content)


@pytest.fixture
def device(transport: Callable[[dict], dict], content: Content) -> AudioDevice:
    return AudioDevice(transport, durations(content))


def stored(db_path: Path) -> Profile:
    """The saved profile of the test user, read straight from the SQLite file."""
    return Profile.from_dict(SQLiteAdapter(db_path).get_attributes(
        _envelope_obj()))


def _envelope_obj() -> Any:
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    return DefaultSerializer().deserialize(json.dumps(envelope(launch_request())), RequestEnvelope)


def plays(reply: dict) -> list[dict]:
    return [d for d in directives_of(reply) if d["type"] == "AudioPlayer.Play"]


def step_of(token: str) -> str:
    parsed = Token.parse(token)
    assert parsed is not None, token
    return parsed.step_id


def start(device: AudioDevice, routine_id: str) -> dict:
    return device.intent("StartRoutineIntent", {"routine": {"value": routine_id, "id": routine_id}})


def test_start_plays_the_first_step_and_ends_the_session(device: AudioDevice, content: Content) -> None:
    routine = content.routines["seated_lower_back"]
    reply = start(device, routine.id)
    response = reply["response"]
    assert response["shouldEndSession"] is True
    [play] = plays(reply)
    stream = play["audioItem"]["stream"]
    assert play["playBehavior"] == "REPLACE_ALL" and stream["offsetInMilliseconds"] == 0
    assert stream["url"] == f"{AUDIO_BASE}steps/{routine.id}/{routine.steps[0].id}.mp3"
    token = Token.parse(stream["token"])
    assert token is not None and token.routine_id == routine.id and token.index == 0
    assert token.current(content.version)
    # A short lead-in: the routine's name and how to control it, not the step's words.
    spoken = words(speech_of(reply))
    assert any(f in spoken for f in prompt_fragments(content, "audio_start"))
    assert words(routine.steps[0].say[0]) not in spoken
    assert device.started == [stream["token"]]


@pytest.mark.parametrize("routine_id", ["seated_lower_back", "hand_and_ankle", "full_routine", "mindfulness"])
def test_whole_routine_plays_hands_free(routine_id: str, device: AudioDevice, content: Content,
                                       db_path: Path) -> None:
    if routine_id not in content.routines:
        routine_id = next(iter(content.routines))
    routine = content.routines[routine_id]
    reply = start(device, routine.id)
    if not plays(reply):
        # Routines with points avoided in pregnancy ask first (once); "no" starts playing.
        assert any(f in words(speech_of(reply)) for f in prompt_fragments(content, "pregnancy_ask"))
        assert plays(device.intent("AMAZON.NoIntent"))
    spoken_turns = sum(1 for r in device.replies if "outputSpeech" in r["response"])
    device.play_to_end()
    assert [step_of(t) for t in device.started] == [s.id for s in routine.steps]
    # Each step after the first was queued once, behind the one before it.
    enqueues = [d for r in device.replies for d in plays(r) if d["playBehavior"] == "ENQUEUE"]
    assert len(enqueues) == len(routine.steps) - 1
    for prev, d in zip(device.started, enqueues, strict=False):
        assert d["audioItem"]["stream"]["expectedPreviousToken"] == prev
    # Replies to events never speak.
    assert sum(1 for r in device.replies if "outputSpeech" in r["response"]) == spoken_turns
    prof = stored(db_path)
    assert prof.progress is None and prof.close_pending == routine.id
    # Next time: the close (a tip) and the reminder offer.
    reply = device.launch()
    spoken = words(speech_of(reply))
    assert any(f in spoken for f in prompt_fragments(content, "welcome_back_finished"))
    assert any(words(t.text) in spoken for t in content.tips)
    assert any(f in spoken for f in prompt_fragments(content, "reminder_offer"))
    assert stored(db_path).close_pending is None


def test_nearly_finished_twice_enqueues_once(device: AudioDevice) -> None:
    start(device, "seated_lower_back")
    token = device.token or ""
    first = device.event(audio_player_event("PlaybackNearlyFinished", token, STEP_MS - 4000))
    again = device.event(audio_player_event("PlaybackNearlyFinished", token, STEP_MS - 3000))
    assert len(plays(first)) == 1 and plays(again) == []


def test_pause_mid_hold_then_resume_next_day_after_restart(device: AudioDevice, audio_env: Path,
                                                          content: Content, db_path: Path) -> None:
    routine = content.routines["seated_lower_back"]
    start(device, routine.id)
    device.listen(STEP_MS + 12_000)          # into step 2, twelve seconds in (mid-hold)
    assert step_of(device.started[-1]) == routine.steps[1].id
    reply = device.intent("AMAZON.PauseIntent")
    assert "outputSpeech" not in reply["response"] and reply["response"]["shouldEndSession"] is True
    assert {d["type"] for d in directives_of(reply)} >= {"AudioPlayer.Stop"}
    assert not device.active
    saved = stored(db_path).progress
    assert saved is not None and saved.index == 1 and saved.offset_ms == 12_000
    assert saved.status is engine.Status.PAUSED

    # The next day, on a new Lambda container reading the same SQLite file.
    tomorrow = AudioDevice(lambda_transport_of(import_lambda()), durations(content))
    reply = tomorrow.launch()
    assert any(f in words(speech_of(reply)) for f in prompt_fragments(content, "welcome_back_continue"))
    assert " 2 of " in words(speech_of(reply))
    reply = tomorrow.intent("AMAZON.YesIntent")
    [play] = plays(reply)
    stream = play["audioItem"]["stream"]
    assert step_of(stream["token"]) == routine.steps[1].id
    assert stream["offsetInMilliseconds"] == 12_000 - REWIND_MS
    assert reply["response"]["shouldEndSession"] is True
    tomorrow.play_to_end()
    assert [step_of(t) for t in tomorrow.started] == [s.id for s in routine.steps[1:]]


def test_resume_by_voice_rewinds_a_few_seconds(device: AudioDevice) -> None:
    start(device, "seated_lower_back")
    device.listen(3000)
    device.intent("AMAZON.PauseIntent")
    reply = device.intent("AMAZON.ResumeIntent")
    [play] = plays(reply)
    assert play["audioItem"]["stream"]["offsetInMilliseconds"] == 0  # never before the start
    device.listen(9000)
    device.button("Pause")
    reply = device.button("Play")
    assert plays(reply)[0]["audioItem"]["stream"]["offsetInMilliseconds"] == 9000 - REWIND_MS
    assert "outputSpeech" not in reply["response"]


@pytest.mark.parametrize("how", ["voice", "button"])
def test_next_and_previous(how: str, device: AudioDevice, content: Content) -> None:
    routine = content.routines["seated_lower_back"]
    start(device, routine.id)
    device.listen(5000)

    def go(cmd: str) -> dict:
        if how == "voice":
            return device.intent(f"AMAZON.{cmd}Intent")
        return device.button(cmd)

    reply = go("Next")
    assert step_of(plays(reply)[0]["audioItem"]["stream"]["token"]) == routine.steps[1].id
    reply = go("Next")
    assert step_of(plays(reply)[0]["audioItem"]["stream"]["token"]) == routine.steps[2].id
    reply = go("Previous")
    assert step_of(plays(reply)[0]["audioItem"]["stream"]["token"]) == routine.steps[1].id
    if how == "button":
        assert all("outputSpeech" not in r["response"] for r in device.replies[1:])
    # Stopped events from the replaced streams did not move the saved place.
    device.play_to_end()
    assert [step_of(t) for t in device.started][-3:] == [s.id for s in routine.steps[1:]][-3:]


def test_start_over_repeat_and_skip_by_voice(device: AudioDevice, content: Content, db_path: Path) -> None:
    routine = content.routines["seated_lower_back"]
    start(device, routine.id)
    device.listen(STEP_MS + 1000)
    reply = device.intent("AMAZON.RepeatIntent")
    assert step_of(plays(reply)[0]["audioItem"]["stream"]["token"]) == routine.steps[1].id
    reply = device.intent("SkipIntent")
    assert step_of(plays(reply)[0]["audioItem"]["stream"]["token"]) == routine.steps[2].id
    reply = device.intent("AMAZON.StartOverIntent")
    assert step_of(plays(reply)[0]["audioItem"]["stream"]["token"]) == routine.steps[0].id
    assert stored(db_path).progress.index == 0


def test_next_on_the_last_step_stops_and_closes_with_the_reminder_offer(device: AudioDevice,
                                                                         content: Content) -> None:
    routine = content.routines["seated_lower_back"]
    start(device, routine.id)
    for _ in range(len(routine.steps) - 1):
        device.intent("AMAZON.NextIntent")
    reply = device.intent("AMAZON.NextIntent")
    types = [d["type"] for d in directives_of(reply)]
    assert "AudioPlayer.Stop" in types and "AudioPlayer.Play" not in types
    spoken = words(speech_of(reply))
    assert any(f in spoken for f in prompt_fragments(content, "routine_done"))
    assert any(f in spoken for f in prompt_fragments(content, "reminder_offer"))
    assert reply["response"]["shouldEndSession"] is False


def test_stop_keeps_the_place(device: AudioDevice, content: Content, db_path: Path) -> None:
    start(device, "seated_lower_back")
    device.listen(7000)
    reply = device.intent("AMAZON.StopIntent")
    types = {d["type"] for d in directives_of(reply)}
    assert {"AudioPlayer.Stop", "AudioPlayer.ClearQueue"} <= types
    assert any(f in words(speech_of(reply)) for f in prompt_fragments(content, "goodbye_saved"))
    saved = stored(db_path).progress
    assert saved is not None and saved.offset_ms == 7000 and saved.index == 0


def test_playback_failure_is_logged_told_next_time_and_never_retried(
        device: AudioDevice, content: Content, db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    routine = content.routines["seated_lower_back"]
    start(device, routine.id)
    device.listen(STEP_MS + 4000)
    with caplog.at_level(logging.WARNING):
        reply = device.event(audio_player_event("PlaybackFailed", device.token or "", 4000))
    assert reply["response"] == {} or not directives_of(reply)  # no retry: that could loop
    assert "playback failed" in caplog.text
    device.active = False
    prof = stored(db_path)
    assert prof.playback_failed and prof.progress.index == 1
    reply = device.launch()
    spoken = words(speech_of(reply))
    assert any(f in spoken for f in prompt_fragments(content, "playback_failed_notice"))
    reply = device.intent("AMAZON.YesIntent")
    # Carried on as spoken turns: step 2 spoken, nothing streamed.
    assert plays(reply) == [] and words(routine.steps[1].title) in words(speech_of(reply))
    assert not stored(db_path).playback_failed


def test_stale_and_foreign_tokens_are_ignored(device: AudioDevice, content: Content, db_path: Path) -> None:
    start(device, "seated_lower_back")
    before = stored(db_path).to_dict()
    good = Token.parse(device.token)
    assert good is not None
    stale = Token("0" * 12, good.routine_id, good.index, good.step_id, good.hold_s).encode()
    wrong_step = Token(content.version, good.routine_id, 1, "no_such_step").encode()
    for token in [stale, wrong_step, "spotify:track:123", "", "acu1|x", "a" * 2000]:
        for kind in ["PlaybackStarted", "PlaybackNearlyFinished", "PlaybackFinished", "PlaybackStopped"]:
            reply = device.transport(envelope(audio_player_event(kind, token, 1234), session=False,
                                              audio_player=True))
            assert "outputSpeech" not in reply["response"] and not directives_of(reply), (kind, token)
    assert stored(db_path).to_dict() == before


def test_tokens_round_trip_and_stay_short(content: Content) -> None:
    for routine in content.routines.values():
        state = engine.start(routine, Preferences(hold_s=180))
        for i in range(state.total):
            from skill.runtime.streams import token_for

            token = token_for(content.version, routine, state, i)
            text = token.encode()
            assert len(text) <= MAX_TOKEN_CHARS and Token.parse(text) == token
            assert token.matches(state) and token.current(content.version)


def test_device_without_audio_player_gets_dialog_mode(transport: Callable[[dict], dict], content: Content) -> None:
    from envelopes import Conversation

    routine = content.routines["seated_lower_back"]
    reply = Conversation(transport).intent("StartRoutineIntent", {"routine": {"value": "x", "id": routine.id}})
    assert plays(reply) == [] and reply["response"]["shouldEndSession"] is False
    assert words(routine.steps[0].title) in words(speech_of(reply))


def test_missing_step_audio_falls_back_to_dialog(make_app, content: Content) -> None:
    from conftest import rendered_manifest
    from envelopes import Conversation

    routine = content.routines["seated_lower_back"]
    step = routine.steps[-1]
    manifest = rendered_manifest(content, skip=frozenset({step_key(routine.id, step.id, 60 if step.hold else None)}))
    app = make_app(manifest=manifest)
    reply = Conversation(app.handle_event, audio_player=True).intent(
        "StartRoutineIntent", {"routine": {"value": "x", "id": routine.id}})
    assert plays(reply) == []
    spoken = words(speech_of(reply))
    assert any(f in spoken for f in prompt_fragments(content, "audio_unavailable"))
    assert words(routine.steps[0].title) in spoken


def test_no_audio_base_url_falls_back_to_dialog(make_app, content: Content) -> None:
    from conftest import rendered_manifest
    from envelopes import Conversation

    app = make_app(manifest=rendered_manifest(content), audio_base_url=None)
    reply = Conversation(app.handle_event, audio_player=True).intent("StartRoutineIntent")
    assert plays(reply) == [] and reply["response"]["shouldEndSession"] is False


def test_buttons_and_events_without_a_routine_are_quiet(device: AudioDevice) -> None:
    for command in ["Next", "Previous", "Play", "Pause"]:
        reply = device.button(command)
        assert "outputSpeech" not in reply["response"] and not directives_of(reply)


def test_exception_encountered_is_logged(device: AudioDevice, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        reply = device.event(exception_encountered("Invalid token"))
    assert reply["response"] == {} or (not directives_of(reply) and "outputSpeech" not in reply["response"])
    assert "Invalid token" in caplog.text


def test_progress_survives_a_new_process(device: AudioDevice, audio_env: Path, content: Content) -> None:
    routine = content.routines["seated_lower_back"]
    start(device, routine.id)
    device.listen(2 * STEP_MS + 6000)
    device.button("Pause")
    code = (
        "import sys, json; sys.path.insert(0, 'lambda'); import lambda_function as lf; "
        "print(json.dumps(lf.lambda_handler(json.loads(sys.stdin.read()), None)))"
    )
    body = envelope(launch_request(), new=True, audio_player=True)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ), input=json.dumps(body),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    reply = json.loads(out.stdout.strip().splitlines()[-1])
    spoken = words(speech_of(reply))
    assert " 3 of " in spoken and words(routine.name) in spoken
