"""`acupressure serve`: run the web service (signature and timestamp verification on by default).

With `--render` the audio is rendered in a background process while the service answers at once:
`acupressure render` itself (incremental and atomic; Piper keeps the cores busy, so a process, not
a thread), its progress on this console. Until its manifest lands, routines run in dialog mode with
spoken text; the skill and the page then use the new audio from the next request on (the manifest is
in reload mode: one stat per request). Ctrl-C stops the server and the render; a stopped render
leaves the previous audio intact.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from waitress import create_server

from skill.runtime.manifest import audio_dir, load_manifest
from skill.runtime.pipeline import AUDIO_BASE_URL_ENV, SKILL_ID_ENV, Config, build_app, configure_logging
from skill.web.adapter import Verifier
from skill.web.service import create_app
from skill.web.verifier import SignatureVerifier, SkillIdVerifier, TimestampVerifier

log = logging.getLogger(__name__)

NO_VERIFY_WARNING = """
************************************************************************
*  WARNING: --no-verify: Alexa request signatures and timestamps are   *
*  NOT checked. Anyone who can reach this port can drive the skill.    *
*  Use only with a local simulator, never on a public address.         *
************************************************************************
"""


# How long a stopped render may take to finish its current task and clean up before it is killed.
RENDER_STOP_GRACE_S = 10.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _stop_with_parent() -> None:
    """In the render process, before it runs (Linux): get SIGINT, as from Ctrl-C, if the server dies."""
    # Best effort: Ctrl-C and SIGTERM to the server stop the render anyway.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGINT), 0, 0, 0)


class BackgroundRender:
    """`acupressure render` in its own process while the server runs, its output on this console."""

    def __init__(self, out: Path, engine: str | None) -> None:
        self.command = [sys.executable, "-m", "skill.tools.cli", "render", "--out", str(out)]
        if engine:
            self.command += ["--engine", engine]
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def start(self) -> None:
        """Start the render (before the server's threads: the child is set up between fork and exec)."""
        # Its own session: Ctrl-C reaches the server only, which stops the render once, and cleanly.
        self.proc = subprocess.Popen(self.command, start_new_session=True,
                                     preexec_fn=_stop_with_parent if sys.platform.startswith("linux") else None)
        print(f"render: rendering the audio in the background (pid {self.proc.pid}); until it is ready, "
              "routines are spoken and the page has no audio", file=sys.stderr, flush=True)
        threading.Thread(target=self._watch, name="render-watch", daemon=True).start()

    def _watch(self) -> None:
        assert self.proc is not None
        code = self.proc.wait()
        if self.stopping:
            return
        if code == 0:
            print("render: audio ready; the skill and the page use it from the next request on",
                  file=sys.stderr, flush=True)
        else:
            print(f"render: failed (exit {code}); still serving, routines are spoken where audio is missing",
                  file=sys.stderr, flush=True)

    def stop(self, grace_s: float = RENDER_STOP_GRACE_S) -> int | None:
        """Stop a running render as Ctrl-C would (it cleans up and keeps the previous audio); kill it if
        it takes longer than `grace_s` or a second Ctrl-C comes. The render's exit code."""
        proc = self.proc
        if proc is None:
            return None
        self.stopping = True
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=grace_s)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                # Killed mid-task it still leaves the manifest (written last, atomically) as it was;
                # its workers exit when it does, and the next render clears what it left half-written.
                proc.kill()
                proc.wait()
        return proc.returncode


def _interrupt(signum: int, frame: Any) -> None:
    """SIGTERM (a service manager, a test) stops the server like Ctrl-C: the render too."""
    raise KeyboardInterrupt


def build_verifiers(config: Config, verify: bool) -> list[Verifier]:
    """Signature + timestamp (unless --no-verify) and the skill-ID check (whenever a skill ID is set)."""
    verifiers: list[Verifier] = []
    if verify:
        verifiers += [SignatureVerifier(), TimestampVerifier()]
    if config.skill_id:
        verifiers.append(SkillIdVerifier(config.skill_id))
    return verifiers


def make_server(config: Config, host: str, port: int, *, verify: bool, threads: int = 8,
                page: bool = True) -> Any:
    """The skill's Flask app under waitress: a production WSGI server (pure Python, from PyPI).

    A server runs for days while `acupressure render` may replace the audio: the manifest reloads
    (one stat per request), for the skill and the page alike."""
    audio = audio_dir()
    app = build_app(config=config, manifest=load_manifest(audio, reload=True))
    flask_app = create_app(app, verifiers=build_verifiers(config, verify), audio_dir=audio, page=page)
    return create_server(flask_app, host=host, port=port, threads=threads, ident="acupressure")


def run(args: Any) -> int:
    """Serve until interrupted."""
    config = Config.from_env()
    configure_logging(config.log_level)
    verify = not args.no_verify
    if verify and not config.skill_id:
        print(f"error: set {SKILL_ID_ENV} to your skill's ID (amzn1.ask.skill...); "
              "a verified endpoint accepts requests for that skill only", file=sys.stderr)
        return 2
    if args.engine and not args.render:
        print("error: --engine chooses the voice of --render; add --render", file=sys.stderr)
        return 2
    if not verify:
        print(NO_VERIFY_WARNING, file=sys.stderr)
    if not os.environ.get(AUDIO_BASE_URL_ENV):
        # Alexa needs HTTPS audio; our own URL suits local simulators and HTTPS reverse proxies.
        config = replace(config, audio_base_url=f"http://{args.host}:{args.port}/audio/")
    render = BackgroundRender(audio_dir(), args.engine) if args.render else None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    # Ctrl-C stops the server (and the render) even when it was started with SIGINT ignored, as a shell
    # does for a background job: Python then leaves SIGINT ignored unless told otherwise.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if render is not None:
            render.start()
        try:
            server = make_server(config, args.host, args.port, verify=verify)
        except OSError as exc:  # the port is taken, or not ours to bind: say so, no traceback
            print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}. Is another server "
                  "running there? Stop it, or choose another port with --port.", file=sys.stderr)
            return 1
        log.info("serving on http://%s:%d/ (verification %s)", args.host, args.port, "on" if verify else "OFF")
        # The page's address on its own line, for a person who just ran the README's command.
        print(f"Acupressure Coach: open http://{args.host}:{args.port}/ in a browser", file=sys.stderr, flush=True)
        try:
            server.run()
        finally:
            server.close()
    except KeyboardInterrupt:
        pass
    finally:
        if render is not None:
            render.stop()
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    return 0
