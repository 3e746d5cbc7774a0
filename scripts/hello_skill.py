"""A minimal hello-world ASK SDK skill: the baseline scripts/bench_lambda.py measures against.

The same ask-sdk-core as the real skill, built the usual way (SkillBuilder, one LaunchRequest
handler, one intent handler), no persistence, no content, no interceptors. `stateful_handler()`
builds the same skill reading and writing a visit count per user through the skill's own SQLite
adapter: the floor for any skill that keeps state (importing it is not part of the baseline).
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response

HELLO_INTENT = "HelloWorldIntent"


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Welcome, you can say Hello or Help. Which would you like to try?"
        return handler_input.response_builder.speak(speech).ask(speech).response


class HelloWorldIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name(HELLO_INTENT)(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak("Hello World!").response


sb = SkillBuilder()
sb.add_request_handler(LaunchRequestHandler())
sb.add_request_handler(HelloWorldIntentHandler())

lambda_handler = sb.lambda_handler()


def stateful_handler(db_path: str) -> Any:
    """The same skill with one kept-open SQLite connection: each request reads the user's attributes
    and writes them back changed (a visit count), as a skill with state does."""
    from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
    from ask_sdk_core.skill_builder import CustomSkillBuilder

    from skill.runtime.persistence import SQLiteAdapter

    class LoadState(AbstractRequestInterceptor):
        def process(self, handler_input: HandlerInput) -> None:
            handler_input.attributes_manager.persistent_attributes  # noqa: B018  (reads the store)

    class SaveState(AbstractResponseInterceptor):
        def process(self, handler_input: HandlerInput, response: Response) -> None:
            attrs = handler_input.attributes_manager.persistent_attributes
            attrs["visits"] = int(attrs.get("visits", 0)) + 1
            handler_input.attributes_manager.save_persistent_attributes()

    builder = CustomSkillBuilder(persistence_adapter=SQLiteAdapter(db_path))
    builder.add_request_handler(LaunchRequestHandler())
    builder.add_request_handler(HelloWorldIntentHandler())
    builder.add_global_request_interceptor(LoadState())
    builder.add_global_response_interceptor(SaveState())
    return builder.lambda_handler()
