"""The pregnancy gate: points avoided in pregnancy, the question asked before a routine that has them,
and what the user says about it (asked or not)."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime import engine
from skill.runtime.content.models import Routine, RoutineKind
from skill.runtime.engine import Status
from skill.runtime.flows.stepping import routine_of
from skill.runtime.flows.turn import (
    Deps,
    Pending,
    SessionKey,
    ongoing,
    pending,
    profile,
    reply,
    session_get,
    session_set,
    set_profile,
)
from skill.runtime.persistence import Profile
from skill.runtime.speech import Speech


def contraindicated(deps: Deps) -> frozenset[str]:
    """Points the content marks as avoided in pregnancy."""
    return frozenset(p.id for p in deps.content.points.values() if p.pregnancy_contraindicated)


def has_contraindicated(deps: Deps, routine: Routine) -> bool:
    avoid = contraindicated(deps)
    return any(s.point in avoid for s in routine.steps if s.point)


def only_contraindicated(deps: Deps, routine: Routine) -> bool:
    """Every point step of the routine is on an avoided point (nothing left worth doing)."""
    pointed = [s.point for s in routine.steps if s.point]
    return bool(pointed) and all(p in contraindicated(deps) for p in pointed)


def waits_for_ok(prof: Profile, routine: Routine) -> bool:
    """Seed 003: acupressure in pregnancy only once her midwife or practitioner has said it is fine."""
    return prof.pregnant and not prof.pregnancy_cleared and routine.kind is RoutineKind.ACUPRESSURE


def posture_not_for_pregnancy(prof: Profile, routine: Routine) -> bool:
    """Pregnant, and the routine is only done flat on the back or face down."""
    return prof.pregnant and routine.kind is RoutineKind.ACUPRESSURE and not routine.fits_pregnancy


def seated_instead(deps: Deps, routine: Routine) -> Routine | None:
    """An acupressure routine to offer a pregnant user instead: seated or side-lying, not only avoided points."""
    return next((r for r in deps.content.routines.values()
                 if r.id != routine.id and r.kind is RoutineKind.ACUPRESSURE and r.fits_pregnancy
                 and not only_contraindicated(deps, r)), None)


def must_ask(deps: Deps, prof: Profile, routine: Routine) -> bool:
    """The routine has avoided points and the user has never said whether they are pregnant."""
    return has_contraindicated(deps, routine) and not prof.pregnant and not prof.pregnancy_asked


def ask_first(deps: Deps, hi: HandlerInput, routine: Routine, speech: Speech) -> Response:
    """Ask 'are you pregnant?' and keep the routine waiting on the answer."""
    session_set(hi, SessionKey.PENDING, Pending.PREGNANCY_QUESTION.value)
    session_set(hi, SessionKey.ROUTINE, routine.id)
    return reply(hi, speech.text(deps.prompts.say("pregnancy_ask")), deps.say("pregnancy_ask_reprompt"))


def ask_for_ok(deps: Deps, hi: HandlerInput, routine: Routine, speech: Speech) -> Response:
    """Ask whether her midwife or practitioner has said acupressure is fine; the routine waits on it."""
    session_set(hi, SessionKey.PENDING, Pending.PREGNANCY_OK.value)
    session_set(hi, SessionKey.ROUTINE, routine.id)
    speech.text(deps.prompts.say("pregnancy_needs_ok", name=routine.name), deps.prompts.say("pregnancy_ok_ask"))
    return reply(hi, speech, deps.say("pregnancy_ok_reprompt"))


def instead_of(deps: Deps, routine: Routine) -> Routine:
    """A routine with no avoided points to suggest instead (the same one if there is none)."""
    return next((r for r in deps.content.routines.values()
                 if r.id != routine.id and not has_contraindicated(deps, r)), routine)


def pending_routine(deps: Deps, hi: HandlerInput) -> Routine | None:
    """The routine waiting on the answer to 'are you pregnant?', if that question is open (it closes now)."""
    if pending(hi) not in (Pending.PREGNANCY_QUESTION, Pending.PREGNANCY_OK):
        return None
    rid = session_get(hi, SessionKey.ROUTINE)
    session_set(hi, SessionKey.PENDING, None)
    session_set(hi, SessionKey.ROUTINE, None)
    return deps.content.routines.get(rid) if isinstance(rid, str) else None


def note_pregnant(deps: Deps, hi: HandlerInput) -> Speech:
    """Remember the user said they are pregnant. Acupressure under way stops until her midwife or
    practitioner says it is fine (a cleared user keeps going without the avoided points)."""
    prof = profile(hi)
    progress = prof.progress
    state = ongoing(prof)
    routine = routine_of(deps, state) if state else None
    if state is not None and routine is not None:
        if prof.pregnancy_cleared or routine.kind is not RoutineKind.ACUPRESSURE:
            progress = engine.exclude(state, routine, contraindicated(deps))
            if progress.status is Status.FINISHED:
                progress = None
        else:
            progress = None
    set_profile(hi, replace(prof, pregnant=True, pregnancy_asked=True, progress=progress))
    return Speech().text(*deps.content.safety.pregnancy)


def note_cleared(deps: Deps, hi: HandlerInput) -> Speech:
    """Her midwife or practitioner said acupressure is fine: routines, still without the avoided points."""
    prof = profile(hi)
    set_profile(hi, replace(prof, pregnant=True, pregnancy_asked=True, pregnancy_cleared=True))
    return Speech().text(*deps.content.safety.pregnancy_cleared, deps.prompts.say("pregnancy_change_hint"))


def note_not_pregnant(hi: HandlerInput) -> None:
    """Remember the user is not (or no longer) pregnant: every point is coached again (both flags go)."""
    set_profile(hi, replace(profile(hi), pregnant=False, pregnancy_cleared=False, pregnancy_asked=True))


def note_asked(hi: HandlerInput) -> None:
    """The user answered 'no' to the question: do not ask again."""
    set_profile(hi, replace(profile(hi), pregnancy_asked=True))
