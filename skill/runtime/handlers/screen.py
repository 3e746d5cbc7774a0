"""Taps on a screen: the Next and Pause buttons of the APL screens (skill/runtime/apl.py) act as the voice commands.

A tap arrives as `Alexa.Presentation.APL.UserEvent`. It is answered by the built-in intent it stands for
(apl.VOICE_INTENT), dispatched through the skill's registered handlers in their order, so a tap does exactly
what saying the words does, whether the routine plays as audio or goes on in spoken turns. A tap on a screen
that no longer shows where the routine is moves nothing; events that are not from our buttons get a short
spoken reply.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent as SpokenIntent
from ask_sdk_model import IntentConfirmationStatus, IntentRequest
from ask_sdk_model.dialog_state import DialogState
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.response import Response
from ask_sdk_runtime.dispatch_components.request_components import GenericRequestHandlerChain

from skill.runtime import apl
from skill.runtime.dispatch import IndexedRequestMapper
from skill.runtime.flows.turn import Deps, ongoing, profile, reply
from skill.runtime.handlers.base import RequestTypeHandler
from skill.runtime.screens import touch_is_current
from skill.runtime.speech import Speech

log = logging.getLogger(__name__)


def spoken(hi: HandlerInput, intent: str) -> HandlerInput:
    """The same turn as if the user had said `intent`: same session, device, profile and reply under way."""
    envelope = hi.request_envelope
    event = envelope.request
    said = IntentRequest(request_id=getattr(event, "request_id", None), timestamp=getattr(event, "timestamp", None),
                         locale=getattr(event, "locale", None),
                         dialog_state=DialogState.COMPLETED,
                         intent=SpokenIntent(name=intent, slots={},
                                             confirmation_status=IntentConfirmationStatus.NONE))
    voice = copy.copy(hi)  # shares the attributes manager and the response builder
    voice.request_envelope = RequestEnvelope(version=envelope.version, session=envelope.session,
                                             context=envelope.context, request=said)
    return voice


class ScreenTouchHandler(RequestTypeHandler):
    """A tap on Next or Pause: answered as 'next' or 'pause' said aloud."""

    request_types = (apl.USER_EVENT,)

    def __init__(self, deps: Deps):
        super().__init__(deps)
        self._voice: IndexedRequestMapper | None = None
        self._failures: list[AbstractExceptionHandler] = []

    def voice(self) -> IndexedRequestMapper:
        """The skill's other handlers in registration order: they answer the intent a tap stands for."""
        if self._voice is None:
            # Imported here, once: the registration list imports this module.
            from skill.runtime.handlers import EXCEPTION_HANDLERS, REQUEST_HANDLERS

            # Typed as constructors, as the pipeline takes them: the lists hold classes of abstract bases.
            handlers: list[Callable[[Deps], AbstractRequestHandler]] = [
                h for h in REQUEST_HANDLERS if not issubclass(h, ScreenTouchHandler)]
            failures: list[Callable[[Deps], AbstractExceptionHandler]] = list(EXCEPTION_HANDLERS)
            self._failures = [make(self.deps) for make in failures]
            self._voice = IndexedRequestMapper([GenericRequestHandlerChain(request_handler=make(self.deps))
                                                for make in handlers])
        return self._voice

    def handle(self, handler_input: HandlerInput) -> Response:
        touch = apl.parse_touch(getattr(handler_input.request_envelope.request, "arguments", None))
        if touch is None:
            log.info("a screen event that is not from our buttons")
            return self.unmoved(handler_input, self.say("screen_tap_unknown"))
        if not touch_is_current(touch, profile(handler_input)):
            log.info("a tap on an out-of-date %s screen", touch.screen.value)
            return self.unmoved(handler_input, self.say("screen_tap_stale"))
        return self.as_said(handler_input, apl.VOICE_INTENT[touch.action])

    def unmoved(self, handler_input: HandlerInput, speech: Speech) -> Response:
        """Say why nothing moved, then offer the step's choices in a routine, else what can be said."""
        more = self.say("step_reprompt" if ongoing(profile(handler_input)) else "what_you_can_say")
        return reply(handler_input, speech.extend(more), more)

    def as_said(self, handler_input: HandlerInput, intent: str) -> Response:
        """Answer the tap as the intent said aloud, by the handler that would take it."""
        voice = spoken(handler_input, intent)
        chain = self.voice().get_request_handler_chain(voice)
        if chain is None:  # the catch-alls take every intent; kept for a registration list without them
            return self.unmoved(handler_input, self.say("screen_tap_unknown"))
        try:
            response = chain.request_handler.handle(voice)
        except Exception as error:
            # Answered as the spoken command's failure is ("there's no routine going"): the skill's exception
            # handlers speak only to spoken requests, so they are given the tap as the words said.
            handler = next((h for h in self._failures if h.can_handle(voice, error)), None)
            if handler is None:
                raise
            response = handler.handle(voice, error)
        return response if isinstance(response, Response) else handler_input.response_builder.response
