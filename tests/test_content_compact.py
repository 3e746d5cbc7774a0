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
from envelopes import envelope, launch_request, speech_of

from skill.runtime.content import compact, load
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


def cold_start(content_dir: Path, tmp_path: Path) -> dict:
    code = COLD_START.format(root=str(ROOT), handler=str(ROOT / "lambda" / "lambda_function.py"))
    env = {"PATH": "/usr/bin:/bin", "ACUPRESSURE_CONTENT_DIR": str(content_dir),
           "ACUPRESSURE_DB": str(tmp_path / "cold.sqlite3"), "ACUPRESSURE_AUDIO_DIR": str(tmp_path / "audio")}
    body = envelope(launch_request(), new=True)
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
