"""Broken content is rejected with file, line and field; the real content loads.

Every case breaks a private copy of content/ through its YAML structure (parse, change, write back)
or with a small file of its own, never by matching the real files' text, so editors may lay the
content files out, order and comment them as they like.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.runtime.content import ContentError, load
from skill.runtime.content.loader import DEFAULT_CONTENT_DIR, FILES

YamlPath = tuple[str | int, ...]
# libyaml when the wheel has it, as the loader does: the pure-Python parser and emitter take most of this file's time.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the real content to break."""
    dst = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, dst)
    return dst


def read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)


def write_yaml(path: Path, data: Any) -> str:
    text = yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")
    return text


def field_name(path: YamlPath) -> str:
    """`points[3].press.duration_s`, as problems name a field."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(text: str, path: YamlPath) -> int:
    """1-based line of the deepest node on `path` that exists: a key's own line, or a list item's first line."""
    node = yaml.compose(text, Loader=LOADER)
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        else:
            node = node.value[part]
            line = node.start_mark.line + 1
    return line


def find(items: list[dict[str, Any]], has: Callable[[dict[str, Any]], bool]) -> int:
    """Index of the first item that `has` accepts."""
    return next(i for i, item in enumerate(items) if has(item))


def step_with(data: Any, key: str) -> tuple[int, int]:
    """(routine, step) indexes of the first step that has `key`."""
    return next((i, j) for i, r in enumerate(data["routines"]) for j, s in enumerate(r["steps"]) if key in s)


# Each breaks the parsed data in place and returns the path of the field at fault and the text its line shows.
Breaker = Callable[[Any], tuple[YamlPath, str]]


def unknown_field(data: Any) -> tuple[YamlPath, str]:
    i, j = step_with(data, "hold")
    step = data["routines"][i]["steps"][j]
    step["hodl"] = step.pop("hold")
    return ("routines", i, "steps", j, "hodl"), "hodl:"


def wrong_type(data: Any) -> tuple[YamlPath, str]:
    data["points"][0]["press"]["duration_s"] = "a minute"
    return ("points", 0, "press", "duration_s"), "duration_s: a minute"


def missing_field(data: Any) -> tuple[YamlPath, str]:
    routine = data["routines"][0]
    del routine["description"]
    first_key = next(iter(routine))  # the routine's line is the line of its first key
    return ("routines", 0, "description"), f"{first_key}: {routine[first_key]}"


def unknown_point(data: Any) -> tuple[YamlPath, str]:
    i, j = step_with(data, "point")
    data["routines"][i]["steps"][j]["point"] = "BL99"
    return ("routines", i, "steps", j, "point"), "point: BL99"


def unknown_technique(data: Any) -> tuple[YamlPath, str]:
    i, j = step_with(data, "technique")
    data["routines"][i]["steps"][j]["technique"] = "no_such_thing"
    return ("routines", i, "steps", j, "technique"), "technique: no_such_thing"


def alias_of_another_point(data: Any) -> tuple[YamlPath, str]:
    """The last point gets the first point's pinyin as an alias."""
    points = data["points"]
    pinyin = points[0]["pinyin"]
    points[-1]["aliases"].insert(0, pinyin)
    return ("points", len(points) - 1, "aliases", 0), f"- {pinyin}"


def caution_without_contraindication(data: Any) -> tuple[YamlPath, str]:
    i = find(data["points"], lambda p: p.get("pregnancy_contraindicated") is True)
    data["points"][i]["pregnancy_contraindicated"] = False
    return ("points", i, "pregnancy_contraindicated"), "pregnancy_contraindicated: false"


def unknown_source(data: Any) -> tuple[YamlPath, str]:
    data["tips"][0]["sources"][0] = "005_nope.txt"
    return ("tips", 0, "sources", 0), "005_nope.txt"


def answer_too_long(data: Any) -> tuple[YamlPath, str]:
    data["answers"]["pressure"]["say"] = " ".join(["gently"] * 41)
    return ("answers", "pressure", "say"), "say: gently gently"


def answer_unknown_source(data: Any) -> tuple[YamlPath, str]:
    data["answers"]["duration"]["sources"][0] = "005_nope.txt"
    return ("answers", "duration", "sources", 0), "005_nope.txt"


def answer_without_topic(data: Any) -> tuple[YamlPath, str]:
    data["answers"]["cold_hands"] = {"say": "Warm your hands first.", "sources": ["WHO 2008"]}
    return ("answers", "cold_hands"), "cold_hands:"


def hold_out_of_range(data: Any) -> tuple[YamlPath, str]:
    data["points"][0]["press"]["duration_s"] = 999
    return ("points", 0, "press", "duration_s"), "duration_s: 999"


@dataclass
class Case:
    """Break one file; expect a problem in `file` on the line of the field at fault, naming it, with `message`."""

    name: str
    file: str
    breaker: Breaker
    message: str


CASES = [
    Case("unknown field", "routines.yaml", unknown_field, "Extra inputs are not permitted"),
    Case("wrong type", "points.yaml", wrong_type, "valid integer"),
    Case("missing field", "routines.yaml", missing_field, "Field required"),
    Case("unknown point", "routines.yaml", unknown_point, "unknown point 'BL99'"),
    Case("unknown technique", "routines.yaml", unknown_technique, "unknown technique 'no_such_thing'"),
    Case("alias names two points", "points.yaml", alias_of_another_point, "also names"),
    Case("caution without contraindication", "points.yaml", caution_without_contraindication,
         "not marked contraindicated"),
    Case("unknown source", "tips.yaml", unknown_source, "unknown source '005_nope.txt'"),
    Case("hold out of range", "points.yaml", hold_out_of_range, "less than or equal to 180"),
    Case("answer longer than one breath", "answers.yaml", answer_too_long, "41 words; a spoken answer has at most 40"),
    Case("answer from an unknown source", "answers.yaml", answer_unknown_source, "unknown source '005_nope.txt'"),
    Case("answer no one can ask for", "answers.yaml", answer_without_topic, "no topic 'cold_hands'"),
]


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load(directory)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_content_is_reported_with_file_line_field(content_dir: Path, case: Case) -> None:
    path = content_dir / case.file
    data = read_yaml(path)
    at, shows = case.breaker(data)
    text = write_yaml(path, data)
    line = line_of(text, at)
    assert shows in text.splitlines()[line - 1], f"line {line} is {text.splitlines()[line - 1]!r}"
    want = f"content/{case.file}:{line}: {field_name(at)}: "
    rendered = problems_of(content_dir)
    assert any(r.startswith(want) and case.message in r for r in rendered), f"want {want}...{case.message}\n" + (
        "\n".join(rendered))


def test_duplicate_key_is_reported_on_its_second_line(content_dir: Path) -> None:
    """A key given twice (which parsing into a dict would hide) is found in the text: the first point's name."""
    path = content_dir / "points.yaml"
    text = path.read_text(encoding="utf-8")
    points = next(v for k, v in yaml.compose(text, Loader=LOADER).value if k.value == "points")
    key, value = next((k, v) for k, v in points.value[0].value if k.value == "name")
    pair = text[key.start_mark.index:value.end_mark.index]
    path.write_text(text[:value.end_mark.index] + "\n" + " " * key.start_mark.column + pair
                    + text[value.end_mark.index:], encoding="utf-8")
    second = value.end_mark.line + 2
    assert any(r.startswith(f"content/points.yaml:{second}: points[0].name: duplicate key")
               for r in problems_of(content_dir)), problems_of(content_dir)


def test_yaml_syntax_error_names_file_and_line(content_dir: Path) -> None:
    path = content_dir / "safety.yaml"
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    path.write_text(text + "broken: a: b\n", encoding="utf-8")
    (problem,) = problems_of(content_dir)
    assert problem.startswith(f"content/safety.yaml:{text.count(chr(10)) + 1}: (syntax): YAML syntax error"), problem


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
    assert load(content_dir).version == load(DEFAULT_CONTENT_DIR).version  # the files, not where they are
    assert set(FILES) <= {p.name for p in content_dir.iterdir()}
    tips = content_dir / "tips.yaml"
    data = read_yaml(tips)
    write_yaml(tips, data)
    same_words = load(content_dir).version
    first = data["tips"][0]["text"]
    data["tips"][0]["text"] = "Gently, " + first
    write_yaml(tips, data)
    assert load(content_dir).version != same_words
    data["tips"][0]["text"] = first
    write_yaml(tips, data)
    assert load(content_dir).version == same_words


def test_cli_check_reports_problems(content_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from skill.tools.cli import main

    monkeypatch.setenv("ACUPRESSURE_CONTENT_DIR", str(content_dir))
    assert main(["check"]) == 0
    assert "points" in capsys.readouterr().out
    path = content_dir / "routines.yaml"
    data = read_yaml(path)
    i, j = step_with(data, "hold")
    data["routines"][i]["steps"][j]["hold"] = "maybe"
    line = line_of(write_yaml(path, data), ("routines", i, "steps", j, "hold"))
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert f"content/routines.yaml:{line}: routines[{i}].steps[{j}].hold: " in err, err


def test_a_topic_people_can_ask_about_needs_an_answer(content_dir: Path) -> None:
    path = content_dir / "answers.yaml"
    data = read_yaml(path)
    del data["answers"]["desk"]
    write_yaml(path, data)
    slots = (content_dir / "slots" / "en-US.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(slots, 1) if text.strip().startswith("desk:"))
    assert any(r.startswith(f"content/slots/en-US.yaml:{line}: lists.topic.desk: ") and "has no answer" in r
               for r in problems_of(content_dir)), problems_of(content_dir)


def test_cli_check_reports_a_broken_picture(content_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """`acupressure check` validates the body-map pictures too, with file, line and field, as the bundle
    build would (which refuses to build)."""
    from skill.tools.cli import main

    monkeypatch.setenv("ACUPRESSURE_CONTENT_DIR", str(content_dir))
    path = content_dir / "pictures.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, text in enumerate(lines) if text.strip().startswith("size: ["))
    lines[n] = lines[n].replace("size: [", "size: [not-a-number, ", 1)
    path.write_text("".join(lines), encoding="utf-8")
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert f"pictures.yaml:{n + 1}:" in err and "size" in err, err
