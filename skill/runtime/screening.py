"""Spot what must change the conversation in free text: red flags, pregnancy, pain during a routine.

Pure functions over content: the red flags' phrases in safety.yaml (normalised) plus the word lists
and patterns of safety_lexicon.yaml, so that phrasings nobody wrote down are still caught. Applied to
every slot value the skill receives. Errs on the side of caution: a false alarm costs a routine, a
missed red flag could cost far more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from skill.runtime.content.models import FlagPatterns, RedFlag, Safety, SafetyLexicon
from skill.runtime.records import record
from skill.runtime.templates import Grammar
from skill.runtime.text import expand_contractions, number_word_pattern
from skill.runtime.text import normalize as text_normalize


class Concern(StrEnum):
    """What free text says that the skill must act on."""

    RED_FLAG = "red_flag"
    NOT_PREGNANT = "not_pregnant"
    PREGNANCY_CLEARED = "pregnancy_cleared"  # her midwife or practitioner said acupressure is fine
    PREGNANT = "pregnant"
    PAIN = "pain"


def _any(grammar: Grammar, templates: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of the templates, or None if there are none."""
    patterns = [grammar.pattern(t) for t in templates]
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _compiled(grammar: Grammar, templates: list[str]) -> re.Pattern[str]:
    """One regex for a non-empty list of templates (the content models require at least one)."""
    pattern = _any(grammar, templates)
    if pattern is None:
        raise ValueError("no patterns to compile")
    return pattern


def _normalize(text: str, point_names: re.Pattern[str]) -> str:
    words = expand_contractions(text_normalize(text))
    return " ".join(point_names.sub(" ", words).split())


def most_urgent(flags: Iterable[RedFlag]) -> RedFlag | None:
    """The flag of the most urgent tier (emergency > same day > see soon); the first of equals."""
    best: RedFlag | None = None
    for f in flags:
        if best is None or f.tier.urgency > best.tier.urgency:
            best = f
    return best


@record(frozen=True)
class _FlagRule:
    """A red flag's compiled patterns."""

    match: re.Pattern[str]
    ignore: re.Pattern[str] | None
    unless: re.Pattern[str] | None

    @staticmethod
    def build(grammar: Grammar, spec: FlagPatterns) -> _FlagRule:
        return _FlagRule(_compiled(grammar, spec.patterns), _any(grammar, spec.ignore), _any(grammar, spec.unless))

    def found_in(self, said: str) -> bool:
        # Ignored words go first, so "unless" reads what is left ("not dieting" is no diet).
        text = self.ignore.sub(" ", said) if self.ignore is not None else said
        if self.unless is not None and self.unless.search(text):
            return False
        return bool(self.match.search(text))


@record(frozen=True)
class Detector:
    """Red flags, pregnancy statements and pain, from the safety content and its lexicon."""

    flags: dict[str, RedFlag]
    phrases: dict[str, str]  # normalised phrase -> red flag id
    rules: dict[str, _FlagRule]  # red flag id -> its patterns, in priority order
    pregnant: re.Pattern[str]
    not_pregnant: re.Pattern[str]
    cleared: re.Pattern[str] | None
    pain_words: re.Pattern[str]
    point_names: re.Pattern[str]
    meaning_openers: tuple[str, ...] = ()
    openers: tuple[str, ...] = ()

    @staticmethod
    def from_safety(safety: Safety) -> Detector:
        """Compile the lexicon the loader attached to the safety content."""
        if safety.lexicon is None:
            raise ValueError("the safety content has no lexicon (content/safety_lexicon.yaml)")
        return Detector.build(safety.red_flags, safety.lexicon)

    @staticmethod
    def build(red_flags: Iterable[RedFlag], lexicon: SafetyLexicon) -> Detector:
        """A detector for these red flags; every flag id the lexicon names must be one of them."""
        flags = {f.id: f for f in red_flags}
        unknown = sorted(set(lexicon.red_flags) - set(flags))
        if unknown:
            raise ValueError(f"the safety lexicon names unknown red flags: {', '.join(unknown)}")
        grammar = Grammar.build(lexicon.lists)
        words = "|".join(re.escape(w) for w in sorted(lexicon.point_words, key=len, reverse=True))
        number = number_word_pattern()
        point_names = re.compile(rf"\b(?:{words})\s+{number}(?:\s+{number})?\b")
        return Detector(
            flags=flags,
            phrases={_normalize(p, point_names): f.id for f in flags.values() for p in f.phrases},
            rules={fid: _FlagRule.build(grammar, spec) for fid, spec in lexicon.red_flags.items()},
            pregnant=_compiled(grammar, lexicon.pregnant),
            not_pregnant=_compiled(grammar, lexicon.not_pregnant),
            cleared=_any(grammar, lexicon.pregnancy_cleared),
            pain_words=_compiled(grammar, lexicon.pain),
            point_names=point_names,
            meaning_openers=tuple(lexicon.meaning_openers),
            openers=tuple(lexicon.openers) + tuple(lexicon.meaning_openers),
        )

    def normalize(self, text: str) -> str:
        """Words as the patterns expect them: normalised, contractions spelled out, point names removed."""
        return _normalize(text, self.point_names)

    def red_flag(self, text: str | None) -> RedFlag | None:
        """The red flag free text describes, the most urgent tier first; None if it describes none."""
        if not text:
            return None
        said = self.normalize(text)
        if not said:
            return None
        found = [fid for phrase, fid in self.phrases.items() if phrase and phrase in said]
        found += [fid for fid, rule in self.rules.items() if rule.found_in(said)]
        if not found:
            return None
        return most_urgent(self.flags[f] for f in found)

    def red_flag_after_opener(self, text: str | None) -> RedFlag | None:
        """RedFlagIntent's slot words read behind each opener its samples take out of the slot ("i can't"
        {symptom}): the most urgent flag any reading names. Only for that intent's words, when they
        alone name none."""
        if not text:
            return None
        return most_urgent(f for f in (self.red_flag(f"{o} {text}") for o in self.meaning_openers) if f)

    def pregnancy(self, text: str | None) -> Concern | None:
        """NOT_PREGNANT, PREGNANCY_CLEARED (her midwife said acupressure is fine) or PREGNANT if the text
        says so, else None."""
        said = self.normalize(text or "")
        if not said:
            return None
        if self.not_pregnant.search(said):
            return Concern.NOT_PREGNANT
        if self.cleared is not None and self.cleared.search(said):
            return Concern.PREGNANCY_CLEARED
        if self.pregnant.search(said):
            return Concern.PREGNANT
        return None

    def pregnancy_after_opener(self, text: str | None) -> Concern | None:
        """RedFlagIntent's slot words read behind each sentence opener its samples take out of the slot
        ("i'm" {symptom}: "12 weeks today"): what the first reading that says anything about pregnancy says."""
        if not text:
            return None
        return next((c for c in (self.pregnancy(f"{o} {text}") for o in self.openers) if c is not None), None)

    def pain(self, text: str | None) -> bool:
        """The text says pressing hurts (checked after red flags: severe pain is one of them)."""
        said = self.normalize(text or "")
        return bool(said) and bool(self.pain_words.search(said))

    def concern(self, text: str | None) -> Concern | None:
        """The most important thing the text says, in order of urgency."""
        if self.red_flag(text) is not None:
            return Concern.RED_FLAG
        return self.pregnancy(text) or (Concern.PAIN if self.pain(text) else None)


