"""Typed models of everything in `content/*.yaml`.

Plain frozen dataclasses (made by skill.runtime.records.record, without dataclass's per-class code
generation): the running skill builds them (from the compact form the bundle carries, see
skill.runtime.content.compact) without importing pydantic. Their constraints are written as `Rule`s in
the field annotations, which pydantic applies when the tools validate the YAML (loader.validate_file
through pydantic's TypeAdapter): `acupressure check`, the render, the model builder, the bundle build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from skill.runtime.records import record

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


class Rule:
    """A field's constraints as pydantic's Field takes them (min_length, pattern, ge, description...) and
    optionally a check run after them (`after`, given the value, or the value and pydantic's
    ValidationInfo). Inert at runtime; pydantic, imported only when content is validated, applies it."""

    __slots__ = ("after", "rules")

    def __init__(self, after: Callable[..., Any] | None = None, **rules: Any):
        self.after = after
        self.rules = rules

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import AfterValidator, Field

        marks: list[Any] = [Field(**self.rules)] if self.rules else []
        if self.after is not None:
            marks.append(AfterValidator(self.after))
        # To the next handler: the Rules before this one in the same Annotated apply theirs on top.
        return handler(Annotated[(source, *marks)]) if marks else handler(source)


class Strict:
    """Base of the models: unknown fields are errors, so typos in YAML are caught (pydantic reads this
    setting when it validates a dataclass); the models themselves are frozen dataclasses."""

    __slots__ = ()
    __pydantic_config__: ClassVar[dict[str, str]] = {"extra": "forbid"}


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


class Posture(StrEnum):
    """How the body lies or sits for a routine (pregnancy allows only seated or side-lying)."""

    SEATED = "seated"
    SIDE_LYING = "side_lying"
    ON_BACK = "on_back"
    FACE_DOWN = "face_down"


# What a routine's position allows when its postures are not written out.
POSTURES_OF_POSITION = {"seated": (Posture.SEATED,), "lying": (Posture.ON_BACK,),
                        "any": (Posture.SEATED, Posture.ON_BACK)}
PREGNANCY_POSTURES = frozenset({Posture.SEATED, Posture.SIDE_LYING})


class CautionKind(StrEnum):
    """Kinds of caution attached to a point."""

    PREGNANCY = "pregnancy"
    TENDER = "tender"
    GENERAL = "general"


class RoutineKind(StrEnum):
    """Acupressure routine or guided script (mindfulness)."""

    ACUPRESSURE = "acupressure"
    SCRIPT = "script"


@record(frozen=True, slots=True, kw_only=True)
class Caution(Strict):
    """A caution spoken before coaching a point."""

    kind: CautionKind
    text: Annotated[str, Rule(min_length=1)]
    sources: list[str] = field(default_factory=list)


@record(frozen=True, slots=True, kw_only=True)
class Press(Strict):
    """How to press a point."""

    pressure: Annotated[str, Rule(min_length=1, description="spoken: how hard")]
    motion: Annotated[str, Rule(min_length=1, description="spoken: still hold, small circles, ...")]
    direction: Annotated[str, Rule(min_length=1, description="spoken: which way to angle the pressure")]
    duration_s: Annotated[int, Rule(ge=10, le=HOLD_MAX_S)]
    both_sides: bool
    steps: Annotated[list[str], Rule(min_length=1, description="spoken instructions, one per sentence")]


@record(frozen=True, slots=True, kw_only=True)
class Point(Strict):
    """One acupressure point, keyed by its WHO code."""

    id: Annotated[str, Rule(pattern=r"^[A-Z]{2}\d{1,2}$", description="WHO standard code, e.g. BL23")]
    name: Annotated[str, Rule(min_length=1, description="spoken name, e.g. 'Bladder 23'")]
    pinyin: str
    english: str | None = None
    aliases: Annotated[list[str], Rule(min_length=1)]
    regions: Annotated[list[Region], Rule(min_length=1)]
    complaints: Annotated[list[Complaint], Rule(min_length=1)]
    location: Annotated[str, Rule(min_length=1, description="one spoken sentence: where it is")]
    find_steps: Annotated[list[str], Rule(min_length=1, description="how to find it on your own body")]
    press: Press
    benefits: Annotated[list[str], Rule(min_length=1)]
    cautions: list[Caution] = field(default_factory=list)
    pregnancy_contraindicated: bool = False
    sources: Annotated[list[str], Rule(min_length=1)]
    notes: str | None = None

    @property
    def pregnancy_caution(self) -> Caution | None:
        """The pregnancy caution, if this point carries one."""
        return next((c for c in self.cautions if c.kind is CautionKind.PREGNANCY), None)


@record(frozen=True, slots=True, kw_only=True)
class Technique(Strict):
    """A way of applying pressure or massage."""

    id: Annotated[str, Rule(pattern=r"^[a-z][a-z0-9_]*$")]
    name: Annotated[str, Rule(min_length=1)]
    aliases: list[str] = field(default_factory=list)
    position: Position
    needs_partner: bool = False
    steps: Annotated[list[str], Rule(min_length=1)]
    sources: Annotated[list[str], Rule(min_length=1)]
    notes: str | None = None


def _not_both(v: int | None, info: Any) -> int | None:
    """A step's pause_s, refused beside hold: true (`info.data` holds the fields validated before it)."""
    if v is not None and info.data.get("hold"):
        raise ValueError("a step has either hold: true or pause_s, not both")
    return v


@record(frozen=True, slots=True, kw_only=True)
class Step(Strict):
    """One step of a routine: say the lines, then hold or pause."""

    id: Annotated[str, Rule(pattern=r"^[a-z][a-z0-9_]*$")]
    title: Annotated[str, Rule(min_length=1, description="short spoken/chapter title")]
    technique: str | None = None
    point: str | None = None
    side: Side = Side.NONE
    say: Annotated[list[str], Rule(min_length=1, description="spoken lines before the hold")]
    hold: Annotated[bool, Rule(description="hold for the user's hold time (default one minute)")] = False
    pause_s: Annotated[Annotated[int, Rule(ge=1, le=HOLD_MAX_S)] | None,
                       Rule(after=_not_both, description="fixed quiet time instead")] = None
    release: Annotated[list[str], Rule(description="spoken lines after the hold")] = field(default_factory=list)


@record(frozen=True, slots=True, kw_only=True)
class Routine(Strict):
    """An ordered, timed routine (acupressure) or guided script (mindfulness)."""

    id: Annotated[str, Rule(pattern=r"^[a-z][a-z0-9_]*$")]
    name: Annotated[str, Rule(min_length=1)]
    kind: RoutineKind = RoutineKind.ACUPRESSURE
    aliases: list[str] = field(default_factory=list)
    description: Annotated[str, Rule(min_length=1)]
    position: Position
    intro: Annotated[list[str], Rule(min_length=1)]
    steps: Annotated[list[Step], Rule(min_length=1)]
    outro: list[str] = field(default_factory=list)
    sources: Annotated[list[str], Rule(min_length=1)]
    notes: str | None = None
    postures: Annotated[list[Posture], Rule(description="how it is done; default: from position")] = (
        field(default_factory=list))

    @property
    def all_postures(self) -> tuple[Posture, ...]:
        """The postures this routine is done in (written out, or what its position allows)."""
        return tuple(self.postures) or POSTURES_OF_POSITION[self.position.value]

    @property
    def fits_pregnancy(self) -> bool:
        """It can be done seated or lying on one side (not flat on the back, not face down)."""
        return any(p in PREGNANCY_POSTURES for p in self.all_postures)


class Tier(StrEnum):
    """How soon a red flag needs care, most urgent first (NICE NG59 and CKS; GIRFT/BASS; NICE NG41)."""

    EMERGENCY = "emergency"  # call the emergency number or go to the emergency department now
    SAME_DAY = "same_day"  # urgent care or a doctor today
    SEE_SOON = "see_soon"  # see a doctor soon; self-care may go on meanwhile

    @property
    def urgency(self) -> int:
        """Higher is more urgent (emergency > same day > see soon)."""
        return {Tier.EMERGENCY: 2, Tier.SAME_DAY: 1, Tier.SEE_SOON: 0}[self]


@record(frozen=True, slots=True, kw_only=True)
class RedFlag(Strict):
    """A symptom that means medical care, not self-care."""

    id: Annotated[str, Rule(pattern=r"^[a-z][a-z0-9_]*$")]
    tier: Tier
    description: Annotated[str, Rule(min_length=1)]
    phrases: Annotated[list[str], Rule(min_length=1, description="things a person might say")]
    sources: Annotated[list[str], Rule(min_length=1)]

    @property
    def emergency(self) -> bool:
        """Call the emergency number now."""
        return self.tier is Tier.EMERGENCY

    @property
    def stops(self) -> bool:
        """Self-care stops here: an emergency or a same-day flag (see-soon advises and may carry on)."""
        return self.tier is not Tier.SEE_SOON


def _parses(template: str) -> str:
    """A sentence template whose brackets match (its <rules> are checked with the file)."""
    from skill.runtime.templates import TemplateError, parse  # validation only: not at a cold start

    try:
        parse(template)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None
    return template


Template = Annotated[str, Rule(min_length=1), Rule(after=_parses)]


@record(frozen=True, slots=True, kw_only=True)
class FlagPatterns(Strict):
    """How the screening spots one red flag in words nobody wrote down."""

    patterns: Annotated[list[Template], Rule(min_length=1, description="any of these means the flag")]
    ignore: Annotated[list[Template], Rule(description="removed from the text first")] = field(default_factory=list)
    unless: Annotated[list[Template], Rule(description="present: not this flag")] = field(default_factory=list)


@record(frozen=True, slots=True, kw_only=True)
class SafetyLexicon(Strict):
    """Word lists and patterns the safety screening listens for (`content/safety_lexicon.yaml`)."""

    point_words: Annotated[list[str], Rule(min_length=1, description="a point name when a number follows")]
    lists: dict[str, Template | list[Template]] = field(default_factory=dict)
    red_flags: Annotated[dict[str, FlagPatterns], Rule(min_length=1, description="by red flag id, in priority order")]
    pregnant: Annotated[list[Template], Rule(min_length=1)]
    not_pregnant: Annotated[list[Template], Rule(min_length=1)]
    pregnancy_cleared: Annotated[list[Template], Rule(description="her midwife said it's fine")] = (
        field(default_factory=list))
    pain: Annotated[list[Template], Rule(min_length=1)]
    openers: Annotated[list[str], Rule(description="RedFlagIntent's '<opener> {symptom}' samples")] = (
        field(default_factory=list))
    meaning_openers: Annotated[list[str], Rule(description="samples too; read again with the slot")] = (
        field(default_factory=list))


@record(frozen=True, slots=True, kw_only=True)
class SafetyLexiconFile(Strict):
    """`content/safety_lexicon.yaml`."""

    lexicon: SafetyLexicon


@record(frozen=True, slots=True, kw_only=True)
class Safety(Strict):
    """Disclaimer, pregnancy, red flags and when to see a practitioner."""

    disclaimer: Annotated[str, Rule(min_length=1)]
    disclaimer_short: Annotated[str, Rule(min_length=1)]
    pregnancy: Annotated[list[str], Rule(min_length=1)]
    pregnancy_cleared: Annotated[list[str], Rule(description="her midwife said it's fine")] = (
        field(default_factory=list))
    pregnancy_skip: Annotated[str, Rule(min_length=1, description="said once when a point is skipped")]
    red_flags: Annotated[list[RedFlag], Rule(min_length=1)]
    emergency_reply: Annotated[list[str], Rule(min_length=1, description="an emergency flag: call for help now")]
    same_day_reply: Annotated[list[str], Rule(min_length=1, description="a same-day flag: a doctor today")]
    see_soon_reply: Annotated[list[str], Rule(min_length=1, description="a see-soon flag: advice, then carry on")]
    unsure_reply: Annotated[list[str], Rule(min_length=1, description="health words that name no flag: be careful")]
    see_practitioner: Annotated[list[str], Rule(min_length=1)]
    pain_during: Annotated[list[str], Rule(min_length=1)]
    pressure_guidance: Annotated[list[str], Rule(min_length=1)]
    sources: Annotated[list[str], Rule(min_length=1)]
    notes: str | None = None
    # Set by the loader from safety_lexicon.yaml (the screening needs both); never written in safety.yaml.
    lexicon: SafetyLexicon | None = None


class TipCategory(StrEnum):
    """What a tip is about."""

    AFTERCARE = "aftercare"
    PREVENTION = "prevention"
    TIMING = "timing"


@record(frozen=True, slots=True, kw_only=True)
class Tip(Strict):
    """A short spoken tip."""

    id: Annotated[str, Rule(pattern=r"^[a-z][a-z0-9_]*$")]
    category: TipCategory
    text: Annotated[str, Rule(min_length=1)]
    sources: Annotated[list[str], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class Meridian(Strict):
    """A channel code and the words people use for it ('bladder', 'B')."""

    code: Annotated[str, Rule(pattern=r"^[A-Z]{2}$")]
    names: Annotated[list[str], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class ComplaintTopic(Strict):
    """A complaint and the words people use for it ("sciatica", "pain down my leg")."""

    id: Complaint
    name: Annotated[str, Rule(min_length=1, description="spoken name")]
    aliases: Annotated[list[str], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class RegionTopic(Strict):
    """A body region and the words people use for it."""

    id: Region
    name: Annotated[str, Rule(min_length=1, description="spoken name")]
    aliases: Annotated[list[str], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class PointsFile(Strict):
    """`content/points.yaml`."""

    meridians: Annotated[list[Meridian], Rule(min_length=1)]
    complaints: Annotated[list[ComplaintTopic], Rule(min_length=1)]
    regions: Annotated[list[RegionTopic], Rule(min_length=1)]
    points: Annotated[list[Point], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class TechniquesFile(Strict):
    """`content/techniques.yaml`."""

    techniques: Annotated[list[Technique], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class RoutinesFile(Strict):
    """`content/routines.yaml` and `content/scripts.yaml`."""

    routines: Annotated[list[Routine], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class SafetyFile(Strict):
    """`content/safety.yaml`."""

    safety: Safety


@record(frozen=True, slots=True, kw_only=True)
class TipsFile(Strict):
    """`content/tips.yaml`."""

    tips: Annotated[list[Tip], Rule(min_length=1)]


# A spoken answer is one breath: at most this many words (Alexa design guide; issue 14).
ANSWER_MAX_WORDS = 40


def _one_breath(text: str) -> str:
    words = len(text.split())
    if words > ANSWER_MAX_WORDS:
        raise ValueError(f"{words} words; a spoken answer has at most {ANSWER_MAX_WORDS}")
    return text


@record(frozen=True, slots=True, kw_only=True)
class Answer(Strict):
    """A short spoken answer to a technique question (how hard, how long, at a desk...)."""

    say: Annotated[str, Rule(min_length=1, after=_one_breath)]
    sources: Annotated[list[str], Rule(min_length=1)]
    notes: str | None = None


@record(frozen=True, slots=True, kw_only=True)
class AnswersFile(Strict):
    """`content/answers.yaml`: answers by topic id (the ids of the `topic` slot list)."""

    answers: Annotated[dict[Annotated[str, Rule(pattern=r"^[a-z][a-z0-9_]*$")], Answer], Rule(min_length=1)]


# ---- voice data: responses, slot lists, store listing, intents registry, sentence templates

LOCALE = r"^[a-z]{2}-[A-Z]{2}$"
KEY = r"^[a-z][a-z0-9_]*$"
ResponseKey = Annotated[str, Rule(pattern=KEY)]
Words = Annotated[str, Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class LocaleFile(Strict):
    """A file for one locale; its `language` must match the file's name."""

    language: Annotated[str, Rule(pattern=LOCALE)]


@record(frozen=True, slots=True, kw_only=True)
class LocaleFacts(Strict):
    """What a locale fills into replies: its emergency number and its words for care."""

    country: Annotated[str, Rule(pattern=r"^[A-Z]{2}$")]
    emergency_number: Annotated[str, Rule(pattern=r"^[0-9]{3}$")]
    emergency_department: Words
    urgent_care: Words
    doctor: Words

    def fills(self) -> dict[str, str]:
        """The {placeholders} any reply may use in this locale, with their words."""
        return {name: str(getattr(self, name)) for name in LOCALE_PLACEHOLDERS}


# What every reply may fill in from the request's locale (content/locales.yaml), beside its own fields.
LOCALE_PLACEHOLDERS = ("emergency_number", "emergency_department", "urgent_care", "doctor")


@record(frozen=True, slots=True, kw_only=True)
class LocalesFile(Strict):
    """`content/locales.yaml`: per locale, the facts replies fill in ({emergency_number} ...)."""

    locales: Annotated[dict[Annotated[str, Rule(pattern=r"^[a-z]{2}-[A-Z]{2}$")], LocaleFacts], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class ResponsesFile(LocaleFile):
    """`content/responses/<locale>.yaml`: the skill's own conversational wording, by key. Another
    locale's file is an overlay on the default locale's: only the keys whose wording differs."""

    responses: Annotated[dict[ResponseKey, Words | Annotated[list[Words], Rule(min_length=1)]], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class SlotListsFile(LocaleFile):
    """`content/slots/<locale>.yaml`: slot values not taken from other content, with their words.
    Another locale's file is an overlay: more words for the default locale's values."""

    lists: dict[ResponseKey, dict[ResponseKey, Annotated[list[Words], Rule(min_length=1)]]] = \
        field(default_factory=dict)
    # More words in this locale for values taken from other content, by source (points, routines,
    # complaints, red_flags) and value id: "i can't wee" for the bladder red flag in en-GB.
    synonyms: dict[ResponseKey, dict[str, Annotated[list[Words], Rule(min_length=1)]]] = field(default_factory=dict)


@record(frozen=True, slots=True, kw_only=True)
class StoreListing(Strict):
    """The skill store's text for one locale (skill.json publishingInformation)."""

    name: Annotated[str, Rule(min_length=2, max_length=50)]
    summary: Annotated[str, Rule(min_length=1, max_length=160)]
    description: Annotated[str, Rule(min_length=1, max_length=4000)]
    examples: Annotated[list[Annotated[str, Rule(pattern=r"^Alexa, ")]], Rule(min_length=1, max_length=3)]
    keywords: list[Words] = field(default_factory=list)


@record(frozen=True, slots=True, kw_only=True)
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


@record(frozen=True, slots=True, kw_only=True)
class SlotTypeSpec(Strict):
    """A slot type of the interaction model."""

    description: Annotated[str, Rule(min_length=1)]
    values: Annotated[str, Rule(pattern=r"^(points|routines|complaints|red_flags|amazon|lists\.[a-z][a-z0-9_]*)$",
                                description="where the values come from")]

    @property
    def list_name(self) -> str | None:
        """The slot list in slots/<locale>.yaml, if the values come from one."""
        return self.values.removeprefix(LIST_PREFIX) if self.values.startswith(LIST_PREFIX) else None


NAME = r"^(AMAZON\.)?[A-Za-z][A-Za-z0-9_]*$"


@record(frozen=True, slots=True, kw_only=True)
class IntentSpec(Strict):
    """An intent: what it is for and its slots (slot name -> slot type)."""

    description: Annotated[str, Rule(min_length=1)]
    slots: dict[Annotated[str, Rule(pattern=r"^[a-z][A-Za-z0-9_]*$")], str] = field(default_factory=dict)

    @staticmethod
    def is_builtin(name: str) -> bool:
        """Amazon's own intents come with Amazon's own sentences."""
        return name.startswith("AMAZON.")


@record(frozen=True, slots=True, kw_only=True)
class IntentsFile(Strict):
    """`content/intents.yaml`: the intents registry."""

    slot_types: Annotated[dict[Annotated[str, Rule(pattern=NAME)], SlotTypeSpec], Rule(min_length=1)]
    intents: Annotated[dict[Annotated[str, Rule(pattern=NAME)], IntentSpec], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class IntentSentences(Strict):
    """One intent's sentence templates in one locale."""

    sentences: Annotated[list[Template], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class SentencesFile(LocaleFile):
    """`content/sentences/<locale>/<topic>.yaml`: sentence templates by intent."""

    intents: Annotated[dict[str, IntentSentences], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class CommonSentencesFile(LocaleFile):
    """`content/sentences/<locale>/_common.yaml`: expansion rules the templates share as <name>."""

    expansion_rules: dict[ResponseKey, Template | list[Template]] = field(default_factory=dict)


# ---- the privacy policy, terms of use and certification answers (content/policies.yaml)


class PolicyKind(StrEnum):
    """The documents skill.json links to; each is served at /<kind> and published as <kind>.html."""

    PRIVACY = "privacy"
    TERMS = "terms"


@record(frozen=True, slots=True, kw_only=True)
class PolicySection(Strict):
    """A heading and its paragraphs."""

    heading: Words
    paragraphs: Annotated[list[Words], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class Policy(Strict):
    """One document: title, the date it last changed, sections."""

    title: Words
    updated: date
    sections: Annotated[list[PolicySection], Rule(min_length=1)]


@record(frozen=True, slots=True, kw_only=True)
class Certification(Strict):
    """skill.json's privacy and compliance answers, and the testing instructions for Amazon's reviewers."""

    uses_personal_info: bool
    is_child_directed: bool
    contains_ads: bool
    is_export_compliant: bool
    allows_purchases: bool
    # Amazon's limit on testingInstructions.
    testing_instructions: Annotated[str, Rule(min_length=1, max_length=4000)]


def _every_kind(value: dict[PolicyKind, Policy]) -> dict[PolicyKind, Policy]:
    """Both documents are there."""
    missing = [k.value for k in PolicyKind if k not in value]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return value


@record(frozen=True, slots=True, kw_only=True)
class PoliciesFile(Strict):
    """`content/policies.yaml`."""

    policies: Annotated[dict[PolicyKind, Policy], Rule(after=_every_kind)]
    certification: Certification

