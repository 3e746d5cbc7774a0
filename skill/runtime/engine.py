"""Routine engine: pure functions over an immutable routine state (no ASK SDK types).

Every move returns a new state; handlers persist it and turn a `StepPlan` into speech.
`start(..., exclude_points=...)` and `exclude()` leave out points (pregnancy); `Delivery.AUDIO_PLAYER`,
`offset_ms`, `playing()` and `enqueued()` follow long-form playback so it can resume tomorrow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from enum import StrEnum
from typing import Any

from skill.runtime.content.models import HOLD_DEFAULT_S, Position, Routine, RoutineKind, Step, snap_hold
from skill.runtime.records import record


class Status(StrEnum):
    """Where a routine stands."""

    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"


class Delivery(StrEnum):
    """How steps reach the user: spoken turns (dialog) or long-form AudioPlayer playback."""

    DIALOG = "dialog"
    AUDIO_PLAYER = "audio_player"


class Move(StrEnum):
    """What the user asked the routine to do; picks the wording around a step."""

    START = "start"
    NEXT = "next"
    PREVIOUS = "previous"
    REPEAT = "repeat"
    SKIP = "skip"
    START_OVER = "start_over"
    RESUME = "resume"


@record(frozen=True)
class Preferences:
    """What a user chose: hold time (snapped to rendered choices) and body position."""

    hold_s: int = HOLD_DEFAULT_S
    position: Position | None = None

    def with_hold(self, seconds: float) -> Preferences:
        return replace(self, hold_s=snap_hold(seconds))

    def to_dict(self) -> dict[str, Any]:
        return {"hold_s": self.hold_s, "position": self.position.value if self.position else None}

    @staticmethod
    def from_dict(data: Mapping[str, Any] | None) -> Preferences:
        """Tolerant of missing or stale fields: anything unusable falls back to the default."""
        data = data or {}
        try:
            hold = snap_hold(float(data.get("hold_s", HOLD_DEFAULT_S)))
        except (TypeError, ValueError):
            hold = HOLD_DEFAULT_S
        try:
            position = Position(data["position"]) if data.get("position") else None
        except ValueError:
            position = None
        return Preferences(hold_s=hold, position=position)


@record(frozen=True)
class RoutineState:
    """Progress through one routine: the planned steps, where we are, and how it is delivered."""

    routine_id: str
    step_ids: tuple[str, ...]
    index: int = 0
    status: Status = Status.ACTIVE
    hold_s: int = HOLD_DEFAULT_S
    delivery: Delivery = Delivery.DIALOG
    skipped: tuple[str, ...] = ()
    offset_ms: int = 0  # AudioPlayer: where playback stopped within the current item
    queued: int | None = None  # AudioPlayer: index of the step already enqueued (enqueue once)
    # AudioPlayer: a notice naming a left-out point plays after step `index` (its ordinal in that gap),
    # and the notice already enqueued after step `queued`; None while a step itself plays or is queued.
    notice: int | None = None
    queued_notice: int | None = None

    @property
    def total(self) -> int:
        return len(self.step_ids)

    @property
    def number(self) -> int:
        """1-based step number for speech."""
        return self.index + 1

    @property
    def step_id(self) -> str | None:
        return self.step_ids[self.index] if 0 <= self.index < self.total else None

    @property
    def at_start(self) -> bool:
        return self.index == 0

    @property
    def at_end(self) -> bool:
        return self.index >= self.total - 1

    @property
    def in_progress(self) -> bool:
        return self.status in (Status.ACTIVE, Status.PAUSED)

    def to_dict(self) -> dict[str, Any]:
        # Built by hand: dataclasses.asdict deep-copies and is slow on the per-request save path.
        return {"routine_id": self.routine_id, "step_ids": list(self.step_ids), "index": self.index,
                "status": self.status.value, "hold_s": self.hold_s, "delivery": self.delivery.value,
                "skipped": list(self.skipped), "offset_ms": self.offset_ms, "queued": self.queued,
                "notice": self.notice, "queued_notice": self.queued_notice}

    @staticmethod
    def from_dict(data: Mapping[str, Any] | None) -> RoutineState | None:
        """A saved state, or None if it is missing or unreadable (a stale save must not break launch)."""
        if not data:
            return None
        try:
            state = RoutineState(
                routine_id=str(data["routine_id"]),
                step_ids=tuple(str(s) for s in data["step_ids"]),
                index=int(data.get("index", 0)),
                status=Status(data.get("status", Status.ACTIVE)),
                hold_s=snap_hold(float(data.get("hold_s", HOLD_DEFAULT_S))),
                delivery=Delivery(data.get("delivery", Delivery.DIALOG)),
                skipped=tuple(str(s) for s in data.get("skipped", ())),
                offset_ms=int(data.get("offset_ms", 0)),
                queued=int(data["queued"]) if data.get("queued") is not None else None,
                notice=int(data["notice"]) if data.get("notice") is not None else None,
                queued_notice=int(data["queued_notice"]) if data.get("queued_notice") is not None else None,
            )
        except (KeyError, TypeError, ValueError):
            return None
        if not state.step_ids or not 0 <= state.index < state.total:
            return None
        return state


@record(frozen=True)
class StepPlan:
    """What one step asks of the user, resolved against preferences."""

    routine: Routine
    step: Step
    number: int
    total: int
    hold_s: int | None      # the user's hold time, for steps with `hold: true`
    pause_s: int | None     # fixed quiet time (mindfulness)
    audio_hold_s: int | None = field(default=None)  # hold part of the step's audio key

    @property
    def is_last(self) -> bool:
        return self.number == self.total


def plan_steps(routine: Routine, exclude_points: Iterable[str] = ()) -> tuple[str, ...]:
    """Step ids to run, leaving out steps on excluded points (e.g. contraindicated in pregnancy)."""
    excluded = set(exclude_points)
    return tuple(s.id for s in routine.steps if s.point is None or s.point not in excluded)


# Moving to a step (not a notice) forgets any notice playing or queued.
NO_NOTICE: dict[str, Any] = {"notice": None, "queued_notice": None}


def start(routine: Routine, prefs: Preferences, exclude_points: Iterable[str] = (),
          delivery: Delivery = Delivery.DIALOG) -> RoutineState:
    """A fresh state at the first step."""
    steps = plan_steps(routine, exclude_points)
    if not steps:
        steps = (routine.steps[0].id,)
    return RoutineState(routine_id=routine.id, step_ids=steps, hold_s=prefs.hold_s, delivery=delivery)


def next_step(state: RoutineState) -> RoutineState:
    """Advance; past the last step the routine is finished."""
    if state.at_end:
        return replace(state, status=Status.FINISHED, offset_ms=0, queued=None, **NO_NOTICE)
    return replace(state, index=state.index + 1, status=Status.ACTIVE, offset_ms=0, queued=None, **NO_NOTICE)


def skip(state: RoutineState) -> RoutineState:
    """Advance without doing this step, and remember it was skipped."""
    skipped = state.skipped if state.step_id in state.skipped else (*state.skipped, state.step_id or "")
    return replace(next_step(state), skipped=skipped)


def previous(state: RoutineState) -> RoutineState:
    """Go back one step; at the first step stay there."""
    return replace(state, index=max(0, state.index - 1), status=Status.ACTIVE, offset_ms=0, queued=None, **NO_NOTICE)


def repeat(state: RoutineState) -> RoutineState:
    """The same step again, from its beginning."""
    return replace(state, status=Status.ACTIVE, offset_ms=0, queued=None, queued_notice=None)


def start_over(state: RoutineState) -> RoutineState:
    """Back to the first step."""
    return replace(state, index=0, status=Status.ACTIVE, skipped=(), offset_ms=0, queued=None, **NO_NOTICE)


def pause(state: RoutineState, offset_ms: int = 0) -> RoutineState:
    return replace(state, status=Status.PAUSED, offset_ms=offset_ms)


def resume(state: RoutineState) -> RoutineState:
    return replace(state, status=Status.ACTIVE)


def playing(state: RoutineState, index: int, offset_ms: int = 0, notice: int | None = None) -> RoutineState:
    """AudioPlayer reports step `index` (or the notice `notice` after it) playing from `offset_ms`
    (nothing queued after it yet)."""
    return replace(state, index=index, status=Status.ACTIVE, offset_ms=max(0, offset_ms), queued=None,
                   notice=notice, queued_notice=None)


def enqueued(state: RoutineState, index: int, notice: int | None = None) -> RoutineState:
    """Remember that step `index` (or the notice `notice` after it) is already queued behind the current one."""
    return replace(state, queued=index, queued_notice=notice)


def exclude(state: RoutineState, routine: Routine, exclude_points: Iterable[str]) -> RoutineState:
    """Drop steps on excluded points from a running routine, keeping the place (or the next step)."""
    excluded = set(exclude_points)
    points = {s.id: s.point for s in routine.steps}
    keep = tuple(sid for sid in state.step_ids if points.get(sid) is None or points[sid] not in excluded)
    if keep == state.step_ids:
        return state
    if not keep:
        return replace(state, step_ids=(routine.steps[0].id,), index=0, offset_ms=0, queued=None, **NO_NOTICE,
                       status=Status.FINISHED)
    # The first kept step at or after the current one; past the end means the routine is over.
    later = [i for i, sid in enumerate(keep) if sid in state.step_ids[state.index:]]
    if not later:
        return replace(state, step_ids=keep, index=len(keep) - 1, status=Status.FINISHED, offset_ms=0,
                       queued=None, **NO_NOTICE)
    moved = keep[later[0]] != state.step_id
    return replace(state, step_ids=keep, index=later[0], queued=None, **NO_NOTICE,
                   offset_ms=0 if moved else state.offset_ms)


def with_hold(state: RoutineState, prefs: Preferences) -> RoutineState:
    """Apply a changed hold time to the steps still to come."""
    return replace(state, hold_s=prefs.hold_s)


MOVES = {
    Move.NEXT: next_step,
    Move.SKIP: skip,
    Move.PREVIOUS: previous,
    Move.REPEAT: repeat,
    Move.START_OVER: start_over,
    Move.RESUME: resume,
}


def move(state: RoutineState, how: Move) -> RoutineState:
    """Apply one navigation command."""
    return MOVES[how](state)


def plan_step(routine: Routine, state: RoutineState) -> StepPlan:
    """The current step with its hold or pause resolved."""
    steps = {s.id: s for s in routine.steps}
    step = steps[state.step_id or routine.steps[0].id]
    hold = state.hold_s if step.hold else None
    return StepPlan(
        routine=routine,
        step=step,
        number=state.number,
        total=state.total,
        hold_s=hold,
        pause_s=step.pause_s,
        audio_hold_s=hold,
    )


def default_routine(routines: Iterable[Routine], prefs: Preferences) -> Routine | None:
    """The first acupressure routine matching the user's position (any position if none chosen)."""
    candidates = [r for r in routines if r.kind is RoutineKind.ACUPRESSURE]
    if prefs.position is not None:
        for r in candidates:
            if r.position is prefs.position:
                return r
    return candidates[0] if candidates else None
