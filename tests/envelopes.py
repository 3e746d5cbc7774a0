"""The one builder of Alexa request envelopes for every test, and a conversation driver."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
USER_ID = "amzn1.ask.account.TESTUSER"
DEVICE_ID = "amzn1.ask.device.TESTDEVICE"

Slots = Mapping[str, str | Mapping[str, str] | None]


def now_iso(offset_s: float = 0) -> str:
    t = datetime.now(timezone.utc).timestamp() + offset_s
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def launch_request() -> dict[str, Any]:
    return {"type": "LaunchRequest"}


def slot_json(name: str, value: str | Mapping[str, str] | None) -> dict[str, Any]:
    """A slot; a mapping {value, id} adds an entity-resolution match as Alexa sends it."""
    if value is None:
        return {"name": name, "confirmationStatus": "NONE"}
    if isinstance(value, str):
        return {"name": name, "value": value, "confirmationStatus": "NONE"}
    slot: dict[str, Any] = {"name": name, "value": value["value"], "confirmationStatus": "NONE"}
    if value.get("id"):
        slot["resolutions"] = {"resolutionsPerAuthority": [{
            "authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.TYPE",
            "status": {"code": "ER_SUCCESS_MATCH"},
            "values": [{"value": {"name": value["value"], "id": value["id"]}}],
        }]}
    else:
        slot["resolutions"] = {"resolutionsPerAuthority": [{
            "authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.TYPE",
            "status": {"code": "ER_SUCCESS_NO_MATCH"},
        }]}
    return slot


def intent_request(name: str, slots: Slots | None = None) -> dict[str, Any]:
    return {
        "type": "IntentRequest",
        "dialogState": "COMPLETED",
        "intent": {"name": name, "confirmationStatus": "NONE",
                   "slots": {k: slot_json(k, v) for k, v in (slots or {}).items()}},
    }


def session_ended_request(reason: str = "USER_INITIATED") -> dict[str, Any]:
    return {"type": "SessionEndedRequest", "reason": reason}


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
) -> dict[str, Any]:
    """A complete request envelope as Alexa sends it."""
    req = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": timestamp or now_iso(),
           "locale": locale, **request}
    system = {
        "application": {"applicationId": skill_id},
        "user": {"userId": user_id},
        "device": {"deviceId": DEVICE_ID,
                   "supportedInterfaces": {"AudioPlayer": {}} if audio_player else {}},
        "apiEndpoint": "https://api.amazonalexa.com",
        "apiAccessToken": "token",
    }
    body: dict[str, Any] = {"version": "1.0", "context": {"System": system}, "request": req}
    if session:
        body["session"] = {
            "new": new,
            "sessionId": "amzn1.echo-api.session.TEST",
            "application": {"applicationId": skill_id},
            "user": {"userId": user_id},
            "attributes": dict(session_attributes or {}),
        }
    return body


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

    def send(self, request: Mapping[str, Any], *, session: bool = True) -> dict[str, Any]:
        if self.ended:
            self.attributes, self.new, self.ended = {}, True, False
        body = envelope(request, user_id=self.user_id, session=session, new=self.new,
                        session_attributes=self.attributes, audio_player=self.audio_player)
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
