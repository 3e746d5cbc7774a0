"""AWS Lambda entry point: `lambda_handler(event, context)`.

The skill (content, audio manifest, persistence adapter) is built once per container, at cold start.
Imports only the runtime: no Flask, no pydub, no text-to-speech engine.
"""

from __future__ import annotations

from typing import Any

from skill.runtime.pipeline import Config, build_app, configure_logging

CONFIG = Config.from_env()
configure_logging(CONFIG.log_level)
APP = build_app(config=CONFIG)


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """Answer one Alexa request."""
    return APP.handle_event(event)
