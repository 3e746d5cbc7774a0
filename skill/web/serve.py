"""`acupressure serve`: run the web service (signature and timestamp verification on by default)."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import replace
from typing import Any

from waitress import create_server

from skill.runtime.manifest import audio_dir
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
    """The skill's Flask app under waitress: a production WSGI server (pure Python, from PyPI)."""
    flask_app = create_app(build_app(config=config), verifiers=build_verifiers(config, verify),
                           audio_dir=audio_dir(), page=page)
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
    if not verify:
        print(NO_VERIFY_WARNING, file=sys.stderr)
    if not os.environ.get(AUDIO_BASE_URL_ENV):
        # Alexa needs HTTPS audio; our own URL suits local simulators and HTTPS reverse proxies.
        config = replace(config, audio_base_url=f"http://{args.host}:{args.port}/audio/")
    server = make_server(config, args.host, args.port, verify=verify)
    log.info("serving on http://%s:%d/ (verification %s)", args.host, args.port, "on" if verify else "OFF")
    # The page's address on its own line, for a person who just ran the README's command.
    print(f"Acupressure Coach: open http://{args.host}:{args.port}/ in a browser", file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
