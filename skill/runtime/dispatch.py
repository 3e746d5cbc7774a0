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


class _Index:
    """The registration list filtered per request type and intent name, order kept; each filter is
    made at the first request that needs it (a cold start makes one, not one per intent)."""

    def __init__(self, chains: Sequence[Chain]):
        self._scoped = [(chain, scope_of(chain.request_handler)) for chain in chains]
        self._types = {t for _, s in self._scoped for t in s.request_types or ()} - {INTENT_REQUEST}
        self._intents = {i for _, s in self._scoped for i in s.intents or ()}
        # Keyed by the names scopes mention, and None for any other: unknown names cannot grow it.
        self._filtered: dict[tuple[str | None, str | None], Chains] = {}

    def candidates(self, rtype: str | None, intent: str | None) -> Chains:
        key: tuple[str | None, str | None]
        if rtype == INTENT_REQUEST:
            key = (rtype, intent if intent in self._intents else None)
        else:
            key = (rtype if rtype in self._types else None, None)
        found = self._filtered.get(key)
        if found is None:
            found = self._filtered[key] = tuple(chain for chain, scope in self._scoped if scope.admits(*key))
        return found


class IndexedRequestMapper(GenericRequestMapper):
    """The SDK's request mapper (first match wins, in registration order), asking only the handlers whose
    scope admits the request."""

    def __init__(self, request_handler_chains: Sequence[Chain]):
        self._index: _Index | None = None
        super().__init__(list(request_handler_chains))
        self._index = _Index(self.request_handler_chains)

    def add_request_handler_chain(self, request_handler_chain: Chain) -> None:
        super().add_request_handler_chain(request_handler_chain)
        self._index = None  # rebuilt at the next request

    def candidates(self, handler_input: HandlerInput) -> Chains:
        """The handlers that may accept this request, in registration order."""
        if self._index is None:
            self._index = _Index(self.request_handler_chains)
        return self._index.candidates(*request_key(handler_input))

    def get_request_handler_chain(self, handler_input: Any) -> Chain | None:
        # Typed Any as the SDK's generic signature is; the custom skill passes a HandlerInput.
        for chain in self.candidates(handler_input):
            if chain.request_handler.can_handle(handler_input=handler_input):
                return chain
        return None
