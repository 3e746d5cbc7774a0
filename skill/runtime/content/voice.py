"""Load the voice data: the intents registry, sentence templates and store listing per locale.

What the model builder turns into skill-package/ (the running skill does not need it):

    content/intents.yaml                    every intent, its description and slots; slot types
    content/sentences/<locale>/_common.yaml expansion rules shared by that locale's templates
    content/sentences/<locale>/<topic>.yaml sentence templates by intent
    content/store/<locale>.yaml             the skill store listing
    content/policies.yaml                   privacy policy, terms of use, certification answers

Every locale of content/locales.yaml gets a model. en-US's sentences are the base; another locale's
folder is an overlay holding only what differs: more templates for an intent (added to en-US's), and
expansion rules that replace en-US's of the same name (so en-US's templates take that locale's words).

Templates are expanded here (skill.runtime.templates) and checked within Alexa's limits: each
sample short enough, only words Alexa takes, no sample in two intents. Errors carry file, line
and field, as the content loader's do.
"""

from __future__ import annotations

import re
from pathlib import Path

from skill.runtime.content.loader import (
    DEFAULT_LOCALE,
    Content,
    ContentError,
    ParsedFile,
    Path_,
    Problem,
    read_yaml,
    validate_file,
)
from skill.runtime.content.models import (
    CommonSentencesFile,
    IntentsFile,
    IntentSpec,
    PoliciesFile,
    SentencesFile,
    SlotTypeSpec,
    StoreFile,
    StoreListing,
    ValueSource,
)
from skill.runtime.records import record
from skill.runtime.templates import Grammar, TemplateError, has_pattern_marks, parse

INTENTS_FILE = "intents.yaml"
SENTENCES_DIR = "sentences"
STORE_DIR = "store"
POLICIES_FILE = "policies.yaml"
COMMON_FILE = "_common.yaml"

# Alexa's limits on sample utterances (developer documentation, interaction model schema): at most
# 200 characters each. A template that stands for more sentences than MAX_EXPANSION is a mistake
# (an unbounded product of alternatives), not coverage; it is our own bound, far below Alexa's.
MAX_SAMPLE_CHARS = 200
MAX_EXPANSION = 1_000
# What a sample may hold: lower-case words, apostrophes, single spaces and {slot}s; no digits
# (numbers are spelled out) and no punctuation.
SAMPLE_WORDS = re.compile(r"^(?:[a-z']+|\{[A-Za-z][A-Za-z0-9_]*\})(?: (?:[a-z']+|\{[A-Za-z][A-Za-z0-9_]*\}))*$")


@record(frozen=True)
class Voice:
    """The registry, and per locale each intent's sample utterances (registry order) and store text."""

    intents: dict[str, IntentSpec]
    slot_types: dict[str, SlotTypeSpec]
    samples: dict[str, dict[str, list[str]]]  # locale -> intent -> samples
    stores: dict[str, StoreListing]
    policies: PoliciesFile

    @property
    def locales(self) -> list[str]:
        """Every locale (content/locales.yaml), the default first."""
        return sorted(self.samples, key=lambda loc: (loc != DEFAULT_LOCALE, loc))


@record(frozen=True)
class _Where:
    """Where a sample came from, to report a conflict at both ends."""

    parsed: ParsedFile
    path: Path_
    intent: str


def _check_registry(reg: IntentsFile, where: ParsedFile, content: Content, problems: list[Problem]) -> None:
    """Slots name known types; each type is used, and its list exists in every locale's slot lists."""
    used: set[str] = set()
    for name, spec in reg.intents.items():
        for slot, stype in spec.slots.items():
            used.add(stype)
            if stype not in reg.slot_types:
                problems.append(where.problem(("intents", name, "slots", slot), f"unknown slot type {stype!r}"))
    for stype, tspec in reg.slot_types.items():
        if stype not in used:
            problems.append(where.problem(("slot_types", stype), "no intent has a slot of this type"))
        if (stype.startswith("AMAZON.")) != (tspec.values == ValueSource.AMAZON.value):
            problems.append(where.problem(("slot_types", stype, "values"),
                                          "Amazon's types (AMAZON.*), and only they, take values: amazon"))
        list_name = tspec.list_name
        for locale, lists in content.slot_lists.items():
            if list_name is not None and list_name not in lists:
                problems.append(where.problem(("slot_types", stype, "values"),
                                              f"no list {list_name!r} in content/slots/{locale}.yaml"))


@record
class _Layer:
    """One locale folder's sentences: its expansion rules (and where each is) and templates by intent."""

    rules: dict[str, str | list[str]]
    rule_files: dict[str, ParsedFile]
    templates: dict[str, list[tuple[_Where, str]]]


def _read_layer(directory: Path, locale: str, reg: IntentsFile, problems: list[Problem]) -> _Layer | None:
    """A locale folder's rules and templates, or None if its files have problems. Only the default
    locale must have a _common.yaml; another locale's folder (an overlay) may hold just templates."""
    folder = directory / SENTENCES_DIR / locale
    before = len(problems)
    rules: dict[str, str | list[str]] = {}
    rule_files: dict[str, ParsedFile] = {}
    if locale == DEFAULT_LOCALE or (folder / COMMON_FILE).exists():
        common = read_yaml(directory, f"{SENTENCES_DIR}/{locale}/{COMMON_FILE}", problems)
        common_model = validate_file(common, CommonSentencesFile, problems) if common else None
        if common is None or common_model is None:
            return None
        if common_model.language != locale:
            problems.append(common.problem(("language",), f"says {common_model.language!r} in sentences/{locale}/"))
        rules = dict(common_model.expansion_rules)
        rule_files = {name: common for name in rules}

    declared: dict[str, _Where] = {}
    templates: dict[str, list[tuple[_Where, str]]] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == COMMON_FILE:
            continue
        parsed = read_yaml(directory, f"{SENTENCES_DIR}/{locale}/{path.name}", problems)
        model = validate_file(parsed, SentencesFile, problems) if parsed else None
        if parsed is None or model is None:
            continue
        if model.language != locale:
            problems.append(parsed.problem(("language",), f"says {model.language!r} in sentences/{locale}/"))
        for intent, spec in model.intents.items():
            at = _Where(parsed, ("intents", intent), intent)
            if intent not in reg.intents:
                problems.append(parsed.problem(at.path, f"unknown intent {intent!r} (not in content/intents.yaml)"))
                continue
            if intent in declared:
                first = declared[intent]
                problems.append(parsed.problem(at.path, f"{intent} already has sentences in {first.parsed.name}"
                                                        f":{first.parsed.line(first.path)}"))
                continue
            declared[intent] = at
            templates[intent] = [(_Where(parsed, (*at.path, "sentences", j), intent), t)
                                 for j, t in enumerate(spec.sentences)]
    return _Layer(rules, rule_files, templates) if len(problems) == before else None


def _expand_locale(locale: str, layers: list[_Layer], reg: IntentsFile, problems: list[Problem],
                   ) -> dict[str, list[str]] | None:
    """A locale's samples by intent (registry order): the templates of every layer (the default
    locale's, then the overlay's), expanded with their rules merged (an overlay's rule replaces the
    default's of that name, so the default's templates take the locale's words too)."""
    before = len(problems)
    rules: dict[str, str | list[str]] = {}
    rule_files: dict[str, ParsedFile] = {}
    for layer in layers:
        rules.update(layer.rules)
        rule_files.update(layer.rule_files)
    try:
        grammar = Grammar.build(rules)
    except TemplateError as exc:
        common = rule_files.get(exc.rule or "") or next(iter(rule_files.values()))
        problems.append(common.problem(("expansion_rules", *([exc.rule] if exc.rule else [])), str(exc)))
        return None
    # Problems found while expanding the default locale's templates for another locale say which.
    label = "" if locale == DEFAULT_LOCALE else f"in {locale}: "
    samples: dict[str, list[str]] = {intent: [] for intent in reg.intents}
    owner: dict[str, _Where] = {}
    for intent in reg.intents:
        if not any(layer.templates.get(intent) for layer in layers) and not IntentSpec.is_builtin(intent):
            problems.append(Problem(f"content/{SENTENCES_DIR}/{locale}/", 0, intent,
                                    "no sentences (every custom intent needs some)"))
    # Layer by layer, so a clash between an overlay's sentence and the default's is the overlay's.
    for layer in layers:
        for intent, ispec in reg.intents.items():
            out = samples[intent]
            for where, template in layer.templates.get(intent, []):
                for sentence in _expand(grammar, template, where, ispec, problems, label):
                    if sentence in out:
                        continue  # two templates of one intent may overlap; Alexa takes each sample once
                    first = owner.setdefault(sentence, where)
                    if first.intent != intent:
                        problems.append(where.parsed.problem(
                            where.path, f"{label}{sentence!r} is also a sample of {first.intent} "
                                        f"({first.parsed.name}:{first.parsed.line(first.path)})"))
                        continue
                    out.append(sentence)
    return samples if len(problems) == before else None


def _expand(grammar: Grammar, template: str, where: _Where, intent: IntentSpec,
            problems: list[Problem], label: str = "") -> list[str]:
    """A template's sentences, each checked as an Alexa sample of this intent."""
    try:
        seq = parse(template)
        grammar.check(seq)
        undeclared = sorted(grammar.slots(seq) - set(intent.slots))
        sentences = grammar.expand(seq, MAX_EXPANSION)
    except TemplateError as exc:
        problems.append(where.parsed.problem(where.path, label + str(exc)))
        return []
    if undeclared:
        problems.append(where.parsed.problem(where.path, label + f"slot {', '.join('{' + u + '}' for u in undeclared)} "
                                                         f"is not a slot of {where.intent}"))
        return []
    good = []
    for s in sentences:
        if has_pattern_marks(s) or not SAMPLE_WORDS.match(s):
            problems.append(where.parsed.problem(where.path, label + f"{s!r}: a sample holds lower-case words, "
                                                             "apostrophes and {slots} only (spell numbers out)"))
        elif len(s) > MAX_SAMPLE_CHARS:
            problems.append(where.parsed.problem(where.path, label + f"{s[:40]!r}...: longer than {MAX_SAMPLE_CHARS} "
                                                             "characters"))
        else:
            good.append(s)
    return good


def load_policies(directory: Path, problems: list[Problem]) -> PoliciesFile | None:
    """content/policies.yaml: the privacy policy, terms of use and certification answers."""
    parsed = read_yaml(directory, POLICIES_FILE, problems)
    return validate_file(parsed, PoliciesFile, problems) if parsed else None


def load_voice(content: Content, directory: Path | str | None = None) -> Voice:
    """Load and check the voice data beside this content; ContentError lists every problem."""
    directory = Path(directory) if directory is not None else content.directory
    problems: list[Problem] = []
    reg_parsed = read_yaml(directory, INTENTS_FILE, problems)
    reg = validate_file(reg_parsed, IntentsFile, problems) if reg_parsed else None
    if reg_parsed is None or reg is None:
        raise ContentError(problems)
    _check_registry(reg, reg_parsed, content, problems)
    policies = load_policies(directory, problems)

    # The locales are those of content/locales.yaml; a sentences folder for any other is a mistake.
    locales = sorted(content.locales, key=lambda loc: (loc != DEFAULT_LOCALE, loc))
    folders = sorted(p.name for p in (directory / SENTENCES_DIR).iterdir() if p.is_dir()) \
        if (directory / SENTENCES_DIR).is_dir() else []
    if DEFAULT_LOCALE not in folders:
        problems.append(Problem(f"content/{SENTENCES_DIR}/{DEFAULT_LOCALE}/", 0, "(folder)", "missing"))
    for folder in folders:
        if folder not in content.locales:
            problems.append(Problem(f"content/{SENTENCES_DIR}/{folder}/", 0, "(folder)",
                                    f"{folder} is not in content/locales.yaml"))
    samples: dict[str, dict[str, list[str]]] = {}
    stores: dict[str, StoreListing] = {}
    base = _read_layer(directory, DEFAULT_LOCALE, reg, problems) if DEFAULT_LOCALE in folders else None
    for locale in locales:
        if base is not None:
            layers = [base]
            if locale != DEFAULT_LOCALE and locale in folders:
                overlay = _read_layer(directory, locale, reg, problems)
                layers = [base, overlay] if overlay is not None else []
            found = _expand_locale(locale, layers, reg, problems) if layers else None
            if found is not None:
                samples[locale] = found
            elif locale == DEFAULT_LOCALE:
                base = None  # its problems are reported once, not again for every overlay
        store_parsed = read_yaml(directory, f"{STORE_DIR}/{locale}.yaml", problems)
        store = validate_file(store_parsed, StoreFile, problems) if store_parsed else None
        if store_parsed is not None and store is not None:
            if store.language != locale:
                problems.append(store_parsed.problem(("language",), f"says {store.language!r}"))
            stores[locale] = store.store
    if problems or policies is None:
        raise ContentError(problems)
    return Voice(intents=dict(reg.intents), slot_types=dict(reg.slot_types), samples=samples, stores=stores,
                 policies=policies)
