"""The runtime manifest reader: reads what the renderer writes, and older minimal manifests."""

import json

from skill.runtime.manifest import (
    FileKind,
    Manifest,
    load_manifest,
    prompt_key,
    prompt_key_for,
    step_key,
    text_hash,
)


def test_minimal_format_1_manifest_still_loads(tmp_path):
    data = {"content_version": "v", "engine": "e", "files": {
        "step/r/s/60": {"kind": "step", "path": "steps/r/s-60.mp3", "hash": "h", "duration_ms": 61000,
                        "timeline": [{"kind": "hold", "start_ms": 1000, "end_ms": 61000}]}}}
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    m = load_manifest(tmp_path)
    e = m.get("step/r/s/60")
    assert e.kind is FileKind.STEP and e.lufs is None and e.timeline[0].end_ms == 61000
    assert m.step("r", "s", 60) is e


def test_step_without_hold_is_found_whatever_hold_the_user_chose():
    m = Manifest.from_dict({"files": {step_key("r", "breathe", None): {
        "kind": "step", "path": "p.mp3", "hash": "h", "duration_ms": 5}}})
    assert m.step("r", "breathe", 90).path == "p.mp3"


def test_prompt_keys_ignore_surrounding_whitespace():
    assert prompt_key_for(" Press now. ") == prompt_key(text_hash("Press now."))
    assert prompt_key_for("Press now.") != prompt_key_for("Press now!")


def test_missing_manifest_is_empty(tmp_path):
    assert load_manifest(tmp_path).entries == {}


def test_reader_stays_runtime_safe():
    import subprocess
    import sys

    code = ("import sys, skill.runtime.manifest; "
            "bad = [m for m in ('pydub', 'numpy', 'piper', 'gtts', 'skill.tools.render') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
