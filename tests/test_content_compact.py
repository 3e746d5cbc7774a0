"""The compact content the Lambda bundle carries: the same content the YAML gives, loaded at cold start
without YAML or pydantic, and never served once the YAML (or the models) changed after it was built."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from envelopes import directives_of, envelope, intent_request, launch_request, speech_of

from skill.runtime import pictures
from skill.runtime.content import ContentError, compact, load
from skill.runtime.content.loader import DEFAULT_CONTENT_DIR

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, directory)
    return directory


def reword_welcome(directory: Path, words: str) -> None:
    path = directory / "responses" / "en-US.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  welcome_first:")
    end = re.compile(r"^  [a-z_]+:", re.M).search(text, start + 1)
    assert end is not None
    path.write_text(text[:start] + f"  welcome_first: {words}\n" + text[end.start():], encoding="utf-8")


def test_the_compact_content_is_the_content(content_copy: Path) -> None:
    validated = load(content_copy)
    compact.write(validated)
    assert compact.read(content_copy) == validated
    again = compact.read(content_copy)
    assert again is not None and again.points["BL23"].press == validated.points["BL23"].press
    assert again.point("the point behind my knee") == validated.point("the point behind my knee")


def test_changed_wording_is_never_served_from_a_stale_compact_form(content_copy: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    compact.write(load(content_copy))
    reword_welcome(content_copy, "Hello from the edited content.")
    with caplog.at_level(logging.WARNING):
        assert compact.read(content_copy) is None
    assert "validating content/ instead" in caplog.text


def test_a_compact_form_built_by_other_models_is_refused(content_copy: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    compact.write(load(content_copy))
    monkeypatch.setattr(compact, "shape", lambda: "another shape")
    assert compact.read(content_copy) is None


def test_a_damaged_compact_form_is_refused(content_copy: Path) -> None:
    path = compact.write(load(content_copy))
    path.write_bytes(path.read_bytes()[:100])
    assert compact.read(content_copy) is None


COLD_START = """
import json, sys
sys.path.insert(0, {root!r})
import importlib.util
spec = importlib.util.spec_from_file_location("lambda_function", {handler!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
reply = module.lambda_handler(json.loads(sys.argv[1]), None)
print(json.dumps({{"reply": reply, "loaded": sorted(m for m in sys.modules if m.split(".")[0] in
                  ("yaml", "pydantic", "pydantic_core", "xml", "boto3", "requests"))}}))
"""


def cold_start(content_dir: Path, tmp_path: Path, body: dict | None = None) -> dict:
    code = COLD_START.format(root=str(ROOT), handler=str(ROOT / "lambda" / "lambda_function.py"))
    env = {"PATH": "/usr/bin:/bin", "ACUPRESSURE_CONTENT_DIR": str(content_dir),
           "ACUPRESSURE_DB": str(tmp_path / "cold.sqlite3"), "ACUPRESSURE_AUDIO_DIR": str(tmp_path / "audio")}
    body = body or envelope(launch_request(), new=True)
    out = subprocess.run([sys.executable, "-c", code, json.dumps(body)], env=env, capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_a_cold_start_loads_no_yaml_or_validation_code_and_answers(content_copy: Path, tmp_path: Path) -> None:
    compact.write(load(content_copy))
    result = cold_start(content_copy, tmp_path)
    assert "Welcome to Acupressure Coach" in speech_of(result["reply"])
    assert result["loaded"] == []


def test_a_cold_start_after_an_edit_speaks_the_edited_words(content_copy: Path, tmp_path: Path) -> None:
    compact.write(load(content_copy))
    reword_welcome(content_copy, "Hello from the edited content.")
    result = cold_start(content_copy, tmp_path)
    assert "Hello from the edited content." in speech_of(result["reply"])


# --- the pictures the first screen draws -----------------------------------------------------------


def echo_show_asks_where_a_point_is(words: str = "the point behind my knee") -> dict:
    """A person on an Echo Show (a device with APL) opening the skill with a point look-up."""
    return envelope(intent_request("FindPointIntent", {"point": words}), apl=True, new=True)


def screen_of(reply: dict) -> dict:
    (directive,) = [d for d in directives_of(reply) if d["type"].startswith("Alexa.Presentation.APL")]
    screen: dict = directive["datasources"]["screen"]
    return screen


def reword_point_picture(directory: Path, point_id: str, words: str) -> None:
    """Edit one point's picture description in pictures.yaml, as an author would, leaving the rest alone."""
    path = directory / pictures.PICTURES_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  {point_id}:\n")
    at = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("    alt:"))
    lines[at] = f"    alt: {words}\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_the_compact_pictures_are_the_pictures(content_copy: Path) -> None:
    validated = pictures.load(content_copy / pictures.PICTURES_FILE)
    compact.write_pictures(content_copy)
    stored = compact.read_pictures(content_copy)
    assert stored == validated
    assert stored is not None and pictures.to_avg(pictures.point_drawing("BL40", pics=stored)) == pictures.to_avg(
        pictures.point_drawing("BL40", pics=validated))


def test_changed_pictures_are_never_served_from_a_stale_compact_form(content_copy: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    compact.write_pictures(content_copy)
    reword_point_picture(content_copy, "BL40", "A redrawn crease behind the knee, with the point in its middle.")
    with caplog.at_level(logging.WARNING):
        assert compact.read_pictures(content_copy) is None
    assert "validating content/pictures.yaml instead" in caplog.text


def test_compact_pictures_built_by_other_classes_or_damaged_are_refused(content_copy: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = compact.write_pictures(content_copy)
    with monkeypatch.context() as m:
        m.setattr(compact, "pictures_shape", lambda: "another shape")
        assert compact.read_pictures(content_copy) is None
    assert compact.read_pictures(content_copy) is not None
    path.write_bytes(path.read_bytes()[:100])
    assert compact.read_pictures(content_copy) is None


def test_a_broken_pictures_file_builds_no_compact_form(content_copy: Path) -> None:
    path = content_copy / pictures.PICTURES_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("  next:", "  nxet:", 1), encoding="utf-8")
    with pytest.raises(ContentError, match=r"content/pictures.yaml:\d+: screen.nxet: Extra inputs"):
        compact.write_pictures(content_copy)
    assert not (content_copy / compact.PICTURES_NAME).exists()


def test_a_cold_start_that_shows_a_point_on_a_screen_loads_no_yaml_or_validation_code(content_copy: Path,
                                                                                     tmp_path: Path) -> None:
    compact.write(load(content_copy))
    compact.write_pictures(content_copy)
    result = cold_start(content_copy, tmp_path, echo_show_asks_where_a_point_is())
    screen = screen_of(result["reply"])
    assert screen["subject"] == "BL40"
    assert screen["pictureLabel"] == pictures.load(content_copy / pictures.PICTURES_FILE).points["BL40"].alt
    assert result["loaded"] == []


def test_a_cold_start_after_a_picture_edit_shows_the_edited_picture(content_copy: Path, tmp_path: Path) -> None:
    compact.write(load(content_copy))
    compact.write_pictures(content_copy)
    words = "A redrawn crease behind the knee, with the point in its middle."
    reword_point_picture(content_copy, "BL40", words)
    result = cold_start(content_copy, tmp_path, echo_show_asks_where_a_point_is())
    assert screen_of(result["reply"])["pictureLabel"] == words
