"""`acupressure serve --render`: the page and the skill answer at once while the audio renders in a
background process; routines are spoken until their audio exists, then stream; Ctrl-C stops both.

A real server process and a real render process (the `acupressure render` entry) with the fast tone
engine on a tiny content set whose responses are the real ones (so the skill can run a routine).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import http_post
from envelopes import directives_of, envelope, intent_request, launch_request, speech_of
from render_fixtures import TINY, TONE_DELAY_ENV, TONE_GATE_ENV, TONE_PIDS_ENV, write_content

# Slow tier (starts a server and a render process that encodes MP3s).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
ENGINE = "render_fixtures:SlowToneEngine"
ROUTINE = {"routine": {"value": "tiny back", "id": "tiny_back"}}
RENDER_PID = re.compile(r"render: rendering the audio in the background \(pid (\d+)\)")
SYNTH_LINE = re.compile(r"^render: synthesising: (\d+)/(\d+) lines, .*, ETA \d", re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alive(pid: int) -> bool:
    """A process that still runs (a zombie waiting to be reaped has stopped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """The tiny content with the real responses, so every reply of a routine has its words."""
    directory = write_content(tmp_path / "content", {k: v for k, v in TINY.items() if k != "responses/en-US.yaml"})
    (directory / "responses").mkdir(exist_ok=True)
    shutil.copy(ROOT / "content" / "responses" / "en-US.yaml", directory / "responses" / "en-US.yaml")
    return directory


class Served:
    """A running `acupressure serve --render` and what it printed."""

    def __init__(self, proc: subprocess.Popen[str], url: str, audio: Path, log: Path) -> None:
        self.proc, self.url, self.audio, self.log = proc, url, audio, log

    def output(self) -> str:
        return self.log.read_text()

    def render_pid(self) -> int:
        found = RENDER_PID.search(self.output())
        assert found, self.output()
        return int(found[1])

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        status, data = http_post(self.url + "/", json.dumps(body).encode(), {"Content-Type": "application/json"})
        assert status == 200, data
        return json.loads(data)

    def get(self, path: str) -> tuple[int, bytes, str]:
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")


@contextmanager
def serving(tmp_path: Path, content_dir: Path, **engine_env: str) -> Iterator[Served]:
    port = free_port()
    audio = tmp_path / "audio"
    env = {**os.environ, "ACUPRESSURE_DB": str(tmp_path / "serve.sqlite3"), "ACUPRESSURE_AUDIO_DIR": str(audio),
           "ACUPRESSURE_CONTENT_DIR": str(content_dir),
           # The render process and its workers import the tone engine from the tests.
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS), os.environ.get("PYTHONPATH", "")]),
           **engine_env}
    for name in ("ACUPRESSURE_DYNAMODB_TABLE", "ACUPRESSURE_SKILL_ID", "ACUPRESSURE_AUDIO_BASE_URL"):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        # Started as a shell starts a background job, with SIGINT ignored: Ctrl-C must still stop it.
        proc = subprocess.Popen([sys.executable, "-m", "skill.tools.cli", "serve", "--no-verify", "--port", str(port),
                                 "--render", "--engine", ENGINE],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    served = Served(proc, f"http://127.0.0.1:{port}", audio, log)
    try:
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def answering(served: Served) -> bool:
    assert served.proc.poll() is None, served.output()
    try:
        return served.get("/health")[0] == 200
    except OSError:
        return False


def test_serves_at_once_speaks_routines_until_the_audio_lands_then_streams_it(tmp_path: Path,
                                                                               content_dir: Path) -> None:
    gate = tmp_path / "gate"
    with serving(tmp_path, content_dir, **{TONE_GATE_ENV: str(gate)}) as served:
        t0 = time.monotonic()
        wait_for(lambda: answering(served), 30, "the server")
        up_s = time.monotonic() - t0
        render_pid = served.render_pid()
        assert alive(render_pid)

        # The render is held at its first line: the page and the skill answer meanwhile.
        status, html, ctype = served.get("/")
        assert status == 200 and ctype.startswith("text/html") and b"<html" in html.lower()
        catalog = json.loads(served.get("/api/catalog")[1])
        assert all(r["audio"] is None for r in catalog["routines"])
        assert speech_of(served.post(envelope(launch_request(), new=True)))
        before = served.post(envelope(intent_request("StartRoutineIntent", ROUTINE), new=True, audio_player=True))
        assert not any(d["type"] == "AudioPlayer.Play" for d in directives_of(before))
        assert "Find the point on your left side" in speech_of(before)  # dialog mode: the step is spoken
        assert not (served.audio / "manifest.json").exists()

        gate.touch()
        wait_for(lambda: (served.audio / "manifest.json").exists(), 120, "the render's manifest")
        wait_for(lambda: "audio ready" in served.output(), 30, "the render to finish")
        assert not alive(render_pid)

        # No restart: the next request reads the new manifest and the routine streams.
        after = served.post(envelope(intent_request("StartRoutineIntent", ROUTINE), user_id="amzn1.ask.account.LATER",
                                     new=True, audio_player=True))
        plays = [d for d in directives_of(after) if d["type"] == "AudioPlayer.Play"]
        assert plays, after
        stream = plays[0]["audioItem"]["stream"]
        assert stream["url"].startswith(served.url + "/audio/steps/tiny_back/")
        status, mp3, ctype = served.get(stream["url"].removeprefix(served.url))
        assert status == 200 and ctype == "audio/mpeg" and len(mp3) > 1000
        catalog = json.loads(served.get("/api/catalog")[1])
        assert all(r["audio"] is not None for r in catalog["routines"])
    assert up_s < 15, f"the server took {up_s:.1f} s to answer"


def moving(output: str) -> bool:
    """Two plain progress lines (not a terminal here) mid-synthesis, with an ETA, the second further on."""
    done = [(int(k), int(n)) for k, n in SYNTH_LINE.findall(output)]
    within = [k for k, n in done if 0 < k < n]
    return len(within) >= 2 and within[-1] > within[0]


def test_progress_moves_and_stopping_the_server_stops_the_render_keeping_the_previous_audio(
        tmp_path: Path, content_dir: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    with serving(tmp_path, content_dir, **{TONE_DELAY_ENV: "0.4", TONE_PIDS_ENV: str(pids)}) as served:
        wait_for(lambda: answering(served), 30, "the server")
        render_pid = served.render_pid()
        wait_for(lambda: moving(served.output()), 90, "progress lines that move during synthesis")
        workers = [int(p.name) for p in pids.iterdir()]
        served.proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert served.proc.wait(timeout=30) == 0
        out = served.output()
    assert not alive(render_pid)
    wait_for(lambda: not any(alive(pid) for pid in workers), 5, "the render's workers to exit")
    assert "render interrupted" in out, out
    assert not (served.audio / "manifest.json").exists()
    assert not list(served.audio.rglob("*.mp3"))
