"""The Flask app: the Alexa endpoint at POST `/` (verified, never a 500), `/audio/`, `/health`, the
privacy policy and terms of use at `/privacy` and `/terms`, and optionally the try-it page at GET `/`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from flask import Flask, Response, jsonify, send_from_directory
from werkzeug.exceptions import HTTPException

from skill.runtime.pipeline import App
from skill.web.adapter import PipelineSkillAdapter, Verifier
from skill.web.page import register_page
from skill.web.policies import read_policies, register_policies
from skill.web.verifier import SignatureVerifier, TimestampVerifier

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
# The Alexa endpoint's Flask endpoint name (GET `/` may be the page, under its own name).
ALEXA_ENDPOINT = "alexa"


def coach_allowed(verifiers: Sequence[Verifier]) -> bool:
    """Whether the page's coach box can reach `/`: only when Alexa signatures are not required."""
    return not any(isinstance(v, (SignatureVerifier, TimestampVerifier)) for v in verifiers)


def create_app(app: App, *, verifiers: Sequence[Verifier], audio_dir: Path | None = None, page: bool = False) -> Flask:
    """Flask app serving the skill at POST `/` through flask-ask-sdk and the one request pipeline
    (skill.web.adapter); with `page`, also the try-it page.

    `verifiers` run on the raw body after the envelope check and before anything is parsed into SDK
    objects; pass [] only for --no-verify. The page (GET `/`, skill.web.page) is on for `acupressure
    serve`; its coach box sends unsigned envelopes, so it works only without signature checks, and with
    them on the page says so.
    """
    flask_app = Flask(__name__, static_folder=None)
    flask_app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    adapter = PipelineSkillAdapter(app, verifiers, flask_app)
    adapter.register(app=flask_app, route="/", endpoint=ALEXA_ENDPOINT)

    @flask_app.before_request
    def refresh_manifest() -> None:
        # One stat per request, and only for a manifest in reload mode (`acupressure serve`): a render
        # that finishes while the server runs is used from the next request on.
        app.deps.manifest.refresh()

    @flask_app.get("/health")
    def health() -> Response:
        return jsonify({"status": "ok", "content_version": app.deps.content.version})

    # Before /audio/<path>: the policies' published names are answered from content, rendered or not.
    register_policies(flask_app, read_policies(app.deps.content.directory))

    if audio_dir is not None:
        @flask_app.get("/audio/<path:name>")
        def audio(name: str) -> Response:
            # send_from_directory refuses paths that escape the directory.
            return send_from_directory(audio_dir, name)

    if page:
        register_page(flask_app, app, audio_dir=audio_dir, coach_enabled=coach_allowed(verifiers))

    @flask_app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        resp = jsonify({"error": exc.name, "description": exc.description})
        resp.status_code = exc.code or 500
        return resp

    return flask_app
