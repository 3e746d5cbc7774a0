"""The Flask app: the Alexa endpoint at POST `/` (verified, never a 500), `/audio/`, `/health`, and
optionally the try-it page at GET `/`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ask_sdk_webservice_support.verifier import VerificationException
from flask import Flask, Response, jsonify, request, send_from_directory
from flask_ask_sdk.skill_adapter import VERIFY_SIGNATURE_APP_CONFIG, VERIFY_TIMESTAMP_APP_CONFIG, SkillAdapter
from werkzeug.exceptions import BadRequest, HTTPException

from skill.runtime.errors import MalformedRequest
from skill.runtime.pipeline import KNOWN_REQUEST_TYPES, App, check_envelope, empty_response, failure_response
from skill.web.page import register_page
from skill.web.verifier import SignatureVerifier, TimestampVerifier

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


def coach_allowed(verifiers: list) -> bool:
    """Whether the page's coach box can reach `/`: only when Alexa signatures are not required."""
    return not any(isinstance(v, (SignatureVerifier, TimestampVerifier)) for v in verifiers)


def create_app(app: App, *, verifiers: list, audio_dir: Path | None = None, page: bool = False) -> Flask:
    """Flask app serving the skill through flask-ask-sdk's SkillAdapter; with `page`, also the try-it page.

    `verifiers` run on the raw body before anything is parsed into SDK objects (the SDK would
    deserialize first, and its errors are 500s); pass [] only for --no-verify. The page (GET `/`,
    skill.web.page) is on for `acupressure serve`; its coach box sends unsigned envelopes, so it
    works only without signature checks, and with them on the page says so.
    """
    flask_app = Flask(__name__, static_folder=None)
    flask_app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # The SDK's own verifiers need certvalidator/oscrypto; ours (skill.web.verifier) replace them.
    flask_app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
    flask_app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
    adapter = SkillAdapter(skill=app.skill, skill_id=app.config.skill_id or "acupressure-coach",
                                     verifiers=[], app=flask_app)

    @flask_app.post("/")
    def alexa() -> Response:
        raw = request.get_data(cache=True)
        try:
            text = raw.decode("utf-8")
            body = json.loads(text)
            rtype = check_envelope(body)
        except (UnicodeDecodeError, ValueError, MalformedRequest) as exc:
            log.warning("malformed request: %s", exc)
            raise BadRequest("not an Alexa request") from exc
        try:
            for verifier in verifiers:
                verifier.verify(request.headers, text, body)
        except VerificationException as exc:
            log.warning("request verification failed: %s", exc)
            raise BadRequest("request verification failed") from exc
        if rtype not in KNOWN_REQUEST_TYPES:
            log.info("unknown request type %r; empty reply", rtype)
            return jsonify(empty_response())
        try:
            return adapter.dispatch_request()
        except HTTPException as exc:
            if exc.code is not None and exc.code < 500:
                raise
            log.error("dispatch failed: %s", exc.description)
        except Exception:  # a failure outside the skill's exception handlers: still a valid reply
            log.exception("dispatch failed")
        # As on Lambda: an apology only where speech is allowed, else an empty reply.
        return jsonify(failure_response(app, body))

    @flask_app.get("/health")
    def health() -> Response:
        return jsonify({"status": "ok", "content_version": app.deps.content.version})

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
