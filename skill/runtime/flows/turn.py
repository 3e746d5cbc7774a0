"""One request as flows and handlers see it: shared dependencies, session, the user's profile, the reply."""

from __future__ import annotations

import random
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.content import Content
from skill.runtime.content.store import DEFAULT_LOCALE
from skill.runtime.engine import RoutineState
from skill.runtime.manifest import Manifest
from skill.runtime.persistence import Profile
from skill.runtime.records import record
from skill.runtime.speech import Prompts, Speech

if TYPE_CHECKING:
    from skill.runtime.screening import Detector

PROFILE_ATTR = "profile"


class Pending(StrEnum):
    """A yes/no question the skill asked and is waiting on (kept in the session)."""

    CONTINUE_ROUTINE = "continue_routine"
    PREGNANCY_QUESTION = "pregnancy_question"
    DELETE_DATA = "delete_data"
    REMINDER_OFFER = "reminder_offer"
    REMINDER_TIME = "reminder_time"
    PREGNANCY_OK = "pregnancy_ok"  # has her midwife or practitioner said acupressure is fine?
    CARRY_ON = "carry_on"  # after a see-soon red flag or an unsure answer: carry on with the routine?


class SessionKey(StrEnum):
    """Session attribute names."""

    PENDING = "pending"
    LAST_SPEECH = "last_speech"
    LAST_REPROMPT = "last_reprompt"
    ROUTINE = "routine"  # the routine waiting on the pregnancy question


def prompts_for(content: Content, rng: random.Random | None = None) -> Prompts:
    """The prompts in every locale of the content, each with its words for {emergency_number} etc."""
    return Prompts(
        content.prompts, rng or random.Random(),
        locales={loc: content.prompts_in(loc) for loc in content.responses},
        fills={loc: facts.fills() for loc, facts in content.locales.items()},
        default_locale=DEFAULT_LOCALE,
    )


@record
class Deps:
    """Loaded once at cold start and shared by every handler and flow."""

    content: Content
    prompts: Prompts
    manifest: Manifest
    audio_base_url: str | None = None

    @cached_property
    def detector(self) -> Detector:
        """Red flags, pregnancy and pain in free text; built once, at the first request that needs it (and
        imported then: a launch has no words to screen)."""
        from skill.runtime.screening import Detector

        return Detector.from_safety(self.content.safety)

    def say(self, key: str, **fields: Any) -> Speech:
        """A Speech holding one prompt."""
        return Speech().text(self.prompts.say(key, **fields))


# The only requests that may be answered with speech: a session is open. AudioPlayer,
# PlaybackController, system events, SessionEnded and CanFulfillIntentRequest get no speech.
SPEAKABLE = ("LaunchRequest", "IntentRequest", "Connections.Response")


def device_interfaces(hi: HandlerInput) -> object:
    """context.System.device.supportedInterfaces, or None when the request has no device."""
    system = getattr(hi.request_envelope.context, "system", None)
    return getattr(getattr(system, "device", None), "supported_interfaces", None)


def request_type(hi: HandlerInput) -> str | None:
    """The request's type ('IntentRequest', 'AudioPlayer.PlaybackStarted'...), None if malformed."""
    kind = getattr(getattr(hi.request_envelope, "request", None), "object_type", None)
    return kind if isinstance(kind, str) else None


def has_session(hi: HandlerInput) -> bool:
    return hi.request_envelope.session is not None


def session_get(hi: HandlerInput, key: SessionKey) -> Any:
    if not has_session(hi):
        return None
    return (hi.attributes_manager.session_attributes or {}).get(key.value)


def session_set(hi: HandlerInput, key: SessionKey, value: Any) -> None:
    attrs = hi.attributes_manager.session_attributes if has_session(hi) else None
    if attrs is not None:
        attrs[key.value] = value


def pending(hi: HandlerInput) -> Pending | None:
    """The question the skill is waiting on in this session, if any."""
    value = session_get(hi, SessionKey.PENDING)
    try:
        return Pending(value) if value else None
    except ValueError:
        return None


def profile(hi: HandlerInput) -> Profile:
    """The user's profile, loaded by the request interceptor (a fresh one if storage failed)."""
    prof = hi.attributes_manager.request_attributes.get(PROFILE_ATTR)
    if not isinstance(prof, Profile):
        prof = Profile()
        hi.attributes_manager.request_attributes[PROFILE_ATTR] = prof
    return prof


def set_profile(hi: HandlerInput, prof: Profile) -> None:
    hi.attributes_manager.request_attributes[PROFILE_ATTR] = prof


def ongoing(prof: Profile) -> RoutineState | None:
    """The user's saved routine if it is still under way (active or paused), else None."""
    state = prof.progress
    return state if state is not None and state.in_progress else None


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
