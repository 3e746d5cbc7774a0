"""A routine under way in spoken turns: each step's speech, and moving through the steps."""

from __future__ import annotations

import logging
from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime import engine
from skill.runtime.content.models import Routine
from skill.runtime.engine import Delivery, Move, RoutineState, Status, StepPlan
from skill.runtime.errors import NoRoutineInProgress
from skill.runtime.flows.closing import close_routine
from skill.runtime.flows.turn import Deps, ongoing, profile, reply, set_profile
from skill.runtime.manifest import step_key
from skill.runtime.speech import MAX_BREAK_S, Speech, audio_url

log = logging.getLogger(__name__)

# Wording said before a step, by how we got there.
MOVE_PREFIX = {
    Move.SKIP: "step_skipped",
    Move.START_OVER: "step_start_over",
    Move.RESUME: "step_resume",
    Move.REPEAT: "step_repeat",
}


def routine_of(deps: Deps, state: RoutineState) -> Routine | None:
    """The routine a saved state refers to, if content still has it with those steps."""
    routine = deps.content.routines.get(state.routine_id)
    if routine is None:
        return None
    known = {s.id for s in routine.steps}
    return routine if all(s in known for s in state.step_ids) else None


def skipped_names(deps: Deps, routine: Routine, step_ids: tuple[str, ...] | None = None) -> list[str]:
    """Names of the avoided points a routine leaves out (all of them, or those between the kept steps
    before and at the given position), in routine order, each once."""
    avoid = {p.id for p in deps.content.points.values() if p.pregnancy_contraindicated}
    out: list[str] = []
    for s in routine.steps:
        if s.point in avoid and (step_ids is None or s.id in step_ids):
            name = deps.content.points[s.point].name
            if name not in out:
                out.append(name)
    return out


def skipped_before(deps: Deps, routine: Routine, kept: tuple[str, ...], index: int) -> list[str]:
    """The avoided points left out just before the kept step at `index` (said at that step)."""
    order = [s.id for s in routine.steps]
    here = kept[index] if 0 <= index < len(kept) else None
    if here is None or here not in order:
        return []
    before = kept[index - 1] if index > 0 else None
    start = order.index(before) + 1 if before in order else 0
    gap = tuple(order[start:order.index(here)])
    return skipped_names(deps, routine, gap) if gap else []


def spoken_duration(deps: Deps, seconds: int) -> str:
    """'one minute', 'ninety seconds' from the prompts; a plain count for other lengths."""
    key = f"duration_{seconds}"
    if deps.prompts.has(key):
        return deps.prompts.say(key)
    return deps.prompts.say("duration_seconds", seconds=seconds)


def _audio(deps: Deps, plan: StepPlan, speech: Speech) -> bool:
    """Add the step's rendered audio (words, timed hold, release) if it exists and fits."""
    if not deps.audio_base_url:
        return False
    entry = deps.manifest.get(step_key(plan.routine.id, plan.step.id, plan.audio_hold_s))
    if entry is None:
        return False
    if not speech.audio(audio_url(deps.audio_base_url, entry.path), entry.duration_ms):
        log.warning("step audio %s (%d ms) does not fit one response; speaking text", entry.key,
                    entry.duration_ms)
        return False
    return True


def _text(deps: Deps, plan: StepPlan, speech: Speech) -> None:
    """Speak the step; a hold longer than a <break> is left to the user ('say next when done')."""
    p = deps.prompts
    speech.text(*plan.step.say)
    if plan.hold_s:
        speech.text(p.say("hold_for", hold=spoken_duration(deps, plan.hold_s)))
        if plan.step.release:
            speech.text(p.say("hold_then"), *plan.step.release)
    elif plan.pause_s and plan.pause_s <= MAX_BREAK_S:
        speech.pause(plan.pause_s)
        speech.text(*plan.step.release)
    elif plan.pause_s:
        speech.text(p.say("pause_for", pause=spoken_duration(deps, plan.pause_s)))
        if plan.step.release:
            speech.text(p.say("hold_then"), *plan.step.release)
    else:
        speech.text(*plan.step.release)


def step_speech(deps: Deps, plan: StepPlan, how: Move, *, at_first: bool = False) -> tuple[Speech, Speech]:
    """The spoken step and its reprompt."""
    p = deps.prompts
    speech = Speech()
    if how is Move.PREVIOUS and at_first:
        speech.text(p.say("step_already_first"))
    elif how in MOVE_PREFIX:
        speech.text(p.say(MOVE_PREFIX[how]))
    speech.text(p.say("step_heading", number=plan.number, total=plan.total, title=plan.step.title))
    if not _audio(deps, plan, speech):
        _text(deps, plan, speech)
    speech.text(p.say("step_last_prompt" if plan.is_last else "step_next_prompt"))
    return speech, deps.say("step_reprompt")


def continue_routine(deps: Deps, hi: HandlerInput, how: Move) -> Response:
    """Apply one move to the saved routine and speak the step it lands on (or close the routine)."""
    prof = profile(hi)
    state = ongoing(prof)
    routine = routine_of(deps, state) if state else None
    if state is None or routine is None:
        if prof.progress is not None:
            set_profile(hi, replace(prof, progress=None))
        raise NoRoutineInProgress()
    # Spoken turns from here on, even if the routine was playing as long-form audio before.
    new = replace(engine.move(state, how), delivery=Delivery.DIALOG)
    if new.status is Status.FINISHED:
        return close_routine(deps, hi, routine)
    set_profile(hi, replace(prof, progress=new))
    speech, reprompt = step_speech(deps, engine.plan_step(routine, new), how, at_first=state.at_start)
    if prof.pregnant and how in (Move.NEXT, Move.SKIP):
        # At the place of a point left out in pregnancy: which one, and why, by name.
        names = skipped_before(deps, routine, new.step_ids, new.index)
        if names:
            speech = Speech().text(deps.prompts.say("pregnancy_skipped_here", points=deps.prompts.join(names))) \
                .extend(speech)
    return reply(hi, speech, reprompt)


def keep_place(hi: HandlerInput) -> bool:
    """Pause the routine under way so 'resume' finds it, today or tomorrow; False if there is none."""
    prof = profile(hi)
    state = ongoing(prof)
    if state is None:
        return False
    set_profile(hi, replace(prof, progress=engine.pause(state)))
    return True
