"""Understand typed words with the generated interaction model, the way Alexa would hear them.

A small stand-in for Alexa's matcher, for trying the skill without a device (`acupressure chat`
and the web page's coach box). It reads skill-package/interactionModels/custom/en-US.json: a phrase
fits a sample utterance if it equals it with each {slot} replaced by one of that slot type's
values or synonyms (entity resolution then gives the value's id), or, failing that, by any words
(as Alexa fills custom slots with words they do not list). Numerals are also tried spelled out
("bladder 23" -> "bladder twenty three"), since the model takes no numerals.
Nothing here touches the SDK: pure functions over the model's JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from skill.runtime.content.loader import DEFAULT_LOCALE
from skill.runtime.text import normalize as text_normalize
from skill.runtime.text import spell_numbers, words_to_numbers

# The ASK CLI layout the model builder writes and this matcher reads (committed, checked up to date).
PACKAGE_DIR = Path(__file__).resolve().parents[2] / "skill-package"
MODEL_DIR = Path("interactionModels/custom")


def model_file(locale: str = DEFAULT_LOCALE) -> Path:
    """A locale's interaction model, relative to skill-package/."""
    return MODEL_DIR / f"{locale}.json"


MODEL_JSON = model_file()
MODEL_PATH = PACKAGE_DIR / MODEL_JSON
FALLBACK_INTENT = "AMAZON.FallbackIntent"
DURATION_TYPE = "AMAZON.DURATION"

# Amazon's own phrases for its built-in intents: Alexa knows them without samples, so the model
# lists only our extra ones. Recognition data, not wording the skill speaks.
AMAZON_OWN: dict[str, tuple[str, ...]] = {
    "AMAZON.NextIntent": ("next", "skip", "skip that", "next one"),
    "AMAZON.PreviousIntent": ("previous", "go back", "back"),
    "AMAZON.RepeatIntent": ("repeat", "say that again", "again"),
    "AMAZON.StartOverIntent": ("start over", "restart"),
    "AMAZON.PauseIntent": ("pause", "pause that", "pause it"),
    "AMAZON.ResumeIntent": ("resume", "continue"),
    "AMAZON.StopIntent": ("stop", "stop it", "off", "shut up"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "nevermind", "forget it"),
    "AMAZON.HelpIntent": ("help", "help me", "what can i do"),
    "AMAZON.YesIntent": ("yes", "yeah", "yes please", "sure", "ok", "okay"),
    "AMAZON.NoIntent": ("no", "nope", "no thanks", "no thank you"),
    "AMAZON.NavigateHomeIntent": ("go home", "home"),
    "AMAZON.LoopOnIntent": ("loop", "loop on", "turn on loop"),
    "AMAZON.LoopOffIntent": ("loop off", "turn off loop"),
    "AMAZON.ShuffleOnIntent": ("shuffle", "shuffle on", "turn on shuffle"),
    "AMAZON.ShuffleOffIntent": ("shuffle off", "turn off shuffle", "stop shuffling"),
}
# How people open a skill, or ask it something in one go ("ask acupressure coach where ...").
OPEN_WORDS = ("open", "launch", "start", "begin", "run", "load", "use", "talk to", "play")
ASK_WORDS = ("ask", "tell")
ASK_JOINERS = ("to ", "about ", "for ", "that ", "if ", "")
# Leaving a skill: Alexa ends the session itself and tells the skill with SessionEndedRequest.
EXIT_WORDS = ("exit", "alexa exit")

_DURATION_UNITS = {"second": "S", "seconds": "S", "sec": "S", "secs": "S", "minute": "M", "minutes": "M",
                   "min": "M", "mins": "M", "hour": "H", "hours": "H"}
_ONE = ("a", "an")


class Kind(StrEnum):
    """What kind of request a phrase becomes."""

    LAUNCH = "LaunchRequest"
    INTENT = "IntentRequest"
    END = "SessionEndedRequest"


@dataclass(frozen=True)
class Match:
    """One reading of a phrase: an intent and the words heard for each slot."""

    intent: str
    slots: dict[str, str]


@dataclass(frozen=True)
class SlotHeard:
    """A slot as Alexa would send it: the words, and the slot type value's id if they name one."""

    value: str
    slot_type: str
    id: str | None = None
    resolved_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "type": self.slot_type, "id": self.id, "name": self.resolved_name}


@dataclass(frozen=True)
class Understanding:
    """What a typed phrase becomes: a launch, an intent with slots, or leaving the skill."""

    kind: Kind
    intent: str | None = None
    slots: dict[str, SlotHeard] = field(default_factory=dict)
    new_session: bool = False  # "ask acupressure coach ..." always starts a new session
    said: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "intent": self.intent, "new_session": self.new_session,
                "said": self.said, "slots": {k: v.as_dict() for k, v in self.slots.items()}}


@dataclass(frozen=True)
class _Pattern:
    """One sample as a matcher: literal words around its slots. A strict pattern's slots take only
    their type's words (`allowed`); a loose one's take any words."""

    intent: str
    parts: tuple[str, ...]  # literal text and "{slot}" markers, in order
    allowed: dict[str, frozenset[str]] | None  # slot -> the words it takes (strict), or None (loose)
    literal: int  # characters outside slots: more means a more specific sample
    own: bool = True  # a sample of our model (False: one of Amazon's own phrases, which ours outrank)
    durations: frozenset[str] = frozenset()  # slots of type AMAZON.DURATION

    @property
    def strict(self) -> bool:
        return self.allowed is not None

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        """For samples with two or more slots: any split of the words the slots can take."""
        regex = ""
        for part in self.parts:
            if part.startswith("{"):
                name = part[1:-1]
                words = (self.allowed or {}).get(name)
                if words is not None:
                    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                    regex += f"(?P<{name}>{alts})"
                else:
                    regex += f"(?P<{name}>.+?)"
            else:
                regex += re.escape(part)
        return re.compile(f"^{regex}$")

    @cached_property
    def _shape(self) -> tuple[int, str, str, str]:
        """How many slots; for one, its name and the literal text before and after it."""
        slots = [i for i, p in enumerate(self.parts) if p.startswith("{")]
        if len(slots) != 1:
            return len(slots), "", "".join(self.parts) if not slots else "", ""
        i = slots[0]
        return 1, self.parts[i][1:-1], "".join(self.parts[:i]), "".join(self.parts[i + 1:])

    def match(self, said: str) -> dict[str, str] | None:
        """The slot words if the whole phrase fits this sample, else None."""
        count, name, before, after = self._shape
        if count == 0:
            return {} if said == before else None
        if count == 1:
            if len(said) <= len(before) + len(after) or not said.startswith(before) or not said.endswith(after):
                return None
            words = said[len(before):len(said) - len(after)]
            if self.allowed is not None and name in self.allowed and words not in self.allowed[name]:
                return None
            if self.allowed is not None and name in self.durations and iso_duration(words) is None:
                return None  # AMAZON.DURATION is filled only with a length of time, as on Alexa
            return {name: words}
        m = self._regex.match(said)
        return {k: v for k, v in m.groupdict().items() if v is not None} if m else None


def normalize(said: str) -> str:
    """What was typed, as words: the text toolkit's one normaliser."""
    return text_normalize(said)


def spelled_out(said: str) -> str:
    """Numerals as words, letters split from digits ('bl23' -> 'bl twenty three')."""
    return spell_numbers(text_normalize(said, split_digits=True))


def slot_words(model: dict[str, Any]) -> dict[str, dict[str, tuple[str, str]]]:
    """Each custom slot type: every value and synonym -> (value id, value name)."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for t in model["interactionModel"]["languageModel"].get("types", []):
        words: dict[str, tuple[str, str]] = {}
        for v in t["values"]:
            name = v["name"]["value"]
            ident = v.get("id") or name
            for w in [name, *v["name"].get("synonyms", [])]:
                words.setdefault(w.lower(), (ident, name))
        out[t["name"]] = words
    return out


def _compile(model: dict[str, Any], amazon_phrases: bool = True, bare_slots_take_any_words: bool = False,
             ) -> tuple[list[_Pattern], dict[str, dict[str, str]]]:
    lm = model["interactionModel"]["languageModel"]
    words = {t: frozenset(w) for t, w in slot_words(model).items()}
    patterns: list[_Pattern] = []
    slot_types: dict[str, dict[str, str]] = {}
    for intent in lm["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        slot_types[intent["name"]] = types
        samples = [(s, True) for s in intent.get("samples", [])]
        if amazon_phrases:
            samples += [(p, False) for p in AMAZON_OWN.get(intent["name"], ()) if p not in intent.get("samples", [])]
        for sample, own in samples:
            parts = tuple(p for p in re.split(r"(\{\w+\})", sample.lower()) if p)
            literal = sum(len(p.strip()) for p in parts if not p.startswith("{"))
            allowed = {p[1:-1]: words[types[p[1:-1]]] for p in parts
                       if p.startswith("{") and types.get(p[1:-1]) in words}
            durations = frozenset(n for n, t in types.items() if t == DURATION_TYPE)
            patterns.append(_Pattern(intent["name"], parts, allowed, literal, own, durations))
            if literal or bare_slots_take_any_words:
                # (a bare "{slot}" sample takes only the slot's own values, not any words)
                patterns.append(_Pattern(intent["name"], parts, None, literal, own))
    return patterns, slot_types


Patterns = list[_Pattern]


def compile_model(model: dict[str, Any], *, amazon_phrases: bool = True,
                  bare_slots_take_any_words: bool = False) -> Patterns:
    """Patterns for every sample (and, with amazon_phrases, Amazon's own phrases for built-ins).

    bare_slots_take_any_words lets a sample that is only "{slot}" take any words, as Alexa may: the
    matcher itself keeps such a sample to the slot's own values, or it would claim every phrase;
    tests that must see every intent Alexa could pick turn it on.
    """
    return _compile(model, amazon_phrases, bare_slots_take_any_words)[0]


def _readings(patterns: Patterns, said: str, strict: bool) -> list[tuple[_Pattern, dict[str, str]]]:
    found = []
    for p in patterns:
        if p.strict is not strict:
            continue
        slots = p.match(said)
        if slots is not None:
            found.append((p, slots))
    return found


def understand(patterns: Patterns, said: str, loose: bool = True) -> list[Match]:
    """Every (intent, slots) reading of a phrase: with known slot words if any, else (if loose) with
    any words (custom slots also take words they do not list, as Alexa's do)."""
    said = normalize(said)
    for strict in (True, False) if loose else (True,):
        found = [Match(p.intent, slots) for p, slots in _readings(patterns, said, strict)]
        if found:
            return found
    return []


def iso_duration(words: str) -> str | None:
    """'two minutes' / '90 seconds' / 'a minute and a half' as AMAZON.DURATION gives it ('PT2M')."""
    text = re.sub(r"\b(and a half|and half)\b", "half", normalize(words))
    total: dict[str, float] = {"H": 0, "M": 0, "S": 0}
    tokens = words_to_numbers(text.split())
    number: float | None = None
    found = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if re.fullmatch(r"\d+(\.\d+)?", tok):
            number, i = float(tok), i + 1
            continue
        if tok in _ONE:
            number, i = 1.0, i + 1
            continue
        if tok in _DURATION_UNITS:
            unit = _DURATION_UNITS[tok]
            total[unit] += number if number is not None else 1
            found, number, i = True, None, i + 1
            if i < len(tokens) and tokens[i] == "half":
                total[unit] += 0.5
                i += 1
            continue
        if tok == "half" and i + 1 < len(tokens) and tokens[i + 1] in _ONE:
            number, i = 0.5, i + 2
            continue
        if tok == "half" and number is not None:
            number, i = number + 0.5, i + 1  # "two and a half minutes": 2.5 minutes
            continue
        i += 1
    if not found:
        return None
    seconds = total["H"] * 3600 + total["M"] * 60 + total["S"]
    h, rest = divmod(round(seconds), 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s or not (h or m) else "")


class Matcher:
    """The interaction model compiled once; `understand()` turns typed words into a request."""

    def __init__(self, model: dict[str, Any]):
        lm = model["interactionModel"]["languageModel"]
        self.invocation = lm.get("invocationName", "").lower()
        self.intents = {i["name"] for i in lm["intents"]}
        self.patterns, self.slot_types = _compile(model)
        self.words = slot_words(model)

    @staticmethod
    def load(path: Path | None = None) -> Matcher:
        """The committed model (skill-package/)."""
        return Matcher(load_model(path))

    def readings(self, said: str) -> list[Match]:
        """Every reading, as `understand()` of the module does (for tests and tools)."""
        return understand(self.patterns, said)

    def _best(self, said: str) -> tuple[str, dict[str, str]] | None:
        variants = [said]
        spelled = spelled_out(said)
        if spelled and spelled != said:
            variants.append(spelled)
        for strict in (True, False):
            found = [r for v in variants for r in _readings(self.patterns, v, strict)]
            if found:
                # Our own samples outrank Amazon's phrases; then the most specific sample wins.
                p, slots = max(found, key=lambda r: (r[0].own, r[0].literal, -len(r[1])))
                if not strict:
                    # Loose readings keep the words as typed (numerals and all).
                    typed = p.match(said)
                    if typed is not None:
                        slots = typed
                return p.intent, slots
        return None

    def _slot(self, intent: str, name: str, words: str) -> SlotHeard:
        stype = self.slot_types.get(intent, {}).get(name, "")
        if stype == DURATION_TYPE:
            return SlotHeard(iso_duration(words) or "?", stype)
        known = self.words.get(stype, {})
        hit = known.get(words) or known.get(spelled_out(words))
        return SlotHeard(words, stype, hit[0] if hit else None, hit[1] if hit else None)

    def intent_of(self, said: str) -> Understanding:
        """The intent a phrase said inside the skill becomes (AMAZON.FallbackIntent if none fits)."""
        text = normalize(said)
        best = self._best(text) if text else None
        if best is None:
            return Understanding(Kind.INTENT, FALLBACK_INTENT, said=said)
        intent, slots = best
        return Understanding(Kind.INTENT, intent, {k: self._slot(intent, k, v) for k, v in slots.items()},
                             said=said)

    def understand(self, said: str) -> Understanding:
        """A phrase as a request: open the skill, ask it something in one go, leave, or an intent."""
        text = normalize(said)
        text = re.sub(r"^alexa\s+", "", text)
        if text in EXIT_WORDS:
            return Understanding(Kind.END, said=said)
        inv = self.invocation
        if inv:
            for word in OPEN_WORDS:
                if text in (f"{word} {inv}", f"{word} the {inv}"):
                    return Understanding(Kind.LAUNCH, new_session=True, said=said)
            for word in ASK_WORDS:
                for joiner in ASK_JOINERS:
                    prefix = f"{word} {inv} {joiner}"
                    if text.startswith(prefix) and len(text) > len(prefix):
                        inner = self.intent_of(text[len(prefix):])
                        return Understanding(inner.kind, inner.intent, inner.slots, new_session=True, said=said)
            if text == inv:
                return Understanding(Kind.LAUNCH, new_session=True, said=said)
        return self.intent_of(said)


def load_model(path: Path | None = None) -> dict[str, Any]:
    """The committed interaction model's JSON (`acupressure build-model` writes it)."""
    path = path or MODEL_PATH
    try:
        model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: run `acupressure build-model`") from None
    return model


@cache
def default_matcher() -> Matcher:
    """The matcher for the committed model, built once per process."""
    return Matcher.load()
