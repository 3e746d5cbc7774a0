"""Safety first: red flags stop everything, pregnancy changes which points are coached, pain eases off.

The red-flag and pregnancy handlers are registered first: they read every slot value of every intent
through the detector (skill/runtime/screening.py), so a red flag said inside any request is never
coached past. What pregnancy changes lives in the flows' pregnancy gate.
"""

from __future__ import annotations

from functools import cached_property

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.content.models import RedFlag
from skill.runtime.flows.player import hold_still, replay_step, resume_routine, stop_routine
from skill.runtime.flows.pregnancy_gate import note_cleared, note_not_pregnant, note_pregnant, pending_routine
from skill.runtime.flows.starting import begin_waiting_routine
from skill.runtime.flows.stepping import keep_place
from skill.runtime.flows.turn import Deps, Pending, SessionKey, ongoing, profile, reply, request_type, session_set
from skill.runtime.handlers.base import IntentHandler, intent_name, slot
from skill.runtime.handlers.intents import Intent, Slot
from skill.runtime.records import record
from skill.runtime.screening import Concern, most_urgent
from skill.runtime.speech import Speech


def said_texts(hi: HandlerInput) -> list[str]:
    """Every slot value the user's words filled, in any intent."""
    if request_type(hi) != "IntentRequest":
        return []
    intent = getattr(hi.request_envelope.request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    return [s.value for s in slots.values() if s is not None and getattr(s, "value", None)]


# Request attribute holding this request's Said (request attributes live for one request only).
SAID_ATTR = "said"


@record
class Said:
    """What the user's words in one request say about safety, each worked out once and shared by the
    safety handlers (each detector call normalises the words: done per request, not per handler)."""

    deps: Deps
    intent: str | None
    texts: list[str]
    symptom_ids: tuple[str, ...]  # RedFlagIntent's entity-resolution matches

    @cached_property
    def red_flag(self) -> RedFlag | None:
        """A red flag named by entity resolution (RedFlagIntent) or found in any slot's words."""
        flags = {f.id: f for f in self.deps.content.safety.red_flags}
        found = [flags[i] for i in self.symptom_ids if i in flags]
        found += [f for f in (self.deps.detector.red_flag(t) for t in self.texts) if f is not None]
        if not found and self.intent == Intent.RED_FLAG:
            # The words a sample's opener took out of the slot ("i can't" {symptom}) are read back.
            found = [f for f in map(self.deps.detector.red_flag_after_opener, self.texts) if f is not None]
        return most_urgent(found)

    @cached_property
    def pregnancy(self) -> Concern | None:
        """The user says they are pregnant, or no longer are (by intent or in any slot's words)."""
        if self.intent == Intent.PREGNANT:
            return Concern.PREGNANT
        if self.intent == Intent.NOT_PREGNANT:
            return Concern.NOT_PREGNANT
        if self.intent == Intent.PREGNANCY_CLEARED:
            return Concern.PREGNANCY_CLEARED
        for text in self.texts:
            found = self.deps.detector.pregnancy(text)
            if found is not None:
                return found
        if self.intent == Intent.RED_FLAG and self.red_flag is None:
            # The words a sample's opener took out of the slot ("i'm" {symptom}) are read back.
            return next(filter(None, map(self.deps.detector.pregnancy_after_opener, self.texts)), None)
        return None


def said(deps: Deps, hi: HandlerInput) -> Said:
    """This request's Said, made at the first safety check."""
    attrs = hi.attributes_manager.request_attributes
    found = attrs.get(SAID_ATTR)
    if not isinstance(found, Said):
        name = intent_name(hi)
        ids = slot(hi, Slot.SYMPTOM).ids if name == Intent.RED_FLAG else ()
        found = attrs[SAID_ATTR] = Said(deps, name, said_texts(hi), ids)
    return found


def red_flag_in(deps: Deps, hi: HandlerInput) -> RedFlag | None:
    """A red flag named by entity resolution (RedFlagIntent) or found in any slot's words."""
    return said(deps, hi).red_flag


def pregnancy_in(deps: Deps, hi: HandlerInput) -> Concern | None:
    """The user says they are pregnant, or no longer are (by intent or in any slot's words)."""
    return said(deps, hi).pregnancy


class RedFlagHandler(IntentHandler):
    """A red flag, in any words, at any point. Emergency and same day: no routine, care now or today,
    end kindly, stop the player. See soon: advise, then offer to carry on."""

    any_intent = True  # words said inside any intent

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) == "IntentRequest" and red_flag_in(self.deps, handler_input) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        flag = red_flag_in(self.deps, handler_input)
        if flag is None or flag.stops:
            return stop_for_care(self.deps, handler_input, flag)
        return advise_and_offer(self.deps, handler_input, self.content.safety.see_soon_reply)


def stop_for_care(deps: Deps, hi: HandlerInput, flag: RedFlag | None) -> Response:
    """An emergency or same-day flag: say where to get care, stop any routine and playback, end."""
    safety, prompts = deps.content.safety, deps.prompts
    speech = Speech()
    if flag is None or flag.emergency:
        speech.text(*safety.emergency_reply, prompts.say("emergency_close"))
    else:
        speech.text(*safety.same_day_reply, prompts.say("red_flag_same_day_close"))
    stop_routine(hi)
    return reply(hi, speech, end=True)


def advise_and_offer(deps: Deps, hi: HandlerInput, advice: list[str], *, unsure: bool = False) -> Response:
    """Say the advice and offer to carry on: a routine under way pauses (the player too) for the answer."""
    speech = Speech().text(*advice)
    if unsure:
        speech.text(deps.prompts.say("red_flag_unsure_close"))
    if ongoing(profile(hi)):
        hold_still(deps, hi)
        session_set(hi, SessionKey.PENDING, Pending.CARRY_ON.value)
        ask = deps.say("red_flag_carry_on_ask")
        return reply(hi, speech.extend(ask), deps.say("red_flag_carry_on_reprompt"))
    more = deps.say("red_flag_followup")
    return reply(hi, speech.extend(more), deps.say("what_you_can_say"))


def answer_carry_on(deps: Deps, hi: HandlerInput, yes: bool) -> Response:
    """Yes/no to 'shall we carry on?' after a see-soon or unsure reply: resume, or stop kindly."""
    session_set(hi, SessionKey.PENDING, None)
    if yes and ongoing(profile(hi)) is not None:
        return resume_routine(deps, hi)
    keep_place(hi)
    return reply(hi, deps.say("red_flag_carry_on_declined"), end=True)


class PregnancyHandler(IntentHandler):
    """'I'm pregnant' (or said inside any request): remembered; avoided points are left out from now on."""

    any_intent = True  # words said inside any intent

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) == "IntentRequest" and \
            pregnancy_in(self.deps, handler_input) is Concern.PREGNANT

    def handle(self, handler_input: HandlerInput) -> Response:
        return told_pregnant(self.deps, handler_input)


def told_pregnant(deps: Deps, hi: HandlerInput) -> Response:
    """She is pregnant: said plainly, what is safe offered. Acupressure waits for her midwife's or
    practitioner's OK (a routine waiting on "are you pregnant?" does not start); once cleared, a routine
    under way goes on without the avoided points."""
    was_under_way = ongoing(profile(hi)) is not None
    speech = note_pregnant(deps, hi)
    if not profile(hi).pregnancy_cleared:
        pending_routine(deps, hi)  # closes the question; the routine waits for the OK
        if ongoing(profile(hi)) is None:
            if was_under_way:
                stop_routine(hi)  # acupressure under way stops (the player too)
            return reply(hi, speech.extend(deps.say("pregnancy_ok_how")), deps.say("what_you_can_say"))
    return start_or_follow_up(deps, hi, speech, replay=True)


def start_or_follow_up(deps: Deps, hi: HandlerInput, speech: Speech, *, replay: bool = False) -> Response:
    """After a change in what she has said about pregnancy: the routine waiting on it starts; with `replay`,
    a routine under way says its step again (now without the avoided points); else what to say next."""
    started = begin_waiting_routine(deps, hi, speech)
    if started is not None:
        return started
    if replay and ongoing(profile(hi)):
        playing = replay_step(deps, hi, speech)
        if playing is not None:
            return playing
    more = deps.say("followup_in_routine" if ongoing(profile(hi)) else "pregnancy_followup")
    return reply(hi, speech.extend(more), more)


class PregnancyClearedHandler(IntentHandler):
    """'My midwife says acupressure is fine': routines, still without the avoided points, seated or side-lying."""

    any_intent = True  # words said inside any intent

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) == "IntentRequest" and \
            pregnancy_in(self.deps, handler_input) is Concern.PREGNANCY_CLEARED

    def handle(self, handler_input: HandlerInput) -> Response:
        return start_or_follow_up(self.deps, handler_input, note_cleared(self.deps, handler_input))


class NotPregnantHandler(IntentHandler):
    """'I'm not pregnant any more': the flag is removed, every point is coached again."""

    any_intent = True  # words said inside any intent

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) == "IntentRequest" and \
            pregnancy_in(self.deps, handler_input) is Concern.NOT_PREGNANT

    def handle(self, handler_input: HandlerInput) -> Response:
        note_not_pregnant(handler_input)
        return start_or_follow_up(self.deps, handler_input, self.say("pregnancy_cleared"))


def ease_off(deps: Deps, hi: HandlerInput) -> Response:
    """Ease off; offer to skip the point or stop (the player pauses so the user can answer)."""
    safety = deps.content.safety
    if not ongoing(profile(hi)):
        speech = Speech().text(*safety.pain_during[:2], deps.prompts.say("pain_no_routine"))
        return reply(hi, speech, deps.say("what_you_can_say"))
    hold_still(deps, hi)
    session_set(hi, SessionKey.PENDING, None)
    return reply(hi, Speech().text(*safety.pain_during), deps.say("pain_reprompt"))


class PainHandler(IntentHandler):
    """'That hurts', 'it's too painful'."""

    intents = (Intent.PAIN,)

    def handle(self, handler_input: HandlerInput) -> Response:
        return ease_off(self.deps, handler_input)


class FreeTextHandler(IntentHandler):
    """RedFlagIntent's words with no red flag in them: pain while pressing eases off; anything else gets
    a careful answer (it may need a doctor; the emergency signs and number), never a shrug."""

    intents = (Intent.RED_FLAG,)

    def handle(self, handler_input: HandlerInput) -> Response:
        if ongoing(profile(handler_input)) and any(map(self.deps.detector.pain, said(self.deps, handler_input).texts)):
            return ease_off(self.deps, handler_input)
        return advise_and_offer(self.deps, handler_input, self.content.safety.unsure_reply, unsure=True)
