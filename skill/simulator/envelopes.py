"""Alexa request envelopes as a device sends them: the one set of builders, shipped.

Used by the local device (skill.simulator.client: `acupressure chat` and the try-it page's coach box),
by the tests (tests/envelopes.py gives them the tests' skill and user IDs) and so by the load scripts.
Shapes follow the ASK SDK's request models (ask_sdk_model), e.g. AudioPlayer.PlaybackFailed carries its
offset only in currentPlaybackState.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from skill.runtime.handlers.reminders import REMINDERS_SCOPE

if TYPE_CHECKING:
    from skill.simulator.nlu import SlotHeard

LOCAL_SKILL_ID = "amzn1.ask.skill.local-acupressure-coach"
USER_PREFIX = "amzn1.ask.account."
DEVICE_PREFIX = "amzn1.ask.device."
LOCAL_DEVICE_ID = f"{DEVICE_PREFIX}local"
SESSION_PREFIX = "amzn1.echo-api.session."
LOCALE = "en-US"
API_ENDPOINT = "https://api.amazonalexa.com"
# A device with a screen declares APL and the newest document version it renders.
APL_INTERFACE = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.2"}}}
BUILT_IN_TYPE_PREFIX = "AMAZON."

# AudioPlayer events and the PlaybackController buttons a device sends (no session on either).
AUDIO_PLAYER_EVENTS = frozenset({
    "AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackNearlyFinished", "AudioPlayer.PlaybackFinished",
    "AudioPlayer.PlaybackStopped", "AudioPlayer.PlaybackFailed",
})
PLAYBACK_FAILED = "AudioPlayer.PlaybackFailed"
PLAYBACK_CONTROLLER_EVENTS = frozenset({
    "PlaybackController.PlayCommandIssued", "PlaybackController.PauseCommandIssued",
    "PlaybackController.NextCommandIssued", "PlaybackController.PreviousCommandIssued",
})


def now_iso(offset_s: float = 0) -> str:
    """A request timestamp as Alexa writes it (UTC, whole seconds), `offset_s` from now."""
    return datetime.fromtimestamp(datetime.now(UTC).timestamp() + offset_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_session_id() -> str:
    return f"{SESSION_PREFIX}{uuid.uuid4()}"


# ---- the request part ----

def launch_request() -> dict[str, Any]:
    return {"type": "LaunchRequest"}


def slot_json(name: str, heard: SlotHeard | str | None, skill_id: str = LOCAL_SKILL_ID) -> dict[str, Any]:
    """A slot as Alexa sends it: no value (None), words alone (a str: a built-in type, or words Alexa
    passed through), or what the NLU heard, with entity resolution for a custom slot type."""
    if heard is None:
        return {"name": name, "confirmationStatus": "NONE"}
    if isinstance(heard, str):
        return {"name": name, "value": heard, "confirmationStatus": "NONE"}
    slot: dict[str, Any] = {"name": name, "value": heard.value, "confirmationStatus": "NONE"}
    if heard.slot_type and not heard.slot_type.startswith(BUILT_IN_TYPE_PREFIX):
        authority = f"amzn1.er-authority.echo-sdk.{skill_id}.{heard.slot_type}"
        if heard.id:
            slot["resolutions"] = {"resolutionsPerAuthority": [{
                "authority": authority, "status": {"code": "ER_SUCCESS_MATCH"},
                "values": [{"value": {"name": heard.resolved_name or heard.value, "id": heard.id}}],
            }]}
        else:
            slot["resolutions"] = {"resolutionsPerAuthority": [{
                "authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}]}
    return slot


def intent_request(name: str, slots: Mapping[str, SlotHeard | str | None] | None = None,
                   skill_id: str = LOCAL_SKILL_ID) -> dict[str, Any]:
    """An IntentRequest whose dialog is complete (the skill has no dialog model)."""
    return {"type": "IntentRequest", "dialogState": "COMPLETED",
            "intent": {"name": name, "confirmationStatus": "NONE",
                       "slots": {k: slot_json(k, v, skill_id) for k, v in (slots or {}).items()}}}


def session_ended_request(reason: str = "USER_INITIATED") -> dict[str, Any]:
    return {"type": "SessionEndedRequest", "reason": reason}


def audio_player_event(event: str, token: str | None, offset_ms: int = 0,
                       error: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An AudioPlayer.* event as the device sends it."""
    if event not in AUDIO_PLAYER_EVENTS:
        raise ValueError(f"not an AudioPlayer event: {event}")
    if event == PLAYBACK_FAILED:
        return {"type": event, "token": token or "",
                "error": dict(error or {"type": "MEDIA_ERROR_UNKNOWN", "message": "playback failed"}),
                "currentPlaybackState": {"token": token or "", "offsetInMilliseconds": int(offset_ms),
                                         "playerActivity": "STOPPED"}}
    return {"type": event, "token": token or "", "offsetInMilliseconds": int(offset_ms)}


def playback_controller_event(event: str) -> dict[str, Any]:
    """A PlaybackController.*CommandIssued event: a button pressed on the device."""
    if event not in PLAYBACK_CONTROLLER_EVENTS:
        raise ValueError(f"not a PlaybackController event: {event}")
    return {"type": event}


def exception_encountered(message: str = "Invalid directive",
                          cause_request_id: str = "amzn1.echo-api.request.PREVIOUS") -> dict[str, Any]:
    """Alexa telling the skill it could not use its last response."""
    return {"type": "System.ExceptionEncountered", "error": {"type": "INVALID_RESPONSE", "message": message},
            "cause": {"requestId": cause_request_id}}


def connections_response(status: str, token: str, name: str = "AskFor",
                         scope: str = REMINDERS_SCOPE) -> dict[str, Any]:
    """Alexa's answer to a Connections.SendRequest (the voice permission prompt): ACCEPTED, DENIED..."""
    return {"type": "Connections.Response", "name": name, "status": {"code": "200", "message": "OK"},
            "payload": {"permissionScope": scope, "status": status}, "token": token}


def skill_disabled() -> dict[str, Any]:
    """The skill event sent when a user disables the skill."""
    return {"type": "AlexaSkillEvent.SkillDisabled", "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
            "eventCreationTime": now_iso(), "eventPublishingTime": now_iso()}


# ---- the whole envelope ----

def envelope(
    request: Mapping[str, Any],
    *,
    user_id: str,
    skill_id: str = LOCAL_SKILL_ID,
    device_id: str = LOCAL_DEVICE_ID,
    session_id: str | None = None,
    new: bool = False,
    attributes: Mapping[str, Any] | None = None,
    audio_player: bool = False,
    player: Mapping[str, Any] | None = None,
    locale: str = LOCALE,
    timestamp: str | None = None,
    api_endpoint: str = API_ENDPOINT,
    api_access_token: str | None = None,
    permissions: Mapping[str, Any] | None = None,
    apl: bool = False,
    viewport: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete request envelope as Alexa sends it; in session `session_id` if given, else out of session
    (AudioPlayer events, buttons, skill events).

    `audio_player` declares the AudioPlayer interface; `player` is context.AudioPlayer (token,
    offsetInMilliseconds, playerActivity); `permissions` is context.System.user.permissions (consentToken,
    scopes) once the user granted any. `apl` declares a screen (Alexa.Presentation.APL) and `viewport` is its
    context.Viewport (shape, mode, pixel size, dpi).
    """
    req = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": timestamp or now_iso(),
           "locale": locale, **request}
    user: dict[str, Any] = {"userId": user_id}
    if permissions is not None:
        user["permissions"] = dict(permissions)
    system: dict[str, Any] = {
        "application": {"applicationId": skill_id},
        "user": user,
        "device": {"deviceId": device_id,
                   "supportedInterfaces": {**({"AudioPlayer": {}} if audio_player else {}),
                                           **(APL_INTERFACE if apl else {})}},
        "apiEndpoint": api_endpoint,
    }
    if api_access_token is not None:
        system["apiAccessToken"] = api_access_token
    context: dict[str, Any] = {"System": system}
    if player is not None:
        context["AudioPlayer"] = dict(player)
    if viewport is not None:
        context["Viewport"] = dict(viewport)
    body: dict[str, Any] = {"version": "1.0", "context": context, "request": req}
    if session_id is not None:
        body["session"] = {
            "new": new,
            "sessionId": session_id,
            "application": {"applicationId": skill_id},
            "user": dict(user),
            "attributes": dict(attributes or {}),
        }
    return body
