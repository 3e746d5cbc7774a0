"""flask-ask-sdk, dispatching through the skill's one request pipeline (skill.runtime.pipeline.handle_event).

The seam: flask-ask-sdk's SkillAdapter is the Flask view (POST only, reads and decodes the body, answers
with the reply as JSON), and it hands the body to the webservice handler that it builds in
`_create_webservice_handler`. The SDK's own WebserviceSkillHandler would deserialize and invoke the skill
itself, skipping the pipeline's checks, failure reply and response fitting; here that handler is a
subclass whose `verify_request_and_dispatch` parses the body and calls `handle_event`, with the verifiers
as the pipeline's admission step. What the pipeline refuses (not an envelope, failed verification) is an
HTTP 400 with one log line; so is a body that is not UTF-8, which the SDK's view would answer with a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from ask_sdk_core.skill import CustomSkill
from ask_sdk_webservice_support.verifier import VerificationException
from ask_sdk_webservice_support.webservice_handler import WebserviceSkillHandler
from flask import Flask, Response, request
from flask_ask_sdk.skill_adapter import VERIFY_SIGNATURE_APP_CONFIG, VERIFY_TIMESTAMP_APP_CONFIG, SkillAdapter
from werkzeug.exceptions import BadRequest

from skill.runtime.errors import MalformedRequest
from skill.runtime.pipeline import App

log = logging.getLogger(__name__)

# The key SkillAdapter files itself under in app.extensions when no skill ID is configured.
LOCAL_EXTENSION_KEY = "acupressure-coach"


def read_envelope(body: str) -> Any:
    """The JSON of a request body; MalformedRequest if it is not JSON."""
    try:
        return json.loads(body)
    except ValueError as exc:
        raise MalformedRequest(f"body is not JSON: {exc}") from exc


class Verifier(Protocol):
    """An AbstractVerifier of skill.web.verifier: it reads the raw body and headers; the envelope it gets is
    the checked JSON, not an SDK RequestEnvelope, because nothing is deserialized before verifiers pass."""

    def verify(self, headers: Any, serialized_request_env: str, deserialized_request_env: Any) -> None: ...


class PipelineHandler(WebserviceSkillHandler):
    """The SDK's webservice handler, answering through the one pipeline instead of invoking the skill."""

    def __init__(self, app: App, verifiers: Sequence[Verifier]):
        # The SDK's own signature and timestamp verifiers need certvalidator/oscrypto (see
        # skill.web.compat); skill.web.verifier's, in `verifiers`, replace them as the pipeline's admission.
        super().__init__(skill=app.skill, verify_signature=False, verify_timestamp=False, verifiers=[])
        self.skill_app = app
        self.verifiers = list(verifiers)

    def verify_request_and_dispatch(self, http_request_headers: Any, http_request_body: str) -> Any:
        """The pipeline's reply to a raw body (a dict, as the SDK's own handler returns); HTTP 400 if the
        pipeline refuses the request."""

        def admit(envelope: dict[str, Any]) -> None:
            for verifier in self.verifiers:
                verifier.verify(headers=http_request_headers, serialized_request_env=http_request_body,
                                deserialized_request_env=envelope)

        try:
            return self.skill_app.handle_event(read_envelope(http_request_body), admit=admit)
        except MalformedRequest as exc:
            log.warning("malformed request: %s", exc)
            raise BadRequest("not an Alexa request") from exc
        except VerificationException as exc:
            # A 400 here rather than through SkillAdapter, which logs every refusal with a traceback.
            log.warning("request verification failed: %s", exc)
            raise BadRequest("request verification failed") from exc


class PipelineSkillAdapter(SkillAdapter):
    """flask-ask-sdk's SkillAdapter with the pipeline's handler; registered as the POST view of a route."""

    def __init__(self, app: App, verifiers: Sequence[Verifier], flask_app: Flask):
        self.skill_app = app
        # Set before SkillAdapter.init_app reads them: the SDK's own verifiers stay off (see PipelineHandler).
        flask_app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
        flask_app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
        super().__init__(skill=app.skill, skill_id=app.config.skill_id or LOCAL_EXTENSION_KEY,
                         verifiers=list(verifiers), app=flask_app)

    def _create_webservice_handler(self, skill: CustomSkill, verifiers: list[Verifier]) -> None:
        """SkillAdapter.init_app's hook: the handler that verifies and dispatches each request."""
        self._webservice_handler = PipelineHandler(self.skill_app, verifiers or [])
        self._webservice_handler._add_custom_user_agent("flask-ask-sdk")

    def dispatch_request(self) -> Response:
        """SkillAdapter's view; a body that is not UTF-8 is a 400, not the SDK's 500."""
        # The view reads `request.data`, which Werkzeug leaves empty for a form Content-Type; read the raw
        # bytes first (cached, so `data` is those bytes whatever the Content-Type: Alexa signs them).
        request.get_data(cache=True)
        try:
            response: Response = super().dispatch_request()
            return response
        except UnicodeDecodeError as exc:
            log.warning("malformed request: %s", exc)
            raise BadRequest("not an Alexa request") from exc
