"""PNG art from the body-map pictures: skill icons, AudioPlayer art and background, podcast artwork, one per point.

`acupressure artwork --out DIR` writes (sizes in pixels):

    icon-108.png, icon-512.png      skill.json small and large icons (certification asks for both)
    art-512.png                     AudioPlayer metadata art
    background-1280x800.png         AudioPlayer metadata background
    podcast-3000.png                podcast feed artwork (apps ask for a square 1400 to 3000)
    points/<ID>.png, <ID>.svg       each point on its view (800 square), for the page and MP3 chapters
    points/<ID>-body.svg            each point on the whole body, for orientation
    artwork.json                    every file with its size and purpose

Everything is drawn from content/pictures.yaml by skill.runtime.pictures and rasterised by
resvg (the `resvg-py` wheel: no system libraries). Build-time only; the runtime never imports it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import resvg_py

from skill.runtime import pictures
from skill.runtime.manifest import DEFAULT_AUDIO_DIR
from skill.runtime.pictures import DARK, LIGHT, Coord, Drawing, Palette, PicturesFile, Role

# Beside the rendered audio: served and published with it, and never committed.
DEFAULT_OUT = DEFAULT_AUDIO_DIR / "art"
POINT_PX = 800
ICON_SIZES = (108, 512)
ART_PX = 512
BACKGROUND_PX = (1280, 800)
PODCAST_PX = 3000

TEAL = "#0E4F5C"
TEAL_DEEP = "#0A3841"
PAPER = LIGHT.paint(Role.BACKGROUND).fill or "#F8F4EE"
# The part of the lower-back view an icon shows: waist, spine and the points beside it.
ICON_CROP = (40.0, 10.0, 360.0, 330.0)
ICON_POINTS = ("GV4", "BL52")
ICON_MARKER = 18.0  # marker radius in view units: big enough to read at 108 px
# Roles too fine to survive a small icon.
FINE = (Role.LABEL, Role.LEADER, Role.MEASURE, Role.MEASURE_LABEL, Role.GUIDE, Role.DETAIL, Role.BACKGROUND)


@dataclass(frozen=True)
class Placement:
    """Where a drawing lands on a canvas: uniform scale, then offset (in pixels)."""

    scale: float
    dx: float
    dy: float

    def at(self, xy: Coord) -> tuple[float, float]:
        """Canvas pixel of a point in drawing units."""
        return self.dx + xy[0] * self.scale, self.dy + xy[1] * self.scale

    def transform(self) -> str:
        return f"translate({self.dx:.2f} {self.dy:.2f}) scale({self.scale:.4f})"


def fit(box: tuple[float, float, float, float], target: tuple[float, float, float, float]) -> Placement:
    """Scale a box (x0, y0, x1, y1) in drawing units to fit and centre in a target box in pixels."""
    bw, bh = box[2] - box[0], box[3] - box[1]
    tw, th = target[2] - target[0], target[3] - target[1]
    scale = min(tw / bw, th / bh)
    dx = target[0] + (tw - bw * scale) / 2 - box[0] * scale
    dy = target[1] + (th - bh * scale) / 2 - box[1] * scale
    return Placement(scale, dx, dy)


def thicker(palette: Palette, factor: float) -> Palette:
    """The palette with every stroke `factor` times as wide (strokes shrink with the drawing)."""
    paints = {role: replace(p, width=p.width * factor) for role, p in palette.paints.items()}
    return Palette(f"{palette.name}x{factor:.2f}", paints)


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img"><title>{title}</title>\n{body}\n</svg>\n')


def png(svg: str) -> bytes:
    """Rasterise SVG text to PNG bytes with resvg."""
    return bytes(resvg_py.svg_to_bytes(svg_string=svg))


# --- the pieces -------------------------------------------------------------------------------


def icon_drawing(pics: PicturesFile) -> Drawing:
    """The lower back with the points beside the spine, without anything too fine for an icon."""
    spots = [xy for pid in ICON_POINTS for xy in pics.points[pid].at]
    view = pics.points[ICON_POINTS[0]].view
    return pictures.view_drawing(view, spots, marker=ICON_MARKER, key="icon", pics=pics).without(*FINE)


def icon_placement(size: int) -> Placement:
    """Where the icon drawing sits: inside a circle, since Alexa crops icons round."""
    inset = size * 0.12
    return fit(ICON_CROP, (inset, inset, size - inset, size - inset))


def badge_svg(size: int, pics: PicturesFile, background: str = TEAL) -> str:
    """The mark: the lower back seen through a round window on a teal square."""
    drawing = icon_drawing(pics)
    place = icon_placement(size)
    # Strokes about 1.2 % of the image wide, but never under 2 px.
    outline = LIGHT.paint(Role.BODY).width * place.scale
    palette = thicker(LIGHT, max(2.0, size * 0.012) / outline)
    r = size / 2 - size * 0.06
    c = size / 2
    body = (
        f'<rect width="{size}" height="{size}" fill="{background}"/>\n'
        f'<clipPath id="window"><circle cx="{c}" cy="{c}" r="{r:.1f}"/></clipPath>\n'
        f'<circle cx="{c}" cy="{c}" r="{r:.1f}" fill="{PAPER}"/>\n'
        f'<g clip-path="url(#window)"><g transform="{place.transform()}">'
        f"{pictures.svg_elements(drawing, palette)}</g></g>"
    )
    return _svg(size, size, body, drawing.title)


def art_svg(size: int, pics: PicturesFile) -> str:
    """AudioPlayer art: the same mark, full bleed on paper, so it reads on light and dark players."""
    drawing = icon_drawing(pics)
    place = fit(ICON_CROP, (0, 0, size, size))
    palette = thicker(LIGHT, max(2.0, size * 0.01) / (LIGHT.paint(Role.BODY).width * place.scale))
    body = (f'<rect width="{size}" height="{size}" fill="{PAPER}"/>\n'
            f'<g transform="{place.transform()}">{pictures.svg_elements(drawing, palette)}</g>')
    return _svg(size, size, body, drawing.title)


def background_svg(width: int, height: int, pics: PicturesFile) -> str:
    """AudioPlayer background: a calm dark field with the whole body and every point, off to the right."""
    spots = [xy for p in pics.points.values() for xy in p.body]
    drawing = pictures.view_drawing(pics.body_view, spots, key="background", pics=pics)
    place = background_placement(width, height, pics)
    body = (
        '<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{TEAL_DEEP}"/><stop offset="1" stop-color="{TEAL}"/></linearGradient></defs>\n'
        f'<rect width="{width}" height="{height}" fill="url(#bg)"/>\n'
        f'<g opacity="0.7" transform="{place.transform()}">{pictures.svg_elements(drawing, DARK)}</g>'
    )
    return _svg(width, height, body, drawing.title)


def background_placement(width: int, height: int, pics: PicturesFile) -> Placement:
    """The whole body on the right of the background, clear of the player's text on the left."""
    view = pics.views[pics.body_view]
    pad = height * 0.08
    return fit((0, 0, *view.size), (width * 0.62, pad, width - pad, height - pad))


def point_svg(point_id: str, pics: PicturesFile, size: int = POINT_PX) -> str:
    """One point on its view, labelled, as a standalone accessible SVG of `size` pixels."""
    d = pictures.point_drawing(point_id, pics=pics)
    return pictures.to_svg(d, LIGHT, width=size, height=size * d.height / d.width)


# --- the command ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Artwork:
    """One written file."""

    path: str
    width: int
    height: int
    purpose: str


def write_all(out: Path, pics: PicturesFile | None = None) -> list[Artwork]:
    """Render every image into `out`; return what was written."""
    data = pics or pictures.pictures()
    (out / "points").mkdir(parents=True, exist_ok=True)
    made: list[Artwork] = []

    def save(name: str, svg: str, width: int, height: int, purpose: str) -> None:
        (out / name).write_bytes(png(svg))
        made.append(Artwork(name, width, height, purpose))

    for size in ICON_SIZES:
        kind = "small" if size < ICON_SIZES[-1] else "large"
        save(f"icon-{size}.png", badge_svg(size, data), size, size, f"skill.json {kind} icon")
    save(f"art-{ART_PX}.png", art_svg(ART_PX, data), ART_PX, ART_PX, "AudioPlayer metadata art")
    w, h = BACKGROUND_PX
    save(f"background-{w}x{h}.png", background_svg(w, h, data), w, h, "AudioPlayer metadata background")
    save(f"podcast-{PODCAST_PX}.png", badge_svg(PODCAST_PX, data), PODCAST_PX, PODCAST_PX, "podcast feed artwork")
    for pid in data.points:
        svg = point_svg(pid, data)
        (out / "points" / f"{pid}.svg").write_text(svg, encoding="utf-8")
        body = pictures.to_svg(pictures.body_drawing(pid, pics=data))
        (out / "points" / f"{pid}-body.svg").write_text(body, encoding="utf-8")
        save(f"points/{pid}.png", svg, POINT_PX, POINT_PX, f"{pid} on its view: page, APL fallback, MP3 chapter")
    index = {a.path: {"width": a.width, "height": a.height, "purpose": a.purpose} for a in made}
    (out / "artwork.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return made


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `acupressure artwork`."""
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: audio/art/)")


def run(args: argparse.Namespace) -> int:
    """`acupressure artwork --out DIR`: write every image and list them."""
    out = Path(args.out)
    for a in write_all(out):
        print(f"{out / a.path}  {a.width}x{a.height}  {a.purpose}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run as `python -m skill.tools.artwork`."""
    parser = argparse.ArgumentParser(prog="artwork", description=__doc__.splitlines()[0] if __doc__ else None)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
