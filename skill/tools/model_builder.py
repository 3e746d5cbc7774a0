"""Generate skill-package/ (skill.json and an interaction model per locale) from the content.

The intents and slot types come from content/intents.yaml (checked against the Python names in
skill.runtime.handlers.intents); sample utterances are the sentence templates of
content/sentences/<locale>/ expanded; slot values come from the content (point, routine, complaint
and region names and aliases with spoken forms of their numbers; red flags) or from the slot lists
in content/slots/<locale>.yaml; the store text from content/store/<locale>.yaml.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from skill.runtime.content import Content, ContentError, default_content
from skill.runtime.content.loader import DEFAULT_LOCALE
from skill.runtime.content.models import ComplaintTopic, Position, RegionTopic, SlotTypeSpec, ValueSource
from skill.runtime.content.voice import Voice, load_voice
from skill.runtime.engine import Preferences, default_routine
from skill.runtime.handlers.intents import INTENT_SLOTS, Intent, SlotType
from skill.runtime.handlers.reminders import REMINDERS_SCOPE
from skill.runtime.text import normalize, spell_numbers
from skill.simulator.nlu import PACKAGE_DIR, model_file

SKILL_JSON = Path("skill.json")
MODEL_JSON = model_file(DEFAULT_LOCALE)
INVOCATION_NAME = "acupressure coach"
# Alexa's limits on a custom interaction model (developer documentation): intents per model, and
# characters in one slot value or synonym.
MAX_INTENTS = 250
MAX_SLOT_VALUE_CHARS = 140


class RegistryMismatch(ValueError):
    """content/intents.yaml and skill.runtime.handlers.intents disagree."""

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


def routine_values(content: Content, positions: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Routine names and aliases; position words ('lying down') name that position's default routine."""
    by_position: dict[str, list[str]] = {}
    for pos in (Position.SEATED, Position.LYING):
        r = default_routine(content.routines.values(), Preferences(position=pos))
        if r is not None:
            by_position.setdefault(r.id, []).extend(positions.get(pos.value, []))
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
    topics: list[ComplaintTopic | RegionTopic] = [*content.complaints.values(), *content.regions.values()]
    return _unique_synonyms([slot_value(t.id.value, t.name, [t.id.value, *t.aliases]) for t in topics])


def list_values(words: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A slot list's values (id, and as name the id in words) with the words people use for them."""
    return _unique_synonyms([slot_value(ident, ident.replace("_", " "), names, loose=False)
                             for ident, names in words.items()])


def red_flag_values(content: Content) -> list[dict[str, Any]]:
    """Red flags by id, with the phrases people use for them (the detector also reads the raw words)."""
    return _unique_synonyms([slot_value(f.id, f.phrases[0], [*f.phrases[1:], f.description], loose=False)
                             for f in content.safety.red_flags])


def check_registry(voice: Voice) -> None:
    """The Python intent, slot and slot type names are exactly the registry's; RegistryMismatch if not."""
    problems = []
    code = {i.value for i in Intent}
    for name in sorted(set(voice.intents) - code):
        problems.append(f"{name} is in content/intents.yaml but not in Intent")
    for name in sorted(code - set(voice.intents)):
        problems.append(f"{name} is in Intent but not in content/intents.yaml")
    for intent in Intent:
        spec = voice.intents.get(intent.value)
        in_code = {s.value: t.value for s, t in INTENT_SLOTS.get(intent, {}).items()}
        if spec is not None and spec.slots != in_code:
            problems.append(f"{intent.value}: slots {spec.slots} in content/intents.yaml, {in_code} in INTENT_SLOTS")
    types = {t.value for t in SlotType}
    if types != set(voice.slot_types):
        problems.append(f"slot types {sorted(voice.slot_types)} in content/intents.yaml, {sorted(types)} in SlotType")
    if problems:
        raise RegistryMismatch("; ".join(problems))


def slot_type_values(content: Content, voice: Voice, spec: SlotTypeSpec, locale: str) -> list[dict[str, Any]]:
    """A custom slot type's values, from where the registry says they come."""
    lists = content.slot_lists[locale]
    if spec.list_name is not None:
        return list_values(lists[spec.list_name])
    source = ValueSource(spec.values)
    if source is ValueSource.POINTS:
        return point_values(content)
    if source is ValueSource.ROUTINES:
        position = voice.slot_types[SlotType.POSITION.value].list_name
        return routine_values(content, lists[position] if position else {})
    if source is ValueSource.COMPLAINTS:
        return complaint_values(content)
    if source is ValueSource.RED_FLAGS:
        return red_flag_values(content)
    raise ValueError(f"no values for {spec.values!r}")


def interaction_model(content: Content, locale: str = DEFAULT_LOCALE, voice: Voice | None = None) -> dict[str, Any]:
    """A locale's interaction model."""
    voice = voice or voice_of(content)
    check_registry(voice)
    intents = []
    for name, spec in voice.intents.items():
        entry: dict[str, Any] = {"name": name, "samples": voice.samples[locale][name]}
        if spec.slots:
            entry["slots"] = [{"name": s, "type": t} for s, t in spec.slots.items()]
        intents.append(entry)
    types = [{"name": name, "values": slot_type_values(content, voice, spec, locale)}
             for name, spec in voice.slot_types.items() if spec.values != ValueSource.AMAZON.value]
    model = {"interactionModel": {"languageModel": {
        "invocationName": INVOCATION_NAME, "intents": intents, "types": types}}}
    over = limits_exceeded(model)
    if over:
        raise ValueError(f"{locale} interaction model is over Alexa's limits: {'; '.join(over)}")
    return model


def limits_exceeded(model: dict[str, Any]) -> list[str]:
    """What in a model is over Alexa's limits (sample utterances are checked as the templates expand)."""
    lm = model["interactionModel"]["languageModel"]
    out = []
    if len(lm["intents"]) > MAX_INTENTS:
        out.append(f"{len(lm['intents'])} intents (at most {MAX_INTENTS})")
    for t in lm.get("types", []):
        for v in t["values"]:
            for w in [v["name"]["value"], *v["name"].get("synonyms", [])]:
                if len(w) > MAX_SLOT_VALUE_CHARS:
                    out.append(f"{t['name']}: {w[:40]!r}... longer than {MAX_SLOT_VALUE_CHARS} characters")
    return out


_VOICES: dict[tuple[str, str], Voice] = {}


def voice_of(content: Content) -> Voice:
    """The voice data beside this content, loaded once per content version."""
    key = (str(content.directory), content.version)
    if key not in _VOICES:
        _VOICES[key] = load_voice(content)
    return _VOICES[key]


def skill_manifest(content: Content, voice: Voice | None = None) -> dict[str, Any]:
    """skill.json: store listing per locale, the AudioPlayer interface, privacy answers."""
    voice = voice or voice_of(content)
    return {"manifest": {
        "manifestVersion": "1.0",
        "publishingInformation": {
            "locales": {locale: {
                "name": store.name,
                "summary": store.summary,
                "description": store.description,
                "examplePhrases": store.examples,
                "keywords": store.keywords,
            } for locale, store in ((loc, voice.stores[loc]) for loc in voice.locales)},
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
            "locales": {locale: {} for locale in voice.locales},
        },
    }}


def render(content: Content) -> dict[Path, str]:
    """Every generated file, relative to skill-package/, as text."""
    def dump(data: Any) -> str:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    voice = voice_of(content)
    files = {SKILL_JSON: dump(skill_manifest(content, voice))}
    for locale in voice.locales:
        files[model_file(locale)] = dump(interaction_model(content, locale, voice))
    return files


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
    try:
        voice_of(content)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
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
