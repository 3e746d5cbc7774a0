"""PNG art: every file decodes, has the size its use demands, and the point marker is really visible."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest
from PIL import Image

from skill.runtime import pictures
from skill.runtime.pictures import DARK, LIGHT, Role
from skill.tools import artwork

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def art(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("artwork")
    artwork.write_all(out)
    return out


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def pixel(path: Path, xy: tuple[float, float]) -> tuple[int, ...]:
    with Image.open(path) as im:
        px = im.convert("RGBA").getpixel((round(xy[0]), round(xy[1])))
    assert isinstance(px, tuple)
    return px


def test_every_listed_file_is_a_real_png_of_the_listed_size(art):
    index = json.loads((art / "artwork.json").read_text(encoding="utf-8"))
    assert len(index) == 5 + len(pictures.pictures().points)
    for name, meta in index.items():
        path = art / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE, name
        with Image.open(path) as im:
            im.verify()  # checks chunks and CRCs
        with Image.open(path) as im:
            im.load()  # decodes every pixel
            assert im.format == "PNG"
            assert im.size == (meta["width"], meta["height"]), name


def test_sizes_are_what_alexa_and_podcast_apps_ask_for(art):
    def size(name: str) -> tuple[int, int]:
        with Image.open(art / name) as im:
            return im.size

    assert size("icon-108.png") == (108, 108)  # skill.json smallIconUri
    assert size("icon-512.png") == (512, 512)  # skill.json largeIconUri
    assert size("art-512.png") == (512, 512)
    assert size("background-1280x800.png") == (1280, 800)
    w, h = size(f"podcast-{artwork.PODCAST_PX}.png")
    assert w == h and 1400 <= w <= 3000


@pytest.mark.parametrize("pid", list(pictures.pictures().points))
def test_each_point_image_shows_its_marker_on_every_spot(art, pid):
    pics = pictures.pictures()
    view = pics.views[pics.points[pid].view]
    scale = artwork.POINT_PX / view.size[0]
    path = art / "points" / f"{pid}.png"
    accent = rgb(LIGHT.paint(Role.MARKER).fill)
    for x, y in pics.points[pid].at:
        assert near(pixel(path, (x * scale, y * scale)), accent), f"{pid}: no marker at {(x, y)}"
        # The white ring around the dot, then the soft halo: the dot stands apart from the line art.
        ring = pixel(path, ((x + view.marker) * scale, y * scale))
        assert min(ring[:3]) > 200, f"{pid}: no white ring"
        r = view.marker * 1.6
        around = [pixel(path, ((x + r * math.cos(a)) * scale, (y + r * math.sin(a)) * scale))
                  for a in (k * math.pi / 4 for k in range(8))]
        tinted = [p for p in around if p[0] > p[2] + 40]
        assert len(tinted) >= 5, f"{pid}: the halo around {(x, y)} is not tinted toward the accent"
    assert near(pixel(path, (3, 3)), rgb(LIGHT.paint(Role.BACKGROUND).fill)), "paper background"


@pytest.mark.parametrize("size", artwork.ICON_SIZES)
def test_icons_show_the_points_beside_the_spine_on_a_teal_square(art, size):
    pics = pictures.pictures()
    place = artwork.icon_placement(size)
    path = art / f"icon-{size}.png"
    accent = rgb(LIGHT.paint(Role.MARKER).fill)
    for pid in artwork.ICON_POINTS:
        for xy in pics.points[pid].at:
            assert near(pixel(path, place.at(xy)), accent, tolerance=20), f"icon {size}: {pid}"
    assert near(pixel(path, (1, 1)), rgb(artwork.TEAL)), "corner is the teal field"


def test_the_player_background_keeps_its_left_side_clear_and_shows_the_points(art):
    pics = pictures.pictures()
    path = art / "background-1280x800.png"
    place = artwork.background_placement(1280, 800, pics)
    x, y = place.at(pics.points["BL40"].body[0])
    marker = pixel(path, (x, y))
    assert marker[0] > marker[2] + 60, "an orange marker over the teal field"
    with Image.open(path) as im:
        left = im.convert("RGB").crop((0, 0, 700, 800))
        colours = {c for _, c in left.getcolors(maxcolors=1 << 20) or []}
    accent = rgb(DARK.paint(Role.MARKER).fill)
    assert not any(near(c, accent, 40) for c in colours), "nothing but the calm field under the player's text"


def test_the_command_writes_everything_to_the_directory_it_is_given(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(artwork, "PODCAST_PX", 1400)  # the full size is checked above; keep this run quick
    out = tmp_path / "art"
    assert artwork.run(argparse.Namespace(out=out)) == 0
    printed = capsys.readouterr().out
    assert "icon-108.png  108x108" in printed
    assert (out / "points" / "SI3.svg").read_text(encoding="utf-8").startswith("<svg")
    assert (out / "points" / "SI3-body.svg").exists()
