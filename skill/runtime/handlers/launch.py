"""Opening the skill: welcome, first-use disclaimer, offer to continue; yes/no answers to that offer."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.runtime import engine
from skill.runtime.engine import Delivery
from skill.runtime.handlers.base import (
    Deps,
    IntentHandler,
    Pending,
    RequestTypeHandler,
    SessionKey,
    pending,
    profile,
    reply,
    session_set,
    set_profile,
)
from skill.runtime.handlers.intents import Intent
from skill.runtime.handlers.playback import resume_routine
from skill.runtime.handlers.privacy import answer_delete
from skill.runtime.handlers.reminders import answer_offer, wants_offer
from skill.runtime.handlers.steps import routine_of
from skill.runtime.speech import Speech


class LaunchHandler(RequestTypeHandler):
    """'Alexa, open acupressure coach'."""

    request_types = ("LaunchRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        p, prof = self.prompts, profile(handler_input)
        speech = Speech()
        if prof.playback_failed:
            # Told once; the saved place continues as spoken turns so a broken stream never loops.
            speech.text(p.say("playback_failed_notice"))
            progress = replace(prof.progress, delivery=Delivery.DIALOG) if prof.progress else None
            prof = replace(prof, playback_failed=False, progress=progress)
            set_profile(handler_input, prof)
        progress = prof.progress if prof.progress and prof.progress.in_progress else None
        routine = routine_of(self.deps, progress) if progress else None
        finished = self.content.routines.get(prof.close_pending) if prof.close_pending else None
        if not prof.disclaimer_heard:
            speech.text(p.say("welcome_first"), self.content.safety.disclaimer, p.say("what_you_can_say"))
            set_profile(handler_input, replace(prof, disclaimer_heard=True))
            reprompt = Speech().text(p.say("what_you_can_say"))
        elif progress and routine:
            speech.text(p.say("welcome_back_continue", name=routine.name, number=progress.number,
                              total=progress.total))
            session_set(handler_input, SessionKey.PENDING, Pending.CONTINUE_ROUTINE.value)
            reprompt = Speech().text(p.say("continue_reprompt", name=routine.name))
        elif finished is not None:
            # A routine ended while playing, with no session to speak in: close it now.
            set_profile(handler_input, replace(prof, close_pending=None))
            speech.text(p.say("welcome_back_finished", name=finished.name))
            if self.content.tips:
                speech.text(p.say("tip_intro"), p.rng.choice(self.content.tips).text)
            if wants_offer(prof):
                speech.text(p.say("reminder_offer"))
                session_set(handler_input, SessionKey.PENDING, Pending.REMINDER_OFFER.value)
                reprompt = Speech().text(p.say("reminder_offer_reprompt"))
            else:
                speech.text(p.say("what_you_can_say"))
                reprompt = Speech().text(p.say("what_you_can_say"))
        else:
            speech.text(p.say("welcome_back"))
            reprompt = Speech().text(p.say("what_you_can_say"))
        return reply(handler_input, speech, reprompt)


def answer_pregnancy(deps: Deps, hi: HandlerInput, yes: bool) -> Response:
    """Yes/no to 'are you pregnant?' asked when starting a routine: remember it, then start."""
    from skill.runtime.handlers.routines import begin_routine, pending_routine
    from skill.runtime.handlers.safety import note_pregnant

    routine = pending_routine(deps, hi)
    if yes:
        speech = note_pregnant(deps, hi)
    else:
        set_profile(hi, replace(profile(hi), pregnancy_asked=True))
        speech = Speech()
    if routine is None:
        return reply(hi, speech.text(deps.prompts.say("pregnancy_followup")),
                     Speech().text(deps.prompts.say("what_you_can_say")))
    return begin_routine(deps, hi, routine, speech)


class YesHandler(IntentHandler):
    """'Yes' — to the offer to continue where the user left off, or to a reminder."""

    intents = (Intent.YES,)

    def handle(self, handler_input: HandlerInput) -> Response:
        if pending(handler_input) is Pending.CONTINUE_ROUTINE:
            session_set(handler_input, SessionKey.PENDING, None)
            return resume_routine(self.deps, handler_input)
        if pending(handler_input) is Pending.PREGNANCY_QUESTION:
            return answer_pregnancy(self.deps, handler_input, yes=True)
        if pending(handler_input) is Pending.DELETE_DATA:
            return answer_delete(self.deps, handler_input, yes=True)
        answered = answer_offer(self.deps, handler_input, yes=True)
        if answered is not None:
            return answered
        return reply(handler_input, self.say("yes_no_unexpected"), self.say("what_you_can_say"))


class NoHandler(IntentHandler):
    """'No' — declines the offer; the saved place is kept for another day."""

    intents = (Intent.NO,)

    def handle(self, handler_input: HandlerInput) -> Response:
        if pending(handler_input) is Pending.CONTINUE_ROUTINE:
            session_set(handler_input, SessionKey.PENDING, None)
            prof = profile(handler_input)
            if prof.progress:
                set_profile(handler_input, replace(prof, progress=engine.pause(prof.progress)))
            return reply(handler_input, self.say("declined_continue"), self.say("what_you_can_say"))
        if pending(handler_input) is Pending.PREGNANCY_QUESTION:
            return answer_pregnancy(self.deps, handler_input, yes=False)
        if pending(handler_input) is Pending.DELETE_DATA:
            return answer_delete(self.deps, handler_input, yes=False)
        answered = answer_offer(self.deps, handler_input, yes=False)
        if answered is not None:
            return answered
        return reply(handler_input, self.say("yes_no_unexpected"), self.say("what_you_can_say"))
