"""Schemas for the YAML test data in tests/data: unknown keys, wrong types and duplicate keys fail.

Every file in tests/data has a schema in SCHEMAS (tests/test_data_schemas.py checks that). Tests read
the files with `load_data`, which validates before returning the plain parsed YAML, so a typo in an
`expect:` or a fact's check is a collection error instead of a check that silently never runs.
Models are strict: YAML's `yes`/`no`/`1` stay what they are (a bool is not a str, "false" is not a bool).
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, RootModel, Tag, ValidationError, model_validator

DATA_DIR = Path(__file__).resolve().parent / "data"

Text = Annotated[str, Field(strict=True, min_length=1)]
Texts = Annotated[list[Text], Field(min_length=1)]
PointId = Annotated[str, Field(strict=True, pattern=r"^[A-Z]{2}\d+$")]  # WHO code: BL23, KI3, GV4
Id = Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]*$")]  # routine, technique, tip, red flag
SeedFile = Annotated[str, Field(strict=True, pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")]
StepNumber = Annotated[int, Field(strict=True, ge=1)]


class Strict(BaseModel):
    """Base of every schema here: unknown keys are errors, no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _no_duplicates(items: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"{what} {item!r} is listed twice")
        seen.add(item)


# --- aliases.yaml: what a person may say -> the WHO code it must resolve to ----------------------

class AliasesFile(RootModel[dict[PointId, Texts]]):
    """Point id -> the sayings that must reach it."""

    @model_validator(mode="after")
    def _one_point_per_saying(self) -> AliasesFile:
        _no_duplicates([s for sayings in self.root.values() for s in sayings], "saying")
        return self


# --- conversations*.yaml: whole conversations and the expected replies ------------------------

class SlotMatch(Strict):
    """A slot as Alexa fills it: the words heard, and the entity-resolution id when one matched."""

    value: Text
    id: Text | None = None


SlotValue = Annotated[str, Field(strict=True)] | SlotMatch | None


class Expect(Strict):
    """What a reply must contain; each key is one check in tests/expectations.py."""

    prompt: Annotated[list[Text], Field(min_length=1)] | None = None
    point: PointId | None = None
    points: Annotated[list[PointId], Field(min_length=1)] | None = None
    routine_step: Annotated[tuple[Id, StepNumber], Field(strict=False)] | None = None
    routine_intro: Id | None = None
    disclaimer: bool | None = None
    text: Texts | None = None
    end: bool | None = None
    silent: Literal[True] | None = None

    @model_validator(mode="after")
    def _silent_alone(self) -> Expect:
        # A silent reply has no speech, so any other check on it could never run.
        if self.silent and self.model_fields_set - {"silent"}:
            raise ValueError(f"silent: true cannot be combined with {sorted(self.model_fields_set - {'silent'})}")
        return self


class Turn(Strict):
    """One thing the person says or does, as a launch, a session end or an intent with slots."""

    say: Text | None = None
    request: Literal["launch", "session_ended"] | None = None
    intent: Text | None = None
    slots: dict[Text, SlotValue] | None = None
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _request_or_intent(self) -> Turn:
        if (self.request is None) == (self.intent is None):
            raise ValueError("a turn needs exactly one of `request` and `intent`")
        if self.slots is not None and self.intent is None:
            raise ValueError("`slots` belong to an `intent` turn")
        return self


class Conversation(Strict):
    name: Text
    turns: Annotated[list[Turn], Field(min_length=1)]
    finish: Id | None = None  # after the turns, say "next" until this routine ends, then check the close


class ConversationsFile(RootModel[Annotated[list[Conversation], Field(min_length=1)]]):
    @model_validator(mode="after")
    def _unique_names(self) -> ConversationsFile:
        _no_duplicates([c.name for c in self.root], "conversation name")
        return self


# --- safety_phrasings.yaml: held-out phrasings for the safety detector -------------------------

class RedFlagPhrasing(Strict):
    say: Text
    flag: Id


class SafetyPhrasingsFile(Strict):
    red_flags: Annotated[list[RedFlagPhrasing], Field(min_length=1)]
    not_red_flags: Texts
    pregnant: Texts
    not_pregnant: Texts

    @model_validator(mode="after")
    def _each_phrase_once(self) -> SafetyPhrasingsFile:
        # One phrase in two lists would demand opposite answers from the detector.
        _no_duplicates([c.say for c in self.red_flags] + self.not_red_flags, "red-flag phrasing")
        _no_duplicates(self.pregnant + self.not_pregnant, "pregnancy phrasing")
        return self


# --- source_facts.yaml: every seed fact and where the content must hold it ---------------------

class PointFact(Strict):
    fact: Text
    point: PointId
    regions: list[Id] | None = None
    complaints: list[Id] | None = None
    aliases: Texts | None = None
    words: Texts | None = None
    notes: Texts | None = None
    duration_s: Annotated[int, Field(strict=True, gt=0)] | None = None
    both_sides: bool | None = None
    cautions: list[Id] | None = None
    pregnancy: bool | None = None


class TechniqueFact(Strict):
    fact: Text
    technique: Id
    words: Texts | None = None
    position: Id | None = None
    needs_partner: bool | None = None


class RoutineFact(Strict):
    fact: Text
    routine: Id
    points: Annotated[list[PointId], Field(min_length=1)] | None = None
    techniques: list[Id] | None = None
    words: Texts | None = None
    position: Id | None = None


class ScriptFact(Strict):
    fact: Text
    script: Id
    steps: Annotated[int, Field(strict=True, gt=0)] | None = None
    step_words: list[Texts] | None = None
    words: Texts | None = None

    @model_validator(mode="after")
    def _step_words_per_step(self) -> ScriptFact:
        # The test pairs step_words with the script's steps in order; a list of another length
        # would leave steps unchecked or lists unused.
        if self.steps is not None and self.step_words is not None and len(self.step_words) != self.steps:
            raise ValueError(f"step_words has {len(self.step_words)} lists for {self.steps} steps")
        return self


class TipFact(Strict):
    fact: Text
    tip: Id
    category: Id | None = None
    words: Texts | None = None


class SafetyFact(Strict):
    fact: Text
    safety: Id  # a field of safety.yaml
    words: Texts


FACT_KINDS = ("point", "technique", "routine", "script", "tip", "safety")


def _fact_kind(data: Any) -> str | None:
    """The one key that names what a fact is about; None (an error) when there is not exactly one."""
    kinds = [k for k in FACT_KINDS if (k in data if isinstance(data, dict) else hasattr(data, k))]
    return kinds[0] if len(kinds) == 1 else None


Fact = Annotated[
    Annotated[PointFact, Tag("point")] | Annotated[TechniqueFact, Tag("technique")]
    | Annotated[RoutineFact, Tag("routine")] | Annotated[ScriptFact, Tag("script")]
    | Annotated[TipFact, Tag("tip")] | Annotated[SafetyFact, Tag("safety")],
    Discriminator(_fact_kind, custom_error_type="fact_kind",
                  custom_error_message=f"a fact needs exactly one of {', '.join(FACT_KINDS)}"),
]


class RedFlagDesign(Strict):
    tier: Literal["emergency", "same_day", "see_soon"]
    words: Texts


class Design(Strict):
    """DESIGN.md's domain facts: points avoided in pregnancy, red flags."""

    pregnancy_points: Annotated[list[PointId], Field(min_length=1)]
    pregnancy_points_in_content: Annotated[list[PointId], Field(min_length=1)]
    red_flags: dict[Id, RedFlagDesign]
    red_flag_min_phrases: Annotated[int, Field(strict=True, gt=0)]
    red_flag_sources: Texts
    emergency_sources: Texts
    emergency_reply_words: Texts

    @model_validator(mode="after")
    def _in_content_is_a_subset(self) -> Design:
        if extra := set(self.pregnancy_points_in_content) - set(self.pregnancy_points):
            raise ValueError(f"pregnancy_points_in_content not in pregnancy_points: {sorted(extra)}")
        return self


class Forbidden(Strict):
    marketing: Texts
    claims: Texts


class SourceFactsFile(Strict):
    seeds: dict[SeedFile, Annotated[list[Fact], Field(min_length=1)]]
    design: Design
    forbidden: Forbidden


# --- red_flag_phrasings.yaml: held-out red flags by tier, not-flags, pregnancy --------------------

Tier = Literal["emergency", "same_day", "see_soon"]


class TieredFlag(Strict):
    """One red flag: its id, its tier, and the ways people say it."""

    id: Id
    tier: Tier
    phrases: Annotated[list[Text], Field(min_length=12)]


class RedFlagPhrasingsFile(Strict):
    flags: Annotated[list[TieredFlag], Field(min_length=1)]
    not_flags: Texts
    pregnancy: Texts
    pregnancy_cleared: Texts

    @model_validator(mode="after")
    def _each_phrase_once(self) -> RedFlagPhrasingsFile:
        _no_duplicates([f.id for f in self.flags], "flag id")
        _no_duplicates([p.lower() for f in self.flags for p in f.phrases]
                       + [p.lower() for p in self.not_flags], "phrase")
        _no_duplicates([p.lower() for p in self.pregnancy + self.pregnancy_cleared], "pregnancy phrase")
        return self


# --- red_flag_fresh.yaml: a fresh set written before the lexicons were tuned -------------------

class FreshCase(Strict):
    """What a person says, the red flag it is and that flag's tier."""

    say: Text
    flag: Id
    tier: Tier


class RedFlagFreshFile(Strict):
    cases: Annotated[list[FreshCase], Field(min_length=60)]
    not_flags: Texts
    pregnancy: Texts
    pregnancy_cleared: Texts

    @model_validator(mode="after")
    def _each_phrase_once(self) -> RedFlagFreshFile:
        _no_duplicates([c.say.lower() for c in self.cases] + [p.lower() for p in self.not_flags], "phrase")
        _no_duplicates([p.lower() for p in self.pregnancy + self.pregnancy_cleared], "pregnancy phrase")
        tiers: dict[str, str] = {}
        for c in self.cases:
            if tiers.setdefault(c.flag, c.tier) != c.tier:
                raise ValueError(f"{c.flag} has two tiers: {tiers[c.flag]} and {c.tier}")
        return self


# --- understanding.yaml: held-out phrasings -> intent and slots -----------------------------------

class UnderstandingCase(Strict):
    """What a person says, and the intent (with slot value ids) it must reach."""

    say: Text
    intent: Annotated[str, Field(strict=True, pattern=r"^(AMAZON\.)?[A-Z][A-Za-z]+Intent$")]
    slots: dict[Id, Text] | None = None
    context: Literal["in_routine"] | None = None


class UnderstandingFile(Strict):
    cases: Annotated[list[UnderstandingCase], Field(min_length=400)]

    @model_validator(mode="after")
    def _each_saying_once(self) -> UnderstandingFile:
        _no_duplicates([c.say.lower() for c in self.cases], "saying")
        return self


class UnderstandingFreshFile(UnderstandingFile):
    """A second, smaller held-out set, written before the templates were tuned (each saying once, too)."""

    cases: Annotated[list[UnderstandingCase], Field(min_length=60)]


# --- registry and loading -----------------------------------------------------------------------

# File name pattern (fnmatch) -> schema. A data file no pattern matches fails tests/test_data_schemas.py.
SCHEMAS: dict[str, type[BaseModel]] = {
    "aliases.yaml": AliasesFile,
    "conversations*.yaml": ConversationsFile,
    "safety_phrasings.yaml": SafetyPhrasingsFile,
    "red_flag_phrasings.yaml": RedFlagPhrasingsFile,
    "red_flag_fresh.yaml": RedFlagFreshFile,
    "understanding.yaml": UnderstandingFile,
    "understanding_fresh.yaml": UnderstandingFreshFile,
    "source_facts.yaml": SourceFactsFile,
}


class DataFileError(ValueError):
    """A test-data file that does not match its schema; the message names file, path and problem."""


def schema_for(path: Path) -> type[BaseModel]:
    """The one schema registered for a data file's name."""
    found = [schema for pattern, schema in SCHEMAS.items() if fnmatch(path.name, pattern)]
    if len(found) != 1:
        raise DataFileError(f"{path.name}: {len(found)} schemas registered in tests/data_schemas.SCHEMAS, want 1")
    return found[0]


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: ~8x faster
    """PyYAML's safe loader, except that a key given twice in one mapping is an error, not a silent overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def validate(path: Path, data: Any) -> None:
    """Raise DataFileError listing every way `data` (parsed from `path`) breaks its schema."""
    try:
        schema_for(path).model_validate(data)
    except ValidationError as exc:
        problems = [f"  {_where(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise DataFileError(f"{path.name} does not match its schema:\n" + "\n".join(problems)) from None


def load_data(path: Path | str) -> Any:
    """A tests/data file (a name, or a path), parsed and validated against its schema."""
    path = DATA_DIR / path if isinstance(path, str) else path
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        raise DataFileError(f"{path.name}: {exc}") from None
    validate(path, data)
    return data
