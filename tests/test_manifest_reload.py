"""The manifest's reload mode: a server sees a new render without a restart, at one stat per request;
Lambda (the default) reads the file once and never looks at it again."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from skill.runtime import manifest as manifest_module
from skill.runtime.manifest import load_manifest, prompt_key_for
from skill.web.page import page_manifest
from skill.web.service import create_app


def files_for(*lines: str) -> dict[str, Any]:
    return {prompt_key_for(line): {"kind": "prompt", "path": f"prompts/{i}.mp3", "text": line, "hash": f"h{i}",
                                   "duration_ms": 900} for i, line in enumerate(lines)}


def commit(directory: Path, *lines: str) -> None:
    """Write a manifest the way the render does: a temporary file moved over the old one."""
    tmp = directory / "manifest.json.tmp-1"
    tmp.write_text(json.dumps({"format": 1, "content_version": "v", "engine": "e", "files": files_for(*lines)}))
    os.replace(tmp, directory / "manifest.json")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the manifest file is read and stat'ed."""
    calls = {"read": 0, "stat": 0}
    read, stamp = manifest_module._read, manifest_module._stamp

    def counting_read(path: Path) -> Any:
        calls["read"] += 1
        return read(path)

    def counting_stamp(path: Path) -> Any:
        calls["stat"] += 1
        return stamp(path)

    monkeypatch.setattr(manifest_module, "_read", counting_read)
    monkeypatch.setattr(manifest_module, "_stamp", counting_stamp)
    return calls


def test_a_replaced_file_is_read_again_and_its_new_entries_seen(tmp_path: Path, counted: dict[str, int]) -> None:
    commit(tmp_path, "Press gently.")
    manifest = load_manifest(tmp_path, reload=True)
    assert manifest.prompt("Press gently.") is not None and manifest.prompt("Breathe out.") is None
    commit(tmp_path, "Press gently.", "Breathe out.")
    assert manifest.refresh() is True
    assert counted["read"] == 1  # lazy still: the new file is read at the next look-up
    assert manifest.prompt("Breathe out.") is not None
    assert counted["read"] == 2
    commit(tmp_path, "Breathe out.")  # a render can also drop a file
    manifest.refresh()
    assert manifest.prompt("Press gently.") is None and len(manifest.entries) == 1


def test_an_unchanged_file_is_not_read_again(tmp_path: Path, counted: dict[str, int]) -> None:
    commit(tmp_path, "Press gently.")
    manifest = load_manifest(tmp_path, reload=True)
    entries = manifest.entries
    for _ in range(5):
        assert manifest.refresh() is False
        assert manifest.entries is entries
    assert counted == {"read": 1, "stat": 1 + 5}


def test_a_first_render_is_seen_by_a_server_that_started_without_audio(tmp_path: Path) -> None:
    manifest = load_manifest(tmp_path, reload=True)
    assert manifest.entries == {}
    assert manifest.refresh() is False  # still nothing there
    commit(tmp_path, "Press gently.")
    assert manifest.refresh() is True and manifest.prompt("Press gently.") is not None


def test_before_the_first_look_up_a_refresh_costs_nothing(tmp_path: Path, counted: dict[str, int]) -> None:
    commit(tmp_path, "Press gently.")
    manifest = load_manifest(tmp_path, reload=True)
    assert manifest.refresh() is False
    assert counted == {"read": 0, "stat": 0}


def test_without_reload_mode_the_file_is_read_once_and_never_stat_again(tmp_path: Path,
                                                                        counted: dict[str, int]) -> None:
    """Lambda's manifest: a new render means a new deployment, so no request pays for a stat."""
    commit(tmp_path, "Press gently.")
    manifest = load_manifest(tmp_path)
    assert manifest.prompt("Press gently.") is not None
    commit(tmp_path, "Breathe out.")
    assert manifest.refresh() is False
    assert manifest.prompt("Press gently.") is not None and manifest.prompt("Breathe out.") is None
    assert counted == {"read": 1, "stat": 0}


def test_the_service_and_its_page_share_one_manifest_and_stat_it_once_per_request(
        tmp_path: Path, make_app: Any, counted: dict[str, int]) -> None:
    commit(tmp_path, "Press gently.")
    app = make_app(manifest=load_manifest(tmp_path, reload=True))
    assert page_manifest(app, tmp_path) is app.deps.manifest
    client = create_app(app, verifiers=[], audio_dir=tmp_path, page=True).test_client()
    assert client.get("/api/catalog").status_code == 200  # reads the manifest: the first look-up
    assert counted == {"read": 1, "stat": 1}
    for _ in range(3):
        assert client.get("/api/catalog").status_code == 200
    assert counted == {"read": 1, "stat": 4}
    commit(tmp_path, "Press gently.", "Breathe out.")
    assert client.get("/api/catalog").status_code == 200
    assert counted["read"] == 2 and app.deps.manifest.prompt("Breathe out.") is not None


def test_a_page_beside_a_read_once_skill_keeps_its_own_reloading_manifest(tmp_path: Path, make_app: Any) -> None:
    commit(tmp_path, "Press gently.")
    app = make_app()  # the skill's manifest is in memory (empty)
    page = page_manifest(app, tmp_path)
    assert page is not app.deps.manifest and page.reloads
