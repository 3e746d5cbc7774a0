"""Typed models of everything in `content/*.yaml`."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from skill.runtime.templates import TemplateError, parse

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
    def _not_both(cls, v: int | None, info: ValidationInfo) -> int | None:
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


def _parses(template: str) -> str:
    """A sentence template whose brackets match (its <rules> are checked with the file)."""
    try:
        parse(template)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None
    return template


Template = Annotated[str, Field(min_length=1), AfterValidator(_parses)]


class FlagPatterns(Strict):
    """How the screening spots one red flag in words nobody wrote down."""

    patterns: list[Template] = Field(min_length=1, description="any of these means the flag")
    ignore: list[Template] = Field(default_factory=list, description="removed from the text first")
    unless: list[Template] = Field(default_factory=list, description="present: not this flag")


class SafetyLexicon(Strict):
    """Word lists and patterns the safety screening listens for (`content/safety_lexicon.yaml`)."""

    point_words: list[str] = Field(min_length=1, description="a point name when a number follows")
    lists: dict[str, Template | list[Template]] = Field(default_factory=dict)
    red_flags: dict[str, FlagPatterns] = Field(min_length=1, description="by red flag id, in priority order")
    pregnant: list[Template] = Field(min_length=1)
    not_pregnant: list[Template] = Field(min_length=1)
    pain: list[Template] = Field(min_length=1)


class SafetyLexiconFile(Strict):
    """`content/safety_lexicon.yaml`."""

    lexicon: SafetyLexicon


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
    # Set by the loader from safety_lexicon.yaml (the screening needs both); never written in safety.yaml.
    lexicon: SafetyLexicon | None = None


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


# A spoken answer is one breath: at most this many words (Alexa design guide; issue 14).
ANSWER_MAX_WORDS = 40


def _one_breath(text: str) -> str:
    words = len(text.split())
    if words > ANSWER_MAX_WORDS:
        raise ValueError(f"{words} words; a spoken answer has at most {ANSWER_MAX_WORDS}")
    return text


class Answer(Strict):
    """A short spoken answer to a technique question (how hard, how long, at a desk...)."""

    say: Annotated[str, Field(min_length=1), AfterValidator(_one_breath)]
    sources: list[str] = Field(min_length=1)
    notes: str | None = None


class AnswersFile(Strict):
    """`content/answers.yaml`: answers by topic id (the ids of the `topic` slot list)."""

    answers: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Answer] = Field(min_length=1)


# ---- voice data: responses, slot lists, store listing, intents registry, sentence templates

LOCALE = r"^[a-z]{2}-[A-Z]{2}$"
KEY = r"^[a-z][a-z0-9_]*$"
ResponseKey = Annotated[str, Field(pattern=KEY)]
Words = Annotated[str, Field(min_length=1)]


class LocaleFile(Strict):
    """A file for one locale; its `language` must match the file's name."""

    language: str = Field(pattern=LOCALE)


class LocaleFacts(Strict):
    """What a locale fills into replies: its emergency number and its words for care."""

    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    emergency_number: Annotated[str, Field(pattern=r"^[0-9]{3}$")]
    emergency_department: Words
    urgent_care: Words
    doctor: Words

    def fills(self) -> dict[str, str]:
        """The {placeholders} any reply may use in this locale, with their words."""
        return {name: str(getattr(self, name)) for name in LOCALE_PLACEHOLDERS}


# What every reply may fill in from the request's locale (content/locales.yaml), beside its own fields.
LOCALE_PLACEHOLDERS = ("emergency_number", "emergency_department", "urgent_care", "doctor")


class LocalesFile(Strict):
    """`content/locales.yaml`: per locale, the facts replies fill in ({emergency_number} ...)."""

    locales: dict[Annotated[str, Field(pattern=r"^[a-z]{2}-[A-Z]{2}$")], LocaleFacts] = Field(min_length=1)


class ResponsesFile(LocaleFile):
    """`content/responses/<locale>.yaml`: the skill's own conversational wording, by key. Another
    locale's file is an overlay on the default locale's: only the keys whose wording differs."""

    responses: dict[ResponseKey, Words | Annotated[list[Words], Field(min_length=1)]] = Field(min_length=1)


class SlotListsFile(LocaleFile):
    """`content/slots/<locale>.yaml`: slot values not taken from other content, with their words.
    Another locale's file is an overlay: more words for the default locale's values."""

    lists: dict[ResponseKey, dict[ResponseKey, Annotated[list[Words], Field(min_length=1)]]] = \
        Field(default_factory=dict)
    # More words in this locale for values taken from other content, by source (points, routines,
    # complaints, red_flags) and value id: "i can't wee" for the bladder red flag in en-GB.
    synonyms: dict[ResponseKey, dict[str, Annotated[list[Words], Field(min_length=1)]]] = \
        Field(default_factory=dict)


class StoreListing(Strict):
    """The skill store's text for one locale (skill.json publishingInformation)."""

    name: str = Field(min_length=2, max_length=50)
    summary: str = Field(min_length=1, max_length=160)
    description: str = Field(min_length=1, max_length=4000)
    examples: list[Annotated[str, Field(pattern=r"^Alexa, ")]] = Field(min_length=1, max_length=3)
    keywords: list[Words] = Field(default_factory=list)


class StoreFile(LocaleFile):
    """`content/store/<locale>.yaml`."""

    store: StoreListing


class ValueSource(StrEnum):
    """Where a slot type's values come from (besides `lists.<name>` in slots/<locale>.yaml)."""

    POINTS = "points"
    ROUTINES = "routines"
    COMPLAINTS = "complaints"
    RED_FLAGS = "red_flags"
    AMAZON = "amazon"


LIST_PREFIX = "lists."


class SlotTypeSpec(Strict):
    """A slot type of the interaction model."""

    description: str = Field(min_length=1)
    values: str = Field(pattern=r"^(points|routines|complaints|red_flags|amazon|lists\.[a-z][a-z0-9_]*)$",
                        description="where the values come from")

    @property
    def list_name(self) -> str | None:
        """The slot list in slots/<locale>.yaml, if the values come from one."""
        return self.values.removeprefix(LIST_PREFIX) if self.values.startswith(LIST_PREFIX) else None


NAME = r"^(AMAZON\.)?[A-Za-z][A-Za-z0-9_]*$"


class IntentSpec(Strict):
    """An intent: what it is for and its slots (slot name -> slot type)."""

    description: str = Field(min_length=1)
    slots: dict[Annotated[str, Field(pattern=r"^[a-z][A-Za-z0-9_]*$")], str] = Field(default_factory=dict)

    @staticmethod
    def is_builtin(name: str) -> bool:
        """Amazon's own intents come with Amazon's own sentences."""
        return name.startswith("AMAZON.")


class IntentsFile(Strict):
    """`content/intents.yaml`: the intents registry."""

    slot_types: dict[Annotated[str, Field(pattern=NAME)], SlotTypeSpec] = Field(min_length=1)
    intents: dict[Annotated[str, Field(pattern=NAME)], IntentSpec] = Field(min_length=1)


class IntentSentences(Strict):
    """One intent's sentence templates in one locale."""

    sentences: list[Template] = Field(min_length=1)


class SentencesFile(LocaleFile):
    """`content/sentences/<locale>/<topic>.yaml`: sentence templates by intent."""

    intents: dict[str, IntentSentences] = Field(min_length=1)


class CommonSentencesFile(LocaleFile):
    """`content/sentences/<locale>/_common.yaml`: expansion rules the templates share as <name>."""

    expansion_rules: dict[ResponseKey, Template | list[Template]] = Field(default_factory=dict)


# ---- the privacy policy, terms of use and certification answers (content/policies.yaml)


class PolicyKind(StrEnum):
    """The documents skill.json links to; each is served at /<kind> and published as <kind>.html."""

    PRIVACY = "privacy"
    TERMS = "terms"


class PolicySection(Strict):
    """A heading and its paragraphs."""

    heading: Words
    paragraphs: list[Words] = Field(min_length=1)


class Policy(Strict):
    """One document: title, the date it last changed, sections."""

    title: Words
    updated: date
    sections: list[PolicySection] = Field(min_length=1)


class Certification(Strict):
    """skill.json's privacy and compliance answers, and the testing instructions for Amazon's reviewers."""

    uses_personal_info: bool
    is_child_directed: bool
    contains_ads: bool
    is_export_compliant: bool
    allows_purchases: bool
    # Amazon's limit on testingInstructions.
    testing_instructions: str = Field(min_length=1, max_length=4000)


class PoliciesFile(Strict):
    """`content/policies.yaml`."""

    policies: dict[PolicyKind, Policy]
    certification: Certification

    @field_validator("policies")
    @classmethod
    def _every_kind(cls, value: dict[PolicyKind, Policy]) -> dict[PolicyKind, Policy]:
        missing = [k.value for k in PolicyKind if k not in value]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        return value
