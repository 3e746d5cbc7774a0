"""The downloads show where to press: the render draws the artwork from content/pictures.yaml, lists
it in the manifest (so it is published with the audio), gives the podcast feed its cover and each
chapter of a routine MP3 the picture of the point it presses."""

import shutil
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from render_fixtures import ToneEngine, write_content

from skill.runtime.content.loader import DEFAULT_CONTENT_DIR, load
from skill.runtime.manifest import FileKind, load_manifest
from skill.tools.render.build import render

# Slow tier (render: encodes MP3s and draws PNGs).
pytestmark = pytest.mark.slow

BASE_URL = "https://audio.example.test/coach/"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("art")
    directory = write_content(root / "content")
    shutil.copy2(DEFAULT_CONTENT_DIR / "pictures.yaml", directory / "pictures.yaml")
    content = load(directory)
    mp = pytest.MonkeyPatch()
    mp.setenv("ACUPRESSURE_AUDIO_BASE_URL", BASE_URL)
    try:
        render(root / "audio", ToneEngine(), content=content, holds=(30,), progress=False)
    finally:
        mp.undo()
    return root / "audio", content


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_the_artwork_is_drawn_and_listed_for_publishing(rendered) -> None:
    out, _ = rendered
    images = {e.path: e for e in load_manifest(out).entries.values() if e.kind is FileKind.IMAGE}
    assert {"art/icon-108.png", "art/icon-512.png", "art/art-512.png", "art/podcast-3000.png",
            "art/points/BL40.png"} <= set(images)
    assert _png_size(out / "art/icon-108.png") == (108, 108)
    assert _png_size(out / "art/icon-512.png") == (512, 512)
    assert _png_size(out / "art/podcast-3000.png") == (3000, 3000)


def test_the_feed_shows_the_podcast_artwork(rendered) -> None:
    out, _ = rendered
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert f'<itunes:image href="{BASE_URL}art/podcast-3000.png"/>' in feed


def test_each_chapter_shows_the_point_it_presses_and_intro_and_closing_differ(rendered) -> None:
    out, _ = rendered
    routine = next(e for e in load_manifest(out).entries.values() if e.kind is FileKind.ROUTINE)
    tags = ID3(out / routine.path)
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    titles = [c.sub_frames["TIT2"].text[0] for c in chapters]
    assert titles[0] != titles[-1], titles
    bl23 = (out / "art/points/BL23.png").read_bytes()
    pressed = [c for c in chapters if any(f.data == bl23 for f in c.sub_frames.getall("APIC"))]
    assert pressed, "no chapter carries BL23's picture"
    assert all(c.sub_frames.getall("APIC") for c in chapters), "every chapter has a picture"
    assert tags.getall("APIC"), "the file has a cover"


def test_an_unchanged_render_does_not_redraw(rendered) -> None:
    out, content = rendered
    before = (out / "art/icon-512.png").stat().st_mtime_ns
    render(out, ToneEngine(), content=content, holds=(30,), progress=False)
    assert (out / "art/icon-512.png").stat().st_mtime_ns == before
