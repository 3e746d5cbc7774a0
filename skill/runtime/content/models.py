"""Typed models of everything in `content/*.yaml`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Hold time bounds (seconds) a user may choose; one minute is the default (sources).
HOLD_MIN_S = 30
HOLD_MAX_S = 180
HOLD_DEFAULT_S = 60
# Hold times audio is pre-rendered for; a user's choice snaps to the nearest.
HOLD_CHOICES_S = (30, 60, 90, 120, 150, 180)


def snap_hold(seconds: float) -> int:
    """Nearest pre-rendered hold time to what the user asked for, within 30 s to 3 min."""
    return min(HOLD_CHOICES_S, key=lambda c: (abs(c - seconds), c))

SEED_FILES = (
    "000_d07239eea23b0a9b.txt",
    "001_fe043fb46845d653.txt",
    "002_55eaf6997b57023a.txt",
    "003_78d34e94d7f04144.txt",
    "004_745d773cbbf7dfe2.txt",
)
# Published references the design notes draw on (point locations, red flags, trial doses).
EXTERNAL_REFERENCES = (
    "WHO 2008",
    "NICE NG59",
    "BASS cauda equina",
    "trial 2019",
)


class Strict(BaseModel):
    """Base model: unknown fields are errors, so typos in YAML are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(StrEnum):
    """Body region a point sits in."""

    LOWER_BACK = "lower_back"
    SACRUM = "sacrum"
    KNEE = "knee"
    ANKLE = "ankle"
    HAND = "hand"


class Complaint(StrEnum):
    """What a user may ask for help with."""

    LOWER_BACK_PAIN = "lower_back_pain"
    SCIATICA = "sciatica"
    KNEE_PAIN = "knee_pain"
    STIFFNESS = "stiffness"
    CHRONIC = "chronic"
    ACUTE = "acute"
    TENSION = "tension"
    SACRUM_PAIN = "sacrum_pain"


class Side(StrEnum):
    """Which side of the body a step works on."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    CENTER = "center"
    NONE = "none"


class Position(StrEnum):
    """Body position for a routine or technique."""

    SEATED = "seated"
    LYING = "lying"
    ANY = "any"


class CautionKind(StrEnum):
    """Kinds of caution attached to a point."""

    PREGNANCY = "pregnancy"
    TENDER = "tender"
    GENERAL = "general"


class RoutineKind(StrEnum):
    """Acupressure routine or guided script (mindfulness)."""

    ACUPRESSURE = "acupressure"
    SCRIPT = "script"


class Caution(Strict):
    """A caution spoken before coaching a point."""

    kind: CautionKind
    text: str = Field(min_length=1)
    sources: list[str] = Field(default_factory=list)


class Press(Strict):
    """How to press a point."""

    pressure: str = Field(min_length=1, description="spoken: how hard")
    motion: str = Field(min_length=1, description="spoken: still hold, small circles, ...")
    direction: str = Field(min_length=1, description="spoken: which way to angle the pressure")
    duration_s: int = Field(ge=10, le=HOLD_MAX_S)
    both_sides: bool
    steps: list[str] = Field(min_length=1, description="spoken instructions, one per sentence")


class Point(Strict):
    """One acupressure point, keyed by its WHO code."""

    id: str = Field(pattern=r"^[A-Z]{2}\d{1,2}$", description="WHO standard code, e.g. BL23")
    name: str = Field(min_length=1, description="spoken name, e.g. 'Bladder 23'")
    pinyin: str
    english: str | None = None
    aliases: list[str] = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    complaints: list[Complaint] = Field(min_length=1)
    location: str = Field(min_length=1, description="one spoken sentence: where it is")
    find_steps: list[str] = Field(min_length=1, description="how to find it on your own body")
    press: Press
    benefits: list[str] = Field(min_length=1)
    cautions: list[Caution] = Field(default_factory=list)
    pregnancy_contraindicated: bool = False
    sources: list[str] = Field(min_length=1)
    notes: str | None = None

    @property
    def pregnancy_caution(self) -> Caution | None:
        """The pregnancy caution, if this point carries one."""
        return next((c for c in self.cautions if c.kind is CautionKind.PREGNANCY), None)


class Technique(Strict):
    """A way of applying pressure or massage."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    position: Position
    needs_partner: bool = False
    steps: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    notes: str | None = None


class Step(Strict):
    """One step of a routine: say the lines, then hold or pause."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1, description="short spoken/chapter title")
    technique: str | None = None
    point: str | None = None
    side: Side = Side.NONE
    say: list[str] = Field(min_length=1, description="spoken lines before the hold")
    hold: bool = Field(False, description="hold for the user's hold time (default one minute)")
    pause_s: int | None = Field(None, ge=1, le=HOLD_MAX_S, description="fixed quiet time instead")
    release: list[str] = Field(default_factory=list, description="spoken lines after the hold")

    @field_validator("pause_s")
    @classmethod
    def _not_both(cls, v: int | None, info) -> int | None:
        if v is not None and info.data.get("hold"):
            raise ValueError("a step has either hold: true or pause_s, not both")
        return v


class Routine(Strict):
    """An ordered, timed routine (acupressure) or guided script (mindfulness)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    kind: RoutineKind = RoutineKind.ACUPRESSURE
    aliases: list[str] = Field(default_factory=list)
    description: str = Field(min_length=1)
    position: Position
    intro: list[str] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    outro: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    notes: str | None = None


class RedFlag(Strict):
    """A symptom that means medical care, not self-care."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=1)
    emergency: bool = Field(description="True for cauda-equina signs: call emergency services")
    phrases: list[str] = Field(min_length=1, description="things a person might say")
    sources: list[str] = Field(min_length=1)


class Safety(Strict):
    """Disclaimer, pregnancy, red flags and when to see a practitioner."""

    disclaimer: str = Field(min_length=1)
    disclaimer_short: str = Field(min_length=1)
    pregnancy: list[str] = Field(min_length=1)
    pregnancy_skip: str = Field(min_length=1, description="said once when a point is skipped")
    red_flags: list[RedFlag] = Field(min_length=1)
    red_flag_reply: list[str] = Field(min_length=1)
    emergency_reply: list[str] = Field(min_length=1)
    see_practitioner: list[str] = Field(min_length=1)
    pain_during: list[str] = Field(min_length=1)
    pressure_guidance: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    notes: str | None = None
    # Things people say, for sample utterances (optional, so older content still loads).
    pregnancy_phrases: list[str] = Field(default_factory=list)
    not_pregnant_phrases: list[str] = Field(default_factory=list)
    pain_phrases: list[str] = Field(default_factory=list)


class TipCategory(StrEnum):
    """What a tip is about."""

    AFTERCARE = "aftercare"
    PREVENTION = "prevention"
    TIMING = "timing"


class Tip(Strict):
    """A short spoken tip."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: TipCategory
    text: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class Meridian(Strict):
    """A channel code and the words people use for it ('bladder', 'B')."""

    code: str = Field(pattern=r"^[A-Z]{2}$")
    names: list[str] = Field(min_length=1)


class ComplaintTopic(Strict):
    """A complaint and the words people use for it ("sciatica", "pain down my leg")."""

    id: Complaint
    name: str = Field(min_length=1, description="spoken name")
    aliases: list[str] = Field(min_length=1)


class RegionTopic(Strict):
    """A body region and the words people use for it."""

    id: Region
    name: str = Field(min_length=1, description="spoken name")
    aliases: list[str] = Field(min_length=1)


class PointsFile(Strict):
    """`content/points.yaml`."""

    meridians: list[Meridian] = Field(min_length=1)
    complaints: list[ComplaintTopic] = Field(min_length=1)
    regions: list[RegionTopic] = Field(min_length=1)
    points: list[Point] = Field(min_length=1)


class TechniquesFile(Strict):
    """`content/techniques.yaml`."""

    techniques: list[Technique] = Field(min_length=1)


class RoutinesFile(Strict):
    """`content/routines.yaml` and `content/scripts.yaml`."""

    routines: list[Routine] = Field(min_length=1)


class SafetyFile(Strict):
    """`content/safety.yaml`."""

    safety: Safety


class TipsFile(Strict):
    """`content/tips.yaml`."""

    tips: list[Tip] = Field(min_length=1)


class PromptsFile(Strict):
    """`content/prompts.yaml`: the skill's own conversational wording, by key."""

    prompts: dict[str, str | list[str]]
