"""The user's data: 'delete my data' (after a yes), and deletion when the skill is disabled."""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.flows.turn import PROFILE_ATTR, Deps, Pending, SessionKey, reply, session_set, silent
from skill.runtime.handlers.base import IntentHandler, RequestTypeHandler
from skill.runtime.handlers.intents import Intent
from skill.runtime.handlers.interceptors import LOADED_ATTR
from skill.runtime.persistence import Profile

log = logging.getLogger(__name__)


def delete_user_data(hi: HandlerInput) -> None:
    """Remove the stored profile (keyed by the hashed userId) and make sure nothing re-saves it."""
    hi.attributes_manager.delete_persistent_attributes()
    attrs = hi.attributes_manager.request_attributes
    attrs[PROFILE_ATTR] = Profile()
    attrs[LOADED_ATTR] = None  # the save interceptor writes nothing back this turn
    log.info("user data deleted")


class DeleteDataHandler(IntentHandler):
    """'Delete my data': confirm first."""

    intents = (Intent.DELETE_DATA,)

    def handle(self, handler_input: HandlerInput) -> Response:
        session_set(handler_input, SessionKey.PENDING, Pending.DELETE_DATA.value)
        return reply(handler_input, self.say("delete_confirm"), self.say("delete_confirm_reprompt"))


def answer_delete(deps: Deps, hi: HandlerInput, yes: bool) -> Response:
    """Yes/no to 'delete your data?': delete it all (this session's memory too), or keep it."""
    session_set(hi, SessionKey.PENDING, None)
    if not yes:
        return reply(hi, deps.say("delete_kept"), deps.say("what_you_can_say"))
    delete_user_data(hi)
    (hi.attributes_manager.session_attributes or {}).clear()
    return reply(hi, deps.say("delete_done"), end=True)


class SkillDisabledHandler(RequestTypeHandler):
    """The user disabled the skill: delete everything stored for them."""

    request_types = ("AlexaSkillEvent.SkillDisabled",)

    def handle(self, handler_input: HandlerInput) -> Response:
        delete_user_data(handler_input)
        return silent(handler_input)
