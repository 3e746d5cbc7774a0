"""Handler selection by request type and intent name, with the ASK SDK's first-match-wins order kept.

The SDK's own mapper asks every registered handler's `can_handle` in turn. Each of our handlers declares
a `Scope`: the request types (and, for IntentRequest, the intent names) outside which its `can_handle` is
always false. The mapper below indexes the registration list by those scopes once, at build time, and
for a request asks only the handlers whose scope admits it, in registration order. Skipping a handler
that could only have said no changes nothing, so the handler chosen is the one a full scan chooses
(tests/test_dispatch.py checks it over the whole interaction model). A handler that declares nothing
is asked for every request, in its place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_runtime.dispatch_components.request_components import GenericRequestHandlerChain, GenericRequestMapper

from skill.runtime.flows.turn import request_type
from skill.runtime.records import record

INTENT_REQUEST = "IntentRequest"


@record(frozen=True)
class Scope:
    """The requests a handler may accept; None means any (request type, or intent name of an IntentRequest)."""

    request_types: frozenset[str] | None = None
    intents: frozenset[str] | None = None

    @staticmethod
    def of_intents(names: Iterable[str] | None) -> Scope:
        """IntentRequests with these intent names (None: with any intent name)."""
        return Scope(frozenset({INTENT_REQUEST}), None if names is None else frozenset(str(n) for n in names))

    @staticmethod
    def of_types(types: Iterable[str] | None) -> Scope:
        """Requests of these types (None: of any type)."""
        return Scope(None if types is None else frozenset(str(t) for t in types))

    def admits(self, rtype: str | None, intent: str | None) -> bool:
        """A request of this type (and intent name, for an IntentRequest) may be accepted."""
        if self.request_types is not None and rtype not in self.request_types:
            return False
        return rtype != INTENT_REQUEST or self.intents is None or intent in self.intents


ANY = Scope()


def scope_of(handler: object) -> Scope:
    """A handler's declared scope; ANY for a handler that declares none."""
    scope = getattr(handler, "scope", None)
    return scope if isinstance(scope, Scope) else ANY


def request_key(handler_input: HandlerInput) -> tuple[str | None, str | None]:
    """(request type, intent name) of a request; None where missing or malformed."""
    rtype = request_type(handler_input)
    if rtype != INTENT_REQUEST:
        return rtype, None
    name = getattr(getattr(handler_input.request_envelope.request, "intent", None), "name", None)
    return rtype, name if isinstance(name, str) else None


Chain = GenericRequestHandlerChain
Chains = tuple[Chain, ...]


@record(frozen=True)
class _Index:
    """The registration list filtered once per request type and intent name, order kept."""

    by_type: dict[str, Chains]
    by_intent: dict[str, Chains]
    other_type: Chains  # a request type no scope names (or none at all)
    other_intent: Chains  # an intent name no scope names (or none at all)

    @staticmethod
    def build(chains: Sequence[Chain]) -> _Index:
        scoped = [(chain, scope_of(chain.request_handler)) for chain in chains]

        def admitting(rtype: str | None, intent: str | None) -> Chains:
            return tuple(chain for chain, scope in scoped if scope.admits(rtype, intent))

        types = {t for _, s in scoped for t in s.request_types or ()} - {INTENT_REQUEST}
        intents = {i for _, s in scoped for i in s.intents or ()}
        return _Index(by_type={t: admitting(t, None) for t in types},
                      by_intent={i: admitting(INTENT_REQUEST, i) for i in intents},
                      other_type=admitting(None, None), other_intent=admitting(INTENT_REQUEST, None))

    def candidates(self, rtype: str | None, intent: str | None) -> Chains:
        if rtype == INTENT_REQUEST:
            return self.by_intent.get(intent, self.other_intent) if intent is not None else self.other_intent
        return self.by_type.get(rtype, self.other_type) if rtype is not None else self.other_type


class IndexedRequestMapper(GenericRequestMapper):
    """The SDK's request mapper (first match wins, in registration order), asking only the handlers whose
    scope admits the request."""

    def __init__(self, request_handler_chains: Sequence[Chain]):
        self._index: _Index | None = None
        super().__init__(list(request_handler_chains))
        self._index = _Index.build(self.request_handler_chains)

    def add_request_handler_chain(self, request_handler_chain: Chain) -> None:
        super().add_request_handler_chain(request_handler_chain)
        self._index = None  # rebuilt at the next request

    def candidates(self, handler_input: HandlerInput) -> Chains:
        """The handlers that may accept this request, in registration order."""
        if self._index is None:
            self._index = _Index.build(self.request_handler_chains)
        return self._index.candidates(*request_key(handler_input))

    def get_request_handler_chain(self, handler_input: Any) -> Chain | None:
        # Typed Any as the SDK's generic signature is; the custom skill passes a HandlerInput.
        for chain in self.candidates(handler_input):
            if chain.request_handler.can_handle(handler_input=handler_input):
                return chain
        return None
