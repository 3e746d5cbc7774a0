"""Exception handlers: known errors get their own reply; anything else gets a helpful apology and a log."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.errors import NoRoutineInProgress, SkillError, StorageError
from skill.runtime.flows.turn import SPEAKABLE, Deps, reply, request_type, silent
from skill.runtime.handlers.interceptors import storage_failed
from skill.runtime.speech import Speech, echo

log = logging.getLogger(__name__)



class SkillErrorHandler(AbstractExceptionHandler):
    """A SkillError speaks its own prompt and keeps the conversation going."""

    def __init__(self, deps: Deps):
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return isinstance(exception, SkillError)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        assert isinstance(exception, SkillError)
        if isinstance(exception, NoRoutineInProgress) and storage_failed(handler_input):
            # There may well be a routine: we just could not read it. Say so, rather than "none".
            exception = StorageError()
        # The class only: its fields hold the user's words, which may be health statements.
        log.info("skill error: %s", type(exception).__name__)
        if request_type(handler_input) not in SPEAKABLE:
            return silent(handler_input)
        p = self.deps.prompts
        fields = {k: echo(v) if k in exception.echoed and isinstance(v, str) else v
                  for k, v in exception.fields.items()}
        speech = Speech().text(p.say(exception.prompt_key, **fields))
        return reply(handler_input, speech, Speech().text(p.say("what_you_can_say")),
                     end=not exception.keep_open)


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Last resort: log the failure with its traceback and say something helpful."""

    def __init__(self, deps: Deps):
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("unhandled error for %s", request_type(handler_input), exc_info=exception)
        # A fresh builder: the failing handler may have half-built a reply.
        handler_input.response_builder.response.output_speech = None
        handler_input.response_builder.response.reprompt = None
        if request_type(handler_input) not in SPEAKABLE:
            return silent(handler_input)
        p = self.deps.prompts
        return reply(handler_input, Speech().text(p.say("error_generic")),
                     Speech().text(p.say("what_you_can_say")))
