"""Interceptors: load the user's profile before a handler runs, save it after; log each turn; add screens."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components.request_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.content import default_content
from skill.runtime.flows.turn import PROFILE_ATTR, Deps, device_interfaces, profile, request_type
from skill.runtime.handlers.base import intent_name, slot
from skill.runtime.handlers.intents import HEALTH_INTENTS, Intent, Slot
from skill.runtime.manifest import Manifest
from skill.runtime.persistence import Profile, describe
from skill.runtime.speech import Prompts

if TYPE_CHECKING:
    from skill.runtime.apl import Json

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


def red_flag_said(handler_input: HandlerInput) -> bool:
    """This request's safety check found a red flag: the reply is urgent advice, with nothing beside it."""
    from skill.runtime.handlers.safety import SAID_ATTR, Said  # asked for a screen device's reply only

    found = handler_input.attributes_manager.request_attributes.get(SAID_ATTR)
    return isinstance(found, Said) and found.red_flag is not None


def device_has_apl(hi: HandlerInput) -> bool:
    """The device says it shows APL (screens.may_show checks the rest, with apl.supports_apl)."""
    return getattr(device_interfaces(hi), "alexa_presentation_apl", None) is not None


class ScreenInterceptor(AbstractResponseInterceptor):
    """On a device with a screen, show the point looked up or the routine step under way beside the reply.

    Runs after the handler, so handlers and flows never build screens, and a device without APL gets the
    handler's reply untouched. Interceptors are built without the shared dependencies, so by default the
    screens read the content loaded once per process (the one the skill is built with unless told otherwise).
    """

    def __init__(self, deps: Deps | None = None):
        self._deps = deps

    @property
    def deps(self) -> Deps:
        if self._deps is None:
            content = default_content()
            self._deps = Deps(content=content, prompts=Prompts(content.prompts), manifest=Manifest.empty())
        return self._deps

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        if response is None or not device_has_apl(handler_input):
            return
        # Imported for a device with a screen only: a speaker's cold start never loads the screens.
        from skill.runtime import screens

        if not screens.may_show(handler_input, response):
            return
        try:
            directive = self.screen_for(handler_input)
            if directive is None:
                return
            if screens.fits(handler_input, response, directive):
                screens.add_screen(response, directive)
            else:
                log.warning("screen left out: the reply would pass Alexa's size limit")
        except Exception:  # the screen is extra: failing to draw it must not cost the user the spoken reply
            log.exception("could not add the screen")

    def screen_for(self, handler_input: HandlerInput) -> Json | None:
        """The look-up screen for a point asked about, else the screen of the routine step under way."""
        from skill.runtime import screens
        from skill.runtime.flows import finding
        from skill.runtime.handlers.points import resolve_point

        if red_flag_said(handler_input):
            return None
        prof = profile(handler_input)
        if intent_name(handler_input) == Intent.FIND_POINT:
            value = slot(handler_input, Slot.POINT)
            point = None if value.empty else resolve_point(self.deps, value.ids, value.raw)
            if point is not None:
                return screens.lookup_screen(self.deps, point, prof)
        walk = finding.current(handler_input)
        if walk is not None and walk.point_id in self.deps.content.points:
            # Walking through finding a point: its screen stays up, not the routine's underneath.
            return screens.lookup_screen(self.deps, self.deps.content.points[walk.point_id], prof)
        return screens.routine_screen(self.deps, prof)
