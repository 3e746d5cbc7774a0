"""Points: where one is and how to press it; which points help a complaint; which points exist."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.content.models import Point
from skill.runtime.errors import MissingPoint, UnknownComplaint, UnknownPoint
from skill.runtime.flows.turn import Deps, ongoing, profile, reply
from skill.runtime.handlers.base import IntentHandler, slot
from skill.runtime.handlers.intents import Intent, Slot
from skill.runtime.speech import Speech

# How many point names to offer when one is unknown.
EXAMPLE_POINTS = 4


def resolve_point(deps: Deps, ids: tuple[str, ...], raw: str | None) -> Point | None:
    """Entity resolution's id first, then our own alias look-up on the words heard."""
    for pid in ids:
        if pid in deps.content.points:
            return deps.content.points[pid]
    return deps.content.point(raw) if raw else None


def point_speech(deps: Deps, point: Point, pregnant: bool = False) -> Speech:
    """Where it is, how to find it, how to press, cautions; for a pregnant user an avoided point
    leads with its caution."""
    p = deps.prompts
    speech = Speech()
    lead = None
    if pregnant and (point.pregnancy_contraindicated or point.pregnancy_caution is not None):
        lead = point.pregnancy_caution
        speech.text(p.say("point_pregnancy_lead"), lead.text if lead else deps.content.safety.pregnancy_skip)
    speech.text(p.say("point_intro", name=point.name, pinyin=point.pinyin))
    speech.text(point.location)
    speech.text(p.say("point_find"), *point.find_steps)
    speech.text(p.say("point_press"), *point.press.steps)
    for caution in point.cautions:
        if caution is not lead:
            speech.text(p.say("point_caution"), caution.text)
    return speech


def example_points(deps: Deps) -> str:
    return deps.prompts.join(p.name for p in list(deps.content.points.values())[:EXAMPLE_POINTS])


def followup(handler_input: HandlerInput, deps: Deps) -> Speech:
    """What to say next: back to the routine if one is going."""
    return deps.say("followup_in_routine" if ongoing(profile(handler_input)) else "point_followup")


class FindPointHandler(IntentHandler):
    """'Where is bladder 23', 'how do I find B fifty four', 'what's the point behind my knee'."""

    intents = (Intent.FIND_POINT,)

    def handle(self, handler_input: HandlerInput) -> Response:
        value = slot(handler_input, Slot.POINT)
        if value.empty:
            raise MissingPoint(examples=example_points(self.deps))
        point = resolve_point(self.deps, value.ids, value.raw)
        if point is None:
            raise UnknownPoint(said=value.raw or "", examples=example_points(self.deps))
        more = followup(handler_input, self.deps)
        speech = point_speech(self.deps, point, profile(handler_input).pregnant).extend(more)
        return reply(handler_input, speech, more)


class PointsForComplaintHandler(IntentHandler):
    """'What helps sciatica', 'points for chronic lower back pain', 'points for my knee'."""

    intents = (Intent.POINTS_FOR,)

    def handle(self, handler_input: HandlerInput) -> Response:
        c = self.content
        value = slot(handler_input, Slot.COMPLAINT)
        topic_name, points = None, []
        for tid in value.ids:
            if tid in c.complaints:
                topic_name = c.complaints[tid].name
                points = [p for p in c.points.values() if c.complaints[tid].id in p.complaints]
            elif tid in c.regions:
                topic_name = c.regions[tid].name
                points = [p for p in c.points.values() if c.regions[tid].id in p.regions]
            if points:
                break
        if not points and value.raw:
            points = c.points_for(value.raw)
            topic_name = value.raw
        if not points:
            names = self.prompts.join(t.name for t in c.complaints.values())
            raise UnknownComplaint(said=value.raw or "", complaints=names)
        names = self.prompts.join(p.name for p in points)
        speech = self.say("points_for", topic=topic_name, points=names, first=points[0].name)
        return reply(handler_input, speech, self.say("points_for_reprompt", first=points[0].name))


class ListPointsHandler(IntentHandler):
    """'Which points do you know'."""

    intents = (Intent.LIST_POINTS,)

    def handle(self, handler_input: HandlerInput) -> Response:
        names = self.prompts.join(p.name for p in self.content.points.values())
        first = next(iter(self.content.points.values())).name
        return reply(handler_input, self.say("points_list", points=names, first=first),
                     self.say("points_for_reprompt", first=first))
