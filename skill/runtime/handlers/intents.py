"""Intent, slot and slot-type names the handlers use.

They name exactly what content/intents.yaml (the intents registry) holds: the model builder refuses
to build, and tests/test_content_voice.py fails, when an intent, slot or type is in one and not the other.
"""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """Every intent in the interaction model (custom first, then Amazon built-ins)."""

    FIND_POINT = "FindPointIntent"
    POINTS_FOR = "PointsForComplaintIntent"
    LIST_POINTS = "ListPointsIntent"
    START_ROUTINE = "StartRoutineIntent"
    LIST_ROUTINES = "ListRoutinesIntent"
    SKIP = "SkipIntent"
    SET_HOLD = "SetHoldTimeIntent"
    SET_POSITION = "SetPositionIntent"
    SET_REMINDER = "SetReminderIntent"
    RED_FLAG = "RedFlagIntent"
    PREGNANT = "PregnancyIntent"
    NOT_PREGNANT = "NotPregnantIntent"
    PREGNANCY_CLEARED = "PregnancyClearedIntent"
    PAIN = "PainIntent"
    DELETE_DATA = "DeleteDataIntent"
    TECHNIQUE_QUESTION = "TechniqueQuestionIntent"
    CHANGE_HOLD = "ChangeHoldIntent"
    WHICH_SIDE = "WhichSideIntent"
    TIME_LEFT = "TimeLeftIntent"
    DISCLAIMER = "DisclaimerIntent"

    HELP = "AMAZON.HelpIntent"
    STOP = "AMAZON.StopIntent"
    CANCEL = "AMAZON.CancelIntent"
    FALLBACK = "AMAZON.FallbackIntent"
    NAVIGATE_HOME = "AMAZON.NavigateHomeIntent"
    YES = "AMAZON.YesIntent"
    NO = "AMAZON.NoIntent"
    PAUSE = "AMAZON.PauseIntent"
    RESUME = "AMAZON.ResumeIntent"
    NEXT = "AMAZON.NextIntent"
    PREVIOUS = "AMAZON.PreviousIntent"
    START_OVER = "AMAZON.StartOverIntent"
    REPEAT = "AMAZON.RepeatIntent"
    LOOP_ON = "AMAZON.LoopOnIntent"
    LOOP_OFF = "AMAZON.LoopOffIntent"
    SHUFFLE_ON = "AMAZON.ShuffleOnIntent"
    SHUFFLE_OFF = "AMAZON.ShuffleOffIntent"

    @property
    def builtin(self) -> bool:
        return self.value.startswith("AMAZON.")


class Slot(StrEnum):
    """Slot names."""

    POINT = "point"
    COMPLAINT = "complaint"
    ROUTINE = "routine"
    DURATION = "duration"
    POSITION = "position"
    TIME_OF_DAY = "time"
    SYMPTOM = "symptom"
    TOPIC = "topic"
    CHANGE = "change"


class SlotType(StrEnum):
    """Custom slot types (generated from content) and the built-in ones used."""

    POINT = "POINT_NAME"
    COMPLAINT = "COMPLAINT_NAME"
    ROUTINE = "ROUTINE_NAME"
    POSITION = "POSITION_NAME"
    TIME_OF_DAY = "TIME_OF_DAY"
    RED_FLAG = "RED_FLAG"
    TOPIC = "TECHNIQUE_TOPIC"
    HOLD_CHANGE = "HOLD_CHANGE"
    DURATION = "AMAZON.DURATION"


# Which slots each custom intent carries.
INTENT_SLOTS: dict[Intent, dict[Slot, SlotType]] = {
    Intent.FIND_POINT: {Slot.POINT: SlotType.POINT},
    Intent.POINTS_FOR: {Slot.COMPLAINT: SlotType.COMPLAINT},
    Intent.START_ROUTINE: {Slot.ROUTINE: SlotType.ROUTINE},
    Intent.SET_HOLD: {Slot.DURATION: SlotType.DURATION},
    Intent.SET_POSITION: {Slot.POSITION: SlotType.POSITION},
    Intent.SET_REMINDER: {Slot.TIME_OF_DAY: SlotType.TIME_OF_DAY},
    Intent.RED_FLAG: {Slot.SYMPTOM: SlotType.RED_FLAG},
    Intent.TECHNIQUE_QUESTION: {Slot.TOPIC: SlotType.TOPIC},
    Intent.CHANGE_HOLD: {Slot.CHANGE: SlotType.HOLD_CHANGE},
}

# Intents whose very name is a health statement: never logged by name.
HEALTH_INTENTS = frozenset({Intent.RED_FLAG, Intent.PREGNANT, Intent.NOT_PREGNANT, Intent.PREGNANCY_CLEARED,
                            Intent.PAIN})
