"""The runtime reads the audio manifest on first use and builds only the entries it looks up; a broken
manifest costs the audio (the words are spoken instead, and the log says why), never the reply."""

from __future__ import annotations

import json
import logging

from skill.runtime.manifest import FileKind, load_manifest, step_key

GOOD = {"kind": "step", "path": "steps/r/a-60.mp3", "hash": "h", "duration_ms": 61000,
        "timeline": [{"kind": "hold", "start_ms": 1000, "end_ms": 61000}]}


def write(tmp_path, files) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1, "content_version": "v", "engine": "e",
                                                        "files": files}))


def test_read_at_first_use_and_only_the_entries_looked_up_are_built(tmp_path) -> None:
    manifest = load_manifest(tmp_path)
    write(tmp_path, {step_key("r", f"s{i}", 60): dict(GOOD, path=f"steps/r/s{i}.mp3") for i in range(300)})
    entry = manifest.step("r", "s7", 60)  # the file was written after load_manifest: read now
    assert entry is not None and entry.kind is FileKind.STEP and entry.path == "steps/r/s7.mp3"
    assert entry.timeline[0].end_ms == 61000
    assert manifest.step("r", "s7", 60) is entry
    assert manifest.content_version == "v" and len(manifest.entries) == 300
    assert len(manifest.entries._built) == 1


def test_a_malformed_entry_is_logged_and_skipped(tmp_path, caplog) -> None:
    write(tmp_path, {step_key("r", "a", 60): GOOD, step_key("r", "b", 60): {"path": "x.mp3"}})
    manifest = load_manifest(tmp_path)
    with caplog.at_level(logging.ERROR):
        assert manifest.step("r", "b", 60) is None
    assert "malformed" in caplog.text
    assert manifest.step("r", "a", 60) is not None


def test_an_unreadable_manifest_file_is_empty_and_logged(tmp_path, caplog) -> None:
    (tmp_path / "manifest.json").write_text('{"files": {')  # cut short by a failed upload
    with caplog.at_level(logging.ERROR):
        assert load_manifest(tmp_path).entries == {}
    assert "unreadable" in caplog.text
