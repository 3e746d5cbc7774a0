"""Whole routines through lambda_handler in every AudioPlayer event order devices send.

Devices differ: Echo Show sends PlaybackNearlyFinished right after PlaybackStarted, others a fraction
of a second before the end, and for short clips the skill can hear PlaybackFinished first. Requests
are also retried and arrive late. Whatever the order, each step plays once, in order, nothing is
queued twice, the saved place follows the player, and the routine's close waits for the next launch.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from conftest import AUDIO_BASE, STEP_MS, import_lambda, rendered_manifest_data
from envelopes import (
    DEVICE_ID,
    USER_ID,
    AudioDevice,
    audio_player_event,
    directives_of,
    envelope,
    exception_encountered,
    launch_request,
    speech_of,
)
from expectations import prompt_fragments, words

from skill.runtime.content import Content
from skill.runtime.engine import Status
from skill.runtime.persistence import Profile, SQLiteAdapter
from skill.runtime.streams import REWIND_MS, Token

# "A fraction of a second before the end".
NEAR_END_MS = 300
ROUTINES = ["seated_lower_back", "back_of_knee", "beside_sacrum", "mindfulness"]


class Nearly(Enum):
    """When the skill hears a stream's PlaybackNearlyFinished."""

    AT_START = "right after PlaybackStarted (Echo Show)"
    BEFORE_END = "a fraction of a second before the end"
    AFTER_FINISHED = "after PlaybackFinished, before the next stream starts (short clips)"
    AFTER_NEXT_STARTED = "after PlaybackFinished and after the next stream started"


@dataclass(frozen=True)
class Order:
    """How a device reports the life of every stream of a routine."""

    nearly: Nearly
    started_again: bool = False           # PlaybackStarted retried, landing after the NearlyFinished
    nearly_again: bool = False            # PlaybackNearlyFinished sent twice
    old_started: bool = False             # the old stream's Started again, after the next one started
    old_nearly: bool = False              # a NearlyFinished for the old token after the next one started
    old_finished: bool = False            # a Finished for the old token after the next one started
    stopped_after_finished: bool = False  # PlaybackStopped for a stream that already finished


EVERY_LATE_EVENT = {"started_again": True, "nearly_again": True, "old_started": True, "old_nearly": True,
                    "old_finished": True, "stopped_after_finished": True}

ORDERS: dict[str, Order] = {
    "echo_show": Order(Nearly.AT_START),
    "nearly_just_before_end": Order(Nearly.BEFORE_END),
    "finished_before_nearly": Order(Nearly.AFTER_FINISHED),
    "finished_before_nearly_after_next_started": Order(Nearly.AFTER_NEXT_STARTED),
    "started_twice": Order(Nearly.AT_START, started_again=True, nearly_again=True),
    "nearly_twice": Order(Nearly.BEFORE_END, nearly_again=True),
    "late_nearly_for_old_token": Order(Nearly.BEFORE_END, old_nearly=True),
    "late_started_for_old_token": Order(Nearly.BEFORE_END, old_started=True),
    "late_finished_for_old_token": Order(Nearly.BEFORE_END, old_finished=True),
    "stopped_after_finished": Order(Nearly.BEFORE_END, stopped_after_finished=True),
    "echo_show_every_late_event": Order(Nearly.AT_START, **EVERY_LATE_EVENT),
    "finished_first_every_late_event": Order(Nearly.AFTER_FINISHED, **EVERY_LATE_EVENT),
}


@dataclass
class OrderedDevice(AudioDevice):
    """A fake Echo that reports each stream's life in a given order; replies to racing requests land late."""

    order: Order = ORDERS["nearly_just_before_end"]
    peek: Callable[[], Profile] | None = None
    start_offset: int = 0
    event_replies: list[dict[str, Any]] = field(default_factory=list)

    def event(self, request: Mapping[str, Any]) -> dict[str, Any]:
        reply = super().event(request)
        self.event_replies.append(reply)
        return reply

    def post(self, kind: str, token: str, offset: int) -> dict[str, Any]:
        """Send an event now; its reply reaches the player later (the caller runs it)."""
        body = envelope(audio_player_event(kind, token, offset), user_id=self.user_id, session=False,
                        audio_player=True, player=self.player_state())
        reply = self.transport(body)
        self.replies.append(reply)
        self.event_replies.append(reply)
        return reply

    def send(self, kind: str, token: str, offset: int) -> None:
        self.event(audio_player_event(kind, token, offset))

    def nearly(self, token: str, again: bool) -> None:
        self.nearly_sent = True
        self.send("PlaybackNearlyFinished", token, self.offset)
        if again:
            self.send("PlaybackNearlyFinished", token, self.offset)

    def next_stream(self) -> None:
        if not self.queue:
            return
        stream = self.queue.pop(0)
        token = self.token = stream["token"]
        self.url = stream["url"]
        self.offset = self.start_offset = stream.get("offsetInMilliseconds", 0)
        self.active, self.nearly_sent = True, False
        self.started.append(token)
        self.send("PlaybackStarted", token, self.offset)
        if self.order.nearly is Nearly.AT_START:
            self.nearly(token, again=False)
        if self.order.started_again:
            self.send("PlaybackStarted", token, self.start_offset)
        if self.order.nearly is Nearly.AT_START and self.order.nearly_again:
            self.send("PlaybackNearlyFinished", token, self.offset)

    def finish(self) -> None:
        """The stream ended: report it, move on to what is queued, then take the replies as they land."""
        order, token = self.order, self.token or ""
        length = self.durations[self.url or ""]
        self.offset, self.active = length, False
        landing = [self.post("PlaybackFinished", token, length)]
        if order.nearly is Nearly.AFTER_FINISHED:
            landing += [self.post("PlaybackNearlyFinished", token, length)] * (2 if order.nearly_again else 1)
        self.next_stream()  # a device plays what it has queued without waiting for any reply
        for reply in landing:
            self.run(reply)
        if order.nearly is Nearly.AFTER_NEXT_STARTED:
            for _ in range(2 if order.nearly_again else 1):
                self.send("PlaybackNearlyFinished", token, length)
        if order.old_started:
            self.send("PlaybackStarted", token, 0)
        if order.old_nearly:
            self.send("PlaybackNearlyFinished", token, length - NEAR_END_MS)
        if order.old_finished:
            self.send("PlaybackFinished", token, length)
        if order.stopped_after_finished:
            self.send("PlaybackStopped", token, length)

    def check(self) -> None:
        """The saved place is the step that plays, from where it started."""
        if self.peek is None:
            return
        progress = self.peek().progress
        token = Token.parse(self.token)
        assert progress is not None and token is not None
        assert (progress.index, progress.status, progress.offset_ms) == (token.index, Status.ACTIVE,
                                                                          self.start_offset)

    def listen(self, ms: int) -> None:
        while ms > 0 and self.active:
            self.check()
            length = self.durations[self.url or ""]
            if (self.order.nearly is Nearly.BEFORE_END and not self.nearly_sent
                    and self.offset + ms >= length - NEAR_END_MS):
                step = max(0, length - NEAR_END_MS - self.offset)
                self.offset += step
                ms -= step
                self.nearly(self.token or "", again=self.order.nearly_again)
                continue
            if self.offset + ms < length:
                self.offset += ms
                return
            ms -= length - self.offset
            self.finish()


def stored(db_path: Path) -> Profile:
    """The test user's saved profile, read straight from the SQLite file."""
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    env = DefaultSerializer().deserialize(json.dumps(envelope(launch_request())), RequestEnvelope)
    return Profile.from_dict(SQLiteAdapter(db_path).get_attributes(env))


def plays(reply: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [d for d in directives_of(reply) if d["type"] == "AudioPlayer.Play"]


def index_of(token: str | None) -> int:
    parsed = Token.parse(token)
    assert parsed is not None, token
    return parsed.index


def assert_silent(replies: list[dict[str, Any]]) -> None:
    """Replies to AudioPlayer events and buttons never speak, reprompt or show a card."""
    for reply in replies:
        response = reply.get("response") or {}
        assert not {"outputSpeech", "reprompt", "card"} & set(response), response


@pytest.fixture
def make_device(audio_env: Path, content: Content, db_path: Path) -> Callable[[Order], OrderedDevice]:
    module = import_lambda()

    def send(body: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps(module.lambda_handler(json.loads(json.dumps(body)), None)))

    lengths = {AUDIO_BASE + e["path"]: e["duration_ms"]
               for e in rendered_manifest_data(content)["files"].values()}

    def make(order: Order) -> OrderedDevice:
        return OrderedDevice(send, lengths, order=order, peek=lambda: stored(db_path))
    return make


def start(device: OrderedDevice, content: Content, routine_id: str) -> None:
    """Ask for a routine by voice; answer the pregnancy question 'no' if the routine asks it."""
    reply = device.intent("StartRoutineIntent", {"routine": {"value": routine_id, "id": routine_id}})
    if not plays(reply):
        assert any(f in words(speech_of(reply)) for f in prompt_fragments(content, "pregnancy_ask"))
        reply = device.intent("AMAZON.NoIntent")
    [play] = plays(reply)
    assert play["playBehavior"] == "REPLACE_ALL" and index_of(play["audioItem"]["stream"]["token"]) == 0


def assert_each_step_once(device: OrderedDevice, total: int, since: int = 0) -> None:
    """Every step from `since` started once, in order; each was sent once; each ENQUEUE follows its step."""
    assert [index_of(t) for t in device.started] == list(range(since, total))
    sent = [d for r in device.replies for d in plays(r)]
    assert Counter(index_of(d["audioItem"]["stream"]["token"]) for d in sent) == Counter(range(since, total))
    for d in sent:
        stream = d["audioItem"]["stream"]
        if d["playBehavior"] == "ENQUEUE":
            assert index_of(stream["expectedPreviousToken"]) == index_of(stream["token"]) - 1
            assert stream["expectedPreviousToken"] in device.started


@pytest.mark.parametrize("routine_id", ROUTINES)
@pytest.mark.parametrize("order_name", list(ORDERS))
def test_routine_goes_on_in_every_order(order_name: str, routine_id: str, make_device: Callable[[Order], OrderedDevice],
                                        content: Content, db_path: Path) -> None:
    routine = content.routines[routine_id]
    device = make_device(ORDERS[order_name])
    start(device, content, routine.id)
    device.play_to_end()

    assert_each_step_once(device, len(routine.steps))
    assert_silent(device.event_replies)
    prof = stored(db_path)
    assert prof.progress is None and prof.close_pending == routine.id and prof.last_routine_id == routine.id

    # The close is said once, at the next launch, and never again.
    closes = []
    for _ in range(2):
        spoken = words(speech_of(device.launch()))
        closes.append(any(f in spoken for f in prompt_fragments(content, "welcome_back_finished")))
        device.conversation.end_session()
    assert closes == [True, False]


@pytest.mark.parametrize("order_name", list(ORDERS))
def test_pause_mid_step_keeps_the_place_and_resume_goes_on(order_name: str, content: Content, db_path: Path,
                                                          make_device: Callable[[Order], OrderedDevice]) -> None:
    routine = content.routines["seated_lower_back"]
    device = make_device(ORDERS[order_name])
    start(device, content, routine.id)
    device.listen(STEP_MS + 12_000)  # twelve seconds into step 2
    assert index_of(device.started[-1]) == 1

    device.intent("AMAZON.PauseIntent")
    saved = stored(db_path).progress
    assert saved is not None
    assert (saved.index, saved.status, saved.offset_ms) == (1, Status.PAUSED, 12_000)

    device.started, device.replies = [], []
    reply = device.intent("AMAZON.ResumeIntent")
    [play] = plays(reply)
    assert play["playBehavior"] == "REPLACE_ALL"
    assert play["audioItem"]["stream"]["offsetInMilliseconds"] == 12_000 - REWIND_MS
    device.play_to_end()
    assert_each_step_once(device, len(routine.steps), since=1)
    assert_silent(device.event_replies)
    assert stored(db_path).close_pending == routine.id


def test_exception_encountered_is_logged_without_user_content_and_changes_nothing(
        make_device: Callable[[Order], OrderedDevice], content: Content, db_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    device = make_device(ORDERS["echo_show"])
    start(device, content, "seated_lower_back")
    device.listen(4000)
    before = stored(db_path).to_dict()
    with caplog.at_level(logging.DEBUG):
        reply = device.event(exception_encountered("Invalid directive: expectedPreviousToken mismatch"))
    assert not directives_of(reply)
    assert_silent([reply])
    assert "INVALID_RESPONSE" in caplog.text and "expectedPreviousToken mismatch" in caplog.text
    for private in (USER_ID, DEVICE_ID, "amzn1.echo-api.session"):
        assert private not in caplog.text
    assert stored(db_path).to_dict() == before
    device.play_to_end()
    assert_each_step_once(device, len(content.routines["seated_lower_back"].steps))


def test_finished_racing_a_pause_plays_nothing_and_resume_starts_the_next_step(
        make_device: Callable[[Order], OrderedDevice], content: Content, db_path: Path) -> None:
    routine = content.routines["seated_lower_back"]
    device = make_device(ORDERS["nearly_just_before_end"])
    start(device, content, routine.id)
    device.listen(STEP_MS - 100)  # step 2 is queued; the user says "pause" as step 1 ends
    first = device.token or ""
    device.intent("AMAZON.PauseIntent")
    reply = device.post("PlaybackFinished", first, STEP_MS)  # the stream ended before the Stop reached it
    assert not directives_of(reply)
    assert_silent([reply])
    saved = stored(db_path).progress
    assert saved is not None
    assert (saved.index, saved.status, saved.offset_ms, saved.queued) == (1, Status.PAUSED, 0, None)

    device.started, device.replies = [], []
    [play] = plays(device.intent("AMAZON.ResumeIntent"))
    assert index_of(play["audioItem"]["stream"]["token"]) == 1
    assert play["audioItem"]["stream"]["offsetInMilliseconds"] == 0
    device.play_to_end()
    assert_each_step_once(device, len(routine.steps), since=1)
