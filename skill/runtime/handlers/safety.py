"""Safety first: red flags stop everything, pregnancy changes which points are coached, pain eases off.

The red-flag and pregnancy handlers are registered first: they read every slot value of every intent
through the detector (skill/safety.py), so a red flag said inside any request is never coached past.
"""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.runtime import engine
from skill.runtime.content.models import RedFlag, Routine
from skill.runtime.engine import Status
from skill.runtime.handlers.base import (
    Deps,
    IntentHandler,
    SessionKey,
    intent_name,
    profile,
    reply,
    request_type,
    session_set,
    set_profile,
    slot,
)
from skill.runtime.handlers.intents import Intent, Slot
from skill.runtime.handlers.playback import in_audio_mode, pause_playing, play_step, supports_audio
from skill.runtime.handlers.steps import routine_of
from skill.runtime.screening import Concern, Detector
from skill.runtime.speech import Speech
from skill.runtime.streams import stop_directives


def detector(deps: Deps) -> Detector:
    return deps.detector


def said_texts(hi: HandlerInput) -> list[str]:
    """Every slot value the user's words filled, in any intent."""
    if request_type(hi) != "IntentRequest":
        return []
    intent = getattr(hi.request_envelope.request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    return [s.value for s in slots.values() if s is not None and getattr(s, "value", None)]


def red_flag_in(deps: Deps, hi: HandlerInput) -> RedFlag | None:
    """A red flag named by entity resolution (RedFlagIntent) or found in any slot's words."""
    flags = {f.id: f for f in deps.content.safety.red_flags}
    found: list[RedFlag] = []
    if intent_name(hi) == Intent.RED_FLAG:
        found += [flags[i] for i in slot(hi, Slot.SYMPTOM).ids if i in flags]
    det = detector(deps)
    found += [f for f in (det.red_flag(t) for t in said_texts(hi)) if f is not None]
    return next((f for f in found if f.emergency), found[0] if found else None)


def pregnancy_in(deps: Deps, hi: HandlerInput) -> Concern | None:
    """The user says they are pregnant, or no longer are (by intent or in any slot's words)."""
    name = intent_name(hi)
    if name == Intent.PREGNANT:
        return Concern.PREGNANT
    if name == Intent.NOT_PREGNANT:
        return Concern.NOT_PREGNANT
    det = detector(deps)
    for text in said_texts(hi):
        found = det.pregnancy(text)
        if found is not None:
            return found
    return None


def contraindicated(deps: Deps) -> frozenset[str]:
    """Points the content marks as avoided in pregnancy."""
    return frozenset(p.id for p in deps.content.points.values() if p.pregnancy_contraindicated)


def has_contraindicated(deps: Deps, routine: Routine) -> bool:
    avoid = contraindicated(deps)
    return any(s.point in avoid for s in routine.steps if s.point)


def only_contraindicated(deps: Deps, routine: Routine) -> bool:
    """Every point step of the routine is on an avoided point (nothing left worth doing)."""
    pointed = [s.point for s in routine.steps if s.point]
    return bool(pointed) and all(p in contraindicated(deps) for p in pointed)


class RedFlagHandler(IntentHandler):
    """A red flag, in any words, at any point: no routine; urgent care; end kindly; stop the player."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) == "IntentRequest" and red_flag_in(self.deps, handler_input) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        flag = red_flag_in(self.deps, handler_input)
        safety = self.content.safety
        speech = Speech()
        if flag is not None and flag.emergency:
            speech.text(*safety.emergency_reply, self.prompts.say("emergency_close"))
        else:
            speech.text(*safety.red_flag_reply)
        if supports_audio(handler_input):
            for d in stop_directives():
                handler_input.response_builder.add_directive(d)
        # The routine is over, not paused: nothing offers to carry it on.
        set_profile(handler_input, replace(profile(handler_input), progress=None, close_pending=None))
        return reply(handler_input, speech, end=True)


def note_pregnant(deps: Deps, hi: HandlerInput) -> Speech:
    """Remember the user said they are pregnant; cut avoided points from a routine in progress."""
    prof = profile(hi)
    progress = prof.progress
    if progress is not None and progress.in_progress:
        routine = routine_of(deps, progress)
        if routine is not None:
            progress = engine.exclude(progress, routine, contraindicated(deps))
            if progress.status is Status.FINISHED:
                progress = None
    set_profile(hi, replace(prof, pregnant=True, pregnancy_asked=True, progress=progress))
    return Speech().text(*deps.content.safety.pregnancy, deps.prompts.say("pregnancy_change_hint"))


class PregnancyHandler(IntentHandler):
    """'I'm pregnant' (or said inside any request): remembered; avoided points are left out from now on."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) == "IntentRequest" and \
            pregnancy_in(self.deps, handler_input) is Concern.PREGNANT

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.runtime.handlers.routines import begin_routine, pending_routine

        routine = pending_routine(self.deps, handler_input)
        speech = note_pregnant(self.deps, handler_input)
        if routine is not None:
            # The answer to "are you pregnant?" asked when starting a routine.
            return begin_routine(self.deps, handler_input, routine, speech)
        prof = profile(handler_input)
        if prof.progress and prof.progress.in_progress:
            if in_audio_mode(self.deps, handler_input):
                cur = routine_of(self.deps, prof.progress)
                if cur is not None:
                    return play_step(self.deps, handler_input, prof, cur, prof.progress, speech=speech)
            more = self.say("followup_in_routine")
        else:
            more = self.say("pregnancy_followup")
        return reply(handler_input, speech.extend(more), more)


class NotPregnantHandler(IntentHandler):
    """'I'm not pregnant any more': the flag is removed, every point is coached again."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) == "IntentRequest" and \
            pregnancy_in(self.deps, handler_input) is Concern.NOT_PREGNANT

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.runtime.handlers.routines import begin_routine, pending_routine

        prof = profile(handler_input)
        set_profile(handler_input, replace(prof, pregnant=False, pregnancy_asked=True))
        speech = self.say("pregnancy_cleared")
        routine = pending_routine(self.deps, handler_input)
        if routine is not None:
            return begin_routine(self.deps, handler_input, routine, speech)
        more = self.say("followup_in_routine" if prof.progress and prof.progress.in_progress
                        else "pregnancy_followup")
        return reply(handler_input, speech.extend(more), more)


def pain_reply(deps: Deps, hi: HandlerInput) -> Response:
    """Ease off; offer to skip the point or stop (the player pauses so the user can answer)."""
    safety = deps.content.safety
    prof = profile(hi)
    if not (prof.progress and prof.progress.in_progress):
        speech = Speech().text(*safety.pain_during[:2], deps.prompts.say("pain_no_routine"))
        return reply(hi, speech, Speech().text(deps.prompts.say("what_you_can_say")))
    if in_audio_mode(deps, hi):
        pause_playing(deps, hi)
    session_set(hi, SessionKey.PENDING, None)
    return reply(hi, Speech().text(*safety.pain_during), Speech().text(deps.prompts.say("pain_reprompt")))


class PainHandler(IntentHandler):
    """'That hurts', 'it's too painful'."""

    intents = (Intent.PAIN,)

    def handle(self, handler_input: HandlerInput) -> Response:
        return pain_reply(self.deps, handler_input)


class FreeTextHandler(IntentHandler):
    """RedFlagIntent's words with no red flag in them: pain, or else what the skill can do."""

    intents = (Intent.RED_FLAG,)

    def handle(self, handler_input: HandlerInput) -> Response:
        if any(detector(self.deps).pain(t) for t in said_texts(handler_input)):
            return pain_reply(self.deps, handler_input)
        prof = profile(handler_input)
        key = "fallback_in_routine" if prof.progress and prof.progress.in_progress else "fallback"
        return reply(handler_input, self.say(key), self.say("what_you_can_say"))

