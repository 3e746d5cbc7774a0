"""APL screens: who gets them, what they carry, which layout each device picks, and what a touch sends back."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.interfaces.alexa.presentation.apl.alexa_presentation_apl_interface import (
    AlexaPresentationAplInterface,
)
from ask_sdk_model.interfaces.alexa.presentation.apl.runtime import Runtime
from ask_sdk_model.interfaces.audioplayer.audio_player_interface import AudioPlayerInterface
from ask_sdk_model.supported_interfaces import SupportedInterfaces

from skill.runtime import apl, pictures
from skill.runtime.apl import Screen, Touch, TouchAction

# The budget for one RenderDocument: a whole reply must stay under 24 KB with speech and state.
DIRECTIVE_BUDGET = 12_000


def size(directive: dict[str, Any]) -> int:
    return len(json.dumps(directive, separators=(",", ":")).encode())


def every_directive(content) -> dict[str, dict[str, Any]]:
    """Every screen the skill can show: each point look-up, each routine's start and each of its steps."""
    out: dict[str, dict[str, Any]] = {}
    for pid, point in content.points.items():
        out[f"lookup/{pid}"] = apl.lookup_directive(pid, point.name, point.find_steps[0])
    for rid, routine in content.routines.items():
        points = [s.point for s in routine.steps if s.point]
        out[f"start/{rid}"] = apl.start_directive(rid, routine.name, routine.intro[0], points)
        for i, step in enumerate(routine.steps):
            heading = content.points[step.point].name if step.point else step.title
            out[f"step/{rid}/{step.id}"] = apl.step_directive(rid, i, step.point, heading, step.say[0])
    return out


# --- who gets a screen --------------------------------------------------------------------


def test_an_echo_show_supports_apl_in_sdk_and_raw_request_form():
    show = SupportedInterfaces(alexa_presentation_apl=AlexaPresentationAplInterface(Runtime(max_version="2023.2")),
                               audio_player=AudioPlayerInterface())
    assert apl.supports_apl(show)
    assert apl.supports_apl({"AudioPlayer": {}, "Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.2"}}})


def test_a_speaker_without_a_screen_gets_no_directive_and_nothing_is_built_for_it():
    def must_not_build() -> dict[str, Any]:
        raise AssertionError("built a screen for a device without one")

    echo_dot = SupportedInterfaces(audio_player=AudioPlayerInterface())
    for supported in (echo_dot, {"AudioPlayer": {}}, {}, None):
        assert not apl.supports_apl(supported)
        assert apl.screen_directives(supported, must_not_build) == []
    show = {"Alexa.Presentation.APL": {}}
    built = apl.screen_directives(show, lambda: apl.lookup_directive("LI4", "Large Intestine 4", "Hold out your hand."))
    assert [d["type"] for d in built] == ["Alexa.Presentation.APL.RenderDocument"]


# --- what a screen carries ----------------------------------------------------------------------


def test_a_lookup_screen_carries_the_picture_the_name_and_the_callers_instruction(content):
    point = content.points["BL52"]
    d = apl.lookup_directive("BL52", point.name, point.find_steps[1])
    doc, data = d["document"], d["datasources"]["screen"]
    assert d["type"] == apl.RENDER_DOCUMENT and d["token"] == apl.PRESENTATION_TOKEN
    assert doc["graphics"]["point"] == pictures.to_avg(pictures.point_drawing("BL52", point.name))
    assert doc["graphics"]["body"]["type"] == "AVG"
    assert data["heading"] == point.name
    assert data["instruction"] == point.find_steps[1]
    assert data["pictureLabel"] == pictures.pictures().points["BL52"].alt
    assert data["buttons"] == {"next": pictures.pictures().screen.next, "pause": pictures.pictures().screen.pause}
    assert data["actions"] == ["next"]


def test_a_step_screen_offers_pause_and_next_and_knows_its_routine_and_step(content):
    routine = content.routines["hand_and_ankle"]
    i, step = next((i, s) for i, s in enumerate(routine.steps) if s.point == "KI3")
    data = apl.step_directive(routine.id, i, "KI3", "Kidney 3", step.say[0])["datasources"]["screen"]
    assert (data["kind"], data["subject"], data["step"]) == ("step", "hand_and_ankle", i)
    assert data["actions"] == ["pause", "next"]
    assert data["instruction"] == step.say[0]


def test_a_step_without_a_point_shows_the_whole_body_without_markers(content):
    d = apl.step_directive("mindfulness", 0, None, "Notice", "Notice how you feel.")
    point = d["document"]["graphics"]["point"]
    assert point == d["document"]["graphics"]["body"]
    assert "marker" not in point["styles"]


def test_the_start_screen_marks_every_point_of_the_routine_on_the_body_map(content):
    routine = content.routines["seated_lower_back"]
    points = [s.point for s in routine.steps if s.point]
    d = apl.start_directive(routine.id, routine.name, routine.intro[0], points)
    body = d["document"]["graphics"]["body"]
    markers = next(i for i in pictures.avg_items(body) if i["style"] == "marker")
    spots = {xy for pid in points for xy in pictures.pictures().points[pid].body}
    assert markers["pathData"].count("M") == len(spots)
    assert d["datasources"]["screen"]["heading"] == routine.name
    assert d["document"]["graphics"]["point"] == pictures.to_avg(pictures.point_drawing(points[0]))


def test_no_wording_is_made_up_in_code_every_shown_string_comes_from_the_caller_or_content(content):
    pics = pictures.pictures()
    allowed = {pics.screen.next, pics.screen.pause}
    allowed |= {lab.text for v in pics.views.values() for s in v.shapes if s.label for lab in [s.label]}
    allowed |= {lab.text for v in pics.views.values() for lab in v.labels}
    allowed |= {p.measure.label for p in pics.points.values() if p.measure}
    d = apl.lookup_directive("BL23", "NAME", "INSTRUCTION")
    graphics = d["document"]["graphics"].values()
    texts = [i["text"] for g in graphics for i in pictures.avg_items(g) if i["type"] == "text"]
    assert set(texts) <= allowed
    shown = [v for k, v in d["datasources"]["screen"].items() if k in ("heading", "instruction")]
    assert shown == ["NAME", "INSTRUCTION"]


def test_every_directive_fits_the_response_budget(content):
    sizes = {name: size(d) for name, d in every_directive(content).items()}
    assert max(sizes.values()) <= DIRECTIVE_BUDGET, max(sizes.items(), key=lambda kv: kv[1])


def test_the_directive_is_the_sdk_model_the_response_builder_takes(content):
    d = apl.lookup_directive("GV4", "Governing Vessel 4", "Put a finger on your navel.")
    model = apl.as_model(d)
    assert DefaultSerializer().serialize(model) == d


# --- layouts per viewport -----------------------------------------------------------------------------

VIEWPORTS = {
    # name: (shape, mode, width dp, height dp, expected layout index)
    "Echo Spot (round small hub)": ("round", "hub", 480, 480, 0),
    "Fire TV": ("rectangle", "tv", 960, 540, 1),
    "Echo Show 5 (small landscape hub)": ("rectangle", "hub", 960, 480, 2),
    "Echo Show 8": ("rectangle", "hub", 960, 480, 2),
    "Echo Show 10 (landscape hub)": ("rectangle", "hub", 1280, 800, 3),
    "Echo Show 21 (extra large hub)": ("rectangle", "hub", 1920, 1080, 3),
    "Fire tablet held upright": ("rectangle", "mobile", 800, 1280, 4),
}


def evaluate(condition: str, viewport: SimpleNamespace) -> bool:
    """Evaluate one of our simple `when` conditions (comparisons joined by &&) against a viewport."""
    expr = condition.removeprefix("${").removesuffix("}")
    assert re.fullmatch(r"[\w.' =<>&|!]+", expr), expr
    return bool(eval(expr.replace("&&", " and ").replace("||", " or "), {"__builtins__": {}}, {"viewport": viewport}))


@pytest.mark.parametrize("device", VIEWPORTS)
def test_each_device_gets_the_layout_made_for_its_viewport(device):
    shape, mode, width, height, expected = VIEWPORTS[device]
    viewport = SimpleNamespace(shape=shape, mode=mode, width=width, height=height)
    items = apl.lookup_directive("SI3", "Small Intestine 3", "Make a loose fist.")["document"]["mainTemplate"]["items"]
    chosen = next(i for i, item in enumerate(items) if "when" not in item or evaluate(item["when"], viewport))
    assert chosen == expected


def test_the_last_layout_catches_every_other_viewport_and_all_use_the_screen_layout():
    items = apl.lookup_directive("SI3", "Small Intestine 3", "x")["document"]["mainTemplate"]["items"]
    assert all(i["type"] == "Screen" for i in items)
    assert all("when" in i for i in items[:-1]) and "when" not in items[-1]
    round_screen = items[0]
    assert round_screen["showBody"] is False and round_screen["align"] == "center"


# --- touch events ---------------------------------------------------------------------------------------


def bind(value: Any, scope: dict[str, Any]) -> Any:
    """Resolve `${a.b}` data bindings the way the device does before it sends an event."""
    if not isinstance(value, str) or not value.startswith("${"):
        return value
    node: Any = scope
    for part in value[2:-1].split("."):
        node = node[part]
    return node


@pytest.mark.parametrize(("screen", "make"), [
    (Screen.LOOKUP, lambda: apl.lookup_directive("BL40", "Bladder 40", "Find the crease.")),
    (Screen.STEP, lambda: apl.step_directive("back_of_knee", 1, "BL40", "Bladder 40", "Press both knees.")),
    (Screen.START, lambda: apl.start_directive("back_of_knee", "Back of the knee", "Sit down.", ["BL40"])),
])
def test_a_tap_sends_arguments_the_skill_reads_back_as_the_same_touch(screen, make):
    d = make()
    data = d["datasources"]["screen"]
    button = d["document"]["layouts"]["Button"]["item"]
    touches = []
    for action in data["actions"]:
        sent = [bind(a, {"screen": data, "action": action}) for a in button["onPress"][0]["arguments"]]
        touches.append(apl.parse_touch(sent))
    assert [t.action for t in touches] == [TouchAction(a) for a in apl.BUTTONS[screen]]
    assert {(t.screen, t.subject, t.step) for t in touches} == {(screen, data["subject"], data["step"])}


def test_every_touch_action_stands_for_a_built_in_voice_intent():
    assert set(apl.VOICE_INTENT) == set(TouchAction)
    assert apl.VOICE_INTENT[TouchAction.NEXT] == "AMAZON.NextIntent"
    assert apl.VOICE_INTENT[TouchAction.PAUSE] == "AMAZON.PauseIntent"


def test_touch_arguments_from_elsewhere_or_mangled_are_not_ours():
    assert apl.parse_touch(["acupressure", "next", "step", "seated_lower_back", "2"]) == Touch(
        TouchAction.NEXT, Screen.STEP, "seated_lower_back", 2)
    for args in (None, [], ["other-skill", "next", "step", "x", 1], ["acupressure", "jump", "step", "x", 1],
                 ["acupressure", "next", "menu", "x", 1], ["acupressure", "next", "step", "x", "two"],
                 ["acupressure", "next", "step", "x"], ["acupressure", "next", "step", 7, 1]):
        assert apl.parse_touch(args) is None, args
