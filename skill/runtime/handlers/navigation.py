"""Step navigation in dialog mode: next, skip, go back, repeat, start over, pause, resume."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.engine import Move
from skill.runtime.errors import NoRoutineInProgress
from skill.runtime.flows.stepping import continue_routine, keep_place
from skill.runtime.flows.turn import SessionKey, ongoing, profile, reply, session_get
from skill.runtime.handlers.base import IntentHandler
from skill.runtime.handlers.intents import Intent
from skill.runtime.speech import Speech


class MoveHandler(IntentHandler):
    """A navigation intent mapped to one engine move."""

    how: Move = Move.NEXT

    def handle(self, handler_input: HandlerInput) -> Response:
        return continue_routine(self.deps, handler_input, self.how)


class NextHandler(MoveHandler):
    """'Next', 'done', 'I'm ready'."""

    intents = (Intent.NEXT,)
    how = Move.NEXT


class SkipHandler(MoveHandler):
    """'Skip this one'."""

    intents = (Intent.SKIP,)
    how = Move.SKIP


class PreviousHandler(MoveHandler):
    """'Go back'."""

    intents = (Intent.PREVIOUS,)
    how = Move.PREVIOUS


class StartOverHandler(MoveHandler):
    """'Start over'."""

    intents = (Intent.START_OVER,)
    how = Move.START_OVER


class ResumeHandler(MoveHandler):
    """'Resume', 'continue where I left off'."""

    intents = (Intent.RESUME,)
    how = Move.RESUME


class RepeatHandler(IntentHandler):
    """'Repeat': the last reply in this session, else the current step of a saved routine."""

    intents = (Intent.REPEAT,)

    def handle(self, handler_input: HandlerInput) -> Response:
        last = session_get(handler_input, SessionKey.LAST_SPEECH)
        if last:
            reprompt = session_get(handler_input, SessionKey.LAST_REPROMPT)
            return reply(handler_input, Speech.from_ssml(last),
                         Speech.from_ssml(reprompt) if reprompt else None)
        if ongoing(profile(handler_input)):
            return continue_routine(self.deps, handler_input, Move.REPEAT)
        return reply(handler_input, self.say("repeat_nothing"), self.say("what_you_can_say"))


class PauseHandler(IntentHandler):
    """'Pause': keep the place and close the session; 'resume' picks it up, today or tomorrow."""

    intents = (Intent.PAUSE,)

    def handle(self, handler_input: HandlerInput) -> Response:
        if not keep_place(handler_input):
            raise NoRoutineInProgress()
        return reply(handler_input, self.say("paused"), end=True)
