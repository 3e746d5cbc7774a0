"""Interceptors: load the user's profile before a handler runs, save it after; log each turn."""

from __future__ import annotations

import logging
from dataclasses import replace

from ask_sdk_core.dispatch_components.request_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.flows.turn import PROFILE_ATTR, profile, request_type
from skill.runtime.handlers.base import intent_name
from skill.runtime.handlers.intents import HEALTH_INTENTS
from skill.runtime.persistence import Profile, describe

log = logging.getLogger(__name__)

LOADED_ATTR = "profile_loaded"
STORAGE_FAILED_ATTR = "storage_failed"


def storage_failed(handler_input: HandlerInput) -> bool:
    """The profile could not be read this turn: the handler saw defaults, not the user's own."""
    return bool(handler_input.attributes_manager.request_attributes.get(STORAGE_FAILED_ATTR))


class LoadProfileInterceptor(AbstractRequestInterceptor):
    """Read the profile once per request; a storage failure means a fresh profile, not a failed reply.

    After a failed read nothing is written back this turn (LOADED_ATTR stays None): saving the
    defaults the handler saw would overwrite the user's real progress once storage recovers.
    """

    def process(self, handler_input: HandlerInput) -> None:
        attrs = handler_input.attributes_manager.request_attributes
        try:
            stored = handler_input.attributes_manager.persistent_attributes
        except Exception as exc:  # any adapter/driver failure: coach anyway, and do not overwrite later
            log.error("could not load the user's profile: %s", describe(exc))
            attrs[PROFILE_ATTR] = Profile()
            attrs[LOADED_ATTR] = None
            attrs[STORAGE_FAILED_ATTR] = True
            return
        prof = Profile.from_dict(stored)
        # The stored state as read (before this turn's session count): built once, snapshotted as a dict.
        attrs[LOADED_ATTR] = prof.to_dict()
        session = handler_input.request_envelope.session
        if session is not None and session.new:
            prof = replace(prof, sessions=prof.sessions + 1)
        attrs[PROFILE_ATTR] = prof


class SaveProfileInterceptor(AbstractResponseInterceptor):
    """Write the profile back only if it changed (and only if it was read successfully)."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        attrs = handler_input.attributes_manager.request_attributes
        loaded = attrs.get(LOADED_ATTR)
        if loaded is None:
            return
        current = profile(handler_input).to_dict()
        if current == loaded:
            return
        try:
            handler_input.attributes_manager.persistent_attributes = current
            handler_input.attributes_manager.save_persistent_attributes()
        except Exception as exc:  # the user still gets the reply; this turn's change is lost, and logged
            log.error("could not save the user's profile: %s", describe(exc))


class LogRequestInterceptor(AbstractRequestInterceptor):
    """One line per request: type and intent (never the userId, slot values or health intents)."""

    def process(self, handler_input: HandlerInput) -> None:
        name = intent_name(handler_input) or ""
        # Some intent names are themselves health statements ("PregnancyIntent"): not logged.
        log.info("request %s %s", request_type(handler_input), "(health)" if name in HEALTH_INTENTS else name)


class LogResponseInterceptor(AbstractResponseInterceptor):
    """Whether the reply keeps the session open."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        log.debug("response end_session=%s", getattr(response, "should_end_session", None))
