"""Incremental and atomic rendering, with a fast stand-in engine (no TTS model, no network)."""

import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from render_fixtures import TINY, ToneEngine, quiet_runs, write_content

from skill.runtime.content.loader import load
from skill.runtime.manifest import load_manifest, step_key
from skill.tools.render.build import RenderError, render
from skill.tools.render.engines import EngineError
from skill.tools.render.ffmpeg import decode
from skill.tools.render.settings import Settings

# Slow tier (render: encodes MP3s): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

HOLDS = (30,)


def _render(out, content, engine=None, **kw):
    kw.setdefault("holds", HOLDS)
    return render(out, engine or ToneEngine(), content=content, progress=False, **kw)


def _snapshot(out: Path) -> dict[str, str]:
    """Every file under out (but the speech cache) by its sha256."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and ".cache" not in p.parts}


def _edited(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> object:
    files = dict(TINY)
    for old, new in replacements:
        assert old in files[name]
        files[name] = files[name].replace(old, new)
    return load(write_content(tmp_path / "content2", files))


@pytest.fixture(scope="module")
def rendered_once(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    content = load(write_content(root / "content"))
    report = _render(root / "audio", content, jobs=2)
    return content, root / "audio", report


@pytest.fixture
def first(rendered_once, tmp_path):
    """A private copy of one first render, so each test can change it."""
    content, src, report = rendered_once
    out = tmp_path / "audio"
    shutil.copytree(src, out)
    return content, out, report


def test_rerun_with_nothing_changed_renders_nothing(first):
    content, out, report = first
    assert len(report.rendered) == report.files > 0
    before = _snapshot(out)
    engine = ToneEngine()
    t = time.perf_counter()
    again = _render(out, content, engine, jobs=2)
    elapsed = time.perf_counter() - t
    assert again.rendered == [] and again.synthesized == 0 and engine.calls == []
    assert _snapshot(out) == before
    assert elapsed < 2.0


def test_editing_one_sentence_rerenders_only_the_files_that_contain_it(first, tmp_path):
    _, out, _ = first
    old = json.loads((out / "manifest.json").read_text())["files"]
    sentence = "Release slowly."
    containing = {k for k, e in old.items() if any(s.get("text") == sentence for s in e.get("timeline", []))}
    assert containing  # the step at each hold and the downloadable routine
    edited = _edited(tmp_path, "routines.yaml", (sentence, "Release very slowly."))
    report = _render(out, edited, jobs=2)
    assert set(report.rendered) == containing
    assert report.synthesized == 1  # only the new sentence; the rest comes from the speech cache
    new = json.loads((out / "manifest.json").read_text())["files"]
    for key, entry in new.items():
        if key in containing:
            assert entry["path"] != old[key]["path"] and not (out / old[key]["path"]).exists()
        elif entry["path"].endswith(".mp3"):
            assert entry == old[key]
        assert (out / entry["path"]).is_file()


def test_editing_a_prompt_line_rerenders_that_prompt_only(first, tmp_path):
    _, out, _ = first
    edited = _edited(tmp_path, "tips.yaml", ("Keep your back warm afterwards.", "Keep your back warm."))
    report = _render(out, edited, jobs=1)
    manifest = load_manifest(out)
    assert report.rendered == [manifest.prompt("Keep your back warm.").key]
    assert manifest.prompt("Keep your back warm afterwards.") is None


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_engine_leaves_the_previous_render_intact(first, tmp_path, jobs):
    _, out, _ = first
    before = _snapshot(out)
    edited = _edited(tmp_path, "routines.yaml", ("Release slowly.", "Let go slowly."),
                     ("Well done.", "Well done, that is the end."))
    with pytest.raises(EngineError):
        _render(out, edited, ToneEngine(fail_on="that is the end"), jobs=jobs)
    assert _snapshot(out) == before  # same manifest, same files, no strays, no temp files
    for entry in load_manifest(out).entries.values():
        assert (out / entry.path).is_file()


class InterruptingEngine(ToneEngine):
    """Simulates Ctrl-C while a line is being synthesised."""

    def synthesize(self, text, voice=None):
        if "Let go" in text:
            raise KeyboardInterrupt
        return super().synthesize(text, voice)


def test_ctrl_c_mid_run_leaves_the_previous_render_intact(first, tmp_path):
    _, out, _ = first
    before = _snapshot(out)
    edited = _edited(tmp_path, "routines.yaml", ("Release slowly.", "Let go slowly."))
    with pytest.raises(KeyboardInterrupt):
        _render(out, edited, InterruptingEngine(), jobs=1)
    assert _snapshot(out) == before


def test_too_long_for_alexa_fails_cleanly(first, tmp_path):
    _, out, _ = first
    before = _snapshot(out)
    long_line = " ".join(["slowly"] * 200)  # about 70 s of stand-in speech
    edited = _edited(tmp_path, "routines.yaml", ("Release slowly.", long_line))
    with pytest.raises(RenderError, match="240"):
        _render(out, edited, jobs=1, holds=(180,))
    assert _snapshot(out) == before


def test_optional_hold_cues_tick_at_halfway_and_3_2_1_without_moving_the_chime(tmp_path):
    content = load(write_content(tmp_path / "content"))
    out = tmp_path / "cues"
    _render(out, content, jobs=1, holds=(60,), prompts=False, routines=["tiny_back"],
            settings=Settings(hold_cues=("countdown", "halfway")))
    e = load_manifest(out).get(step_key("tiny_back", "bl23_left", 60))
    hold = next(s for s in e.timeline if s.kind == "hold")
    chime = next(s for s in e.timeline if s.text == "chime")
    ticks = [s.start_ms - hold.start_ms for s in e.timeline if s.text == "tick"]
    assert hold.end_ms - hold.start_ms == 60000 and chime.start_ms == hold.end_ms
    assert ticks == [30000, 57000, 58000, 59000]
    x, rate = decode(out / e.path)
    runs = quiet_runs(x, rate, min_s=5.0)
    # Quiet from the press line (a settle, then the hold) to the halfway tick, then between the ticks.
    assert runs[0][1] == pytest.approx(Settings().settle_ms / 1000 + 30.0, abs=0.05)
    for t in ticks:
        at = int((hold.start_ms + t + 50) / 1000 * rate)
        assert np.abs(x[at: at + rate // 10]).max() > 0.005
