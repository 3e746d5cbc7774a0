"""The routine engine: pure moves over an immutable state."""

from __future__ import annotations

import pytest

from skill.runtime import engine
from skill.runtime.content.models import HOLD_CHOICES_S, Position
from skill.runtime.engine import Move, Preferences, RoutineState, Status


@pytest.fixture
def routine(content):
    return max(content.routines.values(), key=lambda r: len(r.steps))


def test_walk_forward_to_finished(routine) -> None:
    state = engine.start(routine, Preferences())
    seen = [state.step_id]
    while True:
        state = engine.next_step(state)
        if state.status is Status.FINISHED:
            break
        seen.append(state.step_id)
    assert seen == [s.id for s in routine.steps]


@pytest.mark.parametrize(("moves", "index"), [
    ([Move.NEXT, Move.NEXT, Move.PREVIOUS], 1),
    ([Move.PREVIOUS], 0),
    ([Move.NEXT, Move.REPEAT], 1),
    ([Move.NEXT, Move.NEXT, Move.START_OVER], 0),
    ([Move.SKIP, Move.SKIP], 2),
])
def test_moves(routine, moves, index) -> None:
    state = engine.start(routine, Preferences())
    for m in moves:
        state = engine.move(state, m)
    assert state.index == index and state.status is Status.ACTIVE


def test_moves_return_new_states(routine) -> None:
    state = engine.start(routine, Preferences())
    after = engine.next_step(state)
    assert state.index == 0 and after.index == 1


def test_skip_is_remembered_and_start_over_forgets(routine) -> None:
    state = engine.skip(engine.start(routine, Preferences()))
    assert state.skipped == (routine.steps[0].id,)
    assert engine.start_over(state).skipped == ()


def test_pause_resume_keeps_place(routine) -> None:
    state = engine.pause(engine.next_step(engine.start(routine, Preferences())), offset_ms=1234)
    assert state.status is Status.PAUSED and state.offset_ms == 1234
    assert engine.resume(state).index == 1


def test_excluded_points_are_left_out(routine) -> None:
    pointed = {s.point for s in routine.steps if s.point}
    if not pointed:
        pytest.skip("routine has no point steps")
    drop = sorted(pointed)[0]
    state = engine.start(routine, Preferences(), exclude_points={drop})
    kept = {s.id: s.point for s in routine.steps}
    assert all(kept[sid] != drop for sid in state.step_ids)


def test_hold_time_applies_to_plan(routine) -> None:
    state = engine.start(routine, Preferences().with_hold(100))
    assert state.hold_s in HOLD_CHOICES_S and state.hold_s == 90
    for i in range(state.total):
        plan = engine.plan_step(routine, RoutineState(**{**state.__dict__, "index": i}))
        assert plan.hold_s == (90 if plan.step.hold else None)


def test_state_round_trips_and_rejects_junk(routine) -> None:
    state = engine.skip(engine.start(routine, Preferences(hold_s=120)))
    assert RoutineState.from_dict(state.to_dict()) == state
    assert RoutineState.from_dict({"routine_id": "x", "step_ids": ["a"], "index": 5}) is None
    assert RoutineState.from_dict({"status": "weird"}) is None


def test_default_routine_follows_position(content) -> None:
    for pos in (Position.SEATED, Position.LYING):
        r = engine.default_routine(content.routines.values(), Preferences(position=pos))
        assert r is not None and r.position is pos


def test_playing_and_enqueued_follow_the_player(routine) -> None:
    state = engine.enqueued(engine.start(routine, Preferences()), 1)
    assert state.queued == 1
    moved = engine.playing(state, 1, 2500)
    assert (moved.index, moved.offset_ms, moved.queued, moved.status) == (1, 2500, None, Status.ACTIVE)
    assert RoutineState.from_dict(moved.to_dict()) == moved
    assert engine.next_step(state).queued is None


def test_exclude_mid_routine_keeps_the_place(content) -> None:
    routine = content.routines["hand_and_ankle"]
    points = {s.id: s.point for s in routine.steps}
    state = engine.start(routine, Preferences())
    at_li4 = next(i for i, sid in enumerate(state.step_ids) if points[sid] == "LI4")
    state = engine.playing(state, at_li4, 4000)
    cut = engine.exclude(state, routine, {"LI4", "BL60"})
    assert all(points[sid] not in {"LI4", "BL60"} for sid in cut.step_ids)
    # Standing on an excluded step moves on to the next kept one, from its start.
    assert cut.step_id == state.step_ids[at_li4 + 1] and cut.offset_ms == 0
    kept = engine.playing(engine.start(routine, Preferences()), 0, 700)
    assert engine.exclude(kept, routine, {"LI4"}).offset_ms == 700
