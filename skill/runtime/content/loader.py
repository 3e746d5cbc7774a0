"""Load `content/*.yaml`, validate it, and report errors with file, line and field."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from skill.runtime.content.lookup import AliasIndex, build_index, normalize
from skill.runtime.content.models import (
    EXTERNAL_REFERENCES,
    SEED_FILES,
    CautionKind,
    ComplaintTopic,
    Meridian,
    Point,
    PointsFile,
    PromptsFile,
    RegionTopic,
    Routine,
    RoutinesFile,
    Safety,
    SafetyFile,
    Technique,
    TechniquesFile,
    Tip,
    TipsFile,
)

# The repository's content/ sits beside the package; the Lambda bundle copies it there too.
DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[3] / "content"
CONTENT_DIR_ENV = "ACUPRESSURE_CONTENT_DIR"
# The locale whose responses the skill speaks by default (and the one every other locale must match).
DEFAULT_LOCALE = "en-US"

FILES: dict[str, type[BaseModel]] = {
    "points.yaml": PointsFile,
    "techniques.yaml": TechniquesFile,
    "routines.yaml": RoutinesFile,
    "scripts.yaml": RoutinesFile,
    "safety.yaml": SafetyFile,
    "tips.yaml": TipsFile,
    "prompts.yaml": PromptsFile,
}

Path_ = tuple[str | int, ...]
# libyaml's C parser when the wheel has it: the pure-Python one dominates cold start (~1 s).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ContentError(Exception):
    """Content failed to load; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid content:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Content:
    """Everything the skill can say, validated and indexed."""

    points: dict[str, Point]
    meridians: list[Meridian]
    complaints: dict[str, ComplaintTopic]
    regions: dict[str, RegionTopic]
    techniques: dict[str, Technique]
    routines: dict[str, Routine]
    safety: Safety
    tips: list[Tip]
    prompts: dict[str, str | list[str]]
    version: str
    directory: Path
    index: AliasIndex = field(repr=False)

    def point(self, text: str) -> Point | None:
        """The point a user's words name, in any numbering or spelling, or None."""
        pid = self.index.points.resolve(text)
        return self.points[pid] if pid else None

    def routine(self, text: str) -> Routine | None:
        """The routine a user's words name, or None."""
        rid = self.index.routines.resolve(text)
        return self.routines[rid] if rid else None

    def points_for(self, text: str) -> list[Point]:
        """Points for a complaint or region named in the user's words, in content order."""
        cid = self.index.complaints.resolve(text)
        if cid:
            return [p for p in self.points.values() if cid in p.complaints]
        rid = self.index.regions.resolve(text)
        if rid:
            return [p for p in self.points.values() if rid in p.regions]
        return []


def _line_map(node: yaml.Node, path: Path_, out: dict[Path_, int], dupes: list[tuple[Path_, int]]) -> None:
    """Record the 1-based line of every node by its path; note duplicate mapping keys."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            k = key.value
            if k in seen:
                dupes.append((path + (k,), key.start_mark.line + 1))
            seen.add(k)
            _line_map(value, path + (k,), out, dupes)
            out[path + (k,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, path + (i,), out, dupes)


def _field_name(path: Path_) -> str:
    """Render a path as `points[3].press.duration_s`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@dataclass
class _Parsed:
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


def _parse(directory: Path, name: str, problems: list[Problem]) -> _Parsed | None:
    """Read one YAML file with its line map; record syntax errors as problems."""
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
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(Problem(rel, line, "(syntax)", f"YAML syntax error: {exc.problem}"))
        return None
    lines: dict[Path_, int] = {}
    dupes: list[tuple[Path_, int]] = []
    if node is not None:
        _line_map(node, (), lines, dupes)
    parsed = _Parsed(rel, data, lines)
    for dpath, dline in dupes:
        problems.append(Problem(rel, dline, _field_name(dpath), "duplicate key"))
    return parsed


def _validate(parsed: _Parsed, model: type[M], problems: list[Problem]) -> M | None:
    """Validate parsed data against its model; map pydantic errors to file lines."""
    try:
        return model.model_validate(parsed.data if parsed.data is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            problems.append(parsed.problem(loc, err["msg"]))
        return None


def _cross_check(parsed: dict[str, _Parsed], models: dict[str, Any], problems: list[Problem]) -> None:
    """Checks that span files: references, uniqueness, cautions, sources."""
    pts: PointsFile = models["points.yaml"]
    techs: TechniquesFile = models["techniques.yaml"]
    pfile, tfile = parsed["points.yaml"], parsed["techniques.yaml"]
    allowed_sources = set(SEED_FILES) | set(EXTERNAL_REFERENCES)

    def unique(items: list[Any], where: _Parsed, prefix: Path_, label: str) -> set[str]:
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
    for i, t in enumerate(tips.tips):
        for k, src in enumerate(t.sources):
            if src not in allowed_sources:
                problems.append(parsed["tips.yaml"].problem(("tips", i, "sources", k), f"unknown source {src!r}"))
    safety: SafetyFile = models["safety.yaml"]
    unique(safety.safety.red_flags, parsed["safety.yaml"], ("safety", "red_flags"), "red flag")


def _version(directory: Path) -> str:
    """Short hash of all content files: changes whenever any wording changes."""
    h = hashlib.sha256()
    for name in sorted(FILES):
        path = directory / name
        h.update(name.encode())
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def load(directory: Path | str | None = None) -> Content:
    """Load and validate every content file; raise ContentError listing all problems."""
    directory = Path(directory or os.environ.get(CONTENT_DIR_ENV) or DEFAULT_CONTENT_DIR)
    problems: list[Problem] = []
    parsed: dict[str, _Parsed] = {}
    models: dict[str, Any] = {}
    for name, model in FILES.items():
        p = _parse(directory, name, problems)
        if p is None:
            continue
        parsed[name] = p
        m = _validate(p, model, problems)
        if m is not None:
            models[name] = m
    if problems:
        raise ContentError(problems)
    _cross_check(parsed, models, problems)
    if problems:
        raise ContentError(problems)

    pts: PointsFile = models["points.yaml"]
    routines = [*models["routines.yaml"].routines, *models["scripts.yaml"].routines]
    return Content(
        points={p.id: p for p in pts.points},
        meridians=pts.meridians,
        complaints={c.id.value: c for c in pts.complaints},
        regions={r.id.value: r for r in pts.regions},
        techniques={t.id: t for t in models["techniques.yaml"].techniques},
        routines={r.id: r for r in routines},
        safety=models["safety.yaml"].safety,
        tips=models["tips.yaml"].tips,
        prompts=models["prompts.yaml"].prompts,
        version=_version(directory),
        directory=directory,
        index=build_index(pts, routines),
    )


@lru_cache(maxsize=1)
def default_content() -> Content:
    """The content, loaded once per process (cold start)."""
    return load()
