"""Opening the skill: welcome, first-use disclaimer, offer to continue; yes/no answers to that offer."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill import engine
from skill.engine import Move
from skill.handlers.base import (
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
from skill.handlers.intents import Intent
from skill.handlers.navigation import continue_routine
from skill.handlers.steps import routine_of
from skill.speech import Speech


class LaunchHandler(RequestTypeHandler):
    """'Alexa, open acupressure coach'."""

    request_types = ("LaunchRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        p, prof = self.prompts, profile(handler_input)
        speech = Speech()
        progress = prof.progress if prof.progress and prof.progress.in_progress else None
        routine = routine_of(self.deps, progress) if progress else None
        if not prof.disclaimer_heard:
            speech.text(p.say("welcome_first"), self.content.safety.disclaimer, p.say("what_you_can_say"))
            set_profile(handler_input, replace(prof, disclaimer_heard=True))
            reprompt = Speech().text(p.say("what_you_can_say"))
        elif progress and routine:
            speech.text(p.say("welcome_back_continue", name=routine.name, number=progress.number,
                              total=progress.total))
            session_set(handler_input, SessionKey.PENDING, Pending.CONTINUE_ROUTINE.value)
            reprompt = Speech().text(p.say("continue_reprompt", name=routine.name))
        else:
            speech.text(p.say("welcome_back"))
            reprompt = Speech().text(p.say("what_you_can_say"))
        return reply(handler_input, speech, reprompt)


class YesHandler(IntentHandler):
    """'Yes' — to the offer to continue where the user left off."""

    intents = (Intent.YES,)

    def handle(self, handler_input: HandlerInput) -> Response:
        if pending(handler_input) is Pending.CONTINUE_ROUTINE:
            session_set(handler_input, SessionKey.PENDING, None)
            return continue_routine(self.deps, handler_input, Move.RESUME)
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
        return reply(handler_input, self.say("yes_no_unexpected"), self.say("what_you_can_say"))
