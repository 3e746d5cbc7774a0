"""Build the skill once (content, prompts, audio manifest, persistence, handlers) for Lambda and web."""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Request, RequestEnvelope
from ask_sdk_model.services import ApiClient

from skill.runtime.content import Content, default_content
from skill.runtime.errors import MalformedRequest
from skill.runtime.handlers import EXCEPTION_HANDLERS, REQUEST_HANDLERS, REQUEST_INTERCEPTORS, RESPONSE_INTERCEPTORS
from skill.runtime.handlers.base import Deps, SessionKey
from skill.runtime.manifest import Manifest, load_manifest
from skill.runtime.persistence import adapter_from_env
from skill.runtime.speech import MAX_RESPONSE_BYTES, Prompts, Speech

log = logging.getLogger(__name__)

SKILL_ID_ENV = "ACUPRESSURE_SKILL_ID"
AUDIO_BASE_URL_ENV = "ACUPRESSURE_AUDIO_BASE_URL"
LOG_LEVEL_ENV = "ACUPRESSURE_LOG_LEVEL"


@dataclass(frozen=True)
class Config:
    """Settings read from the environment (see the README)."""

    skill_id: str | None = None
    audio_base_url: str | None = None
    log_level: str = "INFO"

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        return Config(
            skill_id=env.get(SKILL_ID_ENV) or None,
            audio_base_url=env.get(AUDIO_BASE_URL_ENV) or None,
            log_level=(env.get(LOG_LEVEL_ENV) or "INFO").upper(),
        )


def configure_logging(level: str) -> None:
    """Root log level (Lambda pre-installs a handler; basicConfig is a no-op there)."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)


@dataclass
class App:
    """The built skill with its shared dependencies and settings."""

    skill: CustomSkill
    deps: Deps
    config: Config

    def handle_event(self, event: Any) -> dict[str, Any]:
        return handle_event(self, event)


class LazyApiClient(ApiClient):
    """The SDK's DefaultApiClient, imported on first use: it pulls in `requests` (~0.1 s of cold
    start) and only the Reminders API needs it."""

    def __init__(self) -> None:
        self._client: ApiClient | None = None

    def invoke(self, request):
        if self._client is None:
            from ask_sdk_core.api_client import DefaultApiClient

            self._client = DefaultApiClient()
        return self._client.invoke(request)


def build_app(
    *,
    content: Content | None = None,
    manifest: Manifest | None = None,
    adapter: AbstractPersistenceAdapter | None = None,
    config: Config | None = None,
    rng: random.Random | None = None,
    api_client: ApiClient | None = None,
) -> App:
    """The skill with every handler registered in order; defaults come from the environment."""
    config = config or Config.from_env()
    content = content or default_content()
    deps = Deps(
        content=content,
        prompts=Prompts(content.prompts, rng or random.Random()),
        manifest=manifest if manifest is not None else load_manifest(),
        audio_base_url=config.audio_base_url,
    )
    # The API client reaches the Alexa APIs (reminders) at the request's apiEndpoint, over HTTPS.
    sb = CustomSkillBuilder(persistence_adapter=adapter if adapter is not None else adapter_from_env(),
                            api_client=api_client or LazyApiClient())
    if config.skill_id:
        sb.skill_id = config.skill_id
    for handler in REQUEST_HANDLERS:
        sb.add_request_handler(handler(deps))
    for exc_handler in EXCEPTION_HANDLERS:
        sb.add_exception_handler(exc_handler(deps))
    for interceptor in REQUEST_INTERCEPTORS:
        sb.add_global_request_interceptor(interceptor())
    for interceptor in RESPONSE_INTERCEPTORS:
        sb.add_global_response_interceptor(interceptor())
    return App(skill=sb.create(), deps=deps, config=config)


KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)


def check_envelope(body: Any) -> str:
    """The request type of something shaped like an Alexa request envelope; MalformedRequest if not."""
    if not isinstance(body, dict):
        raise MalformedRequest("envelope is not a JSON object")
    request = body.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("type"), str):
        raise MalformedRequest("envelope has no request type")
    context = body.get("context")
    if not isinstance(context, dict) or not isinstance(context.get("System"), dict):
        raise MalformedRequest("envelope has no context.System")
    if body.get("session") is not None and not isinstance(body["session"], dict):
        raise MalformedRequest("session is not an object")
    return request["type"]


def application_id(body: Mapping[str, Any]) -> str | None:
    """The skill ID a request is addressed to."""
    for source in (body.get("context", {}).get("System", {}), body.get("session") or {}):
        app = source.get("application") if isinstance(source, dict) else None
        if isinstance(app, dict) and isinstance(app.get("applicationId"), str):
            return app["applicationId"]
    return None


def empty_response() -> dict[str, Any]:
    """A valid reply that says nothing (for events the SDK does not model yet)."""
    return {"version": "1.0", "response": {}}


def error_response(prompts: Prompts) -> dict[str, Any]:
    """A valid spoken apology built without the SDK, for when dispatch itself failed."""
    ssml = Speech().text(prompts.say("error_generic")).ssml()
    return {"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "ssml": ssml},
                                           "shouldEndSession": True}}


def invoke(skill: CustomSkill, body: dict[str, Any]) -> dict[str, Any]:
    """Run one checked envelope through the skill and return the serialized response."""
    envelope = skill.serializer.deserialize(payload=json.dumps(body), obj_type=RequestEnvelope)
    response = skill.invoke(request_envelope=envelope, context=None)
    return skill.serializer.serialize(response)


def response_bytes(reply: Mapping[str, Any]) -> int:
    return len(json.dumps(reply, ensure_ascii=False).encode("utf-8"))


def fit_response(reply: dict[str, Any], prompts: Prompts) -> dict[str, Any]:
    """Keep a reply under Alexa's 24 KB: first forget the remembered speech ('repeat' then says the
    step again instead), and as a last resort answer with the short apology."""
    if response_bytes(reply) <= MAX_RESPONSE_BYTES:
        return reply
    log.warning("response over %d bytes; trimmed", MAX_RESPONSE_BYTES)
    attrs = reply.get("sessionAttributes")
    if isinstance(attrs, dict):
        for key in (SessionKey.LAST_SPEECH.value, SessionKey.LAST_REPROMPT.value):
            attrs.pop(key, None)
        if response_bytes(reply) <= MAX_RESPONSE_BYTES:
            return reply
    fallback = error_response(prompts)
    fallback["response"]["shouldEndSession"] = bool((reply.get("response") or {}).get("shouldEndSession"))
    return fallback


# Only these requests may be answered with speech; AudioPlayer, PlaybackController, system events and
# SessionEnded get an empty reply even when they cannot be handled.
SPEAKABLE_TYPES = frozenset({"LaunchRequest", "IntentRequest", "Connections.Response", "CanFulfillIntentRequest"})


def _declared_type(event: Any) -> str | None:
    request = event.get("request") if isinstance(event, dict) else None
    rtype = request.get("type") if isinstance(request, dict) else None
    return rtype if isinstance(rtype, str) else None


def failure_response(app: App, event: Any) -> dict[str, Any]:
    """An apology where speech is allowed, else an empty reply."""
    rtype = _declared_type(event)
    if rtype is not None and rtype not in SPEAKABLE_TYPES:
        return empty_response()
    return error_response(app.deps.prompts)


def handle_event(app: App, event: Any) -> dict[str, Any]:
    """Lambda entry: any event gets a valid Alexa reply; malformed input is logged, never raised."""
    try:
        rtype = check_envelope(event)
    except MalformedRequest as exc:
        log.warning("malformed request: %s", exc)
        return failure_response(app, event)
    if rtype not in KNOWN_REQUEST_TYPES:
        log.info("unknown request type %r; empty reply", rtype)
        return empty_response()
    if app.config.skill_id and application_id(event) != app.config.skill_id:
        # Lambda triggers check the skill ID too; answering politely leaks nothing.
        log.warning("request for another skill ID rejected")
        return failure_response(app, event)
    try:
        return fit_response(invoke(app.skill, event), app.deps.prompts)
    except Exception:  # deserialization of odd-but-typed input, or a failure outside handlers
        log.exception("request could not be dispatched")
        return failure_response(app, event)
