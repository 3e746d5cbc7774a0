"""Body-map pictures: every point has one, the geometry matches what the skill says, SVG and AVG are sound."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from skill.runtime import pictures as pic
from skill.runtime.content import ContentError
from skill.runtime.pictures import DARK, LIGHT, EllipseShape, LevelShape, LineShape, Role

ROOT = Path(__file__).resolve().parents[1]
FINGER_CUN = 0.75  # one finger width; two are 1.5 cun, four are 3 cun (WHO 2008 proportional units)


@pytest.fixture(scope="module")
def pics() -> pic.PicturesFile:
    return pic.load()


def spot(pics: pic.PicturesFile, pid: str, side: int = 0) -> tuple[float, float]:
    return pics.points[pid].at[side]


def ellipse(pics: pic.PicturesFile, view: str, sid: str) -> EllipseShape:
    shape = pics.views[view].shape(sid)
    assert isinstance(shape, EllipseShape)
    return shape


def line(pics: pic.PicturesFile, view: str, sid: str) -> LineShape:
    shape = pics.views[view].shape(sid)
    assert isinstance(shape, LineShape)
    return shape


def distance_to_polyline(xy: tuple[float, float], points: list[tuple[float, float]]) -> float:
    """Shortest distance from a point to a chain of straight segments."""
    best = math.inf
    for (x1, y1), (x2, y2) in pairwise(points):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((xy[0] - x1) * dx + (xy[1] - y1) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(xy[0] - (x1 + t * dx), xy[1] - (y1 + t * dy)))
    return best


# --- coverage -------------------------------------------------------------------------


def test_every_point_in_the_content_has_a_picture_and_no_picture_is_orphaned(content, pics):
    assert pic.missing_pictures(content.points, pics) == []
    assert set(pics.points) == set(content.points)


def test_the_shipped_file_is_what_the_runtime_loads_once():
    assert pic.pictures() is pic.pictures()
    assert pic.pictures() == pic.load(ROOT / "content" / "pictures.yaml")


def test_one_sided_points_have_one_spot_and_both_sided_points_show_both_sides_where_the_view_can(content, pics):
    for pid, point in content.points.items():
        p = pics.points[pid]
        view = pics.views[p.view]
        if not point.press.both_sides:
            assert len(p.at) == len(p.body) == 1, pid
            continue
        assert len(p.body) == 2, f"{pid}: the whole-body view shows both sides"
        if view.midline is not None:  # a view of the back shows both sides, mirrored
            left, right = sorted(p.at)
            assert len(p.at) == 2, pid
            assert left[1] == right[1], f"{pid}: both sides at one level"
            assert view.midline - left[0] == pytest.approx(right[0] - view.midline), pid


def test_every_picture_has_spoken_style_alt_text_without_codes_or_units(pics):
    for pid, p in pics.points.items():
        words = p.alt.split()
        assert 12 <= len(words) <= 60, pid
        assert p.alt.endswith("."), pid
        assert not re.search(r"\b(?:BL|KI|SI|LI|GV|L|T|S)\d|\bcun\b", p.alt), f"{pid}: {p.alt}"
    for vid, view in pics.views.items():
        assert view.alt.startswith("A "), vid


# --- geometry matches the content ------------------------------------------------------


def test_gv4_is_on_the_midline_in_the_dip_between_the_second_and_third_lumbar_bumps(pics):
    back = pics.views["lower_back"]
    x, y = spot(pics, "GV4")
    l2, l3 = ellipse(pics, "lower_back", "L2"), ellipse(pics, "lower_back", "L3")
    assert x == back.midline
    assert l2.at[1] + (l2.ry or l2.rx) < y < l3.at[1] - (l3.ry or l3.rx), "in the dip, not on a bump"


def test_navel_level_is_gv4s_level_and_the_hip_bone_tops_are_two_bumps_lower(pics):
    navel = pics.views["lower_back"].shape("navel_level")
    hips = pics.views["lower_back"].shape("hip_level")
    assert isinstance(navel, LevelShape) and isinstance(hips, LevelShape)
    assert navel.y == spot(pics, "GV4")[1]
    assert hips.y == ellipse(pics, "lower_back", "L4").at[1], "tops of the hip bones at about L4"
    for side in ("hip_left", "hip_right"):
        assert min(y for _, y in line(pics, "lower_back", side).points) == hips.y, side


def test_bl23_is_two_finger_widths_beside_the_spine_and_bl52_four_at_the_same_level(pics):
    back = pics.views["lower_back"]
    assert back.cun and back.midline is not None
    bl23, bl52, gv4 = spot(pics, "BL23"), spot(pics, "BL52"), spot(pics, "GV4")
    d23, d52 = abs(bl23[0] - back.midline), abs(bl52[0] - back.midline)
    assert d23 == pytest.approx(2 * FINGER_CUN * back.cun)  # 1.5 cun
    assert d52 == pytest.approx(4 * FINGER_CUN * back.cun)  # 3 cun
    assert d52 == pytest.approx(2 * d23), "BL52 twice as far out as BL23"
    assert bl23[1] == bl52[1] == gv4[1], "all three level with the navel"


def test_bl52_sits_at_the_outer_edge_of_the_muscle_ridge_and_bl23_on_it(pics):
    ridge = line(pics, "lower_back", "muscle_right")
    xs_at_level = [x for x, y in ridge.points if y == spot(pics, "BL52")[1]]
    right23 = max(x for x, _ in pics.points["BL23"].at)
    right52 = max(x for x, _ in pics.points["BL52"].at)
    assert xs_at_level == [right52], "the ridge's outer edge passes through BL52"
    assert 200 < right23 < right52


def test_bl53_is_level_with_the_dimples_four_finger_widths_out_beyond_the_sacrum(pics):
    back = pics.views["lower_back"]
    assert back.cun and back.midline is not None
    dimples = [ellipse(pics, "lower_back", d) for d in ("dimple_left", "dimple_right")]
    sacrum = line(pics, "lower_back", "sacrum")
    sacrum_half_width = max(abs(x - back.midline) for x, _ in sacrum.points)
    for x, y in pics.points["BL53"].at:
        assert all(y == d.at[1] for d in dimples)
        assert abs(x - back.midline) == pytest.approx(4 * FINGER_CUN * back.cun)
        assert abs(x - back.midline) > sacrum_half_width, "on the buttock, just outside the sacrum"
    assert spot(pics, "BL53")[1] > ellipse(pics, "lower_back", "L5").at[1], "below the lumbar spine"


def test_finger_measures_match_their_finger_count_and_end_on_the_point(pics):
    for pid, p in pics.points.items():
        if p.measure is None:
            continue
        cun = pics.views[p.view].cun
        assert cun, pid
        length = math.dist(p.measure.start, p.measure.end)
        assert length == pytest.approx(p.measure.fingers * FINGER_CUN * cun), pid
        assert p.measure.end == p.at[0], pid
        assert p.measure.start[0] == pics.views[p.view].midline, f"{pid}: measured from the middle of the spine"
        assert str(p.measure.fingers) in p.measure.label, pid
    assert pics.points["BL23"].measure and pics.points["BL23"].measure.fingers == 2
    assert pics.points["BL52"].measure and pics.points["BL52"].measure.fingers == 4


def test_bl40_is_the_midpoint_of_the_knee_crease_between_the_tendons(pics):
    crease = line(pics, "back_of_knee", "crease")
    (x0, _), (x1, _) = crease.points[0], crease.points[-1]
    x, y = spot(pics, "BL40")
    assert x == pytest.approx((x0 + x1) / 2)
    assert (x, y) in crease.points, "on the crease itself"
    inner = line(pics, "back_of_knee", "hamstring_inner").points[-1][0]
    outer = line(pics, "back_of_knee", "hamstring_outer").points[-1][0]
    assert x - inner == pytest.approx(outer - x)


@pytest.mark.parametrize(("pid", "view", "bone_id"), [("BL60", "outer_ankle", "outer_ankle_bone"),
                                                      ("KI3", "inner_ankle", "inner_ankle_bone")])
def test_ankle_points_are_in_the_hollow_between_the_ankle_bone_and_the_achilles_tendon(pics, pid, view, bone_id):
    bone = ellipse(pics, view, bone_id)
    x, y = spot(pics, pid)
    tendon_x = line(pics, view, "achilles").x_at(y)
    assert tendon_x is not None
    bone_back = bone.at[0] - bone.rx if tendon_x < bone.at[0] else bone.at[0] + bone.rx
    assert min(tendon_x, bone_back) < x < max(tendon_x, bone_back), "between bone and tendon"
    assert x == pytest.approx((tendon_x + bone_back) / 2, abs=2), "in the middle of the hollow"
    assert y == bone.at[1], "level with the most prominent part of the ankle bone"


def test_ki3_and_bl60_face_each_other_across_the_ankle(pics):
    # The inner view is the outer view turned round: the heel is on the other side.
    outer_heel = line(pics, "outer_ankle", "achilles").points[-1][0]
    inner_heel = line(pics, "inner_ankle", "achilles").points[-1][0]
    assert outer_heel + inner_heel == pytest.approx(pics.views["outer_ankle"].size[0])
    inner_bone = ellipse(pics, "inner_ankle", "inner_ankle_bone")
    outer_bone = ellipse(pics, "outer_ankle", "outer_ankle_bone")
    assert inner_bone.at[1] < outer_bone.at[1], "the inner ankle bone sits a little higher"


def test_li4_is_between_the_thumb_and_index_bones_near_the_middle_of_the_index_bone(pics):
    x, y = spot(pics, "LI4")
    thumb = line(pics, "back_of_hand", "thumb_bone")
    index = line(pics, "back_of_hand", "index_bone")
    tx, ix = thumb.x_at(y), index.x_at(y)
    assert tx is not None and ix is not None
    assert tx < x < ix, "in the web between thumb and index finger"
    assert ix - x < x - tx, "closer to the index finger's bone"
    (_, top), (_, bottom) = index.points[0], index.points[-1]
    third = (bottom - top) / 3
    assert top + third < y < bottom - third, "near the middle of the index finger's bone"


def test_si3_is_just_below_the_little_finger_knuckle_at_the_end_of_the_crease_on_the_skin_border(pics):
    x, y = spot(pics, "SI3")
    knuckle = ellipse(pics, "side_of_hand", "little_knuckle")
    assert y > knuckle.at[1] + (knuckle.ry or knuckle.rx), "below the knuckle, toward the wrist"
    assert math.dist((x, y), knuckle.at) < 3 * knuckle.rx, "just below it"
    assert math.dist((x, y), line(pics, "side_of_hand", "palm_crease").points[-1]) < 10, "where the crease ends"
    assert distance_to_polyline((x, y), line(pics, "side_of_hand", "skin_border").points) < 6


def test_the_whole_body_view_keeps_the_order_of_the_back_points(pics):
    mid = pics.views[pics.body_view].midline
    assert mid is not None
    out = {pid: max(abs(x - mid) for x, _ in pics.points[pid].body) for pid in ("GV4", "BL23", "BL52")}
    assert out["GV4"] == 0 < out["BL23"] < out["BL52"]
    assert out["BL52"] == pytest.approx(2 * out["BL23"], abs=1)
    heights = {pid: pics.points[pid].body[0][1] for pid in ("GV4", "BL53", "BL40", "BL60", "KI3")}
    assert heights["GV4"] < heights["BL53"] < heights["BL40"] < heights["BL60"]
    assert heights["KI3"] == pytest.approx(heights["BL60"], abs=6)


# --- validation of the file -----------------------------------------------------------


def _broken(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((ROOT / "content" / "pictures.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "pictures.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("edit", "field", "message"), [
    (lambda d: d["points"]["BL23"].update(view="elbow"), "points", "no view 'elbow'"),
    (lambda d: d["points"]["BL23"].update(at=[[236, 999]]), "points", "lies outside"),
    (lambda d: d["views"]["lower_back"]["shapes"].append({"kind": "ellipse", "style": "bone", "id": "L2",
                                                         "at": [1, 1], "rx": 2}), "views.lower_back.shapes",
     "used twice"),
    (lambda d: d["views"]["lower_back"]["shapes"][0].update(style="sparkly"), "views.lower_back.shapes[0]",
     "style|Input should be"),
    (lambda d: d["points"]["GV4"].update(alt="Short."), "points.GV4.alt", "at least 20"),
    (lambda d: d.update(body_view="nowhere"), "views", "body_view 'nowhere' is not a view"),
    (lambda d: next(s for s in d["views"]["lower_back"]["shapes"] if s["kind"] == "ellipse").update(ry=-3),
     "views.lower_back.shapes", "greater than 0"),
    (lambda d: d["screen"].update(nxet="Next"), "screen.nxet", "Extra inputs are not permitted"),
])
def test_a_broken_pictures_file_is_refused_with_its_file_line_and_field_named(tmp_path, edit, field, message):
    with pytest.raises(ContentError) as refused:
        pic.load(_broken(tmp_path, edit))
    problems = refused.value.problems
    assert problems, "at least one problem"
    assert all(p.file == "content/pictures.yaml" and p.line >= 1 for p in problems)
    assert any(p.field.startswith(field) and re.search(message, p.message) for p in problems), problems


def test_a_broken_pictures_file_names_the_line_the_mistake_is_on(tmp_path):
    source = (ROOT / "content" / "pictures.yaml").read_text(encoding="utf-8")
    bad = source.replace("  next:", "  nxet:", 1)
    assert bad != source
    (tmp_path / "pictures.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        pic.load(tmp_path / "pictures.yaml")
    line = bad.splitlines().index(next(t for t in bad.splitlines() if t.startswith("  nxet:"))) + 1
    assert any(p.line == line and p.field == "screen.nxet" for p in refused.value.problems)
    assert f"content/pictures.yaml:{line}: screen.nxet: Extra inputs are not permitted" in str(refused.value)


def test_missing_pictures_names_the_points_without_one(pics):
    assert pic.missing_pictures(["GV4", "SP6", "BL23", "GB21"], pics) == ["SP6", "GB21"]


# --- drawings, SVG and AVG ----------------------------------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("pid", ["GV4", "BL23", "BL52", "BL53", "BL40", "BL60", "KI3", "SI3", "LI4"])
def test_each_point_draws_as_an_accessible_svg_with_one_marker_per_spot(content, pics, pid):
    name = content.points[pid].name
    drawing = pic.point_drawing(pid, name, pics=pics)
    root = ET.fromstring(pic.to_svg(drawing))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG_NS}title"), root.find(f"{SVG_NS}desc")
    assert title is not None and desc is not None
    assert title.text and title.text.startswith(name)
    assert desc.text == pics.points[pid].alt
    assert set(root.get("aria-labelledby", "").split()) == {title.get("id"), desc.get("id")}
    markers = [p for p in root.iter(f"{SVG_NS}path") if p.get("fill") == LIGHT.paint(Role.MARKER).fill
               and p.get("fill-opacity") is None]
    assert len(markers) == len(pics.points[pid].at)
    body = ET.fromstring(pic.to_svg(pic.body_drawing(pid, name, pics=pics)))
    body_markers = [p for p in body.iter(f"{SVG_NS}path") if p.get("stroke") == LIGHT.paint(Role.MARKER).stroke]
    assert len(body_markers) == len(pics.points[pid].body)


def test_markers_are_drawn_last_so_nothing_covers_them(pics):
    items = pic.point_drawing("BL23", pics=pics).items
    roles = [i.role for i in items]
    first_marker = roles.index(Role.HALO)
    assert set(roles[first_marker:]) == {Role.HALO, Role.MARKER}


def test_svg_ids_are_unique_per_drawing_so_many_can_share_a_page(pics):
    a = pic.to_svg(pic.point_drawing("BL23", pics=pics))
    b = pic.to_svg(pic.point_drawing("BL52", pics=pics))
    ids_a = set(re.findall(r'id="([^"]+)"', a))
    ids_b = set(re.findall(r'id="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b


def test_labels_are_escaped_in_svg(pics):
    d = pic.Drawing("x", "A & B <c>", "\"quoted\" & more", 10, 10,
                    (pic.TextItem(1, 1, "<tag> & stuff", Role.LABEL),))
    root = ET.fromstring(pic.to_svg(d))
    assert root.find(f"{SVG_NS}title").text == "A & B <c>"
    assert root.find(f"{SVG_NS}text").text == "<tag> & stuff"


# Path commands we emit, with their argument counts; APL's own path parser and SVG read all of them.
ARGS = {"M": 2, "L": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "A": 7, "a": 7, "Z": 0}


def parse_path(d: str) -> list[tuple[str, list[float]]]:
    """Split path data into commands with their numbers; fail on anything we do not emit."""
    out: list[tuple[str, list[float]]] = []
    for cmd, nums in re.findall(r"([A-Za-z])([^A-Za-z]*)", d):
        values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", nums)]
        assert cmd in ARGS, f"unexpected command {cmd} in {d}"
        n = ARGS[cmd]
        assert (not values) if n == 0 else (values and len(values) % n == 0), f"{cmd}{nums}"
        out.append((cmd, values))
    return out


@pytest.mark.parametrize("pid", ["GV4", "BL53", "SI3", "LI4"])
def test_avg_is_alexa_vector_graphics_built_from_the_same_drawing(pics, pid):
    drawing = pic.point_drawing(pid, pics=pics)
    avg = pic.to_avg(drawing)
    assert avg["type"] == "AVG" and avg["version"] == "1.2"
    assert (avg["width"], avg["height"]) == (drawing.width, drawing.height)
    assert [i["type"] for i in avg["items"]] == ["group"]
    w, h = drawing.width, drawing.height
    assert parse_path(avg["items"][0]["clipPath"]) == [("M", [0, 0]), ("h", [w]), ("v", [h]), ("h", [-w]), ("Z", [])]
    items = pic.avg_items(avg)
    assert {i["type"] for i in items} <= {"path", "text"}
    assert {i["style"] for i in items} <= set(avg["styles"])
    paths = [i["pathData"] for i in items if i["type"] == "path"]
    for d in paths:
        assert parse_path(d)[0][0] == "M"
    # Same geometry as the SVG: AVG joins neighbouring paths of one role, and drops only the background.
    svg_paths = re.findall(r'<path d="([^"]+)"', pic.to_svg(drawing))
    assert "".join(svg_paths[1:]) == "".join(paths)
    texts = [i["text"] for i in items if i["type"] == "text"]
    assert texts == [i.text for i in drawing.items if isinstance(i, pic.TextItem)]
    markers = [i for i in items if i["style"] == Role.MARKER.value]
    assert len(markers) == 1 and markers[0]["pathData"].count("M") == len(pics.points[pid].at)
    assert avg["styles"]["marker"]["values"][0]["fill"] == DARK.paint(Role.MARKER).fill
    assert len(json.dumps(avg, separators=(",", ":"))) < 6000, "small enough for a 24 KB response"


def test_drawing_without_roles_drops_labels_for_small_art(pics):
    d = pic.point_drawing("BL23", pics=pics).without(Role.LABEL, Role.LEADER, Role.MEASURE_LABEL)
    assert not any(isinstance(i, pic.TextItem) for i in d.items)


def test_ellipse_is_two_half_arcs_from_its_left_edge_to_its_right_and_back():
    (m, start), (a1, arc1), (a2, arc2), (z, _) = parse_path(pic.ellipse((100, 50), 20, 10))
    assert (m, start) == ("M", [80, 50]) and z == "Z"
    assert (a1, arc1[:2], arc1[5:]) == ("a", [20, 10], [40, 0])
    assert (a2, arc2[:2], arc2[5:]) == ("a", [20, 10], [-40, 0])


def test_smooth_curves_pass_through_every_given_point():
    pts = [(10, 10), (60, 40), (110, 10), (160, 40)]
    commands = parse_path(pic.smooth(pts))
    x, y = commands[0][1]
    visited = [(x, y)]
    for _, v in commands[1:]:
        x, y = x + v[-2], y + v[-1]  # c and s are relative: the last pair is the end point
        visited.append((x, y))
    assert visited == pts


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        rgb = [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_light_palette_has_readable_labels_and_a_marker_that_stands_out():
    paper = LIGHT.paint(Role.BACKGROUND).fill
    skin = LIGHT.paint(Role.BODY).fill
    for bg in (paper, skin):
        assert _contrast(LIGHT.paint(Role.LABEL).fill, bg) >= 7
        assert _contrast(LIGHT.paint(Role.MEASURE_LABEL).fill, bg) >= 4.5
        assert _contrast(LIGHT.paint(Role.MARKER).fill, bg) >= 3
        assert _contrast(LIGHT.paint(Role.BODY).stroke, bg) >= 7
