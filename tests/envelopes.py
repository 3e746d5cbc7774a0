"""The tests' side of the shipped envelope builders (skill.simulator.envelopes): the tests' skill, user
and device IDs, slots written as plain data, and drivers that carry a conversation or play a device."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skill.simulator import envelopes as shipped
from skill.simulator.envelopes import (  # noqa: F401  (re-exported: the tests import them from here)
    connections_response,
    exception_encountered,
    launch_request,
    now_iso,
    session_ended_request,
    skill_disabled,
)
from skill.simulator.nlu import SlotHeard

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
USER_ID = "amzn1.ask.account.TESTUSER"
DEVICE_ID = "amzn1.ask.device.TESTDEVICE"
SESSION_ID = "amzn1.echo-api.session.TEST"
API_ACCESS_TOKEN = "token"
# The tests name no slot type; entity-resolution authorities end in this one.
SLOT_TYPE = "TYPE"

# A slot's words, or {"value": words, "id": matched id} for an entity-resolution match (no "id": no match).
Slots = Mapping[str, str | Mapping[str, str] | None]


def heard(value: str | Mapping[str, str] | None) -> SlotHeard | str | None:
    """A test's slot as the shipped builder takes it."""
    if value is None or isinstance(value, str):
        return value
    return SlotHeard(value=value["value"], slot_type=SLOT_TYPE, id=value.get("id") or None)


def intent_request(name: str, slots: Slots | None = None) -> dict[str, Any]:
    return shipped.intent_request(name, {k: heard(v) for k, v in (slots or {}).items()}, SKILL_ID)


def audio_player_event(kind: str, token: str, offset_ms: int = 0, *,
                       error: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An AudioPlayer event by its short name (PlaybackStarted, ...NearlyFinished, ...Finished, ...Failed)."""
    return shipped.audio_player_event(f"AudioPlayer.{kind}", token, offset_ms, error)


def playback_controller(command: str) -> dict[str, Any]:
    """A device button: Next, Previous, Play or Pause (PlaybackController.<X>CommandIssued)."""
    return shipped.playback_controller_event(f"PlaybackController.{command}CommandIssued")


def envelope(
    request: Mapping[str, Any],
    *,
    user_id: str = USER_ID,
    skill_id: str = SKILL_ID,
    session: bool = True,
    new: bool = False,
    session_attributes: Mapping[str, Any] | None = None,
    audio_player: bool = False,
    timestamp: str | None = None,
    locale: str = "en-US",
    player: Mapping[str, Any] | None = None,
    api_endpoint: str = shipped.API_ENDPOINT,
    permissions: Mapping[str, Any] | None = None,
    apl: bool = False,
    viewport: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete envelope from the tests' device, in the tests' one session unless `session` is False."""
    return shipped.envelope(request, user_id=user_id, skill_id=skill_id, device_id=DEVICE_ID,
                            session_id=SESSION_ID if session else None, new=new, attributes=session_attributes,
                            audio_player=audio_player, player=player, locale=locale, timestamp=timestamp,
                            api_endpoint=api_endpoint, api_access_token=API_ACCESS_TOKEN, permissions=permissions,
                            apl=apl, viewport=viewport)


Transport = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Conversation:
    """Drives turns through a transport, carrying session attributes like Alexa does."""

    transport: Transport
    user_id: str = USER_ID
    audio_player: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    new: bool = True
    ended: bool = False
    # Set by a device simulator: context.AudioPlayer, the Alexa API endpoint, granted permissions.
    player: Mapping[str, Any] | None = None
    api_endpoint: str = "https://api.amazonalexa.com"
    permissions: Mapping[str, Any] | None = None
    # A device with a screen: Alexa.Presentation.APL declared, and its context.Viewport.
    apl: bool = False
    viewport: Mapping[str, Any] | None = None

    def send(self, request: Mapping[str, Any], *, session: bool = True) -> dict[str, Any]:
        if self.ended:
            self.attributes, self.new, self.ended = {}, True, False
        body = envelope(request, user_id=self.user_id, session=session, new=self.new,
                        session_attributes=self.attributes, audio_player=self.audio_player,
                        player=self.player, api_endpoint=self.api_endpoint, permissions=self.permissions,
                        apl=self.apl, viewport=self.viewport)
        reply = self.transport(body)
        self.new = False
        self.attributes = dict(reply.get("sessionAttributes") or {})
        if reply.get("response", {}).get("shouldEndSession"):
            self.ended = True
        return reply

    def launch(self) -> dict[str, Any]:
        return self.send(launch_request())

    def intent(self, name: str, slots: Slots | None = None) -> dict[str, Any]:
        return self.send(intent_request(name, slots))

    def end_session(self) -> dict[str, Any]:
        reply = self.send(session_ended_request())
        self.ended = True
        return reply


def speech_of(reply: Mapping[str, Any]) -> str:
    """The SSML spoken in a reply ('' if none)."""
    out = (reply.get("response") or {}).get("outputSpeech") or {}
    return out.get("ssml") or out.get("text") or ""


def directives_of(reply: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list((reply.get("response") or {}).get("directives") or [])


@dataclass
class AudioDevice:
    """A fake Echo: runs AudioPlayer directives from replies and sends back the events Alexa would.

    One stream plays at a time with a queue behind it; `listen(ms)` lets time pass, sending
    PlaybackNearlyFinished (once per stream), PlaybackFinished and the next PlaybackStarted. Voice
    commands and buttons carry context.AudioPlayer like a real device's requests do.
    """

    transport: Transport
    durations: Mapping[str, int]  # stream URL -> length in ms
    user_id: str = USER_ID
    nearly_ms: int = 5000         # NearlyFinished this long before the end
    token: str | None = None
    url: str | None = None
    offset: int = 0
    active: bool = False
    nearly_sent: bool = False
    queue: list[dict[str, Any]] = field(default_factory=list)
    started: list[str] = field(default_factory=list)   # tokens, in the order they started
    replies: list[dict[str, Any]] = field(default_factory=list)
    conversation: Conversation | None = None

    def __post_init__(self) -> None:
        self.conversation = Conversation(self.transport, user_id=self.user_id, audio_player=True)

    # ---- what the device sends

    def player_state(self) -> dict[str, Any] | None:
        if self.token is None:
            return None
        return {"token": self.token, "offsetInMilliseconds": self.offset,
                "playerActivity": "PLAYING" if self.active else "STOPPED"}

    def event(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """An out-of-session request (AudioPlayer event, button, system event)."""
        body = envelope(request, user_id=self.user_id, session=False, audio_player=True,
                        player=self.player_state())
        reply = self.transport(body)
        self.replies.append(reply)
        self.run(reply)
        return reply

    def say(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """A voice request in a session (the device ducks playback while the user speaks)."""
        assert self.conversation is not None
        self.conversation.player = self.player_state()
        reply = self.conversation.send(request)
        self.replies.append(reply)
        self.run(reply)
        return reply

    def intent(self, name: str, slots: Slots | None = None) -> dict[str, Any]:
        return self.say(intent_request(name, slots))

    def launch(self) -> dict[str, Any]:
        return self.say(launch_request())

    def button(self, command: str) -> dict[str, Any]:
        return self.event(playback_controller(command))

    # ---- what the device does with a reply

    def run(self, reply: Mapping[str, Any]) -> None:
        for d in directives_of(reply):
            kind = d["type"]
            if kind == "AudioPlayer.Play":
                stream = d["audioItem"]["stream"]
                if d["playBehavior"] == "ENQUEUE":
                    last = self.queue[-1]["token"] if self.queue else self.token
                    if stream.get("expectedPreviousToken") == last:
                        self.queue.append(stream)
                    continue
                if d["playBehavior"] == "REPLACE_ALL":
                    self.stop()
                    self.queue = []
                else:  # REPLACE_ENQUEUED
                    self.queue = []
                self.queue.insert(0, stream)
                if not self.active:
                    self.next_stream()
            elif kind == "AudioPlayer.Stop":
                self.stop()
            elif kind == "AudioPlayer.ClearQueue":
                self.queue = []
                if d.get("clearBehavior") == "CLEAR_ALL":
                    self.stop()

    def stop(self) -> None:
        if self.active:
            self.active = False
            self.event(audio_player_event("PlaybackStopped", self.token or "", self.offset))

    def next_stream(self) -> None:
        if not self.queue:
            return
        stream = self.queue.pop(0)
        self.token, self.url = stream["token"], stream["url"]
        self.offset, self.active, self.nearly_sent = stream.get("offsetInMilliseconds", 0), True, False
        self.started.append(self.token)
        self.event(audio_player_event("PlaybackStarted", self.token, self.offset))

    def listen(self, ms: int) -> None:
        """Let `ms` of audio play (across streams)."""
        while ms > 0 and self.active:
            length = self.durations[self.url or ""]
            if not self.nearly_sent and self.offset + ms >= length - self.nearly_ms:
                step = max(0, length - self.nearly_ms - self.offset)
                self.offset += step
                ms -= step
                self.nearly_sent = True
                self.event(audio_player_event("PlaybackNearlyFinished", self.token or "", self.offset))
                continue
            if self.offset + ms < length:
                self.offset += ms
                return
            ms -= length - self.offset
            self.offset = length
            self.active = False
            self.event(audio_player_event("PlaybackFinished", self.token or "", self.offset))
            self.next_stream()

    def play_to_end(self, limit: int = 200) -> None:
        """Listen until nothing plays."""
        for _ in range(limit):
            if not self.active:
                return
            self.listen(60_000)
        raise AssertionError("still playing")
