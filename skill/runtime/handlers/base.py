"""What every handler shares: its dependencies, safe request accessors, the user's profile, replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.slu.entityresolution import StatusCode

from skill.runtime.content import Content
from skill.runtime.manifest import Manifest
from skill.runtime.persistence import Profile
from skill.runtime.screening import Detector
from skill.runtime.speech import Prompts, Speech

log = logging.getLogger(__name__)

PROFILE_ATTR = "profile"


class Pending(StrEnum):
    """A yes/no question the skill asked and is waiting on (kept in the session)."""

    CONTINUE_ROUTINE = "continue_routine"
    PREGNANCY_QUESTION = "pregnancy_question"
    DELETE_DATA = "delete_data"
    REMINDER_OFFER = "reminder_offer"
    REMINDER_TIME = "reminder_time"


class SessionKey(StrEnum):
    """Session attribute names."""

    PENDING = "pending"
    LAST_SPEECH = "last_speech"
    LAST_REPROMPT = "last_reprompt"
    ROUTINE = "routine"  # the routine waiting on the pregnancy question


@dataclass
class Deps:
    """Loaded once at cold start and shared by every handler."""

    content: Content
    prompts: Prompts
    manifest: Manifest
    audio_base_url: str | None = None

    @cached_property
    def detector(self) -> Detector:
        """Red flags, pregnancy and pain in free text; built once, at the first request that needs it."""
        return Detector.from_safety(self.content.safety)


@dataclass(frozen=True)
class SlotValue:
    """What the user said for a slot, and the ids entity resolution matched."""

    raw: str | None
    ids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.raw and not self.ids


def request_type(hi: HandlerInput) -> str | None:
    try:
        return hi.request_envelope.request.object_type
    except AttributeError:
        return None


def intent_name(hi: HandlerInput) -> str | None:
    """The intent's name, or None for non-intent or malformed requests."""
    if request_type(hi) != "IntentRequest":
        return None
    intent = getattr(hi.request_envelope.request, "intent", None)
    return getattr(intent, "name", None)


def slot(hi: HandlerInput, name: str) -> SlotValue:
    """A slot's raw value and entity-resolution ids (both may be missing)."""
    intent = getattr(hi.request_envelope.request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    s = slots.get(name)
    if s is None:
        return SlotValue(None)
    ids: list[str] = []
    resolutions = getattr(getattr(s, "resolutions", None), "resolutions_per_authority", None) or []
    for res in resolutions:
        status = getattr(getattr(res, "status", None), "code", None)
        if status == StatusCode.ER_SUCCESS_MATCH:
            for v in res.values or []:
                vid = getattr(getattr(v, "value", None), "id", None)
                if vid:
                    ids.append(vid)
    raw = (s.value or "").strip() or None
    return SlotValue(raw, tuple(ids))


def has_session(hi: HandlerInput) -> bool:
    return hi.request_envelope.session is not None


def session_get(hi: HandlerInput, key: SessionKey) -> Any:
    if not has_session(hi):
        return None
    return (hi.attributes_manager.session_attributes or {}).get(key.value)


def session_set(hi: HandlerInput, key: SessionKey, value: Any) -> None:
    if has_session(hi):
        hi.attributes_manager.session_attributes[key.value] = value


def pending(hi: HandlerInput) -> Pending | None:
    value = session_get(hi, SessionKey.PENDING)
    try:
        return Pending(value) if value else None
    except ValueError:
        return None


def profile(hi: HandlerInput) -> Profile:
    """The user's profile, loaded by the request interceptor (a fresh one if storage failed)."""
    prof = hi.attributes_manager.request_attributes.get(PROFILE_ATTR)
    if prof is None:
        prof = Profile()
        hi.attributes_manager.request_attributes[PROFILE_ATTR] = prof
    return prof


def set_profile(hi: HandlerInput, prof: Profile) -> None:
    hi.attributes_manager.request_attributes[PROFILE_ATTR] = prof


def reply(hi: HandlerInput, speech: Speech, reprompt: Speech | None = None, *, end: bool = False) -> Response:
    """Speak, optionally reprompt, and remember it all for 'repeat'."""
    rb = hi.response_builder
    if speech:
        rb.speak(speech.ssml())
    if end:
        rb.set_should_end_session(True)
        session_set(hi, SessionKey.PENDING, None)
    else:
        rb.ask((reprompt or speech).ssml())
    session_set(hi, SessionKey.LAST_SPEECH, speech.ssml() if speech else None)
    session_set(hi, SessionKey.LAST_REPROMPT, reprompt.ssml() if reprompt else None)
    return rb.response


def silent(hi: HandlerInput) -> Response:
    """No speech: for SessionEnded and events that must not speak."""
    return hi.response_builder.response


class Handler(AbstractRequestHandler):
    """A request handler with the shared dependencies."""

    def __init__(self, deps: Deps):
        self.deps = deps

    @property
    def prompts(self) -> Prompts:
        return self.deps.prompts

    @property
    def content(self) -> Content:
        return self.deps.content

    def say(self, key: str, **fields: Any) -> Speech:
        """A Speech holding one prompt."""
        return Speech().text(self.prompts.say(key, **fields))


class IntentHandler(Handler):
    """Handles the intents named in `intents`."""

    intents: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) in self.intents


class RequestTypeHandler(Handler):
    """Handles the request types named in `request_types`."""

    request_types: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) in self.request_types
