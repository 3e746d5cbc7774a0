"""`acupressure chat`: talk to the skill in a terminal — typed words in, the coach's words out.

The same conversation as on a device: each line is understood with the interaction model
(skill.simulator.nlu), sent as a real Alexa request envelope (skill.simulator.envelopes, carried by
skill.simulator.client) through the one request pipeline: in-process (skill.runtime.pipeline.handle_event),
or with --url to a running `acupressure serve --no-verify`, whose endpoint calls the same pipeline. The terminal
is a device without AudioPlayer, so routines come step by step (dialog mode); each reply says
which pre-rendered audio a device would play.
"""

from __future__ import annotations

import getpass
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from skill.runtime.manifest import Entry, audio_dir, load_manifest
from skill.runtime.pipeline import Config, build_app
from skill.simulator.client import (
    AudioIndex,
    Client,
    LocalSession,
    ReplyView,
    TransportError,
    http_transport,
    in_process_transport,
    local_user_id,
)
from skill.simulator.envelopes import DEVICE_PREFIX, LOCAL_SKILL_ID
from skill.simulator.nlu import Kind, default_matcher

# Words that leave the chat itself (a person would stop talking to the device).
LEAVE = {"quit", "exit", "/quit", "/exit", ":q"}
PROMPT = "you> "
COACH = "coach> "
DEFAULT_AUDIO_BASE_URL = "http://127.0.0.1:8080/audio/"


def default_user() -> str:
    """A stable id for the person at this terminal."""
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = "user"
    return local_user_id(name)


def _clock(ms: int | None) -> str:
    if not ms:
        return "0:00"
    s = round(ms / 1000)
    return f"{s // 60}:{s % 60:02d}"


def show(view: ReplyView, out: TextIO, audio_root: Path) -> None:
    """Print the reply's words, then the audio a device would play: step clips one by one (with the
    words they speak), spoken prompts summed up in one line."""
    print(f"{COACH}{view.text or '(no speech)'}", file=out)
    prompts = [s for s in view.audio if s.kind == "speech"]
    for seg in view.audio:
        if seg.kind == "speech":
            continue
        where = audio_root / seg.url if seg.key and seg.url else seg.url
        label = "step audio" if seg.step_id else "audio"
        print(f"  [{label} would play, {_clock(seg.duration_ms)}] {where}", file=out)
        if seg.text:
            print(f"    {seg.text}", file=out)
    if prompts:
        total = sum(s.duration_ms or 0 for s in prompts)
        print(f"  [pre-rendered speech would play: {len(prompts)} clip(s), {_clock(total)}]", file=out)
    for play in view.plays:
        print(f"  [AudioPlayer would play from {_clock(play.offset_ms)}] {play.url}", file=out)
    if view.stop:
        print("  [AudioPlayer would stop]", file=out)
    if view.end_session is not False:
        print("  (the session is closed; say something to start a new one)", file=out)


def _client(args: Any) -> tuple[Client, Path]:
    url = getattr(args, "url", None)
    user = getattr(args, "user", None) or default_user()
    root = audio_dir()
    manifest = load_manifest(root)
    config = Config.from_env()
    if url:
        transport = http_transport(url)
    else:
        # Audio URLs as `acupressure serve` gives them by default, so replies name real files.
        config = replace(config, audio_base_url=config.audio_base_url or DEFAULT_AUDIO_BASE_URL)
        transport = in_process_transport(build_app(config=config, manifest=manifest))
    session = LocalSession(user_id=local_user_id(user), skill_id=config.skill_id or LOCAL_SKILL_ID,
                           device_id=f"{DEVICE_PREFIX}local-terminal", audio_player=False)

    def local(entry: Entry) -> str:
        return entry.path

    return Client(transport, session, default_matcher(), AudioIndex(manifest, local)), root


def run(args: Any, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Read lines until Ctrl-D or 'quit'; exit 0, or 1 if the skill cannot be reached."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    logging.basicConfig(level=os.environ.get("ACUPRESSURE_LOG_LEVEL", "WARNING").upper())
    client, root = _client(args)
    interactive = stdin.isatty()
    target = getattr(args, "url", None) or "the skill, in this process"
    print(f"Talking to {target}. Say what you would say to Alexa, e.g. 'open acupressure coach', "
          f"'where is bladder 23', 'start the knee routine', 'next'. Ctrl-D or 'quit' to leave.", file=out)
    while True:
        try:
            if interactive:
                line = input(PROMPT)
            else:
                print(PROMPT, end="", file=out, flush=True)
                line = stdin.readline()
                if not line:
                    raise EOFError
                print(line.rstrip("\n"), file=out)
        except EOFError:
            print(file=out)
            break
        except KeyboardInterrupt:
            print(file=out)
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in LEAVE:
            if client.session.open:
                text = "exit"  # tell the skill the session ended, as Alexa does
            else:
                break
        try:
            understood, view = client.say(text)
        except TransportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if understood.kind is Kind.END:
            if view is not None and view.text:
                show(view, out, root)
            break
        assert view is not None
        show(view, out, root)
        out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m skill.tools.chat [--url URL] [--user NAME]` (the same flags as `acupressure chat`)."""
    import argparse

    parser = argparse.ArgumentParser(prog="acupressure chat", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: Any) -> None:
    """The chat's flags, for `acupressure chat` and `python -m skill.tools.chat`."""
    parser.add_argument("--url", default=None,
                        help="talk to a running `acupressure serve --no-verify` at this URL, e.g. "
                             "http://127.0.0.1:8080/ (default: run the skill in this process)")
    parser.add_argument("--user", default=None,
                        help="who is talking: progress is kept per user (default: your login name)")


if __name__ == "__main__":
    sys.exit(main())
