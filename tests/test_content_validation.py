"""Broken content is rejected with file, line and field; the real content loads."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from skill.runtime.content import ContentError, load
from skill.runtime.content.loader import DEFAULT_CONTENT_DIR, FILES


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the real content to break."""
    dst = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, dst)
    return dst


def line_of(text: str, pattern: str, start: int = 0) -> int:
    """1-based line of the first regex match at or after `start`."""
    m = re.compile(pattern, re.M).search(text, start)
    assert m, f"pattern {pattern!r} not in content"
    return text.count("\n", 0, m.start()) + 1


def replace_first(text: str, pattern: str, repl: str, start: int = 0) -> str:
    m = re.compile(pattern, re.M).search(text, start)
    assert m, f"pattern {pattern!r} not in content"
    return text[: m.start()] + m.expand(repl) + text[m.end():]


@dataclass
class Case:
    """Break one file; expect a problem in `file` at the mutated line with `field` and `message`."""

    name: str
    file: str
    mutate: Callable[[str], tuple[str, int]]  # returns new text and expected line
    field: str
    message: str


def _sub(pattern: str, repl: str, line_pattern: str | None = None) -> Callable[[str], tuple[str, int]]:
    def f(text: str) -> tuple[str, int]:
        line = line_of(text, line_pattern or pattern)
        return replace_first(text, pattern, repl), line
    return f


def _drop_description(text: str) -> tuple[str, int]:
    line = line_of(text, r"^- id: |^  - id: ")
    return replace_first(text, r"^\s+description: .*\n", ""), line


def _collide(text: str) -> tuple[str, int]:
    """Give the last point an alias that is the first point's pinyin."""
    first = re.search(r"^\s*pinyin: (.+)$", text, re.M).group(1).strip()
    start = re.search(r"^points:", text, re.M).end()
    end = min([m.start() for m in re.finditer(r"^\w+:", text, re.M) if m.start() > start] + [len(text)])
    blocks = [b for b in re.finditer(r"^(\s+)aliases:\n(\s+)- ", text, re.M) if start < b.start() < end]
    m = blocks[-1]
    pos = text.index("\n", m.start()) + 1
    line = text.count("\n", 0, pos) + 1
    return text[:pos] + f"{m.group(2)}- {first}\n" + text[pos:], line


def _uncontraindicate_li4(text: str) -> tuple[str, int]:
    start = re.search(r"^\s*- id: LI4\b", text, re.M).start()
    line = line_of(text, r"pregnancy_contraindicated: true", start)
    m = re.compile(r"pregnancy_contraindicated: true").search(text, start)
    return text[: m.start()] + "pregnancy_contraindicated: false" + text[m.end():], line


def _duplicate_name(text: str) -> tuple[str, int]:
    m = re.search(r"^(\s+)name: .*\n", text, re.M)
    return text[: m.end()] + m.group(0) + text[m.end():], text.count("\n", 0, m.end()) + 1


CASES = [
    Case("unknown field", "routines.yaml", _sub(r"hold: true", "hodl: true"),
         r"routines\[\d+\]\.steps\[\d+\]\.hodl", "Extra inputs are not permitted"),
    Case("wrong type", "points.yaml", _sub(r"duration_s: \d+", "duration_s: a minute"),
         r"points\[\d+\]\.press\.duration_s", "valid integer"),
    Case("missing field", "routines.yaml", _drop_description,
         r"routines\[0\]\.description", "Field required"),
    Case("unknown point", "routines.yaml", _sub(r"point: BL52\b", "point: BL99"),
         r"routines\[\d+\]\.steps\[\d+\]\.point", "unknown point 'BL99'"),
    Case("unknown technique", "routines.yaml", _sub(r"technique: \w+", "technique: no_such_thing"),
         r"routines\[\d+\]\.steps\[\d+\]\.technique", "unknown technique 'no_such_thing'"),
    Case("alias names two points", "points.yaml", _collide,
         r"points\[\d+\]\.aliases\[0\]", "also names"),
    Case("caution without contraindication", "points.yaml", _uncontraindicate_li4,
         r"points\[\d+\]\.pregnancy_contraindicated", "not marked contraindicated"),
    Case("duplicate key", "points.yaml", _duplicate_name, r"points\[0\]\.name", "duplicate key"),
    Case("unknown source", "tips.yaml", _sub(r"\d{3}_[0-9a-f]{16}\.txt", "005_nope.txt"),
         r"tips\[\d+\]\.sources\[\d+\]", "unknown source '005_nope.txt'"),
    Case("hold out of range", "points.yaml", _sub(r"duration_s: \d+", "duration_s: 999"),
         r"points\[\d+\]\.press\.duration_s", "less than or equal to 180"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_content_is_reported_with_file_line_field(content_dir: Path, case: Case) -> None:
    path = content_dir / case.file
    text, line = case.mutate(path.read_text())
    path.write_text(text)
    with pytest.raises(ContentError) as info:
        load(content_dir)
    rendered = [str(p) for p in info.value.problems]
    pattern = re.compile(rf"^content/{re.escape(case.file)}:{line}: {case.field}: .*{re.escape(case.message)}")
    assert any(pattern.search(r) for r in rendered), "\n".join(rendered)


def test_yaml_syntax_error_names_file_and_line(content_dir: Path) -> None:
    path = content_dir / "safety.yaml"
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(3, "  broken: [unclosed\n")
    path.write_text("".join(lines))
    with pytest.raises(ContentError) as info:
        load(content_dir)
    (problem,) = info.value.problems
    assert problem.file == "content/safety.yaml"
    assert problem.field == "(syntax)"
    assert problem.line >= 4


def test_missing_file_is_reported(content_dir: Path) -> None:
    (content_dir / "tips.yaml").unlink()
    with pytest.raises(ContentError, match=r"content/tips.yaml:0: \(file\): file is missing"):
        load(content_dir)


def test_every_problem_is_reported_at_once(content_dir: Path) -> None:
    for name in ("tips.yaml", "techniques.yaml"):
        (content_dir / name).write_text("nonsense: true\n")
    with pytest.raises(ContentError) as info:
        load(content_dir)
    files = {p.file for p in info.value.problems}
    assert files == {"content/tips.yaml", "content/techniques.yaml"}


def test_real_content_loads_and_version_tracks_wording(content_dir: Path) -> None:
    before = load(content_dir)
    assert set(FILES) <= {p.name for p in content_dir.iterdir()}
    tips = content_dir / "tips.yaml"
    tips.write_text(tips.read_text().replace("text: ", "text: Gently, ", 1))
    after = load(content_dir)
    assert before.version != after.version
    assert load(content_dir).version == after.version


def test_cli_check_reports_problems(content_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from skill.tools.cli import main

    monkeypatch.setenv("ACUPRESSURE_CONTENT_DIR", str(content_dir))
    assert main(["check"]) == 0
    assert "points" in capsys.readouterr().out
    path = content_dir / "routines.yaml"
    path.write_text(path.read_text().replace("hold: true", "hold: maybe", 1))
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"content/routines.yaml:\d+: routines\[\d+\]\.steps\[\d+\]\.hold: ", err), err
