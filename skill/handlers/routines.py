"""Routines: start one by name or description, list them."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill import engine
from skill.content.models import Routine
from skill.engine import Move
from skill.errors import UnknownRoutine
from skill.handlers.audioplayer import can_play, start_playing, supports_audio
from skill.handlers.base import Deps, IntentHandler, profile, reply, set_profile, slot
from skill.handlers.intents import Intent, Slot
from skill.handlers.steps import step_speech
from skill.speech import Speech


def resolve_routine(deps: Deps, ids: tuple[str, ...], raw: str | None) -> Routine | None:
    for rid in ids:
        if rid in deps.content.routines:
            return deps.content.routines[rid]
    return deps.content.routine(raw) if raw else None


def routine_names(deps: Deps) -> str:
    return deps.prompts.join(r.name for r in deps.content.routines.values())


class StartRoutineHandler(IntentHandler):
    """'Start the lower back routine', 'guide me lying down', 'start the mindfulness exercise'."""

    intents = (Intent.START_ROUTINE,)

    def handle(self, handler_input: HandlerInput) -> Response:
        prof = profile(handler_input)
        value = slot(handler_input, Slot.ROUTINE)
        if value.empty:
            routine = engine.default_routine(self.content.routines.values(), prof.prefs)
        else:
            routine = resolve_routine(self.deps, value.ids, value.raw)
        if routine is None:
            raise UnknownRoutine(said=value.raw or "", routines=routine_names(self.deps))
        state = engine.start(routine, prof.prefs)
        speech = Speech()
        if not prof.disclaimer_heard:
            speech.text(self.content.safety.disclaimer_short)
        speech.text(self.prompts.say("routine_start", name=routine.name), *routine.intro)
        prof = replace(prof, progress=state, disclaimer_heard=True, last_routine_id=routine.id,
                       close_pending=None)
        if prof.playback_failed:
            # Told once; this routine is talked through so a failing stream is not retried in a loop.
            speech.text(self.prompts.say("playback_failed_notice"))
            prof = replace(prof, playback_failed=False)
        elif supports_audio(handler_input):
            if can_play(self.deps, handler_input, routine, state):
                set_profile(handler_input, prof)
                speech.text(self.prompts.say("audio_start"))
                return start_playing(self.deps, handler_input, routine, state, speech)
            speech.text(self.prompts.say("audio_unavailable"))
        step, reprompt = step_speech(self.deps, engine.plan_step(routine, state), Move.START)
        set_profile(handler_input, prof)
        return reply(handler_input, speech.extend(step), reprompt)


class ListRoutinesHandler(IntentHandler):
    """'What routines are there'."""

    intents = (Intent.LIST_ROUTINES,)

    def handle(self, handler_input: HandlerInput) -> Response:
        routines = list(self.content.routines.values())
        speech = self.say("routines_list", routines=routine_names(self.deps), first=routines[0].name)
        return reply(handler_input, speech, self.say("routines_reprompt", first=routines[0].name))
