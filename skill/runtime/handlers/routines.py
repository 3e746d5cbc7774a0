"""Routines: start one by name or description, list them."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.runtime import engine
from skill.runtime.content.models import Routine
from skill.runtime.engine import Move
from skill.runtime.errors import UnknownRoutine
from skill.runtime.handlers.base import (
    Deps,
    IntentHandler,
    Pending,
    SessionKey,
    pending,
    profile,
    reply,
    session_get,
    session_set,
    set_profile,
    slot,
)
from skill.runtime.handlers.intents import Intent, Slot
from skill.runtime.handlers.playback import can_play, start_playing, supports_audio
from skill.runtime.handlers.steps import step_speech
from skill.runtime.speech import Speech


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
        return begin_routine(self.deps, handler_input, routine)


def pending_routine(deps: Deps, hi: HandlerInput) -> Routine | None:
    """The routine waiting on the answer to 'are you pregnant?', if that question is open."""
    if pending(hi) is not Pending.PREGNANCY_QUESTION:
        return None
    rid = session_get(hi, SessionKey.ROUTINE)
    session_set(hi, SessionKey.PENDING, None)
    session_set(hi, SessionKey.ROUTINE, None)
    return deps.content.routines.get(rid) if isinstance(rid, str) else None


def begin_routine(deps: Deps, hi: HandlerInput, routine: Routine, lead: Speech | None = None) -> Response:
    """Start a routine: ask about pregnancy once if it has avoided points, leave those out for a
    pregnant user (saying why once), then play it hands-free or talk it through."""
    from skill.runtime.handlers.safety import contraindicated, has_contraindicated, only_contraindicated

    p = deps.prompts
    prof = profile(hi)
    speech = lead or Speech()
    if has_contraindicated(deps, routine) and not prof.pregnant and not prof.pregnancy_asked:
        session_set(hi, SessionKey.PENDING, Pending.PREGNANCY_QUESTION.value)
        session_set(hi, SessionKey.ROUTINE, routine.id)
        return reply(hi, speech.text(p.say("pregnancy_ask")), Speech().text(p.say("pregnancy_ask_reprompt")))
    if prof.pregnant and only_contraindicated(deps, routine):
        other = next((r for r in deps.content.routines.values()
                      if r.id != routine.id and not has_contraindicated(deps, r)), routine)
        more = Speech().text(p.say("what_you_can_say"))
        return reply(hi, speech.text(p.say("routine_not_in_pregnancy", name=routine.name, other=other.name)), more)
    avoid = contraindicated(deps) if prof.pregnant else frozenset()
    state = engine.start(routine, prof.prefs, exclude_points=avoid)
    if not prof.disclaimer_heard:
        speech.text(deps.content.safety.disclaimer_short)
    speech.text(p.say("routine_start", name=routine.name), *routine.intro)
    if len(state.step_ids) < len(routine.steps) and avoid:
        speech.text(deps.content.safety.pregnancy_skip)  # why points are missing, said once per routine
    prof = replace(prof, progress=state, disclaimer_heard=True, last_routine_id=routine.id, close_pending=None)
    if prof.playback_failed:
        # Told once; this routine is talked through so a failing stream is not retried in a loop.
        speech.text(p.say("playback_failed_notice"))
        prof = replace(prof, playback_failed=False)
    elif supports_audio(hi):
        if can_play(deps, hi, routine, state):
            set_profile(hi, prof)
            speech.text(p.say("audio_start"))
            return start_playing(deps, hi, routine, state, speech)
        speech.text(p.say("audio_unavailable"))
    step, reprompt = step_speech(deps, engine.plan_step(routine, state), Move.START)
    set_profile(hi, prof)
    return reply(hi, speech.extend(step), reprompt)


class ListRoutinesHandler(IntentHandler):
    """'What routines are there'."""

    intents = (Intent.LIST_ROUTINES,)

    def handle(self, handler_input: HandlerInput) -> Response:
        routines = list(self.content.routines.values())
        speech = self.say("routines_list", routines=routine_names(self.deps), first=routines[0].name)
        return reply(handler_input, speech, self.say("routines_reprompt", first=routines[0].name))
