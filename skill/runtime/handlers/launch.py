"""Opening the skill: welcome, first-use disclaimer, offer to continue; yes/no answers to what was asked."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response
from ask_sdk_model.ui.simple_card import SimpleCard

from skill.runtime.flows.closing import answer_reminder_offer, close_at_launch, closed_while_playing
from skill.runtime.flows.finding import answer_offer
from skill.runtime.flows.player import failure_told, resume_routine
from skill.runtime.flows.pregnancy_gate import note_asked, note_pregnant
from skill.runtime.flows.starting import begin_waiting_routine
from skill.runtime.flows.stepping import keep_place, routine_of
from skill.runtime.flows.turn import (
    Deps,
    Pending,
    SessionKey,
    ongoing,
    pending,
    profile,
    reply,
    session_set,
    set_profile,
)
from skill.runtime.handlers.base import IntentHandler, RequestTypeHandler
from skill.runtime.handlers.intents import Intent
from skill.runtime.handlers.privacy import answer_delete
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
            prof = failure_told(handler_input, prof)
        progress = ongoing(prof)
        routine = routine_of(self.deps, progress) if progress else None
        finished = closed_while_playing(self.deps, prof)
        if not prof.disclaimer_heard:
            # Short on the ear; the full disclaimer goes on the card in the Alexa app.
            safety = self.content.safety
            speech.text(p.say("welcome_first"), safety.disclaimer_short, p.say("what_you_can_say"))
            handler_input.response_builder.set_card(SimpleCard(title=p.say("card_title"),
                                                               content=p.fill(safety.disclaimer)))
            set_profile(handler_input, replace(prof, disclaimer_heard=True))
            reprompt = self.say("what_you_can_say")
        elif progress and routine:
            speech.text(p.say("welcome_back_continue", name=routine.name, number=progress.number,
                              total=progress.total))
            session_set(handler_input, SessionKey.PENDING, Pending.CONTINUE_ROUTINE.value)
            reprompt = self.say("continue_reprompt", name=routine.name)
        elif finished is not None:
            # A routine ended while playing, with no session to speak in: close it now.
            reprompt = close_at_launch(self.deps, handler_input, finished, speech)
        else:
            # A returning user hears what to say next, not only hello.
            speech.text(p.say("welcome_back"), p.say("what_you_can_say"))
            reprompt = self.say("what_you_can_say")
        return reply(handler_input, speech, reprompt)


def answer_pregnancy(deps: Deps, hi: HandlerInput, yes: bool) -> Response:
    """Yes/no to 'are you pregnant?' asked when starting a routine: remember it, then start."""
    if yes:
        speech = note_pregnant(deps, hi)
    else:
        note_asked(hi)
        speech = Speech()
    started = begin_waiting_routine(deps, hi, speech)
    if started is not None:
        return started
    return reply(hi, speech.text(deps.prompts.say("pregnancy_followup")), deps.say("what_you_can_say"))


def answer(deps: Deps, hi: HandlerInput, yes: bool) -> Response:
    """Yes/no to whatever the skill asked last: walk through finding a point, continue the routine,
    pregnancy, deleting data, a reminder."""
    walk = answer_offer(deps, hi, yes)
    if walk is not None:
        return walk
    asked = pending(hi)
    if asked is Pending.CONTINUE_ROUTINE:
        session_set(hi, SessionKey.PENDING, None)
        if yes:
            return resume_routine(deps, hi)
        keep_place(hi)  # declined for now: the saved place waits for another day
        return reply(hi, deps.say("declined_continue"), deps.say("what_you_can_say"))
    if asked is Pending.PREGNANCY_QUESTION:
        return answer_pregnancy(deps, hi, yes)
    if asked is Pending.DELETE_DATA:
        return answer_delete(deps, hi, yes)
    answered = answer_reminder_offer(deps, hi, yes)
    if answered is not None:
        return answered
    return reply(hi, deps.say("yes_no_unexpected"), deps.say("what_you_can_say"))


class AnswerHandler(IntentHandler):
    """A yes or a no, answering the question pending in the session."""

    yes = True

    def handle(self, handler_input: HandlerInput) -> Response:
        return answer(self.deps, handler_input, self.yes)


class YesHandler(AnswerHandler):
    """'Yes' — to the offer to continue where the user left off, the pregnancy question, or a reminder."""

    intents = (Intent.YES,)
    yes = True


class NoHandler(AnswerHandler):
    """'No' — declines the offer (the saved place is kept for another day), or answers the question asked."""

    intents = (Intent.NO,)
    yes = False
