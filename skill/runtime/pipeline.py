"""The skill, built once (content, prompts, audio manifest, persistence, handlers), and the one request
pipeline every way in goes through.

`handle_event` is that pipeline: envelope check, admission (a web service's verifiers), request type,
skill-ID check, dispatch through the ASK SDK, failure reply, fitting the reply to Alexa's limits.
Callers: AWS Lambda (lambda/lambda_function.py); the Flask service through flask-ask-sdk
(skill.web.adapter), and so the try-it page, whose coach box posts to that service; `acupressure chat`,
in this process (skill.simulator.client.in_process_transport) or over HTTP to the service.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Callable, Mapping
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.dispatch_components.request_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.request import Request
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.services.api_client import ApiClient
from ask_sdk_model.services.api_client_request import ApiClientRequest
from ask_sdk_model.services.api_client_response import ApiClientResponse

from skill.runtime.codec import FastSerializer
from skill.runtime.content import Content, default_content
from skill.runtime.dispatch import IndexedRequestMapper
from skill.runtime.errors import MalformedRequest
from skill.runtime.flows.turn import SPEAKABLE, Deps, SessionKey, prompts_for
from skill.runtime.handlers import EXCEPTION_HANDLERS, REQUEST_INTERCEPTORS, RESPONSE_INTERCEPTORS, request_handlers
from skill.runtime.manifest import Manifest, load_manifest
from skill.runtime.persistence import adapter_from_env
from skill.runtime.records import record
from skill.runtime.speech import MAX_RESPONSE_BYTES, MAX_SPEECH_CHARS, Prompts, Speech

log = logging.getLogger(__name__)

SKILL_ID_ENV = "ACUPRESSURE_SKILL_ID"
AUDIO_BASE_URL_ENV = "ACUPRESSURE_AUDIO_BASE_URL"
LOG_LEVEL_ENV = "ACUPRESSURE_LOG_LEVEL"

# A web service's checks on a checked envelope before anything runs (signature, timestamp, skill ID);
# each raises to refuse the request. Lambda has none: its trigger checks the skill ID.
Admit = Callable[[dict[str, Any]], None]


@record(frozen=True)
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


@record
class App:
    """The built skill with its shared dependencies and settings."""

    skill: CustomSkill
    deps: Deps
    config: Config

    def handle_event(self, event: Any, *, admit: Admit | None = None) -> dict[str, Any]:
        """This skill's reply to one event, through the one pipeline (`handle_event` below)."""
        return handle_event(self, event, admit=admit)


class LazyApiClient(ApiClient):
    """The SDK's DefaultApiClient, imported on first use: it pulls in `requests` (~0.1 s of cold
    start) and only the Reminders API needs it."""

    def __init__(self) -> None:
        self._client: ApiClient | None = None

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
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
        prompts=prompts_for(content, rng),
        manifest=manifest if manifest is not None else load_manifest(),
        audio_base_url=config.audio_base_url,
    )
    # The API client reaches the Alexa APIs (reminders) at the request's apiEndpoint, over HTTPS.
    sb = CustomSkillBuilder(persistence_adapter=adapter if adapter is not None else adapter_from_env(),
                            api_client=api_client or LazyApiClient())
    # Typed as constructors: the registration lists hold concrete classes of abstract bases.
    exception_handlers: list[Callable[[Deps], AbstractExceptionHandler]] = list(EXCEPTION_HANDLERS)
    request_interceptors: list[Callable[[], AbstractRequestInterceptor]] = list(REQUEST_INTERCEPTORS)
    response_interceptors: list[Callable[[], AbstractResponseInterceptor]] = list(RESPONSE_INTERCEPTORS)
    # Where the bundle's scope table allows, a handler's module is imported when a request first asks it.
    for handler in request_handlers(deps):
        sb.add_request_handler(handler)
    for exc_handler in exception_handlers:
        sb.add_exception_handler(exc_handler(deps))
    for request_interceptor in request_interceptors:
        sb.add_global_request_interceptor(request_interceptor())
    for response_interceptor in response_interceptors:
        sb.add_global_response_interceptor(response_interceptor())
    skill_config = sb.skill_configuration
    # Ask only the handlers that could take a request, by its type and intent name (same order, same winner).
    skill_config.request_mappers = [IndexedRequestMapper(sb.runtime_configuration_builder.request_handler_chains)]
    # The SDK refuses envelopes for another skill too (a second line behind handle_event's check).
    if config.skill_id:
        skill_config.skill_id = config.skill_id
    skill = CustomSkill(skill_configuration=skill_config)
    # The SDK's serializer, compiled per type (same objects, same dicts; see skill.runtime.codec).
    skill.serializer = FastSerializer()
    return App(skill=skill, deps=deps, config=config)


KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)


def check_envelope(body: Any) -> str:
    """The request type of something shaped like an Alexa request envelope; MalformedRequest if not."""
    if not isinstance(body, dict):
        raise MalformedRequest("envelope is not a JSON object")
    request = body.get("request")
    if not isinstance(request, dict):
        raise MalformedRequest("envelope has no request type")
    rtype = request.get("type")
    if not isinstance(rtype, str):
        raise MalformedRequest("envelope has no request type")
    context = body.get("context")
    if not isinstance(context, dict) or not isinstance(context.get("System"), dict):
        raise MalformedRequest("envelope has no context.System")
    if body.get("session") is not None and not isinstance(body["session"], dict):
        raise MalformedRequest("session is not an object")
    return rtype


def application_id(body: Mapping[str, Any]) -> str | None:
    """The skill ID a request is addressed to."""
    for source in (body.get("context", {}).get("System", {}), body.get("session") or {}):
        app = source.get("application") if isinstance(source, dict) else None
        if isinstance(app, dict):
            found = app.get("applicationId")
            if isinstance(found, str):
                return found
    return None


def request_locale(body: Mapping[str, Any]) -> str | None:
    """The locale a checked envelope's request is in ('en-GB'), if it says."""
    locale = (body.get("request") or {}).get("locale")
    return locale if isinstance(locale, str) else None


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
    serializer = skill.serializer
    if isinstance(serializer, FastSerializer):  # straight from the parsed event, no JSON text round trip
        envelope = serializer.from_data(body, RequestEnvelope)
    else:
        envelope = serializer.deserialize(payload=json.dumps(body), obj_type=RequestEnvelope)
    response = skill.invoke(request_envelope=envelope, context=None)
    serialized = skill.serializer.serialize(response)
    if not isinstance(serialized, dict):
        raise TypeError(f"the SDK serialized a response to {type(serialized).__name__}")
    return serialized


def response_bytes(reply: Mapping[str, Any]) -> int:
    """The reply's size as sent: Lambda's runtime and Flask both escape non-ASCII characters (\\uXXXX),
    which is never smaller than UTF-8, so this bound holds on either path."""
    return len(json.dumps(reply).encode("ascii"))


def _speech_chars(reply: Mapping[str, Any]) -> int:
    """The longest speech in a reply (outputSpeech or reprompt), in characters."""
    response = reply.get("response")
    if not isinstance(response, dict):
        return 0
    reprompt = response.get("reprompt")
    outputs = [response.get("outputSpeech"), reprompt.get("outputSpeech") if isinstance(reprompt, dict) else None]
    return max((len(str(out.get("ssml") or out.get("text") or "")) for out in outputs if isinstance(out, dict)),
               default=0)


def fit_response(reply: dict[str, Any], prompts: Prompts) -> dict[str, Any]:
    """Keep a reply within Alexa's limits (24 KB in all, 8,000 characters of speech): first forget the
    remembered speech ('repeat' then says the step again instead), and as a last resort answer with the
    short apology."""
    if response_bytes(reply) <= MAX_RESPONSE_BYTES and _speech_chars(reply) <= MAX_SPEECH_CHARS:
        return reply
    log.warning("response over %d bytes or %d speech characters; trimmed", MAX_RESPONSE_BYTES, MAX_SPEECH_CHARS)
    attrs = reply.get("sessionAttributes")
    if isinstance(attrs, dict):
        for key in (SessionKey.LAST_SPEECH.value, SessionKey.LAST_REPROMPT.value):
            attrs.pop(key, None)
        if response_bytes(reply) <= MAX_RESPONSE_BYTES and _speech_chars(reply) <= MAX_SPEECH_CHARS:
            return reply
    fallback = error_response(prompts)
    fallback["response"]["shouldEndSession"] = bool((reply.get("response") or {}).get("shouldEndSession"))
    return fallback


def _declared_type(event: Any) -> str | None:
    request = event.get("request") if isinstance(event, dict) else None
    rtype = request.get("type") if isinstance(request, dict) else None
    return rtype if isinstance(rtype, str) else None


def failure_response(app: App, event: Any) -> dict[str, Any]:
    """An apology where speech is allowed (or the request type is unknowable), else an empty reply."""
    rtype = _declared_type(event)
    if rtype is not None and rtype not in SPEAKABLE:
        return empty_response()
    return error_response(app.deps.prompts)


def handle_event(app: App, event: Any, *, admit: Admit | None = None) -> dict[str, Any]:
    """The one request pipeline: envelope check, admission, request type, skill-ID check, dispatch,
    failure reply, fitting the reply to Alexa's limits. Nothing inside dispatch escapes as an exception.

    Lambda calls it without `admit`: any event, however malformed, gets a valid Alexa reply. A web
    service passes `admit`; then a malformed envelope raises MalformedRequest, and whatever `admit`
    raises propagates, both before anything has run, so that the service can answer HTTP 400.
    """
    try:
        rtype = check_envelope(event)
    except MalformedRequest as exc:
        if admit is not None:
            raise
        log.warning("malformed request: %s", exc)
        return failure_response(app, event)
    if admit is not None:
        admit(event)
    if rtype not in KNOWN_REQUEST_TYPES:
        log.info("unknown request type %r; empty reply", rtype)
        return empty_response()
    if app.config.skill_id and application_id(event) != app.config.skill_id:
        # Lambda triggers check the skill ID too; answering politely leaks nothing.
        log.warning("request for another skill ID rejected")
        return failure_response(app, event)
    try:
        # Replies are spoken in the request's locale (its wording and emergency number).
        with app.deps.prompts.speaking(request_locale(event)):
            return fit_response(invoke(app.skill, event), app.deps.prompts)
    except Exception:  # deserialization of odd-but-typed input, or a failure outside handlers
        log.exception("request could not be dispatched")
        return failure_response(app, event)
