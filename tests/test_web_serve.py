"""`acupressure serve` as a real process on loopback: verification on by default, loud --no-verify."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import http_post
from envelopes import SKILL_ID, envelope, launch_request

# Slow tier (starts `acupressure serve` processes): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(tmp_path: Path, *flags: str, skill_id: str | None = SKILL_ID) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    env = {**os.environ, "ACUPRESSURE_DB": str(tmp_path / "serve.sqlite3")}
    env.pop("ACUPRESSURE_DYNAMODB_TABLE", None)
    if skill_id:
        env["ACUPRESSURE_SKILL_ID"] = skill_id
    else:
        env.pop("ACUPRESSURE_SKILL_ID", None)
    proc = subprocess.Popen([sys.executable, "-m", "skill.tools.cli", "serve", "--port", str(port), *flags],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(url + "/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_no_verify_serves_unsigned_requests_with_a_loud_warning(tmp_path: Path) -> None:
    with serving(tmp_path, "--no-verify") as (url, proc):
        status, body = http_post(url + "/", json.dumps(envelope(launch_request(), new=True)).encode(), {})
        assert status == 200 and json.loads(body)["response"]["outputSpeech"]
    assert "WARNING: --no-verify" in proc.stderr.read()


def test_verification_is_on_by_default(tmp_path: Path) -> None:
    with serving(tmp_path) as (url, _):
        status, _ = http_post(url + "/", json.dumps(envelope(launch_request())).encode(), {})
        assert status == 400


def test_verified_mode_refuses_to_start_without_a_skill_id(tmp_path: Path) -> None:
    with serving(tmp_path, skill_id=None) as (_, proc):
        assert proc.wait(timeout=20) == 2
        assert "ACUPRESSURE_SKILL_ID" in proc.stderr.read()


def test_a_port_already_taken_gets_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    """A second `serve` on the same port (the first still running, or anything else there) says what is
    wrong and how to get past it, and exits non-zero."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "ACUPRESSURE_DB": str(tmp_path / "serve.sqlite3"), "ACUPRESSURE_SKILL_ID": SKILL_ID}
        env.pop("ACUPRESSURE_DYNAMODB_TABLE", None)
        done = subprocess.run([sys.executable, "-m", "skill.tools.cli", "serve", "--port", str(port)], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr
