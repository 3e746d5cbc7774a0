"""Questions asked while a routine plays hands-free (AudioPlayer): answered aloud, the player left
alone, the place kept. Dialog-mode questions are in tests/data/conversations_questions.yaml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import import_lambda
from envelopes import AudioDevice, directives_of, speech_of
from expectations import prompt_fragments, words
from test_audioplayer_playback import durations, lambda_transport_of, start, stored

from skill.runtime.content import Content


@pytest.fixture
def transport(audio_env: Path) -> Callable[[dict], dict]:
    return lambda_transport_of(import_lambda())


@pytest.fixture
def device(transport: Callable[[dict], dict], content: Content) -> AudioDevice:
    return AudioDevice(transport, durations(content))


@pytest.mark.parametrize(("intent", "slots", "key"), [
    ("WhichSideIntent", None, "side_now"),
    ("TimeLeftIntent", None, "time_left"),
    ("TechniqueQuestionIntent", {"topic": {"value": "hard", "id": "pressure"}}, None),
    ("FindPointIntent", None, "routine_point_now"),
    ("DisclaimerIntent", None, None),
])
def test_a_question_while_playing_leaves_the_player_and_the_place(
        intent: str, slots: dict | None, key: str | None, device: AudioDevice, content: Content,
        db_path: Path) -> None:
    start(device, "hand_and_ankle")
    if not any(d["type"] == "AudioPlayer.Play" for r in device.replies for d in directives_of(r)):
        device.intent("AMAZON.NoIntent")  # the pregnancy question, asked once: not pregnant
    device.listen(5000)
    before = stored(db_path).progress
    assert before is not None
    reply = device.intent(intent, slots)
    # Speech only: no Play, Stop or ClearQueue, so the device carries on playing the step.
    assert not [d for d in directives_of(reply) if d["type"].startswith("AudioPlayer.")]
    assert reply["response"]["shouldEndSession"] is True
    spoken = words(speech_of(reply))
    assert spoken
    if key is not None:
        assert any(f in spoken for f in prompt_fragments(content, key)), spoken
    after = stored(db_path).progress
    assert after is not None and (after.routine_id, after.index, after.status) == (
        before.routine_id, before.index, before.status)


def test_which_side_names_the_side_of_the_step_playing(device: AudioDevice, content: Content) -> None:
    start(device, "hand_and_ankle")
    if not any(d["type"] == "AudioPlayer.Play" for r in device.replies for d in directives_of(r)):
        device.intent("AMAZON.NoIntent")
    spoken = words(speech_of(device.intent("WhichSideIntent")))
    assert content.routines["hand_and_ankle"].steps[0].side.value == "left"
    assert "left" in spoken and "right" not in spoken


def test_longer_holds_while_playing_are_remembered(device: AudioDevice, db_path: Path) -> None:
    start(device, "seated_lower_back")
    reply = device.intent("ChangeHoldIntent", {"change": {"value": "longer", "id": "longer"}})
    assert not [d for d in directives_of(reply) if d["type"].startswith("AudioPlayer.")]
    prof = stored(db_path)
    assert prof.prefs.hold_s == 90
    assert prof.progress is not None and prof.progress.hold_s == 90


def test_the_full_disclaimer_on_request_is_said_and_on_the_card(conversation, content: Content) -> None:
    reply = conversation.intent("DisclaimerIntent")
    full = words(content.safety.disclaimer)
    assert full in words(speech_of(reply))
    assert full in words(str(reply["response"]["card"]["content"]))
    assert reply["response"]["shouldEndSession"] is False
