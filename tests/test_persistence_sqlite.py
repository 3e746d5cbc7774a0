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


def _envelope(user: str = USER_ID):
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    return DefaultSerializer().deserialize(json.dumps(envelope(launch_request(), user_id=user)), RequestEnvelope)


READER = """
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=0)
rows = db.execute("SELECT attributes FROM attributes").fetchall()
print(json.dumps({"rows": [json.loads(r[0]) for r in rows],
                  "journal": db.execute("PRAGMA journal_mode").fetchone()[0]}))
"""


def _read_from_another_process(db_path) -> dict:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", READER, str(db_path)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_one_open_connection_others_read_every_write_at_once(db_path) -> None:
    """The kept-open connection holds no transaction between calls: another process reads each save
    immediately, without waiting (timeout 0), and sees the WAL journal."""
    adapter = SQLiteAdapter(db_path)
    env = _envelope()
    for hold in (60, 90, 120):
        adapter.save_attributes(env, {"prefs": {"hold_s": hold}})
        assert adapter.get_attributes(env) == {"prefs": {"hold_s": hold}}
        seen = _read_from_another_process(db_path)
        assert seen == {"rows": [{"prefs": {"hold_s": hold}}], "journal": "wal"}
    assert adapter._db is not None and adapter._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    first = adapter._db
    adapter.get_attributes(env)
    assert adapter._db is first  # the same connection, call after call


def test_a_replaced_file_is_picked_up(db_path, tmp_path) -> None:
    """A maintainer restores a backup by moving a file into place: the running skill reads the restored
    data, not the file it had open, and writes go to the restored file."""
    adapter = SQLiteAdapter(db_path)
    env = _envelope()
    adapter.save_attributes(env, {"prefs": {"hold_s": 60}})
    backup = tmp_path / "backup.sqlite3"
    other = SQLiteAdapter(backup)
    other.save_attributes(env, {"prefs": {"hold_s": 180}})
    other.close()
    import os

    os.replace(backup, db_path)
    for stale in ("-wal", "-shm"):
        (db_path.parent / (db_path.name + stale)).unlink(missing_ok=True)
    assert adapter.get_attributes(env) == {"prefs": {"hold_s": 180}}
    adapter.save_attributes(env, {"prefs": {"hold_s": 120}})
    assert _read_from_another_process(db_path)["rows"] == [{"prefs": {"hold_s": 120}}]


def test_threads_share_the_connection(db_path) -> None:
    """The web service answers on several threads: each user's state stays its own."""
    from concurrent.futures import ThreadPoolExecutor

    adapter = SQLiteAdapter(db_path)
    users = [f"amzn1.ask.account.T{i}" for i in range(8)]

    def work(i: int) -> list[int]:
        env = _envelope(users[i])
        seen = []
        for n in range(25):
            adapter.save_attributes(env, {"n": n, "user": i})
            seen.append(adapter.get_attributes(env)["n"])
        return seen

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(len(users))))
    assert results == [list(range(25))] * len(users)
    assert sorted(r["user"] for r in _read_from_another_process(db_path)["rows"]) == list(range(len(users)))
