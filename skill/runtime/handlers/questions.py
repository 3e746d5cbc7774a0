"""Questions: how to do acupressure, the disclaimer, and questions asked in the middle of a routine.

A question asked during a routine never loses the place: the routine's state is read, not moved.
In dialog mode the answer ends with the way back ("say next to carry on"); while a routine plays
through AudioPlayer the answer is speech only (no AudioPlayer directive), so the player is not
stopped and carries on where it was once Alexa has spoken.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response
from ask_sdk_model.ui.simple_card import SimpleCard

from skill.runtime import engine
from skill.runtime.content.models import HOLD_MAX_S, HOLD_MIN_S, Routine, Side
from skill.runtime.engine import RoutineState
from skill.runtime.flows.player import in_audio_mode
from skill.runtime.flows.stepping import spoken_duration
from skill.runtime.flows.turn import Deps, ongoing, profile, reply, set_profile
from skill.runtime.handlers.base import IntentHandler, slot
from skill.runtime.handlers.intents import Intent, Slot
from skill.runtime.speech import Speech
from skill.runtime.text import number_words

# How much one "longer" or "shorter" changes each hold (the hold times go in these steps).
HOLD_STEP_S = 30
# Roughly how long a step's spoken lines take, for "how long is left".
SPOKEN_STEP_S = 20
# The value ids of the HOLD_CHANGE slot list (content/slots/<locale>.yaml, list `change`).
LONGER, SHORTER, SLOWER = "longer", "shorter", "slower"


def _routine(deps: Deps, state: RoutineState) -> Routine | None:
    return deps.content.routines.get(state.routine_id)


def answer(handler_input: HandlerInput, deps: Deps, speech: Speech) -> Response:
    """Answer, then the way on: back to the routine if one is going (its place untouched)."""
    if in_audio_mode(deps, handler_input):
        # The routine is playing: speak and let the player carry on.
        return reply(handler_input, speech, end=True)
    more = deps.say("followup_in_routine" if ongoing(profile(handler_input)) else "question_followup")
    return reply(handler_input, speech.extend(more), more)


def topic_id(handler_input: HandlerInput, deps: Deps) -> str | None:
    """The technique topic: entity resolution's id, else the words heard against the topic list."""
    value = slot(handler_input, Slot.TOPIC)
    return deps.prompts.slot_choice("topic", deps.content.answers, value.ids, value.raw)


class TechniqueQuestionHandler(IntentHandler):
    """'How hard should I press', 'can I do it at my desk', 'does acupressure work'."""

    intents = (Intent.TECHNIQUE_QUESTION,)

    def handle(self, handler_input: HandlerInput) -> Response:
        topic = topic_id(handler_input, self.deps)
        if topic is None:
            speech = self.say("topic_which")
            return reply(handler_input, speech, speech)
        return answer(handler_input, self.deps, Speech().text(self.content.answers[topic].say))


class DisclaimerHandler(IntentHandler):
    """'Read me the full disclaimer', 'is this medical advice'."""

    intents = (Intent.DISCLAIMER,)

    def handle(self, handler_input: HandlerInput) -> Response:
        # Asked for, so said whole; and on the card in the Alexa app, as at the first welcome.
        disclaimer = self.prompts.fill(self.content.safety.disclaimer)
        handler_input.response_builder.set_card(SimpleCard(title=self.prompts.say("card_title"), content=disclaimer))
        return answer(handler_input, self.deps, Speech().text(disclaimer))


class RoutineQuestionHandler(IntentHandler):
    """A question about the routine under way; without one, says how to start one."""

    def handle(self, handler_input: HandlerInput) -> Response:
        state = ongoing(profile(handler_input))
        routine = _routine(self.deps, state) if state else None
        if state is None or routine is None:
            speech = self.say("no_routine")
            return reply(handler_input, speech, speech)
        return answer(handler_input, self.deps, self.about(routine, state))

    def about(self, routine: Routine, state: RoutineState) -> Speech:
        raise NotImplementedError


class WhichSideHandler(RoutineQuestionHandler):
    """'Which side now', 'am I on the left'."""

    intents = (Intent.WHICH_SIDE,)

    def about(self, routine: Routine, state: RoutineState) -> Speech:
        step = engine.plan_step(routine, state).step
        if step.side in (Side.LEFT, Side.RIGHT):
            return self.say("side_now", side=self.prompts.say(f"side_{step.side.value}"))
        return self.say(f"side_{step.side.value}")  # side_both, side_center, side_none


def minutes_left(routine: Routine, state: RoutineState) -> int:
    """Whole minutes (at least one) for this step and the ones after it, holds at the user's time."""
    steps = {s.id: s for s in routine.steps}
    seconds = 0
    for sid in state.step_ids[state.index:]:
        step = steps.get(sid)
        if step is None:
            continue
        seconds += SPOKEN_STEP_S + (state.hold_s if step.hold else step.pause_s or 0)
    return max(1, math.ceil(seconds / 60))


class TimeLeftHandler(RoutineQuestionHandler):
    """'How long is left', 'how many more', 'is this the last one'."""

    intents = (Intent.TIME_LEFT,)

    def about(self, routine: Routine, state: RoutineState) -> Speech:
        if state.at_end:
            return self.say("time_left_last", number=number_words(state.number), total=number_words(state.total))
        n = minutes_left(routine, state)
        minutes = self.prompts.say("minutes_one") if n == 1 else self.prompts.say("minutes_many",
                                                                                  count=number_words(n))
        return self.say("time_left", number=number_words(state.number), total=number_words(state.total),
                        minutes=minutes)


class RoutinePointHandler(RoutineQuestionHandler):
    """'Where was that point again', 'which point is this' (no point named) while a routine is going.

    Registered before the point look-up, which takes the question when a point is named or no
    routine is going."""

    intents = (Intent.FIND_POINT,)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return (super().can_handle(handler_input) and slot(handler_input, Slot.POINT).empty
                and ongoing(profile(handler_input)) is not None)

    def about(self, routine: Routine, state: RoutineState) -> Speech:
        step = engine.plan_step(routine, state).step
        point = self.content.points.get(step.point) if step.point else None
        if point is None:
            return self.say("routine_point_none", title=step.title)
        return self.say("routine_point_now", name=point.name, location=point.location)


class ChangeHoldHandler(IntentHandler):
    """'Make the holds longer', 'shorter holds please', 'slow down a bit'."""

    intents = (Intent.CHANGE_HOLD,)

    def handle(self, handler_input: HandlerInput) -> Response:
        value = slot(handler_input, Slot.CHANGE)
        change = next((i for i in value.ids if i in (LONGER, SHORTER, SLOWER)), None)
        if change is None and value.raw:
            said = value.raw.lower().strip()
            change = next((c for c in (LONGER, SHORTER, SLOWER)
                           if said == c or said in self.prompts.variants(f"slot_change_{c}")), None)
        change = change or LONGER
        prof = profile(handler_input)
        now = prof.prefs.hold_s
        step = -HOLD_STEP_S if change == SHORTER else HOLD_STEP_S
        wanted = min(HOLD_MAX_S, max(HOLD_MIN_S, now + step))
        if wanted == now:
            speech = self.say("hold_at_shortest" if change == SHORTER else "hold_at_longest")
            return answer(handler_input, self.deps, speech)
        prefs = prof.prefs.with_hold(wanted)
        progress = engine.with_hold(prof.progress, prefs) if prof.progress else None
        set_profile(handler_input, replace(prof, prefs=prefs, progress=progress))
        speech = self.say(f"hold_{change}", hold=spoken_duration(self.deps, prefs.hold_s))
        return answer(handler_input, self.deps, speech)
