"""Generate skill-package/ (skill.json and the en-US interaction model) from content and prompts.

Slot values come from content (point, routine, complaint and region names and aliases, with spoken
forms of their numbers); sample utterances and store text come from content/prompts.yaml.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from skill.runtime.content import Content, default_content
from skill.runtime.content.models import Position
from skill.runtime.engine import Preferences, default_routine
from skill.runtime.handlers.intents import INTENT_SLOTS, Intent, SlotType
from skill.runtime.handlers.reminders import REMINDERS_SCOPE, TimeOfDay
from skill.runtime.text import normalize, spell_numbers
from skill.simulator.nlu import MODEL_JSON, PACKAGE_DIR

SKILL_JSON = Path("skill.json")
INVOCATION_NAME = "acupressure coach"
LOCALE = "en-US"
UTTER_PREFIX = "utter_"

# Leading words people add that the slot should not need ("the point behind my knee").
_LEADING = ("the point ", "the ", "point ", "my ")


def clean(text: str) -> str:
    """A slot value as Alexa accepts it: lower-case words, letters apart from digits, single spaces."""
    return normalize(text, split_digits=True)


def spoken_forms(text: str, loose: bool = True) -> list[str]:
    """Numbers spelled out (the model takes no numerals); if loose, also without filler words."""
    base = spell_numbers(clean(text))
    if not base:
        return []
    forms = [base]
    if not loose:
        return forms
    for lead in _LEADING:
        if base.startswith(lead) and len(base) > len(lead):
            forms.append(base[len(lead):])
    for f in list(forms):
        if " the " in f or f.startswith("the "):
            forms.append(re.sub(r"\bthe\b", "my", f))
        if " my " in f or f.startswith("my "):
            forms.append(re.sub(r"\bmy\b", "the", f))
    # "my point on ..." is not how anyone talks.
    return [f for f in forms if not f.startswith("my point")]


def slot_value(ident: str, name: str, names: Iterable[str], loose: bool = True) -> dict[str, Any]:
    """One slot value with its id and de-duplicated synonyms (never repeating the value itself)."""
    value = spoken_forms(name, loose=False)[0]
    synonyms: list[str] = []
    for n in [name, *names]:
        for form in spoken_forms(n, loose):
            if form != value and form not in synonyms:
                synonyms.append(form)
    out: dict[str, Any] = {"id": ident, "name": {"value": value}}
    if synonyms:
        out["name"]["synonyms"] = synonyms
    return out


def _unique_synonyms(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop any synonym that two values share, so entity resolution is never ambiguous."""
    seen: dict[str, int] = {}
    for v in values:
        for s in {v["name"]["value"], *v["name"].get("synonyms", [])}:
            seen[s] = seen.get(s, 0) + 1
    for v in values:
        syns = [s for s in v["name"].get("synonyms", []) if seen[s] == 1]
        if syns:
            v["name"]["synonyms"] = syns
        else:
            v["name"].pop("synonyms", None)
    return values


def point_values(content: Content) -> list[dict[str, Any]]:
    return _unique_synonyms([
        slot_value(p.id, p.name, [p.id, p.pinyin, *([p.english] if p.english else []), *p.aliases])
        for p in content.points.values()
    ])


def routine_values(content: Content) -> list[dict[str, Any]]:
    """Routine names and aliases; position words ('lying down') name that position's default routine."""
    by_position: dict[str, list[str]] = {}
    for pos in (Position.SEATED, Position.LYING):
        r = default_routine(content.routines.values(), Preferences(position=pos))
        if r is not None:
            by_position.setdefault(r.id, []).extend(_variants(content, f"slot_position_{pos.value}"))
    values = []
    for r in content.routines.values():
        names = [r.id, *r.aliases, *by_position.get(r.id, [])]
        for n in [r.name, *r.aliases]:
            stripped = re.sub(r"\s+(routine|exercise|session)$", "", n.strip(), flags=re.I)
            if stripped != n:
                names.append(stripped)
        values.append(slot_value(r.id, r.name, names, loose=False))
    return _unique_synonyms(values)


def complaint_values(content: Content) -> list[dict[str, Any]]:
    topics = [*content.complaints.values(), *content.regions.values()]
    return _unique_synonyms([slot_value(t.id.value, t.name, [t.id.value, *t.aliases]) for t in topics])


def position_values(content: Content) -> list[dict[str, Any]]:
    return [slot_value(pos.value, pos.value, _variants(content, f"slot_position_{pos.value}"), loose=False)
            for pos in (Position.SEATED, Position.LYING)]


def time_of_day_values(content: Content) -> list[dict[str, Any]]:
    """Times a daily reminder can be set for, with the words people use for them."""
    return _unique_synonyms([
        slot_value(t.value, t.value.replace("_", " "), _variants(content, f"slot_time_{t.value}"), loose=False)
        for t in TimeOfDay])


def red_flag_values(content: Content) -> list[dict[str, Any]]:
    """Red flags by id, with the phrases people use for them (the detector also reads the raw words)."""
    return _unique_synonyms([slot_value(f.id, f.phrases[0], [*f.phrases[1:], f.description], loose=False)
                             for f in content.safety.red_flags])


# Intents whose samples are phrases from content/safety.yaml (what people say), not prompts.yaml.
SAFETY_SAMPLES = {Intent.PREGNANT: "pregnancy_phrases", Intent.NOT_PREGNANT: "not_pregnant_phrases",
                  Intent.PAIN: "pain_phrases"}


def _variants(content: Content, key: str) -> list[str]:
    value = content.prompts.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def samples(content: Content, intent: Intent) -> list[str]:
    """Sample utterances for an intent from the prompts (built-ins may have none of their own)."""
    out = [" ".join(s.split()) for s in _variants(content, UTTER_PREFIX + intent.value)]
    if intent in SAFETY_SAMPLES:
        for phrase in getattr(content.safety, SAFETY_SAMPLES[intent]):
            form = spoken_forms(phrase, loose=False)[0]
            if form not in out:
                out.append(form)
    return out


def interaction_model(content: Content) -> dict[str, Any]:
    """The en-US interaction model."""
    intents = []
    for intent in Intent:
        entry: dict[str, Any] = {"name": intent.value, "samples": samples(content, intent)}
        slots = INTENT_SLOTS.get(intent)
        if slots:
            entry["slots"] = [{"name": s.value, "type": t.value} for s, t in slots.items()]
        intents.append(entry)
    types = [
        {"name": SlotType.POINT.value, "values": point_values(content)},
        {"name": SlotType.ROUTINE.value, "values": routine_values(content)},
        {"name": SlotType.COMPLAINT.value, "values": complaint_values(content)},
        {"name": SlotType.POSITION.value, "values": position_values(content)},
        {"name": SlotType.TIME_OF_DAY.value, "values": time_of_day_values(content)},
        {"name": SlotType.RED_FLAG.value, "values": red_flag_values(content)},
    ]
    return {"interactionModel": {"languageModel": {
        "invocationName": INVOCATION_NAME, "intents": intents, "types": types}}}


def skill_manifest(content: Content) -> dict[str, Any]:
    """skill.json: store listing from the prompts, the AudioPlayer interface, privacy answers."""
    p = content.prompts
    return {"manifest": {
        "manifestVersion": "1.0",
        "publishingInformation": {
            "locales": {LOCALE: {
                "name": p["store_name"],
                "summary": p["store_summary"],
                "description": p["store_description"],
                "examplePhrases": _variants(content, "store_examples")[:3],
                "keywords": _variants(content, "store_keywords"),
            }},
            "isAvailableWorldwide": False,
            "distributionCountries": ["US"],
            "category": "HEALTH_AND_FITNESS",
        },
        "apis": {"custom": {"interfaces": [{"type": "AUDIO_PLAYER"}]}},
        # Daily practice reminders (Reminders API); asked for by voice, or by a card in the app.
        "permissions": [{"name": REMINDERS_SCOPE}],
        # Disabling the skill deletes the user's data. Deploying sets events.endpoint to the same
        # endpoint as apis.custom.endpoint (see README.md, "Deploy to AWS").
        "events": {"subscriptions": [{"eventName": "SKILL_DISABLED"}]},
        "privacyAndCompliance": {
            "allowsPurchases": False,
            "usesPersonalInfo": False,
            "isChildDirected": False,
            "isExportCompliant": True,
            "containsAds": False,
            "locales": {LOCALE: {}},
        },
    }}


def render(content: Content) -> dict[Path, str]:
    """Every generated file, relative to skill-package/, as text."""
    def dump(data: Any) -> str:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return {SKILL_JSON: dump(skill_manifest(content)), MODEL_JSON: dump(interaction_model(content))}


def stale_files(content: Content, package_dir: Path | None = None) -> list[Path]:
    """Generated files that differ from what is on disk."""
    package_dir = package_dir or PACKAGE_DIR
    out = []
    for rel, text in render(content).items():
        path = package_dir / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(rel)
    return out


def run(args: Any) -> int:
    """`acupressure build-model [--check]`."""
    content = default_content()
    if getattr(args, "check", False):
        stale = stale_files(content)
        for rel in stale:
            print(f"out of date: skill-package/{rel} (run: acupressure build-model)", file=sys.stderr)
        return 1 if stale else 0
    for rel, text in render(content).items():
        path = PACKAGE_DIR / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote skill-package/{rel}")
    return 0
