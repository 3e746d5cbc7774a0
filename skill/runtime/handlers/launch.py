"""Opening the skill: welcome, first-use disclaimer, offer to continue (the yes or no to it: answers.py)."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response
from ask_sdk_model.ui.simple_card import SimpleCard

from skill.runtime.flows.closing import close_at_launch, closed_while_playing
from skill.runtime.flows.stepping import routine_of
from skill.runtime.flows.turn import (
    Pending,
    SessionKey,
    ongoing,
    profile,
    reply,
    session_set,
    set_profile,
)
from skill.runtime.handlers.base import RequestTypeHandler
from skill.runtime.speech import Speech


class LaunchHandler(RequestTypeHandler):
    """'Alexa, open acupressure coach'."""

    request_types = ("LaunchRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        p, prof = self.prompts, profile(handler_input)
        speech = Speech()
        if prof.playback_failed:
            # Told once; the saved place continues as spoken turns so a broken stream never loops.
            from skill.runtime.flows.player import failure_told  # the AudioPlayer flows, for this case only

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
