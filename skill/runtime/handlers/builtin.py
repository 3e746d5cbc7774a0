"""Amazon built-ins: help, stop, cancel, home, loop/shuffle, fallback, session end."""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.errors import NotSupported
from skill.runtime.flows.stepping import keep_place
from skill.runtime.flows.turn import ongoing, profile, reply, request_type, silent
from skill.runtime.handlers.base import IntentHandler, RequestTypeHandler
from skill.runtime.handlers.intents import Intent

log = logging.getLogger(__name__)


class HelpHandler(IntentHandler):
    """'Help', 'what can I say'."""

    intents = (Intent.HELP,)

    def handle(self, handler_input: HandlerInput) -> Response:
        key = "help_in_routine" if ongoing(profile(handler_input)) else "help"
        return reply(handler_input, self.say(key), self.say("what_you_can_say"))


class StopHandler(IntentHandler):
    """'Stop', 'I'm done': keep the place in a routine, say goodbye, close."""

    intents = (Intent.STOP,)

    def handle(self, handler_input: HandlerInput) -> Response:
        key = "goodbye_saved" if keep_place(handler_input) else "goodbye"
        return reply(handler_input, self.say(key), end=True)


class CancelHandler(StopHandler):
    """'Cancel': same as stop."""

    intents = (Intent.CANCEL,)


class NavigateHomeHandler(StopHandler):
    """Device home button / 'go home': same as stop."""

    intents = (Intent.NAVIGATE_HOME,)


class UnsupportedPlaybackHandler(IntentHandler):
    """Loop and shuffle (required by AudioPlayer) have no meaning for an ordered routine."""

    intents = (Intent.LOOP_ON, Intent.LOOP_OFF, Intent.SHUFFLE_ON, Intent.SHUFFLE_OFF)

    def handle(self, handler_input: HandlerInput) -> Response:
        raise NotSupported()


class FallbackHandler(IntentHandler):
    """Out-of-domain words: say what can be asked."""

    intents = (Intent.FALLBACK,)

    def handle(self, handler_input: HandlerInput) -> Response:
        key = "fallback_in_routine" if ongoing(profile(handler_input)) else "fallback"
        return reply(handler_input, self.say(key), self.say("what_you_can_say"))


class SessionEndedHandler(RequestTypeHandler):
    """Session closed by the user, a timeout or an error: log it; no speech allowed."""

    request_types = ("SessionEndedRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        req = handler_input.request_envelope.request
        error = getattr(req, "error", None)
        log.info("session ended: %s", getattr(req, "reason", None))
        if error is not None:
            log.warning("session ended with error: %s %s", getattr(error, "object_type", None),
                        getattr(error, "message", None))
        return silent(handler_input)


class UnknownIntentHandler(RequestTypeHandler):
    """Any intent no handler above took (e.g. a model newer than the code): answer like fallback."""

    request_types = ("IntentRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        log.warning("unhandled intent")
        key = "fallback_in_routine" if ongoing(profile(handler_input)) else "fallback"
        return reply(handler_input, self.say(key), self.say("what_you_can_say"))


class OtherRequestHandler(RequestTypeHandler):
    """Everything else (AudioPlayer and system events...): acknowledge without speech."""

    any_request = True

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        log.info("no handler for %s; empty reply", request_type(handler_input))
        return silent(handler_input)
