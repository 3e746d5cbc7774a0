"""Screens on Echo Show, Echo Spot and Fire TV, from the user's side: what each device shows beside the reply,
what a tap on Next or Pause does, and that devices without a screen hear exactly what they heard before.

Every conversation runs through the skill's one pipeline (envelope in, serialized reply out, fitted to
Alexa's limits) on a real SQLite file; every document the skill shows here is checked by apl-suggester.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import AUDIO_BASE, rendered_manifest, stream_durations
from envelopes import AudioDevice, Conversation, directives_of, speech_of
from expectations import prompt_fragments, words
from test_apl import evaluate
from test_apl_suggester import NODE, NPM, as_input, validate

# The fixture that installs apl-suggester, for the last test.
from test_apl_suggester import suggester as suggester

from skill.runtime import pictures, pipeline
from skill.runtime.apl import RENDER_DOCUMENT, USER_EVENT
from skill.runtime.content import Content
from skill.runtime.handlers import RESPONSE_INTERCEPTORS
from skill.runtime.handlers.interceptors import ScreenInterceptor
from skill.runtime.manifest import Manifest
from skill.runtime.persistence import SQLiteAdapter
from skill.runtime.pipeline import App, Config, build_app, response_bytes
from skill.runtime.speech import MAX_RESPONSE_BYTES

# Devices as their requests describe them: supportedInterfaces and context.Viewport.
ECHO_SHOW = {"apl": True, "audio_player": True, "viewport": {
    "experiences": [{"arcMinuteWidth": 346, "arcMinuteHeight": 216, "canRotate": False, "canResize": False}],
    "mode": "HUB", "shape": "RECTANGLE", "pixelWidth": 1280, "pixelHeight": 800, "dpi": 160,
    "currentPixelWidth": 1280, "currentPixelHeight": 800, "touch": ["SINGLE"],
    "video": {"codecs": ["H_264_42", "H_264_41"]}}}
ECHO_SPOT = {"apl": True, "audio_player": True, "viewport": {
    "experiences": [{"arcMinuteWidth": 246, "arcMinuteHeight": 144, "canRotate": False, "canResize": False}],
    "mode": "HUB", "shape": "ROUND", "pixelWidth": 480, "pixelHeight": 480, "dpi": 160,
    "currentPixelWidth": 480, "currentPixelHeight": 480, "touch": ["SINGLE"],
    "video": {"codecs": ["H_264_42", "H_264_41"]}}}
# A screen that talks a routine through (APL without AudioPlayer), like a TV set up without long-form audio.
FIRE_TV = {"apl": True, "audio_player": False, "viewport": {
    "experiences": [{"arcMinuteWidth": 1470, "arcMinuteHeight": 830, "canRotate": False, "canResize": False}],
    "mode": "TV", "shape": "RECTANGLE", "pixelWidth": 1920, "pixelHeight": 1080, "dpi": 320,
    "currentPixelWidth": 1920, "currentPixelHeight": 1080, "touch": [], "video": {"codecs": ["H_264_42"]}}}
ECHO_DOT = {"apl": False, "audio_player": True, "viewport": None}
SPEAKER = {"apl": False, "audio_player": False, "viewport": None}

RED_FLAG_WORDS = "I wet myself this morning and I can't feel my bum"


# --- the skill and its users --------------------------------------------------------------------------


def make(tmp_path: Path, name: str, *, manifest: Manifest | None = None, audio_base_url: str | None = AUDIO_BASE,
         screens: bool = True) -> App:
    """The skill on its own SQLite file; `screens=False` builds it without the screen interceptor."""
    interceptors = list(RESPONSE_INTERCEPTORS) if screens else \
        [i for i in RESPONSE_INTERCEPTORS if i is not ScreenInterceptor]
    saved = pipeline.RESPONSE_INTERCEPTORS
    pipeline.RESPONSE_INTERCEPTORS = interceptors
    try:
        return build_app(manifest=manifest if manifest is not None else Manifest.empty(),
                         adapter=SQLiteAdapter(tmp_path / name / "state.sqlite3"),
                         config=Config(skill_id=None, audio_base_url=audio_base_url), rng=random.Random(7))
    finally:
        pipeline.RESPONSE_INTERCEPTORS = saved


def on(app: App, device: dict[str, Any], user_id: str = "amzn1.ask.account.SCREENS") -> Conversation:
    """A person talking to the skill on `device`."""
    return Conversation(app.handle_event, user_id=user_id, audio_player=device["audio_player"], apl=device["apl"],
                        viewport=device["viewport"])


@pytest.fixture
def shown() -> list[dict[str, Any]]:
    """Every document the skill showed in a test, for apl-suggester."""
    return []


@pytest.fixture
def watch(shown: list[dict[str, Any]]) -> Callable[[Conversation], Conversation]:
    """Wrap a conversation's transport so every RenderDocument it receives is kept."""
    def wrap(c: Conversation) -> Conversation:
        send = c.transport

        def kept(body: dict[str, Any]) -> dict[str, Any]:
            reply = send(body)
            shown.extend(screens_of(reply))
            return reply
        c.transport = kept
        return c
    return wrap


def screens_of(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in directives_of(reply) if d["type"] == RENDER_DOCUMENT]


def screen_of(reply: dict[str, Any]) -> dict[str, Any]:
    """The one RenderDocument of a reply."""
    found = screens_of(reply)
    assert len(found) == 1, f"expected one screen, got {len(found)}: {speech_of(reply)[:120]}"
    return found[0]


def data_of(reply: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = screen_of(reply)["datasources"]["screen"]
    return data


def tap(c: Conversation, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """Touch a button on the screen `data` describes, sending the arguments its SendEvent binds."""
    args = ["acupressure", action, data["kind"], data["subject"], data["step"]]
    return c.send(user_event(args))


def user_event(arguments: Any, token: str = "acupressure.screen") -> dict[str, Any]:
    """An Alexa.Presentation.APL.UserEvent as a device sends it after a SendEvent."""
    return {"type": USER_EVENT, "token": token, "arguments": arguments,
            "source": {"type": "TouchWrapper", "handler": "Press", "id": "", "value": False},
            "components": {}}


def ask_where(c: Conversation, words_said: str, point_id: str | None = None) -> dict[str, Any]:
    slot: Any = {"value": words_said, "id": point_id} if point_id else words_said
    return c.intent("FindPointIntent", {"point": slot})


def start(c: Conversation, routine_id: str, said: str) -> dict[str, Any]:
    return c.intent("StartRoutineIntent", {"routine": {"value": said, "id": routine_id}})


def begin(content: Content, c: Conversation, routine_id: str) -> dict[str, Any]:
    """Start a routine, answering 'no' if the skill first asks whether the user is pregnant."""
    reply = start(c, routine_id, content.routines[routine_id].name)
    return c.intent("AMAZON.NoIntent") if has_prompt(content, reply, "pregnancy_ask") else reply


def said(reply: dict[str, Any]) -> str:
    return words(speech_of(reply))


def has_prompt(content: Content, reply: dict[str, Any], key: str) -> bool:
    return any(f in said(reply) for f in prompt_fragments(content, key))


def dp(viewport: dict[str, Any]) -> SimpleNamespace:
    """The viewport as APL documents see it: density-independent pixels, lower-case shape and mode."""
    scale = 160 / viewport["dpi"]
    return SimpleNamespace(shape=viewport["shape"].lower(), mode=viewport["mode"].lower(),
                           width=viewport["pixelWidth"] * scale, height=viewport["pixelHeight"] * scale)


def layout_for(directive: dict[str, Any], viewport: dict[str, Any]) -> dict[str, Any]:
    """The layout a device with this viewport picks from the document (first `when` that holds)."""
    items = directive["document"]["mainTemplate"]["items"]
    return next(i for i in items if "when" not in i or evaluate(i["when"], dp(viewport)))


# --- look-ups ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("device", "asked", "er_id", "point_id"), [
    (ECHO_SHOW, "bladder twenty three", "BL23", "BL23"),
    (ECHO_SHOW, "B fifty four", None, "BL40"),          # older numbering, our own alias look-up
    (ECHO_SHOW, "the point behind my knee", None, "BL40"),
    (ECHO_SPOT, "hegu", "LI4", "LI4"),
    (ECHO_SPOT, "kidney three", "KI3", "KI3"),
])
def test_a_look_up_shows_that_points_picture_name_and_where_it_is(tmp_path, content, device, asked, er_id,
                                                                  point_id):
    c = on(make(tmp_path, "app"), device)
    c.launch()
    reply = ask_where(c, asked, er_id)
    point = content.points[point_id]
    d = screen_of(reply)
    data = d["datasources"]["screen"]
    assert (data["kind"], data["subject"], data["heading"]) == ("lookup", point_id, point.name)
    assert data["instruction"] == point.location
    assert d["document"]["graphics"]["point"] == pictures.to_avg(pictures.point_drawing(point_id, point.name))
    assert point.name in said(reply), "the screen goes beside the spoken answer, not instead of it"
    assert reply["response"]["shouldEndSession"] is False


def test_the_round_spot_and_the_landscape_show_pick_their_own_layouts(tmp_path):
    for name, device in (("show", ECHO_SHOW), ("spot", ECHO_SPOT)):
        c = on(make(tmp_path, name), device)
        c.launch()
        d = screen_of(ask_where(c, "bladder fifty two", "BL52"))
        layout = layout_for(d, device["viewport"])
        if device is ECHO_SPOT:
            assert layout["when"] == "${viewport.shape == 'round'}"
            assert layout["showBody"] is False and layout["direction"] == "column"
        else:
            assert layout["when"] == "${viewport.width > viewport.height}"
            assert "showBody" not in layout  # the whole-body view shows beside the point


def test_a_pregnant_user_sees_the_caution_of_an_avoided_point(tmp_path, content):
    c = on(make(tmp_path, "app"), ECHO_SHOW)
    c.launch()
    c.intent("PregnancyIntent")
    data = data_of(ask_where(c, "large intestine four", "LI4"))
    caution = content.points["LI4"].pregnancy_caution
    assert caution is not None and data["instruction"] == caution.text
    assert data["instruction"] != content.points["LI4"].location


def test_a_point_nobody_knows_and_a_red_flag_show_nothing(tmp_path, content):
    c = on(make(tmp_path, "app"), ECHO_SHOW)
    c.launch()
    unknown = ask_where(c, "bladder ninety nine")
    assert has_prompt(content, unknown, "point_unknown") and screens_of(unknown) == []
    # Red-flag words said as if naming a point: the urgent advice comes alone.
    flagged = ask_where(c, RED_FLAG_WORDS)
    assert flagged["response"]["shouldEndSession"] is True
    assert screens_of(flagged) == []


# --- a routine talked through on a screen ----------------------------------------------------------------


def step_ids(content: Content, routine_id: str) -> list[str]:
    return [s.id for s in content.routines[routine_id].steps]


def test_a_dialog_routine_shows_the_start_then_each_step_as_next_and_back_move(tmp_path, content):
    routine = content.routines["seated_lower_back"]
    c = on(make(tmp_path, "tv"), FIRE_TV)
    c.launch()
    first = data_of(start(c, routine.id, "the seated routine"))
    assert (first["kind"], first["subject"], first["heading"]) == ("start", routine.id, routine.name)
    assert first["instruction"] == " ".join(routine.steps[0].say)
    assert first["actions"] == ["pause", "next"]

    def expect_step(reply: dict[str, Any], index: int) -> None:
        step = routine.steps[index]
        d = screen_of(reply)
        data = d["datasources"]["screen"]
        assert (data["kind"], data["subject"], data["step"]) == ("step", routine.id, index)
        assert data["heading"] == step.title
        assert data["instruction"] == " ".join(step.say)
        assert step.say[0] in said(reply), "the screen shows the step being spoken"
        if step.point:
            assert d["document"]["graphics"]["point"] == pictures.to_avg(pictures.point_drawing(step.point,
                                                                                               step.title))

    expect_step(c.intent("AMAZON.NextIntent"), 1)
    expect_step(c.intent("AMAZON.NextIntent"), 2)
    expect_step(c.intent("AMAZON.PreviousIntent"), 1)
    expect_step(c.intent("AMAZON.RepeatIntent"), 1)
    back = c.intent("AMAZON.PreviousIntent")
    assert data_of(back)["kind"] == "start", "step 1 again: the start screen"
    for index in range(1, len(routine.steps)):
        expect_step(c.intent("AMAZON.NextIntent"), index)
    done = c.intent("AMAZON.NextIntent")  # past the last step: the close (and a reminder offer)
    assert screens_of(done) == [], "no step screen once the routine is over"


def test_the_start_screen_marks_only_the_points_this_user_does(tmp_path, content):
    c = on(make(tmp_path, "tv"), FIRE_TV)
    c.launch()
    c.intent("PregnancyIntent")
    reply = start(c, "hand_and_ankle", "hands and ankles")
    if not screens_of(reply):  # the skill asks first about the practitioner's agreement
        reply = c.intent("AMAZON.YesIntent")  # yes, she said acupressure is fine
    d = screen_of(reply)
    body = d["document"]["graphics"]["body"]
    markers = [i for i in pictures.avg_items(body) if i.get("style") == "marker"]
    steps = content.routines["hand_and_ankle"].steps
    planned = {s.point for s in steps if s.point and not content.points[s.point].pregnancy_contraindicated}
    assert planned and planned < {s.point for s in steps if s.point}, "some points are left out"
    spots = {xy for pid in planned for xy in pictures.pictures().points[pid].body}
    assert markers and markers[0]["pathData"].count("M") == len(spots)


def test_a_routine_playing_as_audio_on_a_show_gets_the_player_not_a_screen(tmp_path, content):
    app = make(tmp_path, "app", manifest=rendered_manifest(content))
    c = on(app, ECHO_SHOW)
    c.launch()
    reply = start(c, "seated_lower_back", "the seated routine")
    kinds = [d["type"] for d in directives_of(reply)]
    assert "AudioPlayer.Play" in kinds and RENDER_DOCUMENT not in kinds


# --- taps ---------------------------------------------------------------------------------------------------


def twins(tmp_path: Path, device: dict[str, Any], manifest: Manifest | None = None) -> tuple[Conversation,
                                                                                            Conversation]:
    """Two people on two identical skills, to compare a tap with the words said aloud."""
    return (on(make(tmp_path, "voice", manifest=manifest), device),
            on(make(tmp_path, "touch", manifest=manifest), device))


def same_start(content: Content, pair: tuple[Conversation, Conversation], routine_id: str) -> dict[str, Any]:
    replies = []
    for c in pair:
        c.launch()
        replies.append(begin(content, c, routine_id))
    assert replies[0] == replies[1]
    return replies[1]


def test_tapping_next_does_exactly_what_saying_next_does(tmp_path, content):
    voice, touch = twins(tmp_path, FIRE_TV)
    screen = data_of(same_start(content, (voice, touch), "hand_and_ankle"))
    for _ in range(len(content.routines["hand_and_ankle"].steps) + 1):
        spoken, tapped = voice.intent("AMAZON.NextIntent"), tap(touch, "next", screen)
        assert tapped == spoken, "the tap's reply, screen and saved place are the spoken command's"
        if not screens_of(tapped):
            break
        screen = data_of(tapped)
    assert has_prompt(content, tapped, "routine_done"), "tapping next through every step finishes the routine"


def test_tapping_pause_does_exactly_what_saying_pause_does(tmp_path, content):
    voice, touch = twins(tmp_path, FIRE_TV)
    screen = data_of(same_start(content, (voice, touch), "seated_lower_back"))
    tapped = tap(touch, "next", screen)
    assert tapped == voice.intent("AMAZON.NextIntent")
    paused = tap(touch, "pause", data_of(tapped))
    assert paused == voice.intent("AMAZON.PauseIntent")
    assert has_prompt(content, paused, "paused") and paused["response"]["shouldEndSession"] is True
    # Tomorrow both carry on from the same step.
    assert voice.launch() == touch.launch()
    assert voice.intent("AMAZON.YesIntent") == touch.intent("AMAZON.YesIntent")


def test_a_tap_on_a_look_up_screen_while_a_routine_plays_moves_the_player_like_saying_next(tmp_path, content):
    manifest = rendered_manifest(content)
    voice, touch = twins(tmp_path, ECHO_SHOW, manifest)
    same_start(content, (voice, touch), "seated_lower_back")  # plays as audio; the session closes
    looked = [ask_where(c, "bladder twenty three", "BL23") for c in (voice, touch)]
    assert looked[0] == looked[1]
    tapped, spoken = tap(touch, "next", data_of(looked[1])), voice.intent("AMAZON.NextIntent")
    assert tapped == spoken
    plays = [d for d in directives_of(tapped) if d["type"] == "AudioPlayer.Play"]
    assert plays and "|1|" in plays[0]["audioItem"]["stream"]["token"], "the player moved on to step 2"


def test_an_out_of_date_tap_is_answered_gently_and_moves_nothing(tmp_path, content):
    routine = content.routines["seated_lower_back"]
    c = on(make(tmp_path, "tv"), FIRE_TV)
    c.launch()
    start_screen = data_of(start(c, routine.id, "the seated routine"))
    step2 = data_of(c.intent("AMAZON.NextIntent"))
    c.intent("AMAZON.NextIntent")  # now on step 3 by voice; the screens above are out of date
    for old in (start_screen, step2, {**step2, "subject": "lying_lower_back"}):
        for action in ("next", "pause"):
            reply = tap(c, action, old)
            assert has_prompt(content, reply, "screen_tap_stale"), said(reply)
            assert reply["response"]["shouldEndSession"] is False
            now = data_of(reply)
            assert (now["kind"], now["step"]) == ("step", 2), "the screen is brought up to date"
    assert data_of(c.intent("AMAZON.NextIntent"))["step"] == 3, "nothing moved: next goes to step 4"


@pytest.mark.parametrize("arguments", [
    None, [], ["somebody-else", "next", "step", "seated_lower_back", 1], ["acupressure", "jump", "step", "x", 1],
    ["acupressure", "next", "step", "seated_lower_back", "two"], ["acupressure"], ["acupressure", "next"],
])
def test_a_screen_event_that_is_not_from_our_buttons_gets_a_short_reply(tmp_path, content, arguments):
    c = on(make(tmp_path, "app"), ECHO_SHOW)
    c.launch()
    reply = c.send(user_event(arguments))
    assert has_prompt(content, reply, "screen_tap_unknown"), said(reply)
    assert not has_prompt(content, reply, "error_generic")
    assert reply["response"]["shouldEndSession"] is False


def test_touch_arguments_of_any_shape_are_read_without_failing():
    from skill.runtime import apl

    for args in (["acupressure", [], "step", "x", 1], ["acupressure", "next", {"a": 1}, "x", 1],
                 ["acupressure", "next", "step", ["x"], 1], ["acupressure", "next", "step", "x", [1]],
                 ["acupressure", "next", "step", "x", None]):
        assert apl.parse_touch(args) is None, args


def test_a_tap_with_no_routine_going_answers_like_saying_next(tmp_path, content):
    voice, touch = twins(tmp_path, ECHO_SHOW)
    looked = [(c.launch(), ask_where(c, "bladder forty", "BL40"))[1] for c in (voice, touch)]
    tapped = tap(touch, "next", data_of(looked[1]))
    assert tapped == voice.intent("AMAZON.NextIntent")
    assert has_prompt(content, tapped, "no_routine")


# --- devices without a screen ---------------------------------------------------------------------------------


def script(content: Content) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """A session that touches every kind of reply: look-ups, a routine by voice, safety, help."""
    yield "AMAZON.HelpIntent", None
    yield "FindPointIntent", {"point": {"value": "bladder twenty three", "id": "BL23"}}
    yield "FindPointIntent", {"point": "the point behind my knee"}
    yield "PointsForComplaintIntent", {"complaint": "sciatica"}
    yield "StartRoutineIntent", {"routine": {"value": "seated", "id": "seated_lower_back"}}
    for name in ("AMAZON.NextIntent", "AMAZON.RepeatIntent", "AMAZON.PreviousIntent", "AMAZON.NextIntent",
                 "AMAZON.NextIntent", "FindPointIntent", "AMAZON.NextIntent", "AMAZON.NextIntent"):
        yield name, ({"point": {"value": "hegu", "id": "LI4"}} if name == "FindPointIntent" else None)
    yield "RedFlagIntent", {"symptom": RED_FLAG_WORDS}


@pytest.mark.parametrize("device", [ECHO_DOT, SPEAKER], ids=["echo-dot", "speaker"])
def test_devices_without_a_screen_get_byte_identical_replies(tmp_path, content, device):
    manifest = rendered_manifest(content)
    replies: dict[bool, list[str]] = {}
    for screens in (True, False):
        c = on(make(tmp_path, f"screens-{screens}", manifest=manifest, screens=screens), device)
        out = [c.launch()]
        for name, slots in script(content):
            out.append(c.intent(name, slots))
        replies[screens] = [json.dumps(r) for r in out]
    assert replies[True] == replies[False]
    assert not any(RENDER_DOCUMENT in r for r in replies[True])
    if device is ECHO_DOT:
        assert any('"AudioPlayer.Play"' in r for r in replies[True]), "the script reaches long-form audio"


def test_a_screen_only_adds_a_directive_the_speech_and_state_are_the_same(tmp_path, content):
    quiet = on(make(tmp_path, "speaker"), SPEAKER)
    tv = on(make(tmp_path, "tv"), FIRE_TV)
    pairs = [(quiet.launch(), tv.launch())]
    for name, slots in script(content):
        pairs.append((quiet.intent(name, slots), tv.intent(name, slots)))
    with_screen = 0
    for plain, shown in pairs:
        rest = {**shown, "response": {k: v for k, v in shown["response"].items() if k != "directives"}}
        others = [d for d in directives_of(shown) if d["type"] != RENDER_DOCUMENT]
        if others:
            rest["response"]["directives"] = others
        assert rest == plain
        with_screen += bool(screens_of(shown))
    assert with_screen >= 8, "look-ups and routine steps came with screens"


# --- stream art -----------------------------------------------------------------------------------------------------


def durations(content: Content) -> dict[str, int]:
    return stream_durations(content)


def test_every_stream_carries_the_art_and_the_background(tmp_path, content):
    from skill.tools import artwork

    app = make(tmp_path, "app", manifest=rendered_manifest(content))
    device = AudioDevice(app.handle_event, durations(content))
    assert device.conversation is not None
    device.conversation.apl, device.conversation.viewport = True, ECHO_SHOW["viewport"]
    device.launch()
    device.intent("StartRoutineIntent", {"routine": {"value": "seated", "id": "seated_lower_back"}})
    device.play_to_end()
    plays = [d for r in device.replies for d in directives_of(r) if d["type"] == "AudioPlayer.Play"]
    assert {p["playBehavior"] for p in plays} == {"REPLACE_ALL", "ENQUEUE"}
    assert len(plays) >= len(content.routines["seated_lower_back"].steps)
    art_name = f"art-{artwork.ART_PX}.png"
    background_name = "background-{}x{}.png".format(*artwork.BACKGROUND_PX)
    assert artwork.DEFAULT_OUT.name == "art"
    for p in plays:
        meta = p["audioItem"]["metadata"]
        assert meta["art"]["sources"] == [{"url": f"{AUDIO_BASE}art/{art_name}", "widthPixels": artwork.ART_PX,
                                           "heightPixels": artwork.ART_PX}]
        w, h = artwork.BACKGROUND_PX
        assert meta["backgroundImage"]["sources"] == [{"url": f"{AUDIO_BASE}art/{background_name}",
                                                       "widthPixels": w, "heightPixels": h}]
        assert meta["title"] == content.routines["seated_lower_back"].name


def test_without_a_published_base_url_no_art_is_promised():
    from skill.runtime.streams import play_directive

    d = play_directive(url="https://x.test/a.mp3", token="t", title="A routine")
    assert d.audio_item.metadata.art is None and d.audio_item.metadata.background_image is None
    assert play_directive(url="https://x.test/a.mp3", token="t").audio_item.metadata is None


# --- size -------------------------------------------------------------------------------------------------------


def test_realistic_replies_with_a_screen_stay_whole_and_within_24_kb(tmp_path, content):
    c = on(make(tmp_path, "tv"), FIRE_TV)
    c.launch()
    biggest: list[tuple[int, str]] = []
    for pid, point in content.points.items():
        reply = ask_where(c, point.name, pid)
        biggest.append((response_bytes(reply), f"look-up {pid}"))
        assert screens_of(reply) and reply["sessionAttributes"].get("last_speech"), "not trimmed"
    for rid in content.routines:
        reply = begin(content, c, rid)
        assert screens_of(reply), rid
        while screens_of(reply):
            biggest.append((response_bytes(reply), f"{rid} step {data_of(reply)['step']}"))
            assert reply["sessionAttributes"].get("last_speech"), "not trimmed"
            reply = c.intent("AMAZON.NextIntent")
    size, what = max(biggest)
    print(f"\nlargest reply with a screen: {size} bytes ({what}) of {MAX_RESPONSE_BYTES}")
    assert size <= MAX_RESPONSE_BYTES


def test_a_screen_that_would_not_fit_is_left_out_and_the_answer_is_kept(tmp_path, content):
    c = on(make(tmp_path, "app"), ECHO_SHOW)
    c.launch()
    c.attributes["note"] = "x" * 12_000  # a session already carrying a lot
    reply = ask_where(c, "bladder twenty three", "BL23")
    assert screens_of(reply) == []
    assert content.points["BL23"].name in said(reply) and not has_prompt(content, reply, "error_generic")
    assert reply["sessionAttributes"].get("last_speech"), "nothing had to be trimmed"


# --- apl-suggester -------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not (NODE and NPM), reason="node and npm are not installed: apl-suggester cannot run")
def test_every_document_shown_in_these_conversations_has_zero_findings(tmp_path, content, watch, shown, suggester):
    # The conversations above, on each screen: every look-up, every routine from start to end, taps.
    for name, device in (("show", ECHO_SHOW), ("spot", ECHO_SPOT), ("tv", FIRE_TV)):
        c = watch(on(make(tmp_path, name), device))
        c.launch()
        for pid, point in content.points.items():
            ask_where(c, point.name, pid)
        for rid in content.routines:
            reply = begin(content, c, rid)
            while screens_of(reply):
                reply = tap(c, "next", data_of(reply))
        c.send(user_event(["acupressure", "next", "step", "seated_lower_back", 9]))
    # A pregnant user: cautions instead of locations, and routines without the avoided points.
    c = watch(on(make(tmp_path, "pregnant"), FIRE_TV))
    c.launch()
    c.intent("PregnancyIntent")
    for pid, point in content.points.items():
        ask_where(c, point.name, pid)
    for rid in content.routines:
        reply = begin(content, c, rid)
        while screens_of(reply):
            reply = c.intent("AMAZON.NextIntent")
    unique = {json.dumps(d, sort_keys=True): d for d in shown}
    documents = {f"{i}/{d['datasources']['screen']['kind']}/{d['datasources']['screen']['subject']}": as_input(d)
                 for i, d in enumerate(unique.values())}
    findings = validate(suggester, tmp_path, documents)
    assert {name: f for name, f in findings.items() if f} == {}
    steps = sum(len(r.steps) for r in content.routines.values())
    assert len(documents) >= len(content.points) + steps, "every look-up and every step was shown"
    print(f"\napl-suggester: {len(documents)} documents from the conversations validated, 0 findings")
