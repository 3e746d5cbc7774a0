"""Model-based test of routine progress: random intents and AudioPlayer events through lambda_handler.

A tiny reference model of the saved progress (routine, step index, status, offset, delivery) is
updated from every request that reaches the skill (voice turns, device events, crafted events with
current or stale tokens), by the documented semantics; after every rule the profile read straight
from the SQLite file must equal the model. "Restart" rules drop the in-process app; a separate test
SIGKILLs a real process between requests and checks the file afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import AUDIO_BASE, ROOT, STEP_MS, import_lambda, rendered_manifest_data
from envelopes import (
    SKILL_ID,
    AudioDevice,
    Conversation,
    audio_player_event,
    envelope,
    intent_request,
    launch_request,
    session_ended_request,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from skill.runtime.content import Content, default_content
from skill.runtime.engine import Delivery, Status
from skill.runtime.persistence import Profile, SQLiteAdapter
from skill.runtime.streams import REWIND_MS, Token

CONTENT: Content = default_content()
# Routines with no point avoided in pregnancy start at once (no "are you pregnant?" question first).
ROUTINES = tuple(r for r in ("seated_lower_back", "back_of_knee", "mindfulness") if r in CONTENT.routines)


def _intent_names() -> dict[str, str]:
    """Our intent names for the moves, from the skill's own Intent enum (SkipStep is custom)."""
    from skill.runtime.handlers.intents import Intent

    names = {"next": Intent.NEXT, "skip": Intent.SKIP, "previous": Intent.PREVIOUS,
             "start_over": Intent.START_OVER, "repeat": Intent.REPEAT, "resume": Intent.RESUME,
             "pause": Intent.PAUSE, "stop": Intent.STOP}
    return {str(v.value): k for k, v in names.items()}


INTENT_MOVES = _intent_names()
MOVE_INTENT = {v: k for k, v in INTENT_MOVES.items()}


# ---- the reference model


@dataclass(frozen=True)
class Progress:
    routine: str
    steps: tuple[str, ...]
    index: int = 0
    status: Status = Status.ACTIVE
    offset: int = 0
    delivery: Delivery = Delivery.DIALOG

    @property
    def last(self) -> bool:
        return self.index >= len(self.steps) - 1


@dataclass
class Model:
    """What the saved profile must hold, updated from each request by the documented semantics."""

    progress: Progress | None = None
    playback_failed: bool = False

    def token_matches(self, tok: Token | None) -> bool:
        p = self.progress
        return (tok is not None and p is not None and tok.routine_id == p.routine
                and 0 <= tok.index < len(p.steps) and p.steps[tok.index] == tok.step_id)

    def apply(self, body: Mapping[str, Any]) -> None:
        req = body["request"]
        kind = req["type"]
        p = self.progress
        if kind == "LaunchRequest":
            if self.playback_failed:  # told once; the saved place continues as spoken turns
                self.playback_failed = False
                if p is not None:
                    self.progress = replace(p, delivery=Delivery.DIALOG)
        elif kind == "IntentRequest":
            self.intent(body, req["intent"]["name"], req["intent"].get("slots") or {})
        elif kind.startswith("AudioPlayer."):
            self.event(kind.split(".", 1)[1], req)

    def intent(self, body: Mapping[str, Any], name: str, slots: Mapping[str, Any]) -> None:
        audio_device = "AudioPlayer" in body["context"]["System"]["device"]["supportedInterfaces"]
        p = self.progress
        if name == "StartRoutineIntent":
            rid = slots["routine"]["value"]
            steps = tuple(s.id for s in CONTENT.routines[rid].steps)
            audio = audio_device and not self.playback_failed
            self.playback_failed = False
            self.progress = Progress(rid, steps, delivery=Delivery.AUDIO_PLAYER if audio else Delivery.DIALOG)
            return
        move = INTENT_MOVES.get(name)
        if move is None or p is None or p.status is Status.FINISHED:
            return  # "no routine in progress": nothing changes
        audio_mode = audio_device and p.delivery is Delivery.AUDIO_PLAYER
        if move in ("pause", "stop"):
            offset = self.player_offset(body) if audio_mode else 0
            self.progress = replace(p, status=Status.PAUSED, offset=offset)
            return
        if move == "repeat" and not audio_mode and (body.get("session") or {}).get("attributes", {}).get(
                "last_speech"):
            return  # repeats the last reply of this session, not the step
        if move == "resume" and audio_mode:
            self.progress = replace(p, status=Status.ACTIVE, offset=max(0, p.offset - REWIND_MS)
                                    if max(0, p.offset - REWIND_MS) < STEP_MS else 0)
            return
        delivery = p.delivery if audio_mode else Delivery.DIALOG
        if move in ("next", "skip"):
            self.progress = None if p.last else replace(p, index=p.index + 1, status=Status.ACTIVE, offset=0,
                                                        delivery=delivery)
        elif move == "previous":
            self.progress = replace(p, index=max(0, p.index - 1), status=Status.ACTIVE, offset=0, delivery=delivery)
        elif move in ("repeat", "start_over"):
            index = 0 if move == "start_over" else p.index
            self.progress = replace(p, index=index, status=Status.ACTIVE, offset=0, delivery=delivery)
        elif move == "resume":
            self.progress = replace(p, status=Status.ACTIVE, delivery=delivery)

    def player_offset(self, body: Mapping[str, Any]) -> int:
        """Where the device says it is, if it is playing the saved step; else the saved offset."""
        p = self.progress
        assert p is not None
        player = body["context"].get("AudioPlayer") or {}
        tok = Token.parse(player.get("token"))
        if tok and tok.current(CONTENT.version) and self.token_matches(tok) and tok.index == p.index:
            return int(player.get("offsetInMilliseconds") or 0)
        return p.offset

    def event(self, kind: str, req: Mapping[str, Any]) -> None:
        p = self.progress
        tok = Token.parse(req.get("token"))
        if kind == "PlaybackFailed":
            self.playback_failed = True
            if p is not None and self.token_matches(tok):  # any version: keep the place, never retry
                assert tok is not None
                offset = req["currentPlaybackState"]["offsetInMilliseconds"]
                self.progress = replace(p, index=tok.index, status=Status.PAUSED, offset=offset)
            return
        if p is None or tok is None or not tok.current(CONTENT.version) or not self.token_matches(tok):
            return
        offset = int(req.get("offsetInMilliseconds") or 0)
        if kind == "PlaybackStarted":
            self.progress = replace(p, index=tok.index, status=Status.ACTIVE, offset=max(0, offset))
        elif kind == "PlaybackFinished" and tok.index == p.index:
            self.progress = None if p.last else replace(p, index=p.index + 1, status=Status.ACTIVE, offset=0)
        elif kind == "PlaybackStopped" and tok.index == p.index:
            self.progress = replace(p, status=Status.PAUSED, offset=offset)


# ---- the skill as deployed: lambda_function configured by environment, on a real SQLite file


@dataclass
class Deployment:
    """One temporary deployment (audio manifest, SQLite file) and its current Lambda container."""

    root: Path
    module: Any = None

    @property
    def db(self) -> Path:
        return self.root / "state" / "acupressure.sqlite3"

    def env(self) -> dict[str, str]:
        return {"ACUPRESSURE_AUDIO_DIR": str(self.root / "audio"), "ACUPRESSURE_AUDIO_BASE_URL": AUDIO_BASE,
                "ACUPRESSURE_DB": str(self.db), "ACUPRESSURE_SKILL_ID": SKILL_ID}

    @staticmethod
    def create() -> Deployment:
        root = Path(tempfile.mkdtemp(prefix="acu-state-"))
        (root / "audio").mkdir()
        (root / "audio" / "manifest.json").write_text(json.dumps(rendered_manifest_data(CONTENT)))
        return Deployment(root)

    def cold_start(self) -> None:
        """A new Lambda container: lambda_function imported afresh from the environment."""
        saved = {k: os.environ.get(k) for k in (*self.env(), "ACUPRESSURE_DYNAMODB_TABLE")}
        os.environ.update(self.env())
        os.environ.pop("ACUPRESSURE_DYNAMODB_TABLE", None)
        try:
            self.module = import_lambda()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def stored(self) -> tuple[dict[str, Any] | None, Profile]:
        """The raw stored attributes and the profile, straight from the file through the adapter."""
        from ask_sdk_core.serialize import DefaultSerializer
        from ask_sdk_model import RequestEnvelope

        env = DefaultSerializer().deserialize(json.dumps(envelope(launch_request())), RequestEnvelope)
        raw = SQLiteAdapter(self.db).get_attributes(env)
        return raw, Profile.from_dict(raw)


def durations() -> dict[str, int]:
    data = rendered_manifest_data(CONTENT)
    return {AUDIO_BASE + e["path"]: e["duration_ms"] for e in data["files"].values()}


OFFSETS = st.integers(min_value=0, max_value=STEP_MS + 3000)


class RoutineProgress(RuleBasedStateMachine):
    """One user with a speaker (dialog) and an Echo that plays audio; the model follows every request."""

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.deployment = Deployment.create()
        self.deployment.cold_start()
        self.requests = 0
        self.speaker = Conversation(self.send)
        self.echo = AudioDevice(self.send, durations())

    def send(self, body: dict[str, Any]) -> dict[str, Any]:
        """The transport: the skill answers first, then the model takes the same request."""
        reply = json.loads(json.dumps(self.deployment.module.lambda_handler(json.loads(json.dumps(body)), None)))
        assert isinstance(reply.get("response"), dict), reply
        self.model.apply(body)
        self.requests += 1
        return reply

    def teardown(self) -> None:
        shutil.rmtree(self.deployment.root, ignore_errors=True)

    # ---- voice

    @rule()
    def launch(self) -> None:
        self.speaker.launch()

    @rule(routine=st.sampled_from(ROUTINES), audio=st.booleans())
    def start_routine(self, routine: str, audio: bool) -> None:
        device = self.echo if audio else self.speaker
        device.intent("StartRoutineIntent", {"routine": {"value": routine, "id": routine}})

    @rule(move=st.sampled_from(sorted(MOVE_INTENT)), audio=st.booleans())
    def navigate(self, move: str, audio: bool) -> None:
        (self.echo if audio else self.speaker).intent(MOVE_INTENT[move])

    @rule(offset=OFFSETS)
    def pause_while_playing(self, offset: int) -> None:
        """'Alexa, pause' on the Echo partway into whatever it plays (the device reports its offset)."""
        if self.echo.active:
            self.echo.offset = min(offset, self.echo.durations[self.echo.url or ""])
        self.echo.intent(MOVE_INTENT["pause"])

    @rule()
    def end_session(self) -> None:
        self.speaker.end_session()

    # ---- the Echo's own playback, and crafted events with current or stale tokens

    @rule(ms=st.integers(min_value=0, max_value=3 * STEP_MS))
    def listen(self, ms: int) -> None:
        self.echo.listen(ms)

    @rule(kind=st.sampled_from(["PlaybackStarted", "PlaybackNearlyFinished", "PlaybackFinished",
                                "PlaybackStopped", "PlaybackFailed"]),
          which=st.sampled_from(["current", "other_step", "stale_version", "other_routine", "garbage"]),
          offset=OFFSETS, shift=st.integers(min_value=-2, max_value=2))
    def playback_event(self, kind: str, which: str, offset: int, shift: int) -> None:
        token = self.crafted_token(which, shift)
        self.send(envelope(audio_player_event(kind, token, offset), session=False, audio_player=True))

    def crafted_token(self, which: str, shift: int) -> str:
        p = self.model.progress
        routine = CONTENT.routines[p.routine if p else ROUTINES[0]]
        index = min(max(0, (p.index if p else 0) + (shift if which == "other_step" else 0)), len(routine.steps) - 1)
        step = routine.steps[index].id
        version = CONTENT.version[:8]
        if which == "stale_version":
            version = "0ld" + version[3:]
        if which == "other_routine":
            other = next(r for r in CONTENT.routines.values() if r.id != routine.id)
            return Token(version, other.id, 0, other.steps[0].id, None).encode()
        if which == "garbage":
            return "not-a-token"
        return Token(version, routine.id, index, step, None).encode()

    # ---- restarts: a new Lambda container on the same file

    @rule()
    def restart(self) -> None:
        self.deployment.cold_start()

    @precondition(lambda self: self.requests > 0)
    @rule()
    def restart_device(self) -> None:
        """The Echo reboots: nothing plays, nothing is queued (the saved place must not depend on it)."""
        self.echo = AudioDevice(self.send, durations())

    # ---- after every rule

    @invariant()
    def saved_progress_matches_the_model(self) -> None:
        raw, prof = self.deployment.stored()
        m = self.model.progress
        if m is None:
            assert prof.progress is None, prof.progress
            return
        assert raw and isinstance(raw.get("progress"), dict), "saved progress lost"
        got = prof.progress
        assert got is not None, f"saved progress unreadable: {raw.get('progress')}"
        assert (got.routine_id, got.index, got.status, got.offset_ms, got.delivery) == (
            m.routine, m.index, m.status, m.offset, m.delivery)
        assert 0 <= got.index < got.total and got.offset_ms >= 0
        assert got.step_ids == m.steps

    @invariant()
    def file_is_sound(self) -> None:
        if self.deployment.db.exists():
            with sqlite3.connect(self.deployment.db) as db:
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                for (text,) in db.execute("SELECT attributes FROM attributes"):
                    assert isinstance(json.loads(text), dict)


RoutineProgress.TestCase.settings = settings(
    max_examples=50, stateful_step_count=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Slow tier (long fuzz: 50 runs of 25 random steps); the SIGKILL and model checks below stay fast.
test_routine_progress_follows_the_model = pytest.mark.slow(RoutineProgress.TestCase)


# ---- a real process killed between requests


SERVER = """
import json, sys
sys.path.insert(0, {root!r})
import importlib.util
spec = importlib.util.spec_from_file_location("lf", {lf!r})
lf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lf)
print("ready", flush=True)
for line in sys.stdin:
    reply = lf.lambda_handler(json.loads(line), None)
    print(json.dumps(reply), flush=True)
"""


class Process:
    """lambda_function in its own Python process, one JSON envelope per line in, one reply out."""

    def __init__(self, env: Mapping[str, str]):
        code = SERVER.format(root=str(ROOT), lf=str(ROOT / "lambda" / "lambda_function.py"))
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True,
                                     env={**os.environ, **env, "ACUPRESSURE_LOG_LEVEL": "WARNING"})
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(body) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=10) == -signal.SIGKILL
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.mark.parametrize("audio", [False, True], ids=["dialog", "audio_player"])
def test_progress_survives_sigkill_between_requests(audio: bool) -> None:
    deployment = Deployment.create()
    try:
        model = Model()

        def transport_of(proc: Process) -> Callable[[dict[str, Any]], dict[str, Any]]:
            def send(body: dict[str, Any]) -> dict[str, Any]:
                reply = proc(body)
                model.apply(body)
                return reply
            return send

        proc = Process(deployment.env())
        device: Any = AudioDevice(transport_of(proc), durations()) if audio else Conversation(transport_of(proc))
        routine = ROUTINES[0]
        device.intent("StartRoutineIntent", {"routine": {"value": routine, "id": routine}})
        device.intent(MOVE_INTENT["next"])
        if audio:
            device.listen(STEP_MS // 2)  # halfway into step 2
        device.intent(MOVE_INTENT["pause"])
        expected = model.progress
        assert expected is not None and expected.index == 1 and expected.status is Status.PAUSED
        assert (expected.offset > 0) is audio
        proc.kill()  # no shutdown, no flush, no atexit: the process just vanishes

        with sqlite3.connect(deployment.db) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        _, prof = deployment.stored()
        assert prof.progress is not None
        assert (prof.progress.index, prof.progress.status, prof.progress.offset_ms) == (
            expected.index, expected.status, expected.offset)

        # A new process picks up exactly there, then is killed again right after moving on.
        proc = Process(deployment.env())
        device = AudioDevice(transport_of(proc), durations()) if audio else Conversation(transport_of(proc))
        device.intent(MOVE_INTENT["resume"])
        device.intent(MOVE_INTENT["next"])
        proc.kill()
        _, prof = deployment.stored()
        assert prof.progress is not None and model.progress is not None
        assert (prof.progress.index, prof.progress.status) == (model.progress.index, model.progress.status) == (
            2, Status.ACTIVE)
    finally:
        shutil.rmtree(deployment.root, ignore_errors=True)


def test_model_sees_every_move_intent() -> None:
    """The model's intent names are the skill's (a renamed intent would silently test nothing)."""
    assert set(MOVE_INTENT) == {"next", "skip", "previous", "start_over", "repeat", "resume", "pause", "stop"}
    assert len(ROUTINES) >= 2


def test_session_end_and_launch_leave_progress_alone() -> None:
    """A direct check of two model rules the machine relies on."""
    m = Model(Progress("seated_lower_back", ("a", "b"), 1, Status.PAUSED, 700, Delivery.AUDIO_PLAYER))
    before = m.progress
    m.apply(envelope(session_ended_request()))
    m.apply(envelope(launch_request()))
    assert m.progress == before
    m.apply(envelope(intent_request(MOVE_INTENT["next"])))
    assert m.progress is None  # past the last step: finished, nothing left to resume
