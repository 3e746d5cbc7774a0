"""Storage faults through lambda_handler: a locked or unusable SQLite file, DynamoDB unreachable or failing.

Every case: the user still hears a kind reply (prompts.yaml wording) within Alexa's 8 s; the failure
is logged once per request, with no health data; repeated failing requests keep getting replies (no
crash loop, the same Lambda container keeps working); once the fault clears, everything saved
before it is still there. Real parts only: SQLite files locked by another process, moto as a server
behind a loopback HTTP relay that can refuse, hang or fail requests.
"""

from __future__ import annotations

import hashlib
import http.client
import http.server
import json
import logging
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import import_lambda
from envelopes import USER_ID, Conversation, speech_of
from expectations import check

from skill.runtime.content import Content
from skill.runtime.engine import Status
from skill.runtime.persistence import DYNAMODB_MAX_ATTEMPTS, Profile

# Slow tier (waits out real lock and network timeouts): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

BUDGET_S = 8.0
ROUTINE = {"routine": {"value": "seated lower back", "id": "seated_lower_back"}}
KEY = hashlib.sha256(USER_ID.encode()).hexdigest()


Transport = Callable[[dict[str, Any]], dict[str, Any]]


def timed(module: Any) -> Transport:
    """lambda_handler as Lambda calls it, with the Alexa time budget checked on every request."""
    def send(body: dict[str, Any]) -> dict[str, Any]:
        t0 = time.monotonic()
        reply = json.loads(json.dumps(module.lambda_handler(json.loads(json.dumps(body)), None)))
        elapsed = time.monotonic() - t0
        assert elapsed < BUDGET_S, f"reply took {elapsed:.1f} s"
        return reply
    return send


def assert_kind_reply(content: Content, reply: dict[str, Any], prompt: str | None = None) -> None:
    """A valid spoken reply: well-formed SSML, and (if given) the wording of that prompt."""
    ssml = speech_of(reply)
    assert ssml, f"no speech: {reply}"
    ET.fromstring(ssml)
    if prompt:
        check(content, reply, {"prompt": [prompt]})


def storage_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def assert_logged_once(caplog: pytest.LogCaptureFixture, *, said: str = "") -> None:
    """Exactly one warning-or-worse line for the failed request, naming storage, with no user data."""
    records = storage_logs(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    text = records[0].getMessage() + (records[0].exc_text or "")
    assert "profile" in text
    for private in (USER_ID, KEY, "pregnan", "hold_s", "seated_lower_back", said):
        if private:
            assert private not in text, text
    caplog.clear()


def saved_before_fault(send: Transport) -> Conversation:
    """A user with a chosen hold time, paused at step 2 of a routine: what must survive every fault."""
    conv = Conversation(send)
    conv.intent("SetHoldTimeIntent", {"duration": "PT2M"})
    conv.intent("StartRoutineIntent", ROUTINE)
    conv.intent("AMAZON.NextIntent")
    conv.intent("AMAZON.PauseIntent")
    return conv


def assert_intact(content: Content, send: Transport) -> None:
    """The next session finds the saved place and preferences exactly as they were."""
    conv = Conversation(send)
    check(content, conv.launch(), {"prompt": ["welcome_back_continue"], "text": ["2"]})
    check(content, conv.intent("AMAZON.YesIntent"), {"routine_step": ["seated_lower_back", 2]})


def assert_saved(prof: Profile) -> None:
    assert prof.prefs.hold_s == 120
    assert prof.progress is not None and prof.progress.routine_id == "seated_lower_back"
    assert (prof.progress.index, prof.progress.status) == (1, Status.PAUSED)


# ---- SQLite


@pytest.fixture
def sqlite_lambda(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Any]:
    """Cold-start lambda_function on the SQLite file (callable again: a new container)."""
    monkeypatch.setenv("ACUPRESSURE_DB", str(db_path))
    monkeypatch.delenv("ACUPRESSURE_DYNAMODB_TABLE", raising=False)
    monkeypatch.delenv("ACUPRESSURE_SKILL_ID", raising=False)
    monkeypatch.delenv("ACUPRESSURE_AUDIO_BASE_URL", raising=False)
    return import_lambda


def stored_sqlite(db_path: Path) -> Profile:
    import sqlite3

    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT attributes FROM attributes WHERE id = ?", (KEY,)).fetchall()
    assert len(rows) == 1
    return Profile.from_dict(json.loads(rows[0][0]))


LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=float(sys.argv[3]))
if sys.argv[2] == "exclusive":
    db.execute("PRAGMA locking_mode=EXCLUSIVE")  # readers are shut out too
try:
    db.execute("BEGIN EXCLUSIVE")
    db.execute("UPDATE attributes SET updated_at = updated_at")
except sqlite3.OperationalError as exc:
    print(f"refused: {exc}", flush=True)
    sys.exit(3)
print("locked", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""


class Locker:
    """Another process holding the SQLite file locked until released (a backup job, a stuck writer)."""

    def __init__(self, db_path: Path, mode: str, wait_s: float = 5.0):
        self.proc = subprocess.Popen([sys.executable, "-c", LOCKER, str(db_path), mode, str(wait_s)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.answer = self.proc.stdout.readline().strip()
        self.locked = self.answer == "locked"
        if not self.locked:
            self.release(expect=3)

    def release(self, expect: int = 0) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=10) == expect
        self.proc.stdout.close()


def test_sqlite_write_lock_still_replies_and_loses_nothing(sqlite_lambda, db_path, content, caplog) -> None:
    send = timed(sqlite_lambda())
    saved_before_fault(send)
    locker = Locker(db_path, "writer")
    assert locker.locked, locker.answer
    try:
        caplog.clear()
        caplog.set_level(logging.INFO)
        conv = Conversation(send)
        for _ in range(2):  # no crash loop: every request gets its reply, the container keeps serving
            reply = conv.intent("AMAZON.ResumeIntent")  # read works; the save of the move cannot
            check(content, reply, {"routine_step": ["seated_lower_back", 2]})
            assert_kind_reply(content, reply)
            assert_logged_once(caplog)
    finally:
        locker.release()
    assert_saved(stored_sqlite(db_path))
    assert_intact(content, send)


def test_sqlite_exclusive_lock_speaks_the_storage_apology_and_overwrites_nothing(
        sqlite_lambda, db_path, content, caplog) -> None:
    running = sqlite_lambda()
    saved_before_fault(timed(running))
    # A running container keeps its connection to the file open, so no other process can shut it out.
    refused = Locker(db_path, "exclusive", wait_s=0.2)
    assert not refused.locked and "locked" in refused.answer, refused.answer
    running.APP.skill.persistence_adapter.close()  # that container is gone (scaled in)
    locker = Locker(db_path, "exclusive")
    assert locker.locked, locker.answer
    try:
        caplog.clear()
        caplog.set_level(logging.INFO)
        send = timed(sqlite_lambda())  # a new container while another process holds the file exclusively
        caplog.clear()
        conv = Conversation(send)
        # The place cannot be read: "resume" says so instead of "there's no routine".
        assert_kind_reply(content, conv.intent("AMAZON.ResumeIntent"), "error_storage")
        assert_logged_once(caplog)
        # Coaching goes on with defaults; the locked file is not waited on twice (no save after a failed read).
        reply = conv.intent("StartRoutineIntent", ROUTINE)
        check(content, reply, {"routine_step": ["seated_lower_back", 1]})
        assert_logged_once(caplog)
        assert_kind_reply(content, Conversation(send).launch())
        assert_logged_once(caplog)
    finally:
        locker.release()
    assert_saved(stored_sqlite(db_path))
    assert_intact(content, send)  # the container that started during the fault recovers by itself


def test_sqlite_file_unusable_even_for_root(sqlite_lambda, db_path, content, caplog) -> None:
    """chmod does not stop root, so the store's directory is swapped for a plain file: every open of
    the database then fails with ENOTDIR, for any user. A cold start during the fault must not fail."""
    send = timed(sqlite_lambda())
    saved_before_fault(send)
    state = db_path.parent
    away = state.with_name("state.away")
    state.rename(away)
    state.write_text("not a directory")
    try:
        caplog.clear()
        caplog.set_level(logging.INFO)
        cold = timed(sqlite_lambda())  # a new container while the disk is unusable: no crash at import
        caplog.clear()
        for transport in (send, cold, cold):
            conv = Conversation(transport)
            assert_kind_reply(content, conv.intent("AMAZON.ResumeIntent"), "error_storage")
            assert_logged_once(caplog)
            check(content, conv.intent("StartRoutineIntent", ROUTINE), {"routine_step": ["seated_lower_back", 1]})
            assert_logged_once(caplog)
    finally:
        state.unlink()
        away.rename(state)
    assert_saved(stored_sqlite(db_path))
    assert_intact(content, cold)  # the container that started during the fault recovers by itself


# ---- DynamoDB (moto server) behind a loopback relay that can fail on demand


class Relay:
    """HTTP relay to moto: 'forward', 'refuse' (close at once), 'hang' (never answer), or 'fail_reads'
    (HTTP 500 for GetItem, as during a partial outage) — a real network fault, not a mock."""

    def __init__(self, upstream: str):
        self.mode = "forward"
        host, port = upstream.removeprefix("http://").split(":")
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                if relay.mode == "refuse":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if relay.mode == "hang":
                    time.sleep(5)
                    self.close_connection = True
                    return
                if relay.mode == "fail_reads" and target.endswith(".GetItem"):
                    data = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"x"}'
                    self.send_response(500)
                    self.send_header("Content-Type", "application/x-amz-json-1.0")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request("POST", self.path, body, {k: v for k, v in self.headers.items() if k.lower() != "host"})
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def relay(moto_url: str) -> Iterator[Relay]:
    r = Relay(moto_url)
    yield r
    r.close()


def dynamo_lambda(monkeypatch: pytest.MonkeyPatch, endpoint: str, table: str) -> Any:
    monkeypatch.setenv("ACUPRESSURE_DYNAMODB_TABLE", table)
    monkeypatch.setenv("ACUPRESSURE_DYNAMODB_CREATE", "true")
    monkeypatch.setenv("ACUPRESSURE_DYNAMODB_ENDPOINT", endpoint)
    monkeypatch.delenv("ACUPRESSURE_SKILL_ID", raising=False)
    monkeypatch.delenv("ACUPRESSURE_AUDIO_BASE_URL", raising=False)
    return import_lambda()


def stored_dynamo(moto_url: str, table: str) -> Profile:
    import boto3

    items = boto3.resource("dynamodb", endpoint_url=moto_url).Table(table).scan()["Items"]
    assert [i["id"] for i in items] == [KEY]
    return Profile.from_dict(items[0]["attributes"])


@pytest.mark.parametrize("mode", ["refuse", "fail_reads"])
def test_dynamodb_outage_still_replies_and_loses_nothing(aws_env, monkeypatch, relay, moto_url, content, caplog,
                                                         mode: str) -> None:
    table = f"acu-{mode}"
    send = timed(dynamo_lambda(monkeypatch, relay.url, table))
    saved_before_fault(send)
    relay.mode = mode
    caplog.clear()
    caplog.set_level(logging.INFO)
    for _ in range(2):
        conv = Conversation(send)
        assert_kind_reply(content, conv.intent("AMAZON.ResumeIntent"), "error_storage")
        assert_logged_once(caplog)
        # With reads failing but writes working, saving this turn's defaults would wipe the saved
        # hold time and place: the failed read must stop the write.
        check(content, conv.intent("StartRoutineIntent", ROUTINE), {"routine_step": ["seated_lower_back", 1]})
        assert_logged_once(caplog)
        assert_saved(stored_dynamo(moto_url, table))
    relay.mode = "forward"
    assert_intact(content, send)


def test_dynamodb_down_at_cold_start_and_black_holed(aws_env, monkeypatch, relay, moto_url, content, caplog) -> None:
    """A container that starts while DynamoDB is down still serves; a hanging endpoint is cut off in time."""
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    send = timed(dynamo_lambda(monkeypatch, closed, "acu-closed"))
    caplog.clear()
    caplog.set_level(logging.INFO)
    conv = Conversation(send)
    assert_kind_reply(content, conv.launch(), "welcome_first")
    assert_logged_once(caplog)

    send = timed(dynamo_lambda(monkeypatch, relay.url, "acu-hang"))
    saved_before_fault(send)
    relay.mode = "hang"
    caplog.clear()
    t0 = time.monotonic()
    assert_kind_reply(content, Conversation(send).intent("AMAZON.ResumeIntent"), "error_storage")
    assert time.monotonic() - t0 >= DYNAMODB_MAX_ATTEMPTS * 1.0  # it did wait for the endpoint, within bounds
    assert_logged_once(caplog)
    relay.mode = "forward"
    assert_saved(stored_dynamo(moto_url, "acu-hang"))
    assert_intact(content, send)
