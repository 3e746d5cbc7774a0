"""Screens for Echo Show and Fire TV: APL RenderDocument directives with the point's picture.

Three screens share one document shape: a point look-up, a dialog-mode routine step and the
routine start reply. Each shows a picture (AVG from skill.runtime.pictures), a heading (the
point's or routine's name) and the current instruction; the caller passes every word in, and
the button labels come from content/pictures.yaml. Devices without APL get nothing from here:
`screen_directives` returns an empty list for them.

Touch buttons send `Alexa.Presentation.APL.UserEvent` with these `arguments`:

    [0] "acupressure"           marks events from these screens (APL_EVENT_SOURCE)
    [1] "next" | "pause"        the action, handled like the voice command (TouchAction)
    [2] "lookup" | "step" | "start"   the screen it came from (Screen)
    [3] point id (lookup) or routine id (step, start)
    [4] step index the screen showed (0-based; -1 when the screen has no step)

`parse_touch` turns those arguments back into a `Touch`, or None when they are not ours;
the step index lets a handler ignore a tap on a screen that is already out of date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from skill.runtime.records import record

# The pictures module (its content models) and the SDK's APL models are imported when a screen is first
# drawn, not at cold start: most devices have no screen, and every request checks first whether it has one.
if TYPE_CHECKING:
    from ask_sdk_model.interfaces.alexa.presentation.apl.render_document_directive import RenderDocumentDirective

    from skill.runtime.pictures import Coord, Drawing, PicturesFile

APL_INTERFACE = "Alexa.Presentation.APL"
RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
USER_EVENT = "Alexa.Presentation.APL.UserEvent"
APL_VERSION = "2023.2"
APL_EVENT_SOURCE = "acupressure"
PRESENTATION_TOKEN = "acupressure.screen"
NO_STEP = -1

Json = dict[str, Any]


class Screen(StrEnum):
    """Which reply a screen belongs to."""

    LOOKUP = "lookup"
    STEP = "step"
    START = "start"


class TouchAction(StrEnum):
    """What a touch button asks for; the skill treats it like the spoken intent."""

    NEXT = "next"
    PAUSE = "pause"


# The spoken intent a touch stands for: a handler can treat the tap exactly like saying it.
VOICE_INTENT: dict[TouchAction, str] = {
    TouchAction.NEXT: "AMAZON.NextIntent",
    TouchAction.PAUSE: "AMAZON.PauseIntent",
}

# Buttons each screen shows, in reading order.
BUTTONS: dict[Screen, tuple[TouchAction, ...]] = {
    Screen.LOOKUP: (TouchAction.NEXT,),
    Screen.STEP: (TouchAction.PAUSE, TouchAction.NEXT),
    Screen.START: (TouchAction.PAUSE, TouchAction.NEXT),
}


@record(frozen=True)
class Touch:
    """A touch on one of our screens, read back from a UserEvent's arguments."""

    action: TouchAction
    screen: Screen
    subject: str
    step: int


def supports_apl(supported_interfaces: object) -> bool:
    """Whether a device's supportedInterfaces (SDK model or raw request dict) include APL."""
    if supported_interfaces is None:
        return False
    if isinstance(supported_interfaces, Mapping):
        return APL_INTERFACE in supported_interfaces
    return getattr(supported_interfaces, "alexa_presentation_apl", None) is not None


def parse_touch(arguments: Sequence[object] | None) -> Touch | None:
    """The touch a UserEvent's arguments describe, or None when they did not come from our buttons."""
    if not arguments or len(arguments) != 5 or arguments[0] != APL_EVENT_SOURCE:
        return None
    _, action, screen, subject, step = arguments
    # Anything may arrive here (a list where a word belongs): only strings are looked up.
    if not (isinstance(action, str) and isinstance(screen, str) and isinstance(subject, str)):
        return None
    if action not in set(TouchAction) or screen not in set(Screen):
        return None
    try:
        index = int(str(step))
    except ValueError:
        return None
    return Touch(TouchAction(str(action)), Screen(str(screen)), subject, index)


# --- the document -----------------------------------------------------------------------

# Colours for a dark screen; the picture's own colours come from pictures.DARK.
COLORS = {
    "background": "#101A24",
    "heading": "#FFFFFF",
    "text": "#DCE3EA",
    "accent": "#FF922B",
    "button": "#24313D",
    "buttonPressed": "#3A4A5A",
    "buttonText": "#FFFFFF",
}


def _param(name: str, kind: str, default: object) -> Json:
    return {"name": name, "type": kind, "default": default}


# One button: its label and its event both come from the action it is given and the screen's data.
_BUTTON = {
    "parameters": [_param("action", "string", TouchAction.NEXT.value), _param("size", "number", 28)],
    "item": {
        "type": "TouchWrapper",
        "role": "button",
        "accessibilityLabel": "${screen.buttons[action]}",
        "onPress": [{
            "type": "SendEvent",
            "arguments": [APL_EVENT_SOURCE, "${action}", "${screen.kind}", "${screen.subject}", "${screen.step}"],
        }],
        "item": {
            "type": "Frame",
            "style": "buttonFrame",
            "inheritParentState": True,
            "borderRadius": "40dp",
            "paddingLeft": "${size + 8}",
            "paddingRight": "${size + 8}",
            "paddingTop": "${size / 2}",
            "paddingBottom": "${size / 2}",
            "item": {"type": "Text", "text": "${screen.buttons[action]}", "fontSize": "${size}",
                     "fontWeight": "bold", "color": "@buttonText", "textAlign": "center"},
        },
    },
}

# The whole screen, laid out in a row (landscape) or a column (round and portrait).
_SCREEN = {
    "parameters": [
        _param("direction", "string", "row"),
        _param("align", "string", "left"),
        _param("pictureWidth", "dimension", "40vw"),
        _param("pictureHeight", "dimension", "88vh"),
        _param("showBody", "boolean", True),
        _param("heading", "number", 40),
        _param("text", "number", 30),
        _param("lines", "number", 4),
        _param("button", "number", 28),
        _param("pad", "number", 48),
    ],
    "item": {
        "type": "Container",
        "width": "100vw",
        "height": "100vh",
        "direction": "${direction}",
        "alignItems": "center",
        "justifyContent": "center",
        "paddingLeft": "${pad}",
        "paddingRight": "${pad}",
        "paddingTop": "${pad / 2}",
        "paddingBottom": "${pad / 2}",
        "items": [
            {"type": "VectorGraphic", "source": "point", "width": "${pictureWidth}", "height": "${pictureHeight}",
             "scale": "best-fit", "align": "center", "accessibilityLabel": "${screen.pictureLabel}"},
            {"type": "VectorGraphic", "when": "${showBody}", "source": "body", "width": "12vw", "height": "70vh",
             "scale": "best-fit", "align": "center", "accessibilityLabel": "${screen.bodyLabel}"},
            {
                "type": "Container",
                "shrink": 1,
                "grow": "${direction == 'row' ? 1 : 0}",
                "alignItems": "${align == 'center' ? 'center' : 'start'}",
                "paddingLeft": "${direction == 'row' ? pad / 2 : 0}",
                "spacing": "${direction == 'row' ? 0 : 8}",
                "items": [
                    {"type": "Text", "text": "${screen.heading}", "fontSize": "${heading}", "fontWeight": "bold",
                     "color": "@heading", "maxLines": 2, "textAlign": "${align}"},
                    {"type": "Text", "text": "${screen.instruction}", "fontSize": "${text}", "color": "@text",
                     "maxLines": "${lines}", "textAlign": "${align}", "spacing": "${pad / 4}"},
                    {
                        "type": "Container",
                        "direction": "row",
                        "spacing": "${pad / 3}",
                        "data": "${screen.actions}",
                        "items": [{"type": "Button", "action": "${data}", "size": "${button}",
                                   "spacing": "${button}"}],
                    },
                ],
            },
        ],
    },
}

# `when` conditions, first match wins; the last layout has none and catches the rest.
WHEN_ROUND = "${viewport.shape == 'round'}"
WHEN_TV = "${viewport.mode == 'tv'}"
WHEN_HUB_SMALL = "${viewport.width > viewport.height && viewport.height < 600}"
WHEN_HUB = "${viewport.width > viewport.height}"

# One screen per viewport profile: round small hub, TV, small landscape hub, large hub, portrait.
# `lines`: as many lines of instruction as fit beside the heading and buttons (a dialog step's spoken lines
# run to several sentences; four lines cut most of them short).
_VARIANTS: list[Json] = [
    {"when": WHEN_ROUND, "direction": "column", "align": "center", "pictureWidth": "46vw", "pictureHeight": "38vh",
     "showBody": False, "heading": 26, "text": 20, "lines": 2, "button": 22, "pad": 36},
    {"when": WHEN_TV, "heading": 40, "text": 30, "lines": 6, "button": 28, "pad": 64},
    {"when": WHEN_HUB_SMALL, "heading": 30, "text": 24, "lines": 6, "button": 24, "pad": 28},
    {"when": WHEN_HUB, "heading": 40, "text": 30, "lines": 8, "button": 28, "pad": 48},
    {"direction": "column", "pictureWidth": "84vw", "pictureHeight": "46vh", "showBody": False,
     "heading": 30, "text": 24, "lines": 8, "button": 24, "pad": 32},
]


def document(point: Drawing, body: Drawing) -> Json:
    """The APL document: the two pictures, the layouts, and one variant per viewport profile."""
    from skill.runtime import pictures

    return {
        "type": "APL",
        "version": APL_VERSION,
        "theme": "dark",
        "description": f"{APL_EVENT_SOURCE} screen",
        "background": "@background",
        "resources": [{"colors": COLORS}],
        "styles": {
            "buttonFrame": {
                "values": [
                    {"backgroundColor": "@button", "borderWidth": "2dp", "borderColor": "@button"},
                    {"when": "${state.pressed}", "backgroundColor": "@buttonPressed"},
                    {"when": "${state.focused}", "borderColor": "@accent"},
                ]
            }
        },
        "graphics": {"point": pictures.to_avg(point, pictures.DARK), "body": pictures.to_avg(body, pictures.DARK)},
        "layouts": {"Button": _BUTTON, "Screen": _SCREEN},
        "mainTemplate": {
            "parameters": ["screen"],
            "items": [{"type": "Screen", **variant} for variant in _VARIANTS],
        },
    }


def _directive(screen: Screen, subject: str, step: int, heading: str, instruction: str,
               point: Drawing, body: Drawing, pics: PicturesFile) -> Json:
    data = {
        "kind": screen.value,
        "subject": subject,
        "step": step,
        "heading": heading,
        "instruction": instruction,
        "pictureLabel": point.desc,
        "bodyLabel": body.desc,
        "actions": [a.value for a in BUTTONS[screen]],
        "buttons": {TouchAction.NEXT.value: pics.screen.next, TouchAction.PAUSE.value: pics.screen.pause},
    }
    return {
        "type": RENDER_DOCUMENT,
        "token": PRESENTATION_TOKEN,
        "document": document(point, body),
        "datasources": {"screen": data},
    }


def lookup_directive(point_id: str, name: str, instruction: str, *, pics: PicturesFile | None = None) -> Json:
    """The screen for a point look-up: where the point is, its name, the current finding step."""
    from skill.runtime import pictures

    data = pics or pictures.pictures()
    point = pictures.point_drawing(point_id, name, pics=data)
    body = pictures.body_drawing(point_id, name, pics=data)
    return _directive(Screen.LOOKUP, point_id, NO_STEP, name, instruction, point, body, data)


def step_directive(routine_id: str, step: int, point_id: str | None, heading: str, instruction: str, *,
                   pics: PicturesFile | None = None) -> Json:
    """The screen for one dialog-mode routine step; a step without a point shows the whole body."""
    from skill.runtime import pictures

    data = pics or pictures.pictures()
    if point_id is None:
        body = pictures.view_drawing(data.body_view, pics=data)
        return _directive(Screen.STEP, routine_id, step, heading, instruction, body, body, data)
    point = pictures.point_drawing(point_id, heading, pics=data)
    body = pictures.body_drawing(point_id, heading, pics=data)
    return _directive(Screen.STEP, routine_id, step, heading, instruction, point, body, data)


def start_directive(routine_id: str, title: str, instruction: str, point_ids: Sequence[str], *,
                    pics: PicturesFile | None = None) -> Json:
    """The routine start screen: the first point large, every point of the routine on the body map."""
    from skill.runtime import pictures

    data = pics or pictures.pictures()
    spots: list[Coord] = [xy for pid in dict.fromkeys(point_ids) for xy in data.points[pid].body]
    body = pictures.view_drawing(data.body_view, spots, title=title, key=f"{routine_id}-body", pics=data)
    first = pictures.point_drawing(point_ids[0], pics=data) if point_ids else body
    return _directive(Screen.START, routine_id, NO_STEP, title, instruction, first, body, data)


def screen_directives(supported_interfaces: object, build: Callable[[], Json]) -> list[Json]:
    """[directive] for a device with a screen, [] for one without (it gets today's reply unchanged)."""
    return [build()] if supports_apl(supported_interfaces) else []


def as_model(directive: Json) -> RenderDocumentDirective:
    """The directive as the ASK SDK's model, for response_builder.add_directive."""
    from ask_sdk_model.interfaces.alexa.presentation.apl.render_document_directive import RenderDocumentDirective

    return RenderDocumentDirective(token=directive["token"], document=directive["document"],
                                   datasources=directive["datasources"])
