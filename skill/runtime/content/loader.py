"""Load `content/*.yaml`, validate it, and report errors with file, line and field.

What the running skill needs: points, techniques, routines, scripts, safety (with its lexicon),
tips, the locales (content/locales.yaml) and per locale its responses and slot lists. A locale other
than the default has overlays only: content/responses/<locale>.yaml holds the keys whose wording
differs, content/slots/<locale>.yaml more words for values; both are merged over the default
locale's. The voice data the model builder reads (intents registry, sentence templates, store
listing, policies) is loaded by skill.runtime.content.voice.

Validation (YAML parsing, pydantic) is imported only when content is loaded from the YAML: by the
tools, and by the skill when no matching compact form is there (skill.runtime.content.compact).
"""

from __future__ import annotations

import dataclasses
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from skill.runtime.content.lookup import build_index, normalize
from skill.runtime.content.models import (
    EXTERNAL_REFERENCES,
    LOCALE_PLACEHOLDERS,
    SEED_FILES,
    AnswersFile,
    CautionKind,
    LocaleFacts,
    LocaleFile,
    LocalesFile,
    PointsFile,
    ResponsesFile,
    RoutinesFile,
    Safety,
    SafetyFile,
    SafetyLexicon,
    SafetyLexiconFile,
    SlotListsFile,
    TechniquesFile,
    TipsFile,
    ValueSource,
)
from skill.runtime.content.store import (
    CONTENT_DIR_ENV,
    DEFAULT_CONTENT_DIR,
    DEFAULT_LOCALE,
    FILE_NAMES,
    LOCALE_FOLDERS,
    SLOT_PROMPT_PREFIX,
    Content,
    ContentError,
    Problem,
    content_directory,
    content_version,
    default_content,
    prompt_table,
    runtime_files,
)
from skill.runtime.records import record
from skill.runtime.templates import Grammar, TemplateError, parse, refs

if TYPE_CHECKING:
    import yaml


FILES: dict[str, type[Any]] = {
    "points.yaml": PointsFile,
    "techniques.yaml": TechniquesFile,
    "routines.yaml": RoutinesFile,
    "scripts.yaml": RoutinesFile,
    "safety.yaml": SafetyFile,
    "tips.yaml": TipsFile,
    "answers.yaml": AnswersFile,
    "safety_lexicon.yaml": SafetyLexiconFile,
    "locales.yaml": LocalesFile,
}
# One file per locale in each of these folders (responses/en-US.yaml ...); the default locale's is
# required, another locale's is an optional overlay on it.
LOCALE_FILES: dict[str, type[LocaleFile]] = {
    "responses": ResponsesFile,
    "slots": SlotListsFile,
}
# The running skill knows the same files by name only (skill.runtime.content.store).
assert tuple(FILES) == FILE_NAMES and tuple(LOCALE_FILES) == LOCALE_FOLDERS, "store.py names other files"

Path_ = tuple[str | int, ...]
M = TypeVar("M")
# pydantic's words for the errors it reports on a dataclass, in the words it uses for its models.
_MESSAGES = {"unexpected_keyword_argument": "Extra inputs are not permitted",
             "missing_keyword_argument": "Field required", "missing_argument": "Field required"}


def _line_map(node: yaml.Node, path: Path_, out: dict[Path_, int], dupes: list[tuple[Path_, int]]) -> None:
    """Record the 1-based line of every node by its path; note duplicate mapping keys."""
    import yaml

    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            k = key.value
            if k in seen:
                dupes.append(((*path, k), key.start_mark.line + 1))
            seen.add(k)
            _line_map(value, (*path, k), out, dupes)
            out[(*path, k)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out, dupes)


def _field_name(path: Path_) -> str:
    """Render a path as `points[3].press.duration_s`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@record
class ParsedFile:
    name: str
    data: Any
    lines: dict[Path_, int]

    def line(self, path: Path_) -> int:
        """Line of the deepest existing node on `path`."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return 1

    def problem(self, path: Path_, message: str) -> Problem:
        return Problem(self.name, self.line(path), _field_name(path), message)


def read_yaml(directory: Path, name: str, problems: list[Problem]) -> ParsedFile | None:
    """Read one YAML file with its line map; record syntax errors as problems."""
    import yaml

    # libyaml's C parser when the wheel has it: the pure-Python one dominates the load (~1 s).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    path = directory / name
    rel = f"content/{name}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(rel, 0, "(file)", "file is missing"))
        return None
    except UnicodeDecodeError as exc:
        problems.append(Problem(rel, 1, "(file)", f"not UTF-8 text: {exc.reason}"))
        return None
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(Problem(rel, line, "(syntax)", f"YAML syntax error: {exc.problem}"))
        return None
    lines: dict[Path_, int] = {}
    dupes: list[tuple[Path_, int]] = []
    if node is not None:
        _line_map(node, (), lines, dupes)
    parsed = ParsedFile(rel, data, lines)
    for dpath, dline in dupes:
        problems.append(Problem(rel, dline, _field_name(dpath), "duplicate key"))
    return parsed


_ADAPTERS: dict[type[Any], Any] = {}


def _adapter(model: type[Any]) -> Any:
    """pydantic's validator for a model (built once per model; pydantic is imported here, by the tools)."""
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def validate(model: type[M], data: Any) -> M:
    """`data` (parsed YAML) as a `model`, with every constraint its fields' Rules state; pydantic's
    ValidationError if it does not fit."""
    result: M = _adapter(model).validate_python(data)
    return result


def validate_file(parsed: ParsedFile, model: type[M], problems: list[Problem]) -> M | None:
    """Validate parsed data against its model; map pydantic errors to file lines."""
    from pydantic import ValidationError

    try:
        return validate(model, parsed.data if parsed.data is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            problems.append(parsed.problem(loc, _MESSAGES.get(err["type"], err["msg"])))
        return None


def _cross_check(parsed: dict[str, ParsedFile], models: dict[str, Any], problems: list[Problem]) -> None:
    """Checks that span files: references, uniqueness, cautions, sources."""
    pts: PointsFile = models["points.yaml"]
    techs: TechniquesFile = models["techniques.yaml"]
    pfile, tfile = parsed["points.yaml"], parsed["techniques.yaml"]
    allowed_sources = set(SEED_FILES) | set(EXTERNAL_REFERENCES)

    def unique(items: list[Any], where: ParsedFile, prefix: Path_, label: str) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(where.problem((*prefix, i, "id"), f"duplicate {label} id {item.id!r}"))
            seen.add(item.id)
        return seen

    point_ids = unique(pts.points, pfile, ("points",), "point")
    tech_ids = unique(techs.techniques, tfile, ("techniques",), "technique")

    for i, p in enumerate(pts.points):
        has = p.pregnancy_caution is not None
        if p.pregnancy_contraindicated and not has:
            problems.append(pfile.problem(("points", i, "cautions"),
                                          f"{p.id} is contraindicated in pregnancy but has no pregnancy caution"))
        if has and not p.pregnancy_contraindicated:
            problems.append(pfile.problem(("points", i, "pregnancy_contraindicated"),
                                          f"{p.id} has a pregnancy caution but is not marked contraindicated"))
        for j, c in enumerate(p.cautions):
            if c.kind is CautionKind.PREGNANCY and not c.text.strip():
                problems.append(pfile.problem(("points", i, "cautions", j, "text"), "empty caution"))

    # No alias (after normalization) may name two different points.
    owner: dict[str, str] = {}
    meridians = pts.meridians
    for i, p in enumerate(pts.points):
        names: list[tuple[Path_, str]] = [(("points", i, f), getattr(p, f)) for f in ("id", "name", "pinyin")]
        if p.english:
            names.append((("points", i, "english"), p.english))
        names += [(("points", i, "aliases", j), a) for j, a in enumerate(p.aliases)]
        for where, alias in names:
            key = normalize(alias, meridians)
            if not key:
                problems.append(pfile.problem(where, f"name {alias!r} has no meaningful words"))
                continue
            if key in owner and owner[key] != p.id:
                problems.append(pfile.problem(where, f"alias {alias!r} also names {owner[key]}"))
            owner.setdefault(key, p.id)

    # Routine steps name existing points and techniques; routine ids and aliases are unique.
    routine_owner: dict[str, str] = {}
    routine_ids: set[str] = set()
    for fname in ("routines.yaml", "scripts.yaml"):
        rf: RoutinesFile = models[fname]
        rp = parsed[fname]
        for i, r in enumerate(rf.routines):
            if r.id in routine_ids:
                problems.append(rp.problem(("routines", i, "id"), f"duplicate routine id {r.id!r}"))
            routine_ids.add(r.id)
            for alias in [r.name, *r.aliases]:
                key = normalize(alias, meridians)
                if key in routine_owner and routine_owner[key] != r.id:
                    problems.append(rp.problem(("routines", i, "aliases"),
                                               f"alias {alias!r} also names routine {routine_owner[key]}"))
                routine_owner.setdefault(key, r.id)
            step_ids: set[str] = set()
            for j, s in enumerate(r.steps):
                if s.id in step_ids:
                    problems.append(rp.problem(("routines", i, "steps", j, "id"), f"duplicate step id {s.id!r}"))
                step_ids.add(s.id)
                if s.point is not None and s.point not in point_ids:
                    problems.append(rp.problem(("routines", i, "steps", j, "point"), f"unknown point {s.point!r}"))
                if s.technique is not None and s.technique not in tech_ids:
                    problems.append(rp.problem(("routines", i, "steps", j, "technique"),
                                               f"unknown technique {s.technique!r}"))
            for k, src in enumerate(r.sources):
                if src not in allowed_sources:
                    problems.append(rp.problem(("routines", i, "sources", k), f"unknown source {src!r}"))

    for i, p in enumerate(pts.points):
        for k, src in enumerate(p.sources):
            if src not in allowed_sources:
                problems.append(pfile.problem(("points", i, "sources", k), f"unknown source {src!r}"))
    for i, t in enumerate(techs.techniques):
        for k, src in enumerate(t.sources):
            if src not in allowed_sources:
                problems.append(tfile.problem(("techniques", i, "sources", k), f"unknown source {src!r}"))
    tips: TipsFile = models["tips.yaml"]
    unique(tips.tips, parsed["tips.yaml"], ("tips",), "tip")
    for i, tip in enumerate(tips.tips):
        for k, src in enumerate(tip.sources):
            if src not in allowed_sources:
                problems.append(parsed["tips.yaml"].problem(("tips", i, "sources", k), f"unknown source {src!r}"))
    answers: AnswersFile = models["answers.yaml"]
    for topic, answer in answers.answers.items():
        for k, src in enumerate(answer.sources):
            if src not in allowed_sources:
                problems.append(parsed["answers.yaml"].problem(("answers", topic, "sources", k),
                                                               f"unknown source {src!r}"))
    safety: SafetyFile = models["safety.yaml"]
    unique(safety.safety.red_flags, parsed["safety.yaml"], ("safety", "red_flags"), "red flag")
    _check_lexicon(parsed, models, problems)


def _check_lexicon(parsed: dict[str, ParsedFile], models: dict[str, Any], problems: list[Problem]) -> None:
    """Every red flag has patterns and every pattern names a red flag; every template compiles."""
    lexicon: SafetyLexicon = models["safety_lexicon.yaml"].lexicon
    lfile, sfile = parsed["safety_lexicon.yaml"], parsed["safety.yaml"]
    safety: Safety = models["safety.yaml"].safety
    if safety.lexicon is not None:
        problems.append(sfile.problem(("safety", "lexicon"), "the lexicon lives in safety_lexicon.yaml"))
    flag_ids = [f.id for f in safety.red_flags]
    for fid in lexicon.red_flags:
        if fid not in flag_ids:
            problems.append(lfile.problem(("lexicon", "red_flags", fid),
                                          f"unknown red flag {fid!r} (safety.yaml has {', '.join(flag_ids)})"))
    for i, fid in enumerate(flag_ids):
        if fid not in lexicon.red_flags:
            problems.append(sfile.problem(("safety", "red_flags", i, "id"),
                                          f"red flag {fid!r} has no patterns in safety_lexicon.yaml"))
    lists = {name: [value] if isinstance(value, str) else value for name, value in lexicon.lists.items()}
    broken = False
    for name, items in lists.items():
        for j, item in enumerate(items):
            unknown = sorted(refs(parse(item)) - set(lists))
            if unknown:
                at: Path_ = ("lexicon", "lists", name) if isinstance(lexicon.lists[name], str) else \
                    ("lexicon", "lists", name, j)
                problems.append(lfile.problem(at, f"unknown list {', '.join(f'<{u}>' for u in unknown)}"))
                broken = True
    if broken:
        return
    try:
        grammar = Grammar.build(lexicon.lists)
    except TemplateError as exc:
        problems.append(lfile.problem(("lexicon", "lists", *([exc.rule] if exc.rule else [])), str(exc)))
        return
    templates: list[tuple[Path_, str]] = []
    flag_path: Path_ = ("lexicon", "red_flags")
    for fid, spec in lexicon.red_flags.items():
        for part in ("patterns", "ignore", "unless"):
            templates += [((*flag_path, fid, part, j), t) for j, t in enumerate(getattr(spec, part))]
    for part in ("pregnant", "not_pregnant", "pain"):
        templates += [(("lexicon", part, j), t) for j, t in enumerate(getattr(lexicon, part))]
    for where, template in templates:
        try:
            grammar.pattern(template)  # compiled by the screening when first needed
        except TemplateError as exc:
            problems.append(lfile.problem(where, str(exc)))


def _placeholders(text: str) -> set[str]:
    """The {names} a response fills in; ValueError if its braces are malformed."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _check_responses(where: ParsedFile, rf: ResponsesFile, problems: list[Problem]) -> dict[str, set[str]]:
    """One responses file's keys and the placeholders each fills; variants of a key must agree."""
    found: dict[str, set[str]] = {}
    for key, value in rf.responses.items():
        if key.startswith(SLOT_PROMPT_PREFIX):
            problems.append(where.problem(("responses", key), f"keys starting {SLOT_PROMPT_PREFIX!r} are "
                                                              "slot lists (content/slots/)"))
        seen: set[str] | None = None
        for j, text in enumerate([value] if isinstance(value, str) else value):
            path: Path_ = ("responses", key) if isinstance(value, str) else ("responses", key, j)
            try:
                names = _placeholders(text)
            except ValueError as exc:
                problems.append(where.problem(path, f"malformed placeholder: {exc}"))
                continue
            if seen is not None and names != seen:
                problems.append(where.problem(path, f"variants differ in placeholders: {sorted(names)} "
                                                    f"vs {sorted(seen)}"))
            seen = names if seen is None else seen
        if seen is not None:
            found[key] = seen
    return found


def _check_locales(files: dict[str, dict[str, tuple[ParsedFile, Any]]], locales: LocalesFile,
                   where_locales: ParsedFile, problems: list[Problem]) -> None:
    """Every locale file names a locale of locales.yaml; an overlay overrides only keys, lists and
    values the default locale has, and fills no placeholder its default does not (but the locale's
    own: {emergency_number} ...); no word names two values of one list once merged."""
    if DEFAULT_LOCALE not in locales.locales:
        problems.append(where_locales.problem(("locales",), f"no {DEFAULT_LOCALE} (the default locale)"))
    for by_locale in files.values():
        for locale, (where, _) in by_locale.items():
            if locale not in locales.locales:
                problems.append(where.problem(("language",), f"{locale} is not in content/locales.yaml"))
    responses = files["responses"]
    default_keys: dict[str, set[str]] = {}
    if DEFAULT_LOCALE in responses:
        default_keys = _check_responses(*responses[DEFAULT_LOCALE], problems)
    for locale, (where, model) in responses.items():
        if locale == DEFAULT_LOCALE:
            continue
        for key, names in _check_responses(where, model, problems).items():
            if key not in default_keys:
                problems.append(where.problem(("responses", key), f"not in {DEFAULT_LOCALE}"))
                continue
            extra = sorted(names - default_keys[key] - set(LOCALE_PLACEHOLDERS))
            if extra:
                problems.append(where.problem(("responses", key), f"fills {', '.join('{' + e + '}' for e in extra)}"
                                                                  f", which {DEFAULT_LOCALE}'s does not"))
    default_lists = files["slots"].get(DEFAULT_LOCALE)
    for locale, (where, model) in files["slots"].items():
        sl: SlotListsFile = model
        if locale != DEFAULT_LOCALE and default_lists is not None:
            base: SlotListsFile = default_lists[1]
            for name, values in sl.lists.items():
                if name not in base.lists:
                    problems.append(where.problem(("lists", name), f"no list {name!r} in {DEFAULT_LOCALE}"))
                    continue
                for ident in values:
                    if ident not in base.lists[name]:
                        problems.append(where.problem(("lists", name, ident),
                                                      f"no value {ident!r} in {DEFAULT_LOCALE}'s {name}"))
        merged = _merge_lists(default_lists[1] if default_lists else None, sl)
        for name, values in merged.items():
            owner: dict[str, str] = {}
            for ident, words in values.items():
                for word in words:
                    key = " ".join(word.lower().split())
                    first = owner.setdefault(key, ident)
                    if first != ident:
                        problems.append(where.problem(*_clash(sl, name, word, first, ident)))


# The slot list (content/slots/<locale>.yaml) whose value ids are the topics of content/answers.yaml.
TOPIC_LIST = "topic"


def _check_answers(where: ParsedFile, answers: AnswersFile, slot_files: dict[str, tuple[ParsedFile, Any]],
                   problems: list[Problem]) -> None:
    """Every topic people can ask about has an answer, and every answer a topic they can name."""
    default = slot_files.get(DEFAULT_LOCALE)
    if default is None:
        return
    lists_where, lists = default
    topics = lists.lists.get(TOPIC_LIST)
    if topics is None:
        return
    for topic in topics:
        if topic not in answers.answers:
            problems.append(lists_where.problem(("lists", TOPIC_LIST, topic),
                                                f"topic {topic!r} has no answer in content/answers.yaml"))
    for topic in answers.answers:
        if topic not in topics:
            problems.append(where.problem(("answers", topic),
                                          f"no topic {topic!r} in {DEFAULT_LOCALE}'s slot list {TOPIC_LIST!r}"))


def _clash(sl: SlotListsFile, name: str, word: str, first: str, second: str) -> tuple[Path_, str]:
    """Where and how to report a word naming two values: at the value this file gave it to."""
    for ident, other in ((second, first), (first, second)):
        said = sl.lists.get(name, {}).get(ident, [])
        if word in said:
            return ("lists", name, ident, said.index(word)), f"{word!r} also names {other!r}"
    return ("lists", name), f"{word!r} names both {first!r} and {second!r}"


def _check_synonyms(files: dict[str, tuple[ParsedFile, Any]], ids: dict[str, set[str]],
                    problems: list[Problem]) -> None:
    """Synonyms name a source of values from other content and ids that source has."""
    for where, model in files.values():
        sl: SlotListsFile = model
        for source, values in sl.synonyms.items():
            if source not in ids:
                problems.append(where.problem(("synonyms", source), f"unknown source {source!r} (one of "
                                                                    f"{', '.join(ids)})"))
                continue
            for ident in values:
                if ident not in ids[source]:
                    problems.append(where.problem(("synonyms", source, ident), f"no {source} value {ident!r}"))


def _merge_words(*layers: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    """Lists (name -> value id -> words) with each later layer's words added after the earlier's."""
    merged: dict[str, dict[str, list[str]]] = {}
    for layer in layers:
        for name, values in layer.items():
            for ident, words in values.items():
                have = merged.setdefault(name, {}).setdefault(ident, [])
                have += [w for w in words if w not in have]
    return merged


def _merge_lists(base: SlotListsFile | None, overlay: SlotListsFile) -> dict[str, dict[str, list[str]]]:
    """The default locale's lists with an overlay's words added."""
    return _merge_words(base.lists if base else {}, overlay.lists)


def _load_locale_files(directory: Path, problems: list[Problem]) -> dict[str, dict[str, tuple[ParsedFile, Any]]]:
    """folder -> locale -> (parsed file, validated model), for responses/ and slots/."""
    out: dict[str, dict[str, tuple[ParsedFile, Any]]] = {}
    for folder, model in LOCALE_FILES.items():
        out[folder] = {}
        names = sorted(p.name for p in (directory / folder).glob("*.yaml"))
        if f"{DEFAULT_LOCALE}.yaml" not in names:
            names.insert(0, f"{DEFAULT_LOCALE}.yaml")  # reported missing by _parse
        for name in names:
            parsed = read_yaml(directory, f"{folder}/{name}", problems)
            if parsed is None:
                continue
            m = validate_file(parsed, model, problems)
            if m is None:
                continue
            locale = name.removesuffix(".yaml")
            if m.language != locale:
                problems.append(parsed.problem(("language",), f"says {m.language!r} in a file named {name}"))
                continue
            out[folder][locale] = (parsed, m)
    return out


def load(directory: Path | str | None = None) -> Content:
    """Load and validate every content file; raise ContentError listing all problems."""
    directory = content_directory(directory)
    problems: list[Problem] = []
    parsed: dict[str, ParsedFile] = {}
    models: dict[str, Any] = {}
    for name, model in FILES.items():
        p = read_yaml(directory, name, problems)
        if p is None:
            continue
        parsed[name] = p
        m = validate_file(p, model, problems)
        if m is not None:
            models[name] = m
    locale_files = _load_locale_files(directory, problems)
    if problems:
        raise ContentError(problems)
    _cross_check(parsed, models, problems)
    _check_locales(locale_files, models["locales.yaml"], parsed["locales.yaml"], problems)
    _check_answers(parsed["answers.yaml"], models["answers.yaml"], locale_files["slots"], problems)
    pts: PointsFile = models["points.yaml"]
    routines = [*models["routines.yaml"].routines, *models["scripts.yaml"].routines]
    _check_synonyms(locale_files["slots"], {
        ValueSource.POINTS.value: {p.id for p in pts.points},
        ValueSource.ROUTINES.value: {r.id for r in routines},
        ValueSource.COMPLAINTS.value: {c.id.value for c in pts.complaints} | {r.id.value for r in pts.regions},
        ValueSource.RED_FLAGS.value: {f.id for f in models["safety.yaml"].safety.red_flags},
    }, problems)
    if problems:
        raise ContentError(problems)

    locales: dict[str, LocaleFacts] = dict(models["locales.yaml"].locales)
    base_responses: ResponsesFile = locale_files["responses"][DEFAULT_LOCALE][1]
    base_lists: SlotListsFile = locale_files["slots"][DEFAULT_LOCALE][1]
    responses: dict[str, dict[str, str | list[str]]] = {}
    slot_lists: dict[str, dict[str, dict[str, list[str]]]] = {}
    slot_synonyms: dict[str, dict[str, dict[str, list[str]]]] = {}
    for loc in sorted(locales, key=lambda x: (x != DEFAULT_LOCALE, x)):
        over_r = locale_files["responses"].get(loc)
        responses[loc] = {**base_responses.responses, **(over_r[1].responses if over_r else {})}
        over_s = locale_files["slots"].get(loc)
        overlay: SlotListsFile = over_s[1] if over_s else base_lists
        slot_lists[loc] = _merge_words(base_lists.lists, overlay.lists)
        slot_synonyms[loc] = _merge_words(base_lists.synonyms, overlay.synonyms)
    safety = dataclasses.replace(models["safety.yaml"].safety, lexicon=models["safety_lexicon.yaml"].lexicon)
    return Content(
        points={p.id: p for p in pts.points},
        meridians=pts.meridians,
        complaints={c.id.value: c for c in pts.complaints},
        regions={r.id.value: r for r in pts.regions},
        techniques={t.id: t for t in models["techniques.yaml"].techniques},
        routines={r.id: r for r in routines},
        safety=safety,
        tips=models["tips.yaml"].tips,
        answers=dict(models["answers.yaml"].answers),
        prompts=prompt_table(responses[DEFAULT_LOCALE], slot_lists[DEFAULT_LOCALE]),
        responses=responses,
        slot_lists=slot_lists,
        locales=locales,
        version=content_version(directory),
        directory=directory,
        index=build_index(pts, routines),
        slot_synonyms=slot_synonyms,
    )


# The names the tools and tests have always imported from here, now kept in skill.runtime.content.store.
__all__ = ["CONTENT_DIR_ENV", "DEFAULT_CONTENT_DIR", "DEFAULT_LOCALE", "FILES", "LOCALE_FILES", "SLOT_PROMPT_PREFIX",
           "Content", "ContentError", "Problem", "content_directory", "content_version", "default_content", "load",
           "prompt_table", "read_yaml", "runtime_files", "validate", "validate_file"]
