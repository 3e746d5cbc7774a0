"""The try-it page's server side: GET /, its static files, /api/catalog, and the coach box's round trip
(typed words -> real envelope -> POST / -> reply read into words and audio), on the real skill."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from envelopes import SKILL_ID

from skill.runtime.content import Content
from skill.runtime.manifest import load_manifest, prompt_key_for, routine_key, step_key
from skill.runtime.pipeline import App, check_envelope
from skill.simulator.client import AudioIndex, describe
from skill.web.page import STATIC_DIR, local_url
from skill.web.service import create_app
from skill.web.verifier import SkillIdVerifier

# Enough of an MP3 for a server and a reader: an ID3v2 header, then one frame header.
FAKE_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(413)
STEP_MS = 20_000


def write_audio(root: Path, content: Content, routine_id: str = "back_of_knee", hold_s: int = 60) -> Path:
    """A rendered-audio directory as `acupressure render` leaves it, for one routine and the BL23 lines
    (files are stand-in bytes; the page and the reader only need the manifest and the paths)."""
    routine = content.routines[routine_id]
    point = content.points["BL23"]
    files: dict[str, dict[str, Any]] = {}

    def add(key: str, kind: str, path: str, text: str, **extra: Any) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(FAKE_MP3 if path.endswith(".mp3") else b"#EXTM3U\n")
        files[key] = {"kind": kind, "path": path, "text": text, "hash": "h" * 20, "duration_ms": STEP_MS,
                      **extra}

    for i, line in enumerate([point.location, *point.find_steps]):
        add(prompt_key_for(line), "prompt", f"prompts/bl23-{i}.mp3", line)
    chapters, t = [], 0
    for s in routine.steps:
        hold = hold_s if s.hold else None
        add(step_key(routine.id, s.id, hold), "step", f"steps/{routine.id}/{s.id}.mp3", "\n".join(s.say),
            routine_id=routine.id, step_id=s.id, hold_s=hold, title=s.title)
        chapters.append({"step_id": s.id, "title": s.title, "start_ms": t, "end_ms": t + STEP_MS})
        t += STEP_MS
    add(routine_key(routine.id), "routine", f"routines/{routine.id}.mp3", routine.name,
        routine_id=routine.id, chapters=chapters)
    add("playlist", "playlist", "routines.m3u", "")
    add("feed", "feed", "feed.xml", "")
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(json.dumps({"format": 1, "content_version": content.version,
                                                    "engine": "test", "files": files}))
    return root


@pytest.fixture
def audio(tmp_path: Path, content: Content) -> Path:
    return write_audio(tmp_path / "audio", content)


@pytest.fixture
def page_client(make_app: Callable[..., App], audio: Path) -> Any:
    """The page on the real skill, with signatures off (as `acupressure serve --no-verify`)."""
    app = make_app(manifest=load_manifest(audio), audio_base_url="http://127.0.0.1:8080/audio/")
    return create_app(app, verifiers=[SkillIdVerifier(SKILL_ID)], audio_dir=audio, page=True).test_client()


class Coach:
    """Does what the page's script does: envelope from the API, POST it to /, read the reply."""

    def __init__(self, client: Any, user: str = "browser-test", audio_player: bool | None = None):
        self.client = client
        self.session: dict[str, Any] = {"user_id": user}
        self.audio_player = audio_player
        self.envelopes: list[dict[str, Any]] = []

    def exchange(self, spec: dict[str, Any]) -> dict[str, Any]:
        body = {"session": self.session, **spec}
        if self.audio_player is not None:
            body["audio_player"] = self.audio_player
        made = self.client.post("/api/envelope", json=body)
        assert made.status_code == 200, made.get_data(as_text=True)
        made = made.get_json()
        if made["in_session"]:
            self.session = made["session"]
        envelope = made["envelope"]
        self.envelopes.append(envelope)
        check_envelope(envelope)
        res = self.client.post("/", data=json.dumps(envelope), content_type="application/json")
        assert res.status_code == 200, res.get_data(as_text=True)
        read = self.client.post("/api/reply", json={"reply": res.get_json(), "session": made["session"],
                                                    "in_session": made["in_session"],
                                                    **({"audio_player": self.audio_player}
                                                       if self.audio_player is not None else {})})
        assert read.status_code == 200
        if made["in_session"]:
            self.session = read.get_json()["session"]
        return {"understood": made["understood"], **read.get_json()["view"]}

    def say(self, text: str) -> dict[str, Any]:
        return self.exchange({"say": text})


def test_page_and_its_files_are_served_with_nothing_from_outside(page_client: Any) -> None:
    res = page_client.get("/")
    assert res.status_code == 200 and res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    assert '<label for="say">' in html and 'lang="en"' in html and 'name="viewport"' in html
    for name in ("app.js", "app.css"):
        assert page_client.get(f"/static/{name}").status_code == 200
    # Offline: no CDN, no web fonts, no absolute URLs anywhere in the page's own files.
    for f in STATIC_DIR.iterdir():
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text), f.name
    assert page_client.get("/static/../app.py").status_code == 404


def test_catalog_has_routines_with_chapters_downloads_and_points(page_client: Any, content: Content) -> None:
    cat = page_client.get("/api/catalog").get_json()
    assert cat["rendered"] is True and cat["coach"]["enabled"] is True
    assert cat["downloads"] == {"playlist": "audio/routines.m3u", "feed": "audio/feed.xml"}
    assert [r["id"] for r in cat["routines"]] == list(content.routines)
    knee = next(r for r in cat["routines"] if r["id"] == "back_of_knee")
    assert knee["audio"]["url"] == "audio/routines/back_of_knee.mp3"
    assert [c["title"] for c in knee["audio"]["chapters"]] == [s.title for s in content.routines["back_of_knee"].steps]
    assert next(r for r in cat["routines"] if r["id"] == "seated_lower_back")["audio"] is None
    bl23 = next(p for p in cat["points"] if p["id"] == "BL23")
    assert bl23["location"] == content.points["BL23"].location
    assert bl23["find_steps"] == content.points["BL23"].find_steps
    mp3 = page_client.get("/" + knee["audio"]["url"])
    assert mp3.status_code == 200 and mp3.mimetype == "audio/mpeg" and mp3.data.startswith(b"ID3")


def test_nothing_rendered_means_no_links(make_app: Callable[..., App], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    client = create_app(make_app(), verifiers=[], audio_dir=empty, page=True).test_client()
    cat = client.get("/api/catalog").get_json()
    assert cat["rendered"] is False
    assert cat["downloads"] == {"playlist": None, "feed": None}
    assert all(r["audio"] is None and r["step_audio"] == {} for r in cat["routines"])


def test_coach_box_is_off_and_refused_when_signatures_are_checked(make_app: Callable[..., App], verifiers: list,
                                                                  audio: Path) -> None:
    client = create_app(make_app(), verifiers=verifiers, audio_dir=audio, page=True).test_client()
    assert client.get("/api/catalog").get_json()["coach"]["enabled"] is False
    made = client.post("/api/envelope", json={"say": "where is bladder 23", "session": {}}).get_json()
    # The page's unsigned envelope gets no further than it would from anyone else.
    res = client.post("/", data=json.dumps(made["envelope"]), content_type="application/json")
    assert res.status_code == 400


def test_where_is_bladder_23_answers_with_where_to_find_it_and_its_audio(page_client: Any, content: Content) -> None:
    coach = Coach(page_client)
    view = coach.say("where is bladder 23")
    point = content.points["BL23"]
    assert view["understood"]["intent"] == "FindPointIntent"
    assert view["understood"]["slots"]["point"]["id"] == "BL23"
    assert point.location in view["text"] and "<" not in view["text"]
    env = coach.envelopes[0]
    assert env["session"]["new"] is True and env["context"]["System"]["application"]["applicationId"] == SKILL_ID
    slot = env["request"]["intent"]["slots"]["point"]
    assert slot["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"]["id"] == "BL23"
    # The lines that have a pre-rendered prompt play it, in order; the rest is text only.
    spoken = [s for s in view["segments"] if s["url"]]
    assert [s["text"] for s in spoken] == [point.location, *point.find_steps]
    assert all(s["url"].startswith("audio/prompts/") for s in spoken)
    assert page_client.get("/" + spoken[0]["url"]).mimetype == "audio/mpeg"
    assert any(not s["url"] for s in view["segments"])  # e.g. the intro line built from a template


def test_routine_plays_its_step_audio_and_steps_advance_then_pause_and_resume(page_client: Any) -> None:
    coach = Coach(page_client)
    first = coach.say("start the knee routine")
    assert first["step"] == ["back_of_knee", "position"]
    clip = next(s for s in first["segments"] if s["kind"] == "audio")
    assert clip["url"] == "audio/steps/back_of_knee/position.mp3" and clip["step_id"] == "position"
    assert first["end_session"] is False
    second = coach.say("next")
    assert second["step"] == ["back_of_knee", "press_knees"]
    assert coach.envelopes[1]["session"]["new"] is False
    assert coach.envelopes[1]["session"]["sessionId"] == coach.envelopes[0]["session"]["sessionId"]
    paused = coach.exchange({"request": {"type": "IntentRequest", "intent": "AMAZON.PauseIntent"}})
    assert paused["end_session"] is True and coach.session["open"] is False
    resumed = coach.exchange({"request": {"type": "IntentRequest", "intent": "AMAZON.ResumeIntent"}})
    assert coach.envelopes[-1]["session"]["new"] is True
    assert resumed["step"] == ["back_of_knee", "press_knees"]


def test_the_same_user_is_remembered_across_sessions(page_client: Any) -> None:
    Coach(page_client, user="browser-abc").say("start the knee routine")
    again = Coach(page_client, user="browser-abc")
    view = again.say("open acupressure coach")
    assert again.envelopes[0]["request"]["type"] == "LaunchRequest"
    assert "knee" in view["text"].lower()  # offers to continue the routine in progress
    other = Coach(page_client, user="browser-xyz").say("open acupressure coach")
    assert "knee" not in other["text"].lower()


def test_device_events_are_sent_without_a_session_and_answered(page_client: Any) -> None:
    coach = Coach(page_client, audio_player=True)
    coach.say("where is bladder 23")
    before = dict(coach.session)
    coach.exchange({"request": {"type": "AudioPlayer.PlaybackStopped", "token": "t1", "offset_ms": 1234}})
    env = coach.envelopes[-1]
    assert "session" not in env
    assert env["request"]["offsetInMilliseconds"] == 1234 and env["request"]["token"] == "t1"
    assert env["context"]["System"]["device"]["supportedInterfaces"] == {"AudioPlayer": {}}
    assert "AudioPlayer" in env["context"]
    assert coach.session == before  # the dialog session is untouched
    coach.exchange({"request": {"type": "PlaybackController.NextCommandIssued"}})
    assert "session" not in coach.envelopes[-1]


def test_leaving_with_no_session_open_sends_nothing(page_client: Any) -> None:
    made = page_client.post("/api/envelope", json={"say": "exit", "session": {"user_id": "u"}}).get_json()
    assert made["envelope"] is None


@pytest.mark.parametrize("body", [
    {}, {"say": ""}, {"say": "x" * 501}, {"request": {"type": "IntentRequest", "intent": "NoSuchIntent"}},
    {"request": {"type": "AudioPlayer.PlaybackStarted", "offset_ms": -1}}, {"request": {"type": "Weird"}},
    {"say": 42},
])
def test_bad_api_requests_are_400_not_500(page_client: Any, body: dict) -> None:
    assert page_client.post("/api/envelope", json=body).status_code == 400


def test_bad_reply_bodies_are_400(page_client: Any) -> None:
    assert page_client.post("/api/reply", json={"reply": "x"}).status_code == 400
    assert page_client.post("/api/reply", data="nope", content_type="application/json").status_code == 400
    assert page_client.post("/api/understand", json={"say": ""}).status_code == 400


def test_reader_maps_audioplayer_play_directives_to_routine_steps(audio: Path) -> None:
    manifest = load_manifest(audio)
    reply = {"version": "1.0", "response": {"directives": [
        {"type": "AudioPlayer.Play", "playBehavior": "REPLACE_ALL", "audioItem": {"stream": {
            "url": "https://cdn.example.test/coach/audio/steps/back_of_knee/press_knees.mp3",
            "token": "acu1|v|back_of_knee|1|press_knees|60", "offsetInMilliseconds": 5000}}},
        {"type": "AudioPlayer.Play", "playBehavior": "ENQUEUE", "audioItem": {"stream": {
            "url": "https://cdn.example.test/coach/audio/steps/back_of_knee/rest.mp3", "token": "next",
            "expectedPreviousToken": "acu1|v|back_of_knee|1|press_knees|60", "offsetInMilliseconds": 0}}},
    ], "shouldEndSession": True}}
    view = describe(reply, AudioIndex(manifest, local_url))
    assert [(p.step_id, p.behavior, p.offset_ms) for p in view.plays] == [
        ("press_knees", "REPLACE_ALL", 5000), ("rest", "ENQUEUE", 0)]
    # Served by the page's own /audio/, not the public host (which may be unreachable offline).
    assert view.plays[0].url == "audio/steps/back_of_knee/press_knees.mp3"
    assert view.step == ("back_of_knee", "press_knees") and view.text == ""
    stop = describe({"response": {"directives": [{"type": "AudioPlayer.Stop"}]}}, AudioIndex(manifest))
    assert stop.stop and not stop.plays
