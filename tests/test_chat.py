"""`acupressure chat` as a real process with piped stdin: in-process, and against a running server."""

from __future__ import annotations

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
from test_web_page import write_audio

from skill.runtime.content import Content

# Slow tier (a new Python process per chat): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def chat_env(tmp_path: Path, audio: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "ACUPRESSURE_DB": str(tmp_path / "chat.sqlite3"),
           "ACUPRESSURE_AUDIO_DIR": str(audio or tmp_path / "no-audio")}
    for name in ("ACUPRESSURE_DYNAMODB_TABLE", "ACUPRESSURE_SKILL_ID", "ACUPRESSURE_AUDIO_BASE_URL"):
        env.pop(name, None)
    return env


def chat(tmp_path: Path, lines: list[str], *flags: str, audio: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "skill.tools.chat", *flags], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env or chat_env(tmp_path, audio))


def turns(stdout: str) -> list[str]:
    """The coach's replies, each with its indented audio lines."""
    out: list[str] = []
    for line in stdout.splitlines():
        if line.startswith("coach> "):
            out.append(line)
        elif line.startswith("  ") and out:
            out[-1] += "\n" + line
    return out


def test_where_is_bladder_23_and_a_routine_in_process(tmp_path: Path, content: Content) -> None:
    audio = write_audio(tmp_path / "audio", content)
    run = chat(tmp_path, ["where is bladder 23", "start the knee routine", "next", "quit"], "--user", "pat",
               audio=audio)
    assert run.returncode == 0, run.stderr
    said = turns(run.stdout)
    assert len(said) == 3, run.stdout
    assert content.points["BL23"].location in said[0]
    assert "pre-rendered speech would play" in said[0]
    knee = content.routines["back_of_knee"]
    assert knee.steps[0].title in said[1] and "step audio would play" in said[1]
    assert str(audio / "steps/back_of_knee/position.mp3") in said[1]
    assert knee.steps[1].title in said[2] and knee.steps[0].title not in said[2]


def test_progress_is_kept_per_user_between_runs(tmp_path: Path, content: Content) -> None:
    assert chat(tmp_path, ["start the knee routine", "next"], "--user", "pat").returncode == 0
    back = turns(chat(tmp_path, ["open acupressure coach", "yes"], "--user", "pat").stdout)
    assert content.routines["back_of_knee"].steps[1].title in back[1]
    fresh = turns(chat(tmp_path, ["open acupressure coach"], "--user", "sam").stdout)
    assert "knee" not in fresh[0].lower()


def test_ctrl_d_leaves_cleanly_and_quit_ends_the_session(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "skill.tools.chat"], input="", capture_output=True, text=True,
                         timeout=60, cwd=ROOT, env=chat_env(tmp_path))
    assert run.returncode == 0 and "Traceback" not in run.stderr
    run = chat(tmp_path, ["open acupressure coach", "quit", "where is bladder 23"])
    assert run.returncode == 0
    assert len(turns(run.stdout)) == 1  # nothing is read after quit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(tmp_path: Path, *flags: str, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "skill.tools.cli", "serve", "--port", str(port), *flags],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "health", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("acupressure serve did not start")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_chat_against_a_running_server(tmp_path: Path, content: Content) -> None:
    env = chat_env(tmp_path)
    with serving(tmp_path, "--no-verify", env=env) as url:
        run = chat(tmp_path, ["where is b 54", "start the knee routine", "next"], "--url", url, env=env)
    assert run.returncode == 0, run.stderr
    said = turns(run.stdout)
    assert content.points["BL40"].location in said[0]
    assert content.routines["back_of_knee"].steps[1].title in said[2]


def test_chat_says_why_a_verifying_server_refuses_it(tmp_path: Path) -> None:
    env = {**chat_env(tmp_path), "ACUPRESSURE_SKILL_ID": "amzn1.ask.skill.test"}
    with serving(tmp_path, env=env) as url:
        run = chat(tmp_path, ["where is bladder 23"], "--url", url, env=env)
    assert run.returncode == 1
    assert "HTTP 400" in run.stderr
