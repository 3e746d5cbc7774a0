"""Step navigation in dialog mode: next, skip, go back, repeat, start over, pause, resume."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.runtime import engine
from skill.runtime.engine import Delivery, Move, Status
from skill.runtime.errors import NoRoutineInProgress
from skill.runtime.handlers.base import (
    Deps,
    IntentHandler,
    SessionKey,
    profile,
    reply,
    session_get,
    set_profile,
)
from skill.runtime.handlers.intents import Intent
from skill.runtime.handlers.reminders import close_routine
from skill.runtime.handlers.steps import finish_speech, routine_of, step_speech
from skill.runtime.speech import Speech


def continue_routine(deps: Deps, hi: HandlerInput, how: Move) -> Response:
    """Apply one move to the saved routine and speak the step it lands on (or the ending)."""
    prof = profile(hi)
    state = prof.progress
    routine = routine_of(deps, state) if state and state.in_progress else None
    if state is None or routine is None:
        if state is not None:
            set_profile(hi, replace(prof, progress=None))
        raise NoRoutineInProgress()
    # Spoken turns from here on, even if the routine was playing as long-form audio before.
    new = replace(engine.move(state, how), delivery=Delivery.DIALOG)
    if new.status is Status.FINISHED:
        set_profile(hi, replace(prof, progress=None, last_routine_id=routine.id))
        return close_routine(deps, hi, routine, finish_speech(deps, routine))
    set_profile(hi, replace(prof, progress=new))
    speech, reprompt = step_speech(deps, engine.plan_step(routine, new), how, at_first=state.at_start)
    return reply(hi, speech, reprompt)


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
        prof = profile(handler_input)
        if prof.progress and prof.progress.in_progress:
            return continue_routine(self.deps, handler_input, Move.REPEAT)
        return reply(handler_input, self.say("repeat_nothing"), self.say("what_you_can_say"))


class PauseHandler(IntentHandler):
    """'Pause': keep the place and close the session; 'resume' picks it up, today or tomorrow."""

    intents = (Intent.PAUSE,)

    def handle(self, handler_input: HandlerInput) -> Response:
        prof = profile(handler_input)
        if prof.progress is None or not prof.progress.in_progress:
            raise NoRoutineInProgress()
        set_profile(handler_input, replace(prof, progress=engine.pause(prof.progress)))
        return reply(handler_input, self.say("paused"), end=True)
