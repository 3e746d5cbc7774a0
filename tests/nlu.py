"""A tiny stand-in for Alexa's matcher over the generated model: which intents a phrase fits.

A phrase fits a sample if it equals it with each {slot} replaced by one of that slot type's
values or synonyms (any words for built-in slot types such as AMAZON.DURATION).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Match:
    intent: str
    slots: dict[str, str]


def slot_words(model: dict[str, Any]) -> dict[str, set[str]]:
    """Every value and synonym of each custom slot type."""
    out: dict[str, set[str]] = {}
    for t in model["interactionModel"]["languageModel"]["types"]:
        words: set[str] = set()
        for v in t["values"]:
            words.add(v["name"]["value"])
            words.update(v["name"].get("synonyms", []))
        out[t["name"]] = words
    return out


Patterns = list[tuple[str, re.Pattern[str], bool]]


def compile_model(model: dict[str, Any]) -> Patterns:
    """(intent, pattern, strict) per sample; strict patterns take only known slot words."""
    lm = model["interactionModel"]["languageModel"]
    words = slot_words(model)
    patterns = []
    for intent in lm["intents"]:
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent["samples"]:
            for strict in (True, False):
                regex = ""
                for part in re.split(r"(\{\w+\})", sample):
                    if part.startswith("{"):
                        name = part[1:-1]
                        stype = slot_types[name]
                        if strict and stype in words:
                            alts = "|".join(re.escape(w) for w in sorted(words[stype], key=len, reverse=True))
                            regex += f"(?P<{name}>{alts})"
                        else:
                            regex += f"(?P<{name}>.+?)"
                    else:
                        regex += re.escape(part)
                patterns.append((intent["name"], re.compile(f"^{regex}$"), strict))
    return patterns


def understand(patterns: Patterns, said: str, loose: bool = True) -> list[Match]:
    """Every (intent, slots) reading of a phrase: with known slot words if any, else with any words
    (custom slots also take words they do not list, as Alexa's do)."""
    said = " ".join(said.lower().split())
    for want_strict in (True, False) if loose else (True,):
        found = []
        for intent, pattern, strict in patterns:
            m = pattern.match(said) if strict is want_strict else None
            if m:
                found.append(Match(intent, {k: v for k, v in m.groupdict().items() if v is not None}))
        if found:
            return found
    return []
