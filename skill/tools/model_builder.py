"""Generate skill-package/ (skill.json and an interaction model per locale) from the content.

The intents and slot types come from content/intents.yaml (checked against the Python names in
skill.runtime.handlers.intents); sample utterances are the sentence templates of
content/sentences/<locale>/ expanded; slot values come from the content (point, routine, complaint
and region names and aliases with spoken forms of their numbers; red flags) or from the slot lists
in content/slots/<locale>.yaml (with each locale's more words); the store text from
content/store/<locale>.yaml; the privacy and compliance answers and testing instructions from
content/policies.yaml. One interaction model per locale of content/locales.yaml.

The deploy step adds what only it knows: `--audio-base-url` (where icons and the policy pages are
published, beside the audio) and `--endpoint` (the Lambda ARN, for requests and events alike).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from skill.runtime.content import Content, ContentError, default_content
from skill.runtime.content.loader import DEFAULT_LOCALE
from skill.runtime.content.models import (
    ComplaintTopic,
    PolicyKind,
    Position,
    RegionTopic,
    SlotTypeSpec,
    ValueSource,
)
from skill.runtime.content.voice import Voice, load_voice
from skill.runtime.engine import Preferences, default_routine
from skill.runtime.handlers.intents import INTENT_SLOTS, Intent, Slot, SlotType
from skill.runtime.handlers.reminders import REMINDERS_SCOPE
from skill.runtime.manifest import DEFAULT_AUDIO_DIR
from skill.runtime.speech import audio_url
from skill.runtime.templates import GAP, Grammar, TemplateError, has_pattern_marks
from skill.runtime.text import normalize, spell_numbers
from skill.simulator.nlu import PACKAGE_DIR, model_file
from skill.tools.artwork import DEFAULT_OUT, ICON_SIZES
from skill.web.policies import page_name

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


# A locale's more words for a value taken from other content (content/slots/<locale>.yaml synonyms).
Extra = dict[str, list[str]]


def point_values(content: Content, extra: Extra | None = None) -> list[dict[str, Any]]:
    extra = extra or {}
    return _unique_synonyms([
        slot_value(p.id, p.name, [p.id, p.pinyin, *([p.english] if p.english else []), *p.aliases,
                                  *extra.get(p.id, [])])
        for p in content.points.values()
    ])


def routine_values(content: Content, positions: dict[str, list[str]], extra: Extra | None = None,
                   ) -> list[dict[str, Any]]:
    """Routine names and aliases; position words ('lying down') name that position's default routine."""
    by_position: dict[str, list[str]] = {}
    for pos in (Position.SEATED, Position.LYING):
        r = default_routine(content.routines.values(), Preferences(position=pos))
        if r is not None:
            by_position.setdefault(r.id, []).extend(positions.get(pos.value, []))
    values = []
    for r in content.routines.values():
        names = [r.id, *r.aliases, *by_position.get(r.id, []), *(extra or {}).get(r.id, [])]
        for n in [r.name, *r.aliases]:
            stripped = re.sub(r"\s+(routine|exercise|session)$", "", n.strip(), flags=re.I)
            if stripped != n:
                names.append(stripped)
        values.append(slot_value(r.id, r.name, names, loose=False))
    return _unique_synonyms(values)


def complaint_values(content: Content, extra: Extra | None = None) -> list[dict[str, Any]]:
    topics: list[ComplaintTopic | RegionTopic] = [*content.complaints.values(), *content.regions.values()]
    extra = extra or {}
    return _unique_synonyms([slot_value(t.id.value, t.name, [t.id.value, *t.aliases, *extra.get(t.id.value, [])])
                             for t in topics])


def list_values(words: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A slot list's values (id, and as name the id in words) with the words people use for them."""
    return _unique_synonyms([slot_value(ident, ident.replace("_", " "), names, loose=False)
                             for ident, names in words.items()])


# Lexicon words per red flag that become slot synonyms: a pattern's sentences, when it has few and they
# hold no detector-only marks (word*, *, ...): "heroin", "foot drop", "night sweats".
MAX_LEXICON_SENTENCES = 40
MAX_LEXICON_SYNONYMS = 8


def lexicon_words(content: Content, flag_id: str) -> list[str]:
    """The plain words of a red flag's lexicon patterns, as slot synonyms (few per flag: the detector
    reads the raw words anyway; these help entity resolution name the flag)."""
    lexicon = content.safety.lexicon
    spec = lexicon.red_flags.get(flag_id) if lexicon is not None else None
    if lexicon is None or spec is None:
        return []
    grammar = Grammar.build(lexicon.lists)
    out: list[str] = []
    for template in spec.patterns:
        if GAP in template:
            continue
        try:
            sentences = grammar.expand(template, limit=MAX_LEXICON_SENTENCES)
        except TemplateError:
            continue  # too many sentences for a slot list: the detector covers them
        out += [t for t in sentences if not has_pattern_marks(t) and re.fullmatch(r"[a-z' ]+", t)]
    return out[:MAX_LEXICON_SYNONYMS]


def red_flag_values(content: Content, extra: Extra | None = None) -> list[dict[str, Any]]:
    """Red flags by id, with the phrases people use for them and their lexicon's plain words (the
    detector also reads the raw words)."""
    return _unique_synonyms([slot_value(f.id, f.phrases[0], [*f.phrases[1:], f.description,
                                                             *lexicon_words(content, f.id),
                                                             *(extra or {}).get(f.id, [])], loose=False)
                             for f in content.safety.red_flags])


def red_flag_samples(content: Content, samples: list[str]) -> list[str]:
    """RedFlagIntent's samples: its sentence templates, then "<opener> {symptom}" for each of the
    lexicon's sentence openers, so a symptom said in a whole sentence reaches the intent with its
    meaning-carrying words in the slot (few samples: one per opener)."""
    lexicon = content.safety.lexicon
    openers = [*lexicon.openers, *lexicon.meaning_openers] if lexicon is not None else []
    out = list(samples)
    for opener in openers:
        sample = f"{clean(opener)} {{{Slot.SYMPTOM.value}}}"
        if sample not in out:
            out.append(sample)
    return out


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
    """A custom slot type's values, from where the registry says they come, with the locale's words."""
    lists = content.slot_lists[locale]
    if spec.list_name is not None:
        return list_values(lists[spec.list_name])
    source = ValueSource(spec.values)
    extra = content.slot_synonyms.get(locale, {}).get(source.value, {})
    if source is ValueSource.POINTS:
        return point_values(content, extra)
    if source is ValueSource.ROUTINES:
        position = voice.slot_types[SlotType.POSITION.value].list_name
        return routine_values(content, lists[position] if position else {}, extra)
    if source is ValueSource.COMPLAINTS:
        return complaint_values(content, extra)
    if source is ValueSource.RED_FLAGS:
        return red_flag_values(content, extra)
    raise ValueError(f"no values for {spec.values!r}")


def interaction_model(content: Content, locale: str = DEFAULT_LOCALE, voice: Voice | None = None) -> dict[str, Any]:
    """A locale's interaction model."""
    voice = voice or voice_of(content)
    check_registry(voice)
    intents = []
    for name, spec in voice.intents.items():
        samples = voice.samples[locale][name]
        if name == Intent.RED_FLAG.value:
            samples = red_flag_samples(content, samples)
        entry: dict[str, Any] = {"name": name, "samples": samples}
        if spec.slots:
            entry["slots"] = [{"name": s, "type": t} for s, t in spec.slots.items()]
        intents.append(entry)
    # Health statements first: a phrase two samples fit equally well goes to the safety intent.
    intents.sort(key=lambda i: i["name"] != Intent.RED_FLAG.value)
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


# Where the deployed skill's public files are, until the deploy step says (build-model --audio-base-url):
# a reserved name (RFC 2606) that resolves nowhere, so nobody mistakes it for a real host.
PLACEHOLDER_BASE_URL = "https://acupressure-coach.example.com/audio/"
# Art beside the audio (`acupressure artwork` writes audio/art/icon-108.png ...), published with it.
ART_DIR = DEFAULT_OUT.relative_to(DEFAULT_AUDIO_DIR).as_posix()
SMALL_ICON_PX, LARGE_ICON_PX = ICON_SIZES
# The screens the APL documents (skill/runtime/apl.py) lay out for: round small hub, small, medium and
# large landscape hubs, TV (Amazon's viewport profiles, as the developer console writes them).
APL_VIEWPORTS = (
    {"mode": "HUB", "shape": "ROUND", "minWidth": 100, "maxWidth": 599, "minHeight": 100, "maxHeight": 599},
    {"mode": "HUB", "shape": "RECTANGLE", "minWidth": 960, "maxWidth": 1279, "minHeight": 100, "maxHeight": 599},
    {"mode": "HUB", "shape": "RECTANGLE", "minWidth": 960, "maxWidth": 1279, "minHeight": 600, "maxHeight": 959},
    {"mode": "HUB", "shape": "RECTANGLE", "minWidth": 1280, "maxWidth": 1920, "minHeight": 600, "maxHeight": 1279},
    {"mode": "TV", "shape": "RECTANGLE", "minWidth": 960, "maxWidth": 960, "minHeight": 540, "maxHeight": 540},
)
LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$")


class DeploymentError(ValueError):
    """A deploy option Alexa would refuse (a URL that is not HTTPS, an endpoint that is not one)."""


@dataclass(frozen=True)
class Deployment:
    """What only the deploy step knows: the public HTTPS base URL of the audio (icons and policy pages
    are published beside it) and the skill's endpoint (a Lambda ARN or an HTTPS URL). The committed
    skill.json is built without them: placeholder URLs, no endpoint (a new skill must be created
    without one; see README.md, "Deploy to AWS")."""

    audio_base_url: str = PLACEHOLDER_BASE_URL
    endpoint: str | None = None

    def __post_init__(self) -> None:
        url = urlsplit(self.audio_base_url)
        if url.scheme != "https" or not url.netloc or url.query or url.fragment:
            raise DeploymentError(f"--audio-base-url must be an https:// URL, not {self.audio_base_url!r}: "
                                  "Alexa fetches icons and policies over HTTPS")
        if self.endpoint is not None and not (LAMBDA_ARN.match(self.endpoint)
                                              or urlsplit(self.endpoint).scheme == "https"):
            raise DeploymentError(f"--endpoint must be a Lambda function ARN or an https:// URL, "
                                  f"not {self.endpoint!r}")

    def url(self, path: str) -> str:
        """The public URL of a file published beside the audio."""
        return audio_url(self.audio_base_url, path)

    def endpoint_json(self) -> dict[str, str] | None:
        """skill.json's endpoint object: a Lambda ARN, or an HTTPS web service with a trusted certificate."""
        if self.endpoint is None:
            return None
        if LAMBDA_ARN.match(self.endpoint):
            return {"uri": self.endpoint}
        return {"uri": self.endpoint, "sslCertificateType": "Trusted"}


def icon_path(size: int) -> str:
    return f"{ART_DIR}/icon-{size}.png"


def skill_manifest(content: Content, voice: Voice | None = None, deployment: Deployment | None = None,
                   ) -> dict[str, Any]:
    """skill.json: store listing and icons per locale, interfaces, permission, events, privacy and
    compliance answers with the policies' URLs, testing instructions; the endpoints if deploying."""
    voice = voice or voice_of(content)
    deployment = deployment or Deployment()
    cert = voice.policies.certification
    privacy_url = deployment.url(page_name(PolicyKind.PRIVACY))
    terms_url = deployment.url(page_name(PolicyKind.TERMS))
    custom: dict[str, Any] = {"interfaces": [
        {"type": "AUDIO_PLAYER"},
        {"type": "ALEXA_PRESENTATION_APL", "supportedViewports": [dict(v) for v in APL_VIEWPORTS]},
    ]}
    # Disabling the skill deletes the user's data: its event goes where the requests go.
    events: dict[str, Any] = {"subscriptions": [{"eventName": "SKILL_DISABLED"}]}
    endpoint = deployment.endpoint_json()
    if endpoint is not None:
        custom["endpoint"] = endpoint
        events["endpoint"] = dict(endpoint)
    return {"manifest": {
        "manifestVersion": "1.0",
        "publishingInformation": {
            "locales": {locale: {
                "name": store.name,
                "smallIconUri": deployment.url(icon_path(SMALL_ICON_PX)),
                "largeIconUri": deployment.url(icon_path(LARGE_ICON_PX)),
                "summary": store.summary,
                "description": store.description,
                "examplePhrases": store.examples,
                "keywords": store.keywords,
            } for locale, store in ((loc, voice.stores[loc]) for loc in voice.locales)},
            "isAvailableWorldwide": False,
            "distributionCountries": sorted({content.locales[loc].country for loc in voice.locales}),
            "testingInstructions": " ".join(cert.testing_instructions.split()),
            "category": "HEALTH_AND_FITNESS",
        },
        "apis": {"custom": custom},
        # Daily practice reminders (Reminders API); asked for by voice, or by a card in the app.
        "permissions": [{"name": REMINDERS_SCOPE}],
        "events": events,
        "privacyAndCompliance": {
            "allowsPurchases": cert.allows_purchases,
            "usesPersonalInfo": cert.uses_personal_info,
            "isChildDirected": cert.is_child_directed,
            "isExportCompliant": cert.is_export_compliant,
            "containsAds": cert.contains_ads,
            "locales": {locale: {"privacyPolicyUrl": privacy_url, "termsOfUseUrl": terms_url}
                        for locale in voice.locales},
        },
    }}


def render(content: Content, deployment: Deployment | None = None) -> dict[Path, str]:
    """Every generated file, relative to skill-package/, as text."""
    def dump(data: Any) -> str:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    voice = voice_of(content)
    files = {SKILL_JSON: dump(skill_manifest(content, voice, deployment))}
    for locale in voice.locales:
        files[model_file(locale)] = dump(interaction_model(content, locale, voice))
    return files


def stale_files(content: Content, package_dir: Path | None = None, deployment: Deployment | None = None,
                ) -> list[Path]:
    """Generated files that differ from what is on disk."""
    package_dir = package_dir or PACKAGE_DIR
    out = []
    for rel, text in render(content, deployment).items():
        path = package_dir / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(rel)
    return out


def deployment_of(args: Any) -> Deployment:
    """The deploy options given to build-model (none: the committed package's placeholders)."""
    return Deployment(audio_base_url=getattr(args, "audio_base_url", None) or PLACEHOLDER_BASE_URL,
                      endpoint=getattr(args, "endpoint", None) or None)


def run(args: Any) -> int:
    """`acupressure build-model [--check] [--audio-base-url URL] [--endpoint ARN|URL]`."""
    content = default_content()
    try:
        voice_of(content)
        deployment = deployment_of(args)
    except (ContentError, DeploymentError) as exc:
        print(exc, file=sys.stderr)
        return 1
    if getattr(args, "check", False):
        stale = stale_files(content, deployment=deployment)
        for rel in stale:
            print(f"out of date: skill-package/{rel} (run: acupressure build-model)", file=sys.stderr)
        return 1 if stale else 0
    for rel, text in render(content, deployment).items():
        path = PACKAGE_DIR / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote skill-package/{rel}")
    return 0
