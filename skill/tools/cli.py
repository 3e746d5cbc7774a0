"""The `acupressure` command: one entry point, subcommands imported only when used."""

from __future__ import annotations

import argparse
import importlib
import re
import sys

# subcommand -> (module, function taking the parsed args and returning an exit code)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("skill.tools.check", "run", "validate content/*.yaml and print a summary"),
    "serve": ("skill.web.serve", "run", "run the Flask web service (Alexa endpoint + audio)"),
    "render": ("skill.tools.render.command", "run", "render prompt audio and downloadable routines"),
    "build-model": ("skill.tools.model_builder", "run", "write skill-package/ from content"),
    "publish-audio": ("skill.tools.publish", "run", "upload changed audio to an S3 bucket"),
    "chat": ("skill.tools.chat", "run", "talk to the skill in a terminal"),
    "artwork": ("skill.tools.artwork", "run", "draw the point pictures, skill icons and audio artwork as PNG"),
}


ENGINES = ("piper", "gtts")
ENGINE_HELP = "text-to-speech engine: piper (offline, default), gtts (online), or module:Factory of your own"


def engine_spec(value: str) -> str:
    """A render engine's name, or `module:Factory` (an engine of your own, e.g. a test's stand-in)."""
    if value in ENGINES or re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", value):
        return value
    raise argparse.ArgumentTypeError(f"choose {' or '.join(ENGINES)}, or give module:Factory")


def build_parser() -> argparse.ArgumentParser:
    """Argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="acupressure", description="Acupressure Coach")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help=COMMANDS["check"][2])

    serve = sub.add_parser("serve", help=COMMANDS["serve"][2])
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--no-verify", action="store_true",
                       help="skip Alexa signature/timestamp checks (local simulators only)")
    serve.add_argument("--render", action="store_true",
                       help="render missing or changed audio in a background process while serving; "
                            "routines are spoken until their audio is ready, then use it without a restart")
    serve.add_argument("--engine", type=engine_spec, default=None, help=f"with --render: {ENGINE_HELP}")

    render = sub.add_parser("render", help=COMMANDS["render"][2])
    render.add_argument("--engine", type=engine_spec, default="piper", help=ENGINE_HELP)
    render.add_argument("--out", default=None, help="output directory (default: audio/)")
    render.add_argument("--jobs", type=int, default=None, help="parallel workers (default: cores)")

    model = sub.add_parser("build-model", help=COMMANDS["build-model"][2])
    model.add_argument("--check", action="store_true", help="fail if skill-package/ is out of date")
    model.add_argument("--audio-base-url", default=None,
                       help="deploy: public HTTPS base URL of the published audio; skill.json's icon, privacy "
                            "policy and terms URLs point beside it (default: a placeholder)")
    model.add_argument("--endpoint", default=None,
                       help="deploy: the Lambda function ARN (or HTTPS URL) for requests and events")

    publish = sub.add_parser("publish-audio", help=COMMANDS["publish-audio"][2])
    publish.add_argument("--bucket", required=True)
    publish.add_argument("--prefix", default="audio/", help="key prefix in the bucket")
    publish.add_argument("--dir", default=None, help="rendered audio directory (default: audio/)")
    publish.add_argument("--dry-run", action="store_true", help="list what would be uploaded")
    publish.add_argument("--delete", action="store_true",
                         help="delete objects under the prefix that are no longer rendered")

    chat = sub.add_parser("chat", help=COMMANDS["chat"][2])
    chat.add_argument("--url", default=None,
                      help="talk to a running `acupressure serve --no-verify` at this URL "
                           "(default: run the skill in this process)")
    chat.add_argument("--user", default=None,
                      help="who is talking: progress is kept per user (default: your login name)")

    artwork = sub.add_parser("artwork", help=COMMANDS["artwork"][2])
    artwork.add_argument("--out", default="audio/art", help="output directory (default: audio/art/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the chosen subcommand."""
    args = build_parser().parse_args(argv)
    module, func, _ = COMMANDS[args.command]
    return int(getattr(importlib.import_module(module), func)(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
