"""What every handler shares: reading the request (intent, slots) and the handler base classes.

The request's plumbing (dependencies, session, profile, reply) lives in the flows layer
(skill/runtime/flows/turn.py), so flows never import a handler.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput

from skill.runtime.content import Content
from skill.runtime.dispatch import ANY, Scope
from skill.runtime.flows.turn import Deps, SessionKey, request_type
from skill.runtime.records import record
from skill.runtime.speech import Prompts, Speech

# Deps and SessionKey are re-exported for the pipeline, which builds the former and seeds the latter.
__all__ = ["Deps", "Handler", "IntentHandler", "RequestTypeHandler", "SessionKey", "SlotValue", "intent_name",
           "slot"]


@record(frozen=True)
class SlotValue:
    """What the user said for a slot, and the ids entity resolution matched."""

    raw: str | None
    ids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.raw and not self.ids


def intent_name(hi: HandlerInput) -> str | None:
    """The intent's name, or None for non-intent or malformed requests."""
    if request_type(hi) != "IntentRequest":
        return None
    intent = getattr(hi.request_envelope.request, "intent", None)
    name = getattr(intent, "name", None)
    return name if isinstance(name, str) else None


def slot(hi: HandlerInput, name: str) -> SlotValue:
    """A slot's raw value and entity-resolution ids (both may be missing)."""
    intent = getattr(hi.request_envelope.request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    s = slots.get(name)
    if s is None:
        return SlotValue(None)
    ids: list[str] = []
    resolutions = getattr(getattr(s, "resolutions", None), "resolutions_per_authority", None) or []
    for res in resolutions:
        status = getattr(getattr(res, "status", None), "code", None)
        if getattr(status, "value", status) == "ER_SUCCESS_MATCH":  # StatusCode, not imported for a launch
            for v in res.values or []:
                vid = getattr(getattr(v, "value", None), "id", None)
                if vid:
                    ids.append(vid)
    raw = (s.value or "").strip() or None
    return SlotValue(raw, tuple(ids))


class Handler(AbstractRequestHandler):
    """A request handler with the shared dependencies."""

    def __init__(self, deps: Deps):
        self.deps = deps

    @property
    def scope(self) -> Scope:
        """The requests can_handle may accept (skill/runtime/dispatch.py asks it about no others)."""
        return ANY

    @property
    def prompts(self) -> Prompts:
        return self.deps.prompts

    @property
    def content(self) -> Content:
        return self.deps.content

    def say(self, key: str, **fields: Any) -> Speech:
        """A Speech holding one prompt."""
        return self.deps.say(key, **fields)


class IntentHandler(Handler):
    """Handles the intents named in `intents`."""

    intents: tuple[str, ...] = ()
    # True for a handler that reads the words of every intent (safety): it is asked about any intent.
    any_intent: ClassVar[bool] = False

    @property
    def scope(self) -> Scope:
        return Scope.of_intents(None if self.any_intent else self.intents)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) in self.intents


class RequestTypeHandler(Handler):
    """Handles the request types named in `request_types`."""

    request_types: tuple[str, ...] = ()
    # True for a catch-all: it is asked about requests of every type.
    any_request: ClassVar[bool] = False

    @property
    def scope(self) -> Scope:
        return Scope.of_types(None if self.any_request else self.request_types)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_type(handler_input) in self.request_types
