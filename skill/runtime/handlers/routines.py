"""Routines: start one by name or description, list them."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime import engine
from skill.runtime.content.models import Routine
from skill.runtime.errors import UnknownRoutine
from skill.runtime.flows.starting import begin_routine
from skill.runtime.flows.turn import Deps, profile, reply
from skill.runtime.handlers.base import IntentHandler, slot
from skill.runtime.handlers.intents import Intent, Slot


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
        value = slot(handler_input, Slot.ROUTINE)
        if value.empty:
            routine = engine.default_routine(self.content.routines.values(), profile(handler_input).prefs)
        else:
            routine = resolve_routine(self.deps, value.ids, value.raw)
        if routine is None:
            raise UnknownRoutine(said=value.raw or "", routines=routine_names(self.deps))
        return begin_routine(self.deps, handler_input, routine)


class ListRoutinesHandler(IntentHandler):
    """'What routines are there'."""

    intents = (Intent.LIST_ROUTINES,)

    def handle(self, handler_input: HandlerInput) -> Response:
        routines = list(self.content.routines.values())
        speech = self.say("routines_list", routines=routine_names(self.deps), first=routines[0].name)
        return reply(handler_input, speech, self.say("routines_reprompt", first=routines[0].name))
