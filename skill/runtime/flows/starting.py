"""Begin a routine: the pregnancy gate, the disclaimer and intro, then AudioPlayer streams or spoken steps."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime import engine
from skill.runtime.content.models import Posture, Routine
from skill.runtime.engine import Move
from skill.runtime.flows.player import can_play, start_playing, supports_audio
from skill.runtime.flows.pregnancy_gate import (
    ask_first,
    ask_for_ok,
    contraindicated,
    instead_of,
    must_ask,
    only_contraindicated,
    pending_routine,
    posture_not_for_pregnancy,
    seated_instead,
    waits_for_ok,
)
from skill.runtime.flows.stepping import skipped_names, step_speech
from skill.runtime.flows.turn import Deps, profile, reply, set_profile
from skill.runtime.speech import Speech


def begin_routine(deps: Deps, hi: HandlerInput, routine: Routine, lead: Speech | None = None) -> Response:
    """Start a routine: ask about pregnancy once if it has avoided points, leave those out for a
    pregnant user (saying why once), then play it hands-free or talk it through."""
    p = deps.prompts
    prof = profile(hi)
    speech = lead or Speech()
    if must_ask(deps, prof, routine):
        return ask_first(deps, hi, routine, speech)
    if posture_not_for_pregnancy(prof, routine):
        # Said before asking for her practitioner's OK: that OK would not make lying flat advisable.
        seated = seated_instead(deps, routine)
        if seated is not None:
            speech.text(p.say("pregnancy_posture", name=routine.name, other=seated.name))
            return reply(hi, speech, deps.say("what_you_can_say"))
    if waits_for_ok(prof, routine):
        return ask_for_ok(deps, hi, routine, speech)
    if prof.pregnant and only_contraindicated(deps, routine):
        other = instead_of(deps, routine)
        more = deps.say("what_you_can_say")
        return reply(hi, speech.text(p.say("routine_not_in_pregnancy", name=routine.name, other=other.name)), more)
    avoid = contraindicated(deps) if prof.pregnant else frozenset()
    state = engine.start(routine, prof.prefs, exclude_points=avoid)
    if not prof.disclaimer_heard:
        speech.text(deps.content.safety.disclaimer_short)
    speech.text(p.say("routine_start", name=routine.name), *routine.intro)
    if prof.pregnant and Posture.ON_BACK in routine.all_postures:
        speech.text(p.say("pregnancy_seated_only"))
    if len(state.step_ids) < len(routine.steps) and avoid:
        # Which points are left out and why, by name, once per routine (and again at their place).
        names = skipped_names(deps, routine)
        speech.text(p.say("pregnancy_skipping_points", points=deps.prompts.join(names)) if names
                    else deps.content.safety.pregnancy_skip)
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


def begin_waiting_routine(deps: Deps, hi: HandlerInput, lead: Speech) -> Response | None:
    """Start the routine that waited on 'are you pregnant?' (that question closes either way); None if none."""
    routine = pending_routine(deps, hi)
    return begin_routine(deps, hi, routine, lead) if routine is not None else None
