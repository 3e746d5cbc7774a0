"""Points: where one is, and the walk through finding and pressing it; which points help a complaint;
which points exist."""

from __future__ import annotations

from typing import ClassVar

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.content.models import Point
from skill.runtime.errors import MissingPoint, NoRoutineInProgress, UnknownComplaint, UnknownPoint
from skill.runtime.flows import finding
from skill.runtime.flows.turn import Deps, reply
from skill.runtime.handlers.base import IntentHandler, intent_name, slot
from skill.runtime.handlers.intents import Intent, Slot

# How many point names to offer when one is unknown.
EXAMPLE_POINTS = 4


def resolve_point(deps: Deps, ids: tuple[str, ...], raw: str | None) -> Point | None:
    """Entity resolution's id first, then our own alias look-up on the words heard."""
    for pid in ids:
        if pid in deps.content.points:
            return deps.content.points[pid]
    return deps.content.point(raw) if raw else None


def example_points(deps: Deps) -> str:
    return deps.prompts.join(p.name for p in list(deps.content.points.values())[:EXAMPLE_POINTS])


def points_for_reply(handler_input: HandlerInput, deps: Deps, topic: str, points: list[Point]) -> Response:
    """The points that may help a complaint, and how to ask about one."""
    names = deps.prompts.join(p.name for p in points)
    speech = deps.say("points_for", topic=topic, points=names, first=points[0].name)
    return reply(handler_input, speech, deps.say("points_for_reprompt", first=points[0].name))


def topic_of(deps: Deps, said: str) -> tuple[str, list[Point]] | None:
    """The complaint or body region a user's words name, with the points that may help it."""
    c = deps.content
    cid = c.index.complaints.resolve(said)
    if cid and cid in c.complaints:
        return c.complaints[cid].name, [p for p in c.points.values() if cid in p.complaints]
    rid = c.index.regions.resolve(said)
    if rid and rid in c.regions:
        return c.regions[rid].name, [p for p in c.points.values() if rid in p.regions]
    return None


class FindPointHandler(IntentHandler):
    """'Where is bladder 23', 'how do I find B fifty four', 'what's the point behind my knee'."""

    intents = (Intent.FIND_POINT,)

    def handle(self, handler_input: HandlerInput) -> Response:
        value = slot(handler_input, Slot.POINT)
        if value.empty:
            raise MissingPoint(examples=example_points(self.deps))
        point = resolve_point(self.deps, value.ids, value.raw)
        if point is not None:
            return finding.look_up(self.deps, handler_input, point)
        # 'Where is the point for sciatica': a complaint, not a point's name.
        topic = topic_of(self.deps, value.raw) if value.raw else None
        if topic is not None:
            return points_for_reply(handler_input, self.deps, *topic)
        # Never said back as 'a point called ...': the words heard may be anything.
        raise UnknownPoint(examples=example_points(self.deps))


class FindStepHandler(IntentHandler):
    """'Next', 'go back', 'repeat', 'start over' while walking through finding a point."""

    moves: ClassVar[dict[str, finding.Walk]] = {
        Intent.NEXT: finding.Walk.NEXT, Intent.PREVIOUS: finding.Walk.BACK,
        Intent.REPEAT: finding.Walk.REPEAT, Intent.START_OVER: finding.Walk.START_OVER}
    intents = tuple(moves)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and finding.walking(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        how = self.moves[intent_name(handler_input) or ""]
        answered = finding.move(self.deps, handler_input, how)
        if answered is None:  # can_handle saw the walk under way, so this does not happen
            raise NoRoutineInProgress()
        return answered


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
            topic_name, points = topic_of(self.deps, value.raw) or (None, [])
        if not points:
            names = self.prompts.join(t.name for t in c.complaints.values())
            raise UnknownComplaint(complaints=names)
        return points_for_reply(handler_input, self.deps, topic_name or "", points)


class ListPointsHandler(IntentHandler):
    """'Which points do you know'."""

    intents = (Intent.LIST_POINTS,)

    def handle(self, handler_input: HandlerInput) -> Response:
        names = self.prompts.join(p.name for p in self.content.points.values())
        first = next(iter(self.content.points.values())).name
        return reply(handler_input, self.say("points_list", points=names, first=first),
                     self.say("points_for_reprompt", first=first))
