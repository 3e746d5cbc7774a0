"""Yes and no: the answer to whatever the skill asked last (walk through finding a point, continue the
routine, the pregnancy questions, deleting data, a reminder)."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.flows.closing import answer_reminder_offer
from skill.runtime.flows.finding import answer_offer
from skill.runtime.flows.player import resume_routine
from skill.runtime.flows.pregnancy_gate import note_asked, note_cleared, pending_routine
from skill.runtime.flows.starting import begin_waiting_routine
from skill.runtime.flows.stepping import keep_place
from skill.runtime.flows.turn import Deps, Pending, SessionKey, pending, reply, session_set
from skill.runtime.handlers.base import IntentHandler
from skill.runtime.handlers.intents import Intent
from skill.runtime.handlers.privacy import answer_delete
from skill.runtime.handlers.safety import answer_carry_on, told_pregnant
from skill.runtime.speech import Speech


def answer_pregnancy(deps: Deps, hi: HandlerInput, yes: bool) -> Response:
    """Yes/no to 'are you pregnant?' asked when starting a routine: yes waits for her midwife's OK,
    no starts the routine."""
    if yes:
        return told_pregnant(deps, hi)
    note_asked(hi)
    speech = Speech()
    started = begin_waiting_routine(deps, hi, speech)
    if started is not None:
        return started
    return reply(hi, speech.text(deps.prompts.say("pregnancy_followup")), deps.say("what_you_can_say"))


def answer_pregnancy_ok(deps: Deps, hi: HandlerInput, yes: bool) -> Response:
    """Yes/no to 'has your midwife or practitioner said acupressure is fine?': yes starts the routine
    (without the avoided points); no offers what is safe meanwhile."""
    if yes:
        started = begin_waiting_routine(deps, hi, note_cleared(deps, hi))
        if started is not None:
            return started
    pending_routine(deps, hi)
    return reply(hi, deps.say("pregnancy_not_yet"), deps.say("what_you_can_say"))


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
    if asked is Pending.PREGNANCY_OK:
        return answer_pregnancy_ok(deps, hi, yes)
    if asked is Pending.DELETE_DATA:
        return answer_delete(deps, hi, yes)
    if asked is Pending.CARRY_ON:
        return answer_carry_on(deps, hi, yes)
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
