"""Render a tiny content set with the real offline engine (Piper) and check the MP3s by decoding them."""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from mutagen.id3 import ID3
from render_fixtures import quiet_runs, write_content
from scipy.signal import resample_poly

from skill.runtime.content.loader import load
from skill.runtime.manifest import FileKind, load_manifest, prompt_key_for, step_key
from skill.tools.render.build import render
from skill.tools.render.engines import PiperEngine
from skill.tools.render.ffmpeg import decode, probe_mp3
from skill.tools.render.plan import spoken_lines
from skill.tools.render.settings import Settings

# Slow tier (render: the real Piper engine): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

BASE_URL = "https://audio.example.test/coach/"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("piper")
    content = load(write_content(root / "content"))
    old = os.environ.get("ACUPRESSURE_AUDIO_BASE_URL")
    os.environ["ACUPRESSURE_AUDIO_BASE_URL"] = BASE_URL
    try:
        report = render(root / "audio", PiperEngine(), content=content, jobs=2, holds=(60,), progress=False)
    finally:
        if old is None:
            del os.environ["ACUPRESSURE_AUDIO_BASE_URL"]
        else:
            os.environ["ACUPRESSURE_AUDIO_BASE_URL"] = old
    return content, root / "audio", load_manifest(root / "audio"), report


def _decoded(out: Path, entry):
    return decode(out / entry.path)


def _mp3_entries(manifest):
    return [e for e in manifest.entries.values() if e.path.endswith(".mp3")]


def test_everything_in_the_content_is_rendered(rendered):
    content, _, manifest, report = rendered
    assert report.synth_s > 0 and len(report.rendered) == report.files
    for line in spoken_lines(content):
        assert manifest.prompt(line) is not None, line
    assert manifest.get(prompt_key_for("Hold for {seconds} seconds.")) is None  # templates are SSML
    for r in content.routines.values():
        assert manifest.get(f"routine/{r.id}") is not None
        for s in r.steps:
            assert manifest.get(step_key(r.id, s.id, 60 if s.hold else None)) is not None
    assert manifest.engine.startswith("piper:en_US-joe-medium")


def test_alexa_files_have_the_ssml_audio_format(rendered):
    _, out, manifest, _ = rendered
    for e in _mp3_entries(manifest):
        if e.kind in (FileKind.PROMPT, FileKind.STEP):
            assert probe_mp3(out / e.path) == {"sample_rate": 24000, "channels": 1, "bitrate_kbps": 48}
            x, rate = _decoded(out, e)
            assert rate == 24000
            assert len(x) / rate <= 240.0
            assert abs(len(x) / rate * 1000 - e.duration_ms) <= 30


def test_a_one_minute_hold_is_sixty_seconds_of_quiet_between_press_and_chime(rendered):
    _, out, manifest, _ = rendered
    e = manifest.get(step_key("tiny_back", "bl23_left", 60))
    x, rate = _decoded(out, e)
    runs = quiet_runs(x, rate, min_s=5.0)
    assert len(runs) == 1
    start, length = runs[0]
    # The last word, a settle to find the point, then exactly the hold.
    settle = Settings().settle_ms / 1000
    assert length == pytest.approx(settle + 60.0, abs=0.05)
    hold = next(s for s in e.timeline if s.kind == "hold")
    assert hold.end_ms - hold.start_ms == 60000
    assert (start + settle) * 1000 == pytest.approx(hold.start_ms, abs=20)
    # The last words before the hold are the "press" line, the chime follows it.
    before = [s for s in e.timeline if s.end_ms <= hold.start_ms]
    after = [s for s in e.timeline if s.start_ms >= hold.end_ms]
    assert before[-1].text == "Press now." and after[0].kind == "cue"
    # There is sound (speech) before the hold and (chime) right after it.
    assert np.abs(x[: int(start * rate)]).max() > 0.1
    chime = x[int((start + length) * rate): int((start + length + 0.5) * rate)]
    assert np.abs(chime).max() > 0.05


def test_the_mindfulness_pause_is_exact(rendered):
    _, out, manifest, _ = rendered
    e = manifest.get(step_key("tiny_breath", "breathe", None))
    x, rate = _decoded(out, e)
    runs = quiet_runs(x, rate, min_s=2.0)
    assert [round(length, 2) for _, length in runs] == pytest.approx([Settings().settle_ms / 1000 + 3.0], abs=0.05)


def test_downloadable_routine_holds_each_step_for_a_minute(rendered):
    content, out, manifest, _ = rendered
    e = manifest.get("routine/tiny_back")
    x, rate = _decoded(out, e)
    holds = [length for _, length in quiet_runs(x, rate, min_s=5.0)]
    n_holds = sum(s.hold for s in content.routines["tiny_back"].steps)
    assert len(holds) == n_holds
    assert holds == pytest.approx([Settings().settle_ms / 1000 + 60.0] * n_holds, abs=0.05)


def _true_peak(x):
    return 20 * np.log10(np.abs(resample_poly(x, 4, 1)).max())


def test_every_file_is_normalised_to_minus_16_lufs_with_peaks_under_minus_1(rendered):
    _, out, manifest, _ = rendered
    for e in _mp3_entries(manifest):
        x, rate = _decoded(out, e)
        lufs = pyloudnorm.Meter(rate).integrated_loudness(x)
        assert lufs == pytest.approx(-16.0, abs=1.0), e.key
        assert _true_peak(x) <= -1.0, e.key
        assert e.lufs == pytest.approx(lufs, abs=0.05)


def test_routine_has_id3_tags_and_a_chapter_per_step(rendered):
    content, out, manifest, _ = rendered
    for rid, routine in content.routines.items():
        e = manifest.get(f"routine/{rid}")
        assert probe_mp3(out / e.path) == {"sample_rate": 24000, "channels": 1, "bitrate_kbps": 64}
        tags = ID3(out / e.path)
        assert tags["TIT2"].text == [routine.name]
        assert tags["TPE1"].text == ["Acupressure Coach"] and tags["TALB"].text
        toc = tags.getall("CTOC")
        assert len(toc) == 1
        chaps = {c.element_id: c for c in tags.getall("CHAP")}
        ordered = [chaps[i] for i in toc[0].child_element_ids]
        titles = [c.sub_frames["TIT2"].text[0] for c in ordered]
        for step in routine.steps:
            assert step.title in titles
        starts = [c.start_time for c in ordered]
        assert starts == sorted(starts) and ordered[-1].end_time == pytest.approx(e.duration_ms, abs=60)
        assert [c.start_ms for c in e.chapters] == starts
        # Each step's chapter starts where that step's first words start.
        step_chapter = {c.step_id: c for c in e.chapters}
        first = routine.steps[0]
        seg = next(s for s in e.timeline if s.text == first.say[0])
        assert step_chapter[first.id].start_ms <= seg.start_ms < step_chapter[first.id].end_ms


def test_playlist_and_feed_list_every_routine(rendered):
    content, out, manifest, _ = rendered
    routines = [manifest.get(f"routine/{rid}") for rid in content.routines]
    m3u = (out / "routines.m3u").read_text().splitlines()
    assert m3u[0] == "#EXTM3U"
    assert [line for line in m3u if not line.startswith("#")] == [r.path for r in routines]
    assert manifest.get("playlist").kind is FileKind.PLAYLIST
    rss = ET.parse(out / "feed.xml").getroot()
    enclosures = rss.findall("./channel/item/enclosure")
    assert [en.get("url") for en in enclosures] == [BASE_URL + r.path for r in routines]
    assert [int(en.get("length")) for en in enclosures] == [(out / r.path).stat().st_size for r in routines]
    assert manifest.get("feed").kind is FileKind.FEED


def test_step_after_a_side_change_is_marked(rendered):
    _, out, _, _ = rendered
    import json

    files = json.loads((out / "manifest.json").read_text())["files"]
    assert files[step_key("tiny_back", "bl23_right", 60)]["switch_sides"] is True
    assert files[step_key("tiny_back", "bl23_left", 60)]["switch_sides"] is False
