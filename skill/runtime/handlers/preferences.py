"""Preferences remembered per user: hold time and body position."""

from __future__ import annotations

import re
from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime import engine
from skill.runtime.content.models import Position
from skill.runtime.errors import UnclearHoldTime, UnclearPosition
from skill.runtime.flows.stepping import spoken_duration
from skill.runtime.flows.turn import ongoing, profile, reply, set_profile
from skill.runtime.handlers.base import IntentHandler, slot
from skill.runtime.handlers.intents import Intent, Slot
from skill.runtime.speech import Prompts

_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
# Positions a user can choose (ANY is a routine property, not a preference).
CHOOSABLE = (Position.SEATED, Position.LYING)


def parse_duration(value: str | None) -> float | None:
    """Seconds in an AMAZON.DURATION value ('PT2M', 'PT1M30S'); None if unusable."""
    if not value:
        return None
    m = _ISO_DURATION.match(value.strip().upper())
    if not m or not any(m.groupdict().values()):
        return None
    parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    seconds = parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    return seconds or None


class SetHoldTimeHandler(IntentHandler):
    """'Hold each point for two minutes'."""

    intents = (Intent.SET_HOLD,)

    def handle(self, handler_input: HandlerInput) -> Response:
        seconds = parse_duration(slot(handler_input, Slot.DURATION).raw)
        if seconds is None:
            raise UnclearHoldTime()
        prof = profile(handler_input)
        prefs = prof.prefs.with_hold(seconds)
        progress = engine.with_hold(prof.progress, prefs) if prof.progress else None
        prof = replace(prof, prefs=prefs, progress=progress)
        set_profile(handler_input, prof)
        hold = spoken_duration(self.deps, prefs.hold_s)
        key = "hold_set" if abs(prefs.hold_s - seconds) < 1 else "hold_snapped"
        speech = self.say(key, hold=hold)
        more = self.say("followup_in_routine" if ongoing(prof) else "preference_followup")
        return reply(handler_input, speech.extend(more), more)


def resolve_position(prompts: Prompts, ids: tuple[str, ...], raw: str | None) -> Position | None:
    """Slot id first; else the words heard against the position synonyms in the prompts."""
    found = prompts.slot_choice("position", (p.value for p in CHOOSABLE), ids, raw)
    return Position(found) if found is not None else None


class SetPositionHandler(IntentHandler):
    """'I'm lying down', 'I'd rather sit'."""

    intents = (Intent.SET_POSITION,)

    def handle(self, handler_input: HandlerInput) -> Response:
        value = slot(handler_input, Slot.POSITION)
        position = resolve_position(self.prompts, value.ids, value.raw)
        if position is None:
            raise UnclearPosition()
        prof = profile(handler_input)
        set_profile(handler_input, replace(prof, prefs=replace(prof.prefs, position=position)))
        routine = engine.default_routine(self.content.routines.values(), replace(prof.prefs, position=position))
        speech = self.say("position_set", position=self.prompts.say(f"position_name_{position.value}"))
        more = (self.say("followup_in_routine") if ongoing(prof)
                else self.say("position_followup", name=routine.name if routine else ""))
        return reply(handler_input, speech.extend(more), more)
