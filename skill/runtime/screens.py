"""What a device with a screen shows beside the spoken reply: the point looked up, or the routine step under way.

Screens are added after a handler has answered (handlers/interceptors.ScreenInterceptor), so no handler or
flow builds one and a device without APL gets exactly the reply the handler built. A screen goes only with
a turn that keeps the session open and starts no stream (a red-flag reply ends the session; a Play
directive brings the device's own player screen, with the art from skill.runtime.streams). Every word shown
comes from content: the point's name and where it is, the step's title and its spoken `say` lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.response import Response

from skill.runtime import apl, engine
from skill.runtime.apl import Json, Screen, Touch
from skill.runtime.content.models import Point, Routine
from skill.runtime.engine import Delivery, RoutineState, Status
from skill.runtime.flows.stepping import routine_of
from skill.runtime.flows.turn import Deps, device_interfaces, has_session, ongoing, request_type
from skill.runtime.persistence import Profile
from skill.runtime.speech import MAX_RESPONSE_BYTES

# The requests whose reply may carry a screen: the turns of a session.
SCREEN_REQUESTS = frozenset({"LaunchRequest", "IntentRequest", apl.USER_EVENT})
PLAY = "AudioPlayer.Play"
# Room for what wraps the response when it is sent (version, userAgent, key names).
ENVELOPE_SLACK = 512

_serializer = DefaultSerializer()


# --- whether a reply may carry a screen -----------------------------------------------------------


def starts_stream(response: Response) -> bool:
    """The reply plays audio through the AudioPlayer (the device shows its own player screen)."""
    return any(getattr(d, "object_type", None) == PLAY for d in response.directives or ())


def may_show(hi: HandlerInput, response: Response) -> bool:
    """A screen may go with this reply: a device with APL, a session turn that stays open, no stream."""
    return (request_type(hi) in SCREEN_REQUESTS and has_session(hi) and not response.should_end_session
            and not starts_stream(response) and apl.supports_apl(device_interfaces(hi)))


# --- what the screen shows ------------------------------------------------------------------------


def instruction(lines: Iterable[str]) -> str:
    """Spoken lines shown as one paragraph."""
    return " ".join(line.strip() for line in lines if line.strip())


def lookup_text(deps: Deps, point: Point, prof: Profile) -> str:
    """Where the point is; for a pregnant user an avoided point shows its caution instead, as the speech leads
    with it."""
    if prof.pregnant and (point.pregnancy_contraindicated or point.pregnancy_caution is not None):
        caution = point.pregnancy_caution
        return caution.text if caution else deps.content.safety.pregnancy_skip
    return point.location


def lookup_screen(deps: Deps, point: Point, prof: Profile) -> Json:
    """The screen for a point look-up: its picture, its name, where it is."""
    return apl.lookup_directive(point.id, point.name, lookup_text(deps, point, prof))


def in_dialog(state: RoutineState) -> bool:
    """The routine goes on in spoken turns right now (not paused, not playing as long-form audio)."""
    return state.status is Status.ACTIVE and state.delivery is Delivery.DIALOG


def planned_points(routine: Routine, state: RoutineState) -> list[str]:
    """The points of the steps this user does, in order (a pregnant user's avoided points are left out)."""
    steps = {s.id: s for s in routine.steps}
    return [p for p in (steps[sid].point for sid in state.step_ids if sid in steps) if p]


def routine_screen(deps: Deps, prof: Profile) -> Json | None:
    """The screen for the routine step under way in dialog mode: at the first step the start screen."""
    state = ongoing(prof)
    if state is None or not in_dialog(state):
        return None
    routine = routine_of(deps, state)
    if routine is None:
        return None
    step = engine.plan_step(routine, state).step
    text = instruction(step.say)
    if state.at_start:
        return apl.start_directive(routine.id, routine.name, text, planned_points(routine, state))
    return apl.step_directive(routine.id, state.index, step.point, step.title, text)


# --- adding it to the reply -----------------------------------------------------------------------


def _json_bytes(value: Any) -> int:
    # As the pipeline measures replies (non-ASCII escaped): never smaller than UTF-8.
    return len(json.dumps(value).encode("ascii"))


def reply_bytes(hi: HandlerInput, response: Response) -> int:
    """The reply's size as it will be sent: the response and the session attributes."""
    attrs = hi.attributes_manager.session_attributes if has_session(hi) else None
    return _json_bytes(_serializer.serialize(response)) + _json_bytes(attrs or {}) + ENVELOPE_SLACK


def fits(hi: HandlerInput, response: Response, directive: Json) -> bool:
    """The reply stays within Alexa's 24 KB with the screen added (the screen is dropped, never the speech)."""
    return reply_bytes(hi, response) + _json_bytes(directive) <= MAX_RESPONSE_BYTES


def add_screen(response: Response, directive: Json) -> None:
    """Append the RenderDocument to the reply's directives."""
    response.directives = [*(response.directives or []), apl.as_model(directive)]


# --- taps on a screen -----------------------------------------------------------------------------


def touch_is_current(touch: Touch, prof: Profile) -> bool:
    """The tapped screen still shows where the routine is (a look-up screen holds no place, so it always does)."""
    if touch.screen is Screen.LOOKUP:
        return True
    state = ongoing(prof)
    if state is None or state.routine_id != touch.subject:
        return False
    return state.index == (0 if touch.screen is Screen.START else touch.step)

