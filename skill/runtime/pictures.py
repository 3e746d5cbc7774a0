"""Body-map pictures of where each point is: content/pictures.yaml drawn as SVG or as AVG.

One neutral `Drawing` (paths and labels with roles, no colours) is built from content;
`to_svg` and `to_avg` paint it with a `Palette`, so the page, the PNG art and the
Echo Show screen all show the same picture. Pure: no SDK, no I/O after the first load.

The content models are plain frozen dataclasses: the tools validate pictures.yaml (`load`, with pydantic,
errors naming file, line and field); the running skill reads the compact form the bundle build stored
beside it (skill.runtime.content.compact) without YAML or pydantic, unless pictures.yaml changed since.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import field, replace
from enum import StrEnum
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from skill.runtime.content.models import Rule, Strict
from skill.runtime.records import record

# The repository's content/ sits beside the package; the Lambda bundle copies it there too.
DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
CONTENT_DIR_ENV = "ACUPRESSURE_CONTENT_DIR"
PICTURES_FILE = "pictures.yaml"
AVG_VERSION = "1.2"
FONT_FAMILY = "DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif"

Coord = tuple[float, float]
# How far a shape may reach past the view's edge: a limb cut by the edge closes its outline
# out there, where the clip hides it, so no stroke runs along the cut.
BLEED = 40


class ShapeStyle(StrEnum):
    """How a shape from content is drawn."""

    BODY = "body"  # skin: soft fill, firm outline
    BONE = "bone"  # a bony bump you can feel: spine bumps, ankle bones, knuckles
    LANDMARK = "landmark"  # a line you can see or feel: crease, tendon, web of the thumb
    MUSCLE = "muscle"  # a muscle you can feel as a ridge: a soft tint, no hard edge
    HOLLOW = "hollow"  # a soft dip in the skin, like the dimples low on the back
    DETAIL = "detail"  # secondary lines, drawn faint
    GUIDE = "guide"  # a dashed level line (navel level, tops of the hip bones)


class Role(StrEnum):
    """What a drawn shape is; a palette gives each role its paint."""

    BACKGROUND = "background"
    BODY = "body"
    BONE = "bone"
    LANDMARK = "landmark"
    MUSCLE = "muscle"
    HOLLOW = "hollow"
    DETAIL = "detail"
    GUIDE = "guide"
    LABEL = "label"
    LEADER = "leader"
    MEASURE = "measure"
    MEASURE_LABEL = "measure_label"
    HALO = "halo"
    MARKER = "marker"


class Anchor(StrEnum):
    """Horizontal text anchor, as SVG and AVG both name it."""

    START = "start"
    MIDDLE = "middle"
    END = "end"


# --- content models -----------------------------------------------------------------
# Plain frozen dataclasses, like skill.runtime.content.models: the running skill gets them from the
# compact form the build validated (skill.runtime.content.compact) without pydantic or YAML. Their
# constraints are `Rule`s in the annotations, applied when the tools validate pictures.yaml (`load`).


@record(frozen=True, slots=True, kw_only=True)
class Label(Strict):
    """A short printed name for a landmark, placed by hand."""

    text: Annotated[str, Rule(min_length=1, max_length=40)]
    at: Coord
    anchor: Anchor = Anchor.MIDDLE
    size: Annotated[float, Rule(gt=4, le=40)] = 13
    leader: Annotated[Annotated[list[Coord], Rule(min_length=2)] | None,
                      Rule(description="a thin line from label to landmark")] = None


@record(frozen=True, slots=True, kw_only=True)
class _Shape(Strict):
    id: str | None = None
    style: ShapeStyle
    label: Label | None = None


@record(frozen=True, slots=True, kw_only=True)
class LineShape(_Shape):
    """A polyline, or a smooth curve through its points; closed makes an outline."""

    kind: Literal["line"]
    points: Annotated[list[Coord], Rule(min_length=2)]
    smooth: bool = True
    closed: bool = False

    def x_at(self, y: float) -> float | None:
        """The x where the straight segments cross height y (first crossing), or None."""
        for (x1, y1), (x2, y2) in pairwise(self.points):
            if min(y1, y2) <= y <= max(y1, y2) and y1 != y2:
                return x1 + (x2 - x1) * (y - y1) / (y2 - y1)
        return None


@record(frozen=True, slots=True, kw_only=True)
class EllipseShape(_Shape):
    """An ellipse (a circle when ry is left out) centred on `at`."""

    kind: Literal["ellipse"]
    at: Coord
    rx: Annotated[float, Rule(gt=0)]
    ry: Annotated[float, Rule(gt=0)] | None = None


@record(frozen=True, slots=True, kw_only=True)
class CapsuleShape(_Shape):
    """A rounded bar from `start` to `end`: a finger, a thumb, a limb."""

    kind: Literal["capsule"]
    start: Coord
    end: Coord
    width: Annotated[float, Rule(gt=0)]


@record(frozen=True, slots=True, kw_only=True)
class LevelShape(_Shape):
    """A horizontal dashed guide at height y, from x[0] to x[1]."""

    kind: Literal["level"]
    y: float
    x: tuple[float, float]


Shape = Annotated[LineShape | EllipseShape | CapsuleShape | LevelShape, Rule(discriminator="kind")]


def _unique_ids(shapes: list[LineShape | EllipseShape | CapsuleShape | LevelShape]) -> list[Any]:
    """A view's shapes, refused when two share an id (labels and tests find shapes by id)."""
    ids = [s.id for s in shapes if s.id]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"shape ids used twice: {', '.join(dupes)}")
    return shapes


@record(frozen=True, slots=True, kw_only=True)
class View(Strict):
    """One drawing of a body part, in its own coordinates (origin top left, y down)."""

    title: Annotated[str, Rule(min_length=1)]
    alt: Annotated[str, Rule(min_length=1)]
    size: tuple[int, int]
    marker: Annotated[float, Rule(gt=0, description="radius of the point marker")] = 9
    cun: Annotated[Annotated[float, Rule(gt=0)] | None,
                   Rule(description="drawing units per cun (a finger width is 0.75 cun)")] = None
    midline: Annotated[float | None, Rule(description="x of the body's midline, where there is one")] = None
    shapes: Annotated[list[Shape], Rule(min_length=1), Rule(after=_unique_ids)]
    labels: Annotated[list[Label], Rule(description="labels that name an area rather than one shape")] = field(
        default_factory=list)

    def shape(self, shape_id: str) -> LineShape | EllipseShape | CapsuleShape | LevelShape:
        """The shape with this id; KeyError when there is none."""
        for s in self.shapes:
            if s.id == shape_id:
                return s
        raise KeyError(shape_id)

    def contains(self, xy: Coord, margin: float = 0) -> bool:
        """Whether a coordinate lies inside the drawing (or within `margin` of it)."""
        return -margin <= xy[0] <= self.size[0] + margin and -margin <= xy[1] <= self.size[1] + margin


@record(frozen=True, slots=True, kw_only=True)
class Measure(Strict):
    """Finger widths laid from `start` (e.g. the spine) to the point, with a label."""

    start: Coord
    end: Coord
    fingers: Annotated[int, Rule(ge=1, le=4)]
    label: Annotated[str, Rule(min_length=1, max_length=40)]


@record(frozen=True, slots=True, kw_only=True)
class PointPicture(Strict):
    """Where one point is drawn: its detail view, its spots there, and on the whole body."""

    view: str
    at: Annotated[list[Coord], Rule(min_length=1, max_length=2, description="one spot, or both sides")]
    body: Annotated[list[Coord], Rule(min_length=1, max_length=2,
                                      description="the same spots on the whole-body view")]
    measure: Measure | None = None
    alt: Annotated[str, Rule(min_length=20, description="spoken-style description of the picture")]


@record(frozen=True, slots=True, kw_only=True)
class ScreenText(Strict):
    """Words printed on screens (touch buttons); spoken words live in the other files."""

    next: Annotated[str, Rule(min_length=1, max_length=16)]
    pause: Annotated[str, Rule(min_length=1, max_length=16)]


def _views_fit(views: dict[str, View], info: Any) -> dict[str, View]:
    """The views, refused when the body view is not one of them or a shape or label lies outside its view
    (`info.data` holds the fields validated before: body_view)."""
    problems: list[str] = []
    body_view = info.data.get("body_view")
    if body_view is not None and body_view not in views:
        problems.append(f"body_view {body_view!r} is not a view")
    for vid, view in views.items():
        for shape in view.shapes:
            problems += _outside(f"views.{vid}.{shape.id or shape.kind}", view, _anchors(shape), BLEED)
        for lab in view.labels:
            problems += _outside(f"views.{vid}.labels[{lab.text}]", view, [lab.at, *(lab.leader or [])])
    if problems:
        raise ValueError("; ".join(problems))
    return views


def _points_fit(points: dict[str, PointPicture], info: Any) -> dict[str, PointPicture]:
    """The point pictures, refused when one names no view or lies outside its view or the body view."""
    views: dict[str, View] | None = info.data.get("views")
    if views is None:  # the views failed validation: reported there
        return points
    problems: list[str] = []
    body = views.get(info.data.get("body_view", ""))
    for pid, pic in points.items():
        view = views.get(pic.view)
        if view is None:
            problems.append(f"points.{pid}.view: no view {pic.view!r}")
            continue
        measure = [pic.measure.start, pic.measure.end] if pic.measure else []
        problems += _outside(f"points.{pid}", view, [*pic.at, *measure])
        if body is not None:
            problems += _outside(f"points.{pid}.body", body, pic.body)
    if problems:
        raise ValueError("; ".join(problems))
    return points


@record(frozen=True, slots=True, kw_only=True)
class PicturesFile(Strict):
    """content/pictures.yaml."""

    screen: ScreenText
    body_view: str
    views: Annotated[dict[str, View], Rule(after=_views_fit)]
    points: Annotated[dict[str, PointPicture], Rule(after=_points_fit)]


def _outside(where: str, view: View, coords: Iterable[Coord], margin: float = 0) -> list[str]:
    """A problem for each coordinate that lies outside the view (plus margin)."""
    return [f"{where}: {list(xy)} lies outside the {view.size[0]}x{view.size[1]} view"
            for xy in coords if not view.contains(xy, margin)]


def _anchors(shape: LineShape | EllipseShape | CapsuleShape | LevelShape) -> list[Coord]:
    """The coordinates that place a shape, for bounds checks."""
    match shape:
        case LineShape():
            pts = list(shape.points)
        case EllipseShape():
            pts = [shape.at]
        case CapsuleShape():
            pts = [shape.start, shape.end]
        case LevelShape():
            pts = [(shape.x[0], shape.y), (shape.x[1], shape.y)]
    if shape.label:
        pts += [shape.label.at, *(shape.label.leader or [])]
    return pts


def content_dir() -> Path:
    """Where content/ is: the environment's override or the one beside the package."""
    return Path(os.environ.get(CONTENT_DIR_ENV) or DEFAULT_CONTENT_DIR)


def load(path: Path | None = None) -> PicturesFile:
    """Read and validate pictures.yaml; ContentError naming file, line and field of every problem."""
    from skill.runtime.content.loader import ContentError, Problem, read_yaml, validate_file

    source = path or content_dir() / PICTURES_FILE
    problems: list[Problem] = []
    parsed = read_yaml(source.parent, source.name, problems)
    pics = validate_file(parsed, PicturesFile, problems) if parsed is not None else None
    if pics is None or problems:
        raise ContentError(problems)
    return pics


@cache
def pictures() -> PicturesFile:
    """pictures.yaml, loaded once per process (cold start): the compact form the build validated when it
    is there and still matches the YAML (the Lambda bundle), else the YAML, validated now."""
    from skill.runtime.content import compact

    directory = content_dir()
    return compact.read_pictures(directory) or load(directory / PICTURES_FILE)


def missing_pictures(point_ids: Iterable[str], pics: PicturesFile | None = None) -> list[str]:
    """Point ids that have no picture (for the content check)."""
    have = (pics or pictures()).points
    return [pid for pid in point_ids if pid not in have]


# --- the neutral drawing --------------------------------------------------------------


@record(frozen=True)
class PathItem:
    """A path in SVG path syntax (M, L, C, Z only, so every renderer reads it)."""

    d: str
    role: Role


@record(frozen=True)
class TextItem:
    """A label; y is the text baseline."""

    x: float
    y: float
    text: str
    role: Role
    anchor: Anchor = Anchor.MIDDLE
    size: float = 13


Item = PathItem | TextItem


@record(frozen=True)
class Drawing:
    """A picture ready to paint: size, accessible title and description, items in order."""

    key: str
    title: str
    desc: str
    width: float
    height: float
    items: tuple[Item, ...] = field(default=())

    def without(self, *roles: Role) -> Drawing:
        """The same drawing with some roles left out (e.g. labels on a small icon)."""
        return replace(self, items=tuple(i for i in self.items if i.role not in roles))


Point = tuple[int, int]


def escape(text: str) -> str:
    """Text for XML content: &, < and > as entities (xml.sax.saxutils would pull urllib and ssl into a
    cold start that only draws AVG)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(value: str) -> str:
    """A value for an XML attribute, quoted, with its quotes and white space escaped too."""
    escaped = escape(value).replace('"', "&quot;")
    return '"' + escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;") + '"'


def _n(v: float) -> str:
    """A size or position for SVG attributes: whole, or with one decimal."""
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _r(xy: Coord) -> Point:
    """A coordinate rounded to a whole unit: a 400-unit view needs no finer grain."""
    return round(xy[0]), round(xy[1])


def _nums(*values: float) -> str:
    """Numbers for path data, with no space before a minus sign (the grammar needs none)."""
    return " ".join(str(v) for v in values).replace(" -", "-")


def _rel(p: Point, origin: Point) -> str:
    return _nums(p[0] - origin[0], p[1] - origin[1])


def polyline(points: Sequence[Coord], closed: bool = False) -> str:
    """Straight segments through the points."""
    pts = [_r(p) for p in points]
    d = "M" + _nums(*pts[0]) + "l" + " ".join(_rel(b, a) for a, b in pairwise(pts))
    return d.replace(" -", "-") + ("Z" if closed else "")


def smooth(points: Sequence[Coord], closed: bool = False) -> str:
    """A Catmull-Rom curve through the points, as relative cubic Béziers.

    Catmull-Rom's control points mirror each other about every point they pass, so each
    segment after the first is an `s` (smooth) curve: shorter data, same shape.
    """
    n = len(points)
    if n < 3:
        return polyline(points, closed)

    def at(i: int) -> Coord:
        return points[i % n] if closed else points[max(0, min(n - 1, i))]

    cur = _r(points[0])
    d = "M" + _nums(*cur)
    for i in range(n if closed else n - 1):
        p0, p1, p2, p3 = at(i - 1), at(i), at(i + 1), at(i + 2)
        c1 = _r((p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6))
        c2 = _r((p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6))
        end = _r(p2)
        head = f"c{_rel(c1, cur)} " if i == 0 else "s"
        d += head + f"{_rel(c2, cur)} {_rel(end, cur)}"
        cur = end
    return d.replace(" -", "-") + ("Z" if closed else "")


def ellipse(c: Coord, rx: float, ry: float | None = None) -> str:
    """An ellipse as two half arcs from its left edge."""
    x, y = _r(c)
    a, b = round(rx), round(rx if ry is None else ry)
    half = f"a{a} {b} 0 1 0 "
    return f"M{x - a} {y}{half}{2 * a} 0{half}{-2 * a} 0Z".replace(" -", "-")


def capsule(a: Coord, b: Coord, width: float) -> str:
    """A bar with round ends from a to b: two straight sides joined by half circles."""
    r = width / 2
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * r, dx / length * r  # across the bar, radius long

    def side(base: Coord, sign: int) -> str:
        return _nums(*_r((base[0] + sign * nx, base[1] + sign * ny)))

    arc = f"A{_nums(round(r), round(r))} 0 0 0 "
    return (f"M{side(a, 1)}L{side(b, 1)}{arc}{side(b, -1)}L{side(a, -1)}{arc}{side(a, 1)}Z").replace(" -", "-")


def _shape_items(shape: LineShape | EllipseShape | CapsuleShape | LevelShape) -> list[Item]:
    """Paths (and its label) for one content shape."""
    role = Role(shape.style.value)
    match shape:
        case LineShape():
            draw = smooth if shape.smooth else polyline
            d = draw(shape.points, shape.closed)
        case EllipseShape():
            d = ellipse(shape.at, shape.rx, shape.ry)
        case CapsuleShape():
            d = capsule(shape.start, shape.end, shape.width)
        case LevelShape():
            d = polyline([(shape.x[0], shape.y), (shape.x[1], shape.y)])
    return [PathItem(d, role), *(_label_items(shape.label) if shape.label else [])]


def _label_items(lab: Label) -> list[Item]:
    """A label's text and its leader line, if any."""
    leader: list[Item] = [PathItem(polyline(lab.leader), Role.LEADER)] if lab.leader else []
    return [*leader, TextItem(lab.at[0], lab.at[1], lab.text, Role.LABEL, lab.anchor, lab.size)]


def _measure_items(m: Measure, size: float) -> list[Item]:
    """Finger widths laid across the way from `start` to the point, and their label."""
    dx, dy = m.end[0] - m.start[0], m.end[1] - m.start[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    nx, ny = uy, -ux  # "up" when measuring to the right
    if ny > 0:  # keep the label above the line whichever way it runs
        nx, ny = -nx, -ny
    step = length / m.fingers
    half = step * 1.05  # fingers a little longer than wide, like a fingertip pad
    items: list[Item] = []
    for k in range(m.fingers):
        cx, cy = m.start[0] + ux * step * (k + 0.5), m.start[1] + uy * step * (k + 0.5)
        a = (cx + nx * half, cy + ny * half)
        b = (cx - nx * half, cy - ny * half)
        items.append(PathItem(capsule(a, b, step * 0.88), Role.MEASURE))
    tick = half + 4
    items.append(PathItem(polyline([(m.start[0] + nx * tick, m.start[1] + ny * tick),
                                    (m.start[0] - nx * tick, m.start[1] - ny * tick)]), Role.MEASURE))
    # The label reads outward from the spine, just above the fingers.
    anchor = Anchor.START if ux >= 0 else Anchor.END
    gap = 6 if ux >= 0 else -6
    at = (m.start[0] + gap + nx * (half + 7), m.start[1] + ny * (half + 7))
    items.append(TextItem(at[0], at[1], m.label, Role.MEASURE_LABEL, anchor, size))
    return items


def _marker_items(spots: Sequence[Coord], radius: float) -> list[Item]:
    """A soft halo and a solid dot on each spot, so the point stands out at a glance."""
    items: list[Item] = [PathItem(ellipse(xy, radius * 1.9), Role.HALO) for xy in spots]
    items += [PathItem(ellipse(xy, radius), Role.MARKER) for xy in spots]
    return items


def view_drawing(
    view_id: str,
    spots: Sequence[Coord] = (),
    *,
    measure: Measure | None = None,
    title: str | None = None,
    desc: str | None = None,
    key: str | None = None,
    marker: float | None = None,
    pics: PicturesFile | None = None,
) -> Drawing:
    """A view with markers on the given spots (and an optional finger-width measure)."""
    data = pics or pictures()
    view = data.views[view_id]
    w, h = view.size
    items: list[Item] = [PathItem(polyline([(0, 0), (w, 0), (w, h), (0, h)], closed=True), Role.BACKGROUND)]
    labels: list[Item] = []
    for shape in view.shapes:
        for item in _shape_items(shape):
            (labels if item.role in (Role.LABEL, Role.LEADER) else items).append(item)
    for lab in view.labels:
        labels += _label_items(lab)
    if measure:
        items += _measure_items(measure, 13)
    items += labels  # labels over the line art, markers over everything
    items += _marker_items(spots, marker or view.marker)
    return Drawing(key or view_id, title or view.title, desc or view.alt, w, h, tuple(items))


def point_drawing(point_id: str, name: str | None = None, *, pics: PicturesFile | None = None) -> Drawing:
    """The point on its detail view; `name` (from points.yaml) leads the title."""
    data = pics or pictures()
    pic = data.points[point_id]
    view = data.views[pic.view]
    title = f"{name}: {view.title}" if name else view.title
    return view_drawing(pic.view, pic.at, measure=pic.measure, title=title, desc=pic.alt, key=point_id, pics=data)


def body_drawing(point_id: str, name: str | None = None, *, pics: PicturesFile | None = None) -> Drawing:
    """The point on the whole-body view, for orientation."""
    data = pics or pictures()
    pic = data.points[point_id]
    view = data.views[data.body_view]
    title = f"{name}: {view.title}" if name else view.title
    return view_drawing(data.body_view, pic.body, title=title, desc=view.alt, key=f"{point_id}-body", pics=data)


# --- paint ----------------------------------------------------------------------------


@record(frozen=True)
class Paint:
    """Fill and stroke for one role; None means none."""

    fill: str | None = None
    stroke: str | None = None
    width: float = 0
    dash: tuple[float, ...] = ()
    fill_opacity: float = 1.0
    bold: bool = False


@record(frozen=True)
class Palette:
    """Paint for every role; background None leaves the canvas transparent."""

    name: str
    paints: dict[Role, Paint]

    def paint(self, role: Role) -> Paint:
        """The paint for a role (nothing drawn when the palette has none)."""
        return self.paints.get(role, Paint())


_INK = "#2E3D4C"
_ACCENT = "#E8590C"
# Dark lines on warm paper: the page, PNG art and podcast chapters.
LIGHT = Palette("light", {
    Role.BACKGROUND: Paint(fill="#F8F4EE"),
    Role.BODY: Paint(fill="#FDEFE3", stroke=_INK, width=3),
    Role.BONE: Paint(fill="#EADCCB", stroke=_INK, width=2.2),
    Role.LANDMARK: Paint(stroke=_INK, width=2.6),
    Role.MUSCLE: Paint(fill="#F3D5BF", stroke="#E2B899", width=1.2),
    Role.HOLLOW: Paint(fill="#D9A987", fill_opacity=0.8),
    Role.DETAIL: Paint(stroke="#9AA7B4", width=1.8),
    Role.GUIDE: Paint(stroke="#5F7184", width=1.6, dash=(7, 6)),
    Role.LABEL: Paint(fill="#26323F"),
    Role.LEADER: Paint(stroke="#5F7184", width=1.2),
    Role.MEASURE: Paint(fill="#1971C2", stroke="#1864AB", width=1.6, fill_opacity=0.16),
    Role.MEASURE_LABEL: Paint(fill="#1864AB", bold=True),
    Role.HALO: Paint(fill=_ACCENT, fill_opacity=0.25),
    Role.MARKER: Paint(fill=_ACCENT, stroke="#FFFFFF", width=3),
})

# Light lines on the dark screens of Echo Show and Fire TV (the screen draws the background).
DARK = Palette("dark", {
    Role.BODY: Paint(fill="#24313D", stroke="#E9EEF3", width=3),
    Role.BONE: Paint(fill="#3A4A5A", stroke="#E9EEF3", width=2.2),
    Role.LANDMARK: Paint(stroke="#E9EEF3", width=2.6),
    Role.MUSCLE: Paint(fill="#2F3F4F", stroke="#46596C", width=1.2),
    Role.HOLLOW: Paint(fill="#7C8EA0", fill_opacity=0.8),
    Role.DETAIL: Paint(stroke="#8596A8", width=1.8),
    Role.GUIDE: Paint(stroke="#A9B8C7", width=1.6, dash=(7, 6)),
    Role.LABEL: Paint(fill="#F1F4F7"),
    Role.LEADER: Paint(stroke="#A9B8C7", width=1.2),
    Role.MEASURE: Paint(fill="#74C0FC", stroke="#74C0FC", width=1.6, fill_opacity=0.2),
    Role.MEASURE_LABEL: Paint(fill="#A5D8FF", bold=True),
    Role.HALO: Paint(fill="#FF922B", fill_opacity=0.3),
    Role.MARKER: Paint(fill="#FF922B", stroke="#FFFFFF", width=3),
})


def _svg_paint(p: Paint, text: bool) -> str:
    """SVG presentation attributes for a paint."""
    attrs = [f'fill="{p.fill or "none"}"']
    if p.fill and p.fill_opacity < 1:
        attrs.append(f'fill-opacity="{p.fill_opacity:g}"')
    if text:
        return " ".join([*attrs, 'font-weight="bold"'] if p.bold else attrs)
    if p.stroke and p.width:
        attrs += [f'stroke="{p.stroke}"', f'stroke-width="{p.width:g}"',
                  'stroke-linecap="round"', 'stroke-linejoin="round"']
        if p.dash:
            attrs.append(f'stroke-dasharray="{" ".join(f"{v:g}" for v in p.dash)}"')
    return " ".join(attrs)


def to_svg(
    drawing: Drawing,
    palette: Palette = LIGHT,
    *,
    width: float | None = None,
    height: float | None = None,
    id_prefix: str | None = None,
) -> str:
    """The drawing as a standalone, accessible SVG document (role img, title, desc)."""
    prefix = id_prefix or f"pic-{drawing.key}"
    w, h = width or drawing.width, height or drawing.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(drawing.width)} {_n(drawing.height)}" '
        f'width="{_n(w)}" height="{_n(h)}" role="img" aria-labelledby="{prefix}-title {prefix}-desc">',
        f'<title id="{prefix}-title">{escape(drawing.title)}</title>',
        f'<desc id="{prefix}-desc">{escape(drawing.desc)}</desc>',
    ]
    out.append(svg_elements(drawing, palette))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def svg_elements(drawing: Drawing, palette: Palette = LIGHT) -> str:
    """The drawing's painted elements without the <svg> wrapper, for composing larger art."""
    out: list[str] = []
    for item in drawing.items:
        paint = palette.paint(item.role)
        if not (paint.fill or paint.stroke):
            continue
        if isinstance(item, PathItem):
            out.append(f'<path d="{item.d}" {_svg_paint(paint, text=False)}/>')
        else:
            out.append(
                f'<text x="{_n(item.x)}" y="{_n(item.y)}" font-family={quoteattr(FONT_FAMILY)} '
                f'font-size="{item.size:g}" text-anchor="{item.anchor.value}" {_svg_paint(paint, text=True)}>'
                f"{escape(item.text)}</text>"
            )
    return "\n".join(out)


def _avg_style(paint: Paint, text: bool) -> dict[str, Any]:
    """AVG style values for a paint: items name their role's style instead of repeating it."""
    values: dict[str, Any] = {"fill": paint.fill or "transparent"}
    if paint.fill and paint.fill_opacity < 1:
        values["fillOpacity"] = paint.fill_opacity
    if text:
        if paint.bold:
            values["fontWeight"] = "bold"
        return values
    if paint.stroke and paint.width:
        values.update(stroke=paint.stroke, strokeWidth=paint.width, strokeLineCap="round", strokeLineJoin="round")
        if paint.dash:
            values["strokeDashArray"] = list(paint.dash)
    return values


def _avg_item(item: Item) -> dict[str, Any]:
    """One AVG path or text item, styled by its role."""
    if isinstance(item, TextItem):
        return {"type": "text", "style": item.role.value, "text": item.text, "x": round(item.x), "y": round(item.y),
                "fontSize": item.size, "textAnchor": item.anchor.value}
    return {"type": "path", "style": item.role.value, "pathData": item.d}


def _merged(items: Sequence[Item]) -> list[Item]:
    """Neighbouring paths of one role joined into one (same look, far fewer AVG items)."""
    out: list[Item] = []
    for item in items:
        last = out[-1] if out else None
        if isinstance(item, PathItem) and isinstance(last, PathItem) and last.role == item.role:
            out[-1] = PathItem(last.d + item.d, item.role)
        else:
            out.append(item)
    return out


def avg_items(avg: dict[str, Any]) -> list[dict[str, Any]]:
    """The drawn paths and texts of an AVG object from to_avg, inside its clipping group."""
    items: list[dict[str, Any]] = avg["items"][0]["items"]
    return items


def to_avg(drawing: Drawing, palette: Palette = DARK) -> dict[str, Any]:
    """The drawing as an Alexa Vector Graphics object for an APL document's `graphics`."""
    shown = _merged([i for i in drawing.items if palette.paint(i.role).fill or palette.paint(i.role).stroke])
    styles = {
        i.role.value: {"values": [_avg_style(palette.paint(i.role), isinstance(i, TextItem))]} for i in shown
    }
    return {
        "type": "AVG",
        "version": AVG_VERSION,
        "description": drawing.title,
        "width": drawing.width,
        "height": drawing.height,
        "viewportWidth": drawing.width,
        "viewportHeight": drawing.height,
        "styles": styles,
        # Clip to the view, as an SVG viewport does: closed outlines may bulge past the edge.
        "items": [{"type": "group", "clipPath": f"M0 0h{_n(drawing.width)}v{_n(drawing.height)}h-{_n(drawing.width)}Z",
                   "items": [_avg_item(i) for i in shown]}],
    }


def svg_for_point(point_id: str, name: str | None = None) -> str:
    """A point's picture as a standalone SVG (the page's point cards); KeyError for an unknown point."""
    return to_svg(point_drawing(point_id, name))
