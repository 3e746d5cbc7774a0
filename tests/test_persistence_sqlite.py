"""Persistence in a real SQLite file: hashed keys, survives a restart, tolerant of stale data."""

from __future__ import annotations

import hashlib
import json
import sqlite3

from envelopes import USER_ID, Conversation, envelope, launch_request
from expectations import check

from skill.runtime.engine import Status
from skill.runtime.persistence import Profile, SQLiteAdapter


def test_progress_and_preferences_survive_a_restart(make_app, db_path, content) -> None:
    first = Conversation(make_app().handle_event)
    first.intent("SetHoldTimeIntent", {"duration": "PT90S"})
    first.intent("StartRoutineIntent", {"routine": {"value": "full routine", "id": "full_routine"}})
    first.intent("AMAZON.NoIntent")  # "are you pregnant?" (the routine has points avoided in pregnancy)
    first.intent("AMAZON.NextIntent")
    first.intent("AMAZON.StopIntent")

    again = Conversation(make_app().handle_event)  # a new process on the same file
    reply = again.send(launch_request())
    check(content, reply, {"prompt": ["welcome_back_continue"], "text": [content.routines["full_routine"].name]})

    rows = sqlite3.connect(db_path).execute("SELECT id, attributes FROM attributes").fetchall()
    assert len(rows) == 1
    key, stored = rows[0]
    assert key == hashlib.sha256(USER_ID.encode()).hexdigest()
    assert USER_ID not in stored and USER_ID not in db_path.read_bytes().decode("latin-1")
    profile = Profile.from_dict(json.loads(stored))
    assert profile.prefs.hold_s == 90
    assert profile.progress is not None and profile.progress.index == 1
    assert profile.progress.status is Status.PAUSED
    # Only what is needed: the answer "not pregnant" is kept so the question is asked once; no flag.
    assert set(json.loads(stored)) == {"schema", "prefs", "progress", "disclaimer_heard", "sessions",
                                       "last_routine_id", "pregnancy_asked"}


def test_users_are_kept_apart(make_app, content) -> None:
    app = make_app()
    Conversation(app.handle_event, user_id="amzn1.ask.account.A").intent("SetHoldTimeIntent", {"duration": "PT3M"})
    b = Conversation(app.handle_event, user_id="amzn1.ask.account.B")
    reply = b.send(launch_request())
    check(content, reply, {"prompt": ["welcome_first"]})


def test_adapter_round_trip_and_delete(db_path) -> None:
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    env = DefaultSerializer().deserialize(json.dumps(envelope(launch_request())), RequestEnvelope)
    adapter = SQLiteAdapter(db_path)
    assert adapter.get_attributes(env) == {}
    adapter.save_attributes(env, {"prefs": {"hold_s": 120}})
    assert SQLiteAdapter(db_path).get_attributes(env) == {"prefs": {"hold_s": 120}}
    adapter.delete_attributes(env)
    assert adapter.get_attributes(env) == {}


def test_stale_or_corrupt_profile_falls_back_to_defaults() -> None:
    p = Profile.from_dict({"prefs": {"hold_s": "lots", "position": "upside down"},
                           "progress": {"routine_id": "x", "step_ids": [], "index": 9}, "sessions": "many"})
    assert p == Profile()


def test_routine_state_dict_is_every_field_in_stored_form() -> None:
    """RoutineState.to_dict is built by hand: it must carry every field, as asdict would, in JSON form."""
    from dataclasses import asdict

    from skill.runtime.engine import Delivery, Preferences, RoutineState

    state = RoutineState("seated_lower_back", ("a", "b", "c"), index=1, status=Status.PAUSED, hold_s=120,
                         delivery=Delivery.AUDIO_PLAYER, skipped=("a",), offset_ms=1500, queued=2)
    expected = {**asdict(state), "step_ids": ["a", "b", "c"], "skipped": ["a"], "status": "paused",
                "delivery": "audio_player"}
    assert state.to_dict() == expected
    prof = Profile(prefs=Preferences(hold_s=120), progress=state, sessions=3, pregnancy_asked=True)
    data = prof.to_dict()
    assert data["progress"] == expected
    assert Profile.from_dict(json.loads(json.dumps(data))) == prof
