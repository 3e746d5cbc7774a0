"""The try-it page's server side: GET /, its static files, /api/catalog, and the coach box's round trip
(typed words -> real envelope -> POST / -> reply read into words and audio), on the real skill."""

from __future__ import annotations

import json
import re
import sys
import types
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from envelopes import SKILL_ID

import skill.web.page as page_module
from skill.runtime.content import Content
from skill.runtime.manifest import load_manifest, prompt_key_for, routine_key, step_key
from skill.runtime.pipeline import AUDIO_BASE_URL_ENV, App, check_envelope
from skill.simulator.client import AudioIndex, describe
from skill.tools.render import tags
from skill.web.page import PICTURES_MODULE, STATIC_DIR, download_name, local_url
from skill.web.service import create_app
from skill.web.verifier import SkillIdVerifier

# Enough of an MP3 for a server and a reader: an ID3v2 header, then one frame header.
FAKE_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(413)
STEP_MS = 20_000
LINE_MS, GAP_MS = 2_000, 500
# Where `acupressure render` points the feed's enclosures when no public audio URL is configured.
RENDER_BASE = "http://127.0.0.1:8080/audio/"


def spoken(lines: list[str], start: int) -> tuple[list[dict[str, Any]], int]:
    """Timeline segments for lines said one after another from `start` (ms), as the render writes them."""
    segs = []
    for line in lines:
        segs.append({"kind": "speech", "start_ms": start, "end_ms": start + LINE_MS, "text": line})
        start += LINE_MS + GAP_MS
    return segs, start


def write_audio(root: Path, content: Content, routine_id: str = "back_of_knee", hold_s: int = 60) -> Path:
    """A rendered-audio directory as `acupressure render` leaves it, for one routine and the BL23 lines:
    stand-in MP3 bytes, but the manifest's timelines and chapters, the M3U (relative paths) and the feed
    (enclosures under the render's base URL) as the renderer writes them."""
    routine = content.routines[routine_id]
    point = content.points["BL23"]
    files: dict[str, dict[str, Any]] = {}

    def add(key: str, kind: str, path: str, text: str, body: bytes = FAKE_MP3, **extra: Any) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(body)
        files[key] = {"kind": kind, "path": path, "text": text, "hash": "h" * 20, "duration_ms": STEP_MS,
                      "size_bytes": len(body), **extra}

    for i, line in enumerate([point.location, *point.find_steps]):
        add(prompt_key_for(line), "prompt", f"prompts/bl23-{i}.mp3", line)
    chapters: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    intro, t = spoken(routine.intro, 0)
    timeline += intro
    chapters.append({"step_id": "intro", "title": routine.name, "start_ms": 0, "end_ms": t})
    for s in routine.steps:
        hold = hold_s if s.hold else None
        start = t
        said, t = spoken(s.say, t)
        quiet = hold * 1000 if hold else (s.pause_s or 0) * 1000
        if quiet:
            said.append({"kind": "hold" if hold else "pause", "start_ms": t, "end_ms": t + quiet})
            t += quiet + GAP_MS
        after, t = spoken(s.release, t)
        timeline += said + after
        step_timeline = [{**seg, "start_ms": seg["start_ms"] - start, "end_ms": seg["end_ms"] - start}
                         for seg in said + after]
        add(step_key(routine.id, s.id, hold), "step", f"steps/{routine.id}/{s.id}.mp3", "\n".join(s.say),
            routine_id=routine.id, step_id=s.id, hold_s=hold, title=s.title, timeline=step_timeline)
        chapters.append({"step_id": s.id, "title": s.title, "start_ms": start, "end_ms": t})
    outro, t = spoken(routine.outro, t)
    timeline += outro
    chapters.append({"step_id": "outro", "title": routine.name, "start_ms": chapters[-1]["end_ms"], "end_ms": t})
    path = f"routines/{routine.id}.3f86e43cbcb3.mp3"
    add(routine_key(routine.id), "routine", path, routine.name, routine_id=routine.id, chapters=chapters,
        timeline=timeline, duration_ms=t)
    listed = [{"key": routine_key(routine.id), "path": path, "duration_ms": t, "title": routine.name,
               "description": routine.description, "size_bytes": len(FAKE_MP3), "hash": "h" * 20, "track": 1}]
    add("playlist", "playlist", "routines.m3u", "", tags.m3u(listed).encode())
    add("feed", "feed", "feed.xml", "", tags.feed(listed, RENDER_BASE, content.safety.disclaimer).encode())
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
    assert cat["downloads"] == {"playlist": "download/playlist.m3u", "feed": "audio/feed.xml",
                                "feed_page": "podcast", "subscribe": "http://localhost/download/feed.xml"}
    assert [r["id"] for r in cat["routines"]] == list(content.routines)
    knee = next(r for r in cat["routines"] if r["id"] == "back_of_knee")
    assert knee["audio"]["url"] == "audio/routines/back_of_knee.3f86e43cbcb3.mp3"
    steps = content.routines["back_of_knee"].steps
    assert [c["step_id"] for c in knee["audio"]["chapters"]] == ["intro", *[s.id for s in steps], "outro"]
    assert [c["title"] for c in knee["audio"]["chapters"][1:-1]] == [s.title for s in steps]
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
    assert cat["downloads"] == {"playlist": None, "feed": None, "feed_page": None, "subscribe": None}
    assert all(r["audio"] is None and r["step_audio"] == {} for r in cat["routines"])
    # Every download asked for anyway is a plain 404, never a 500.
    for path in ("/download/playlist.m3u", "/download/feed.xml", "/download/back_of_knee.mp3",
                 "/download/no_such_routine.mp3"):
        res = client.get(path)
        assert res.status_code == 404, path
        assert res.get_json()["error"] == "Not Found"


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
    assert spoken[0]["text"] == point.location and all(s["text"] in point.find_steps[:1] for s in spoken[1:])
    assert all(s["url"].startswith("audio/prompts/") for s in spoken)
    assert page_client.get("/" + spoken[0]["url"]).mimetype == "audio/mpeg"
    assert any(not s["url"] for s in view["segments"])  # e.g. the intro line built from a template
    # The rest of the finding comes one step at a time, each with its audio.
    for step in point.find_steps[:3]:
        view = coach.say("yes" if step == point.find_steps[0] else "next")
        assert [s["text"] for s in view["segments"] if s["url"]] == [step]


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


# ---- point cards: names and pictures ----

def phrases(content: Content) -> list[str]:
    """The look-up phrases in the content: lower-case aliases of more than one word ("the point behind my knee")."""
    return [a for p in content.points.values() for a in p.aliases if a[0].islower() and " " in a]


def test_point_cards_carry_names_not_the_phrases_people_say(page_client: Any, content: Content) -> None:
    cat = page_client.get("/api/catalog").get_json()
    cards = {p["id"]: p for p in cat["points"]}
    assert set(cards) == set(content.points)
    knee = cards["BL40"]["names"]
    assert (knee["code"], knee["name"], knee["pinyin"], knee["english"]) == \
        ("BL40", "Bladder 40", "Weizhong", "Commanding Middle")
    assert knee["older_codes"] == ["B54"]  # the older books' number for the same point, once (not B-54 too)
    assert "Middle of the Crook" in knee["other_names"]
    assert cards["BL52"]["names"]["older_codes"] == ["B47"]
    assert cards["BL53"]["names"]["older_codes"] == ["B48"]
    assert "Du 4" in cards["GV4"]["names"]["other_codes"]
    shown = json.dumps([c["names"] for c in cards.values()])
    assert phrases(content), "the content has look-up phrases to leave out"
    for phrase in phrases(content):
        assert phrase not in shown, phrase
    assert "the spine behind my belly button" not in json.dumps(cat["points"])
    # Nothing that only repeats a name ("Wei Zhong" is Weizhong; "BL-40" is BL40).
    for c in cards.values():
        n = c["names"]
        again = [x.replace(" ", "").replace("-", "").casefold() for x in
                 [n["code"], n["pinyin"], *n["older_codes"], *n["other_codes"], *n["other_names"]]]
        assert len(again) == len(set(again)), n


def fake_drawer(calls: list[str]) -> Callable[[str], str]:
    def svg_for_point(point_id: str) -> str:
        calls.append(point_id)
        if point_id == "SI3":
            raise KeyError(point_id)  # a point the drawings do not cover yet
        return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>{point_id}</title></svg>'
    return svg_for_point


def test_pictures_are_404_not_500_while_nothing_draws_them(page_client: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_module, "svg_for_point", None)
    res = page_client.get("/pictures/BL40.svg")
    assert res.status_code == 404 and res.is_json
    # The page does not ask for pictures it cannot get.
    assert all(p["picture"] is None for p in page_client.get("/api/catalog").get_json()["points"])


def test_each_point_picture_is_served_as_svg_when_drawn(page_client: Any, content: Content,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(page_module, "svg_for_point", fake_drawer(calls))
    cards = page_client.get("/api/catalog").get_json()["points"]
    assert [c["picture"] for c in cards] == [f"pictures/{p}.svg" for p in content.points]
    res = page_client.get("/pictures/BL40.svg")
    assert res.status_code == 200 and res.mimetype == "image/svg+xml"
    assert "<title>BL40</title>" in res.get_data(as_text=True)
    assert "default-src 'none'" in res.headers["Content-Security-Policy"]
    again = page_client.get("/pictures/BL40.svg", headers={"If-None-Match": res.headers["ETag"]})
    assert again.status_code == 304
    # Unknown points never reach the drawer; a point it cannot draw is a 404 too.
    for path in ("/pictures/XX99.svg", "/pictures/../app.svg", "/pictures/SI3.svg", "/pictures/BL40.png"):
        assert page_client.get(path).status_code == 404, path
    assert "XX99" not in calls and "SI3" in calls


def test_the_picture_module_is_looked_up_once_and_its_absence_is_not_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, PICTURES_MODULE, None)  # as if not installed
    assert page_module._load_pictures() is None
    fake = types.ModuleType(PICTURES_MODULE)
    fake.svg_for_point = fake_drawer([])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, PICTURES_MODULE, fake)
    assert page_module._load_pictures() is fake.svg_for_point  # type: ignore[attr-defined]


def test_real_pictures_when_the_drawing_module_is_installed(page_client: Any, content: Content) -> None:
    if page_module.svg_for_point is None:
        pytest.skip(f"{PICTURES_MODULE} (svg_for_point) is not installed on this branch")
    for point_id in content.points:
        res = page_client.get(f"/pictures/{point_id}.svg")
        assert res.status_code == 200 and "<svg" in res.get_data(as_text=True), point_id
        ET.fromstring(res.get_data())  # well-formed XML


# ---- routines: steps with their words, captions from the timeline ----

def test_routine_steps_carry_their_words_and_the_captions_timeline(page_client: Any, content: Content) -> None:
    cat = page_client.get("/api/catalog").get_json()
    knee = next(r for r in cat["routines"] if r["id"] == "back_of_knee")
    routine = content.routines["back_of_knee"]
    assert [s["lines"] for s in knee["steps"]] == [[*s.say, *s.release] for s in routine.steps]
    assert knee["intro"] == routine.intro and knee["outro"] == routine.outro
    # Every line said in a chapter is in the timeline, with its text, inside that chapter's span.
    timeline = knee["audio"]["timeline"]
    for ch in knee["audio"]["chapters"]:
        said = [seg["text"] for seg in timeline
                if seg["kind"] == "speech" and ch["start_ms"] <= seg["start_ms"] < ch["end_ms"]]
        expected = {"intro": routine.intro, "outro": routine.outro}.get(ch["step_id"]) or \
            next([*s.say, *s.release] for s in routine.steps if s.id == ch["step_id"])
        assert said == expected, ch["step_id"]
    holds = [seg for seg in timeline if seg["kind"] == "hold"]
    assert len(holds) == sum(s.hold for s in routine.steps) and all(h["text"] is None for h in holds)
    # Each step's own audio (played by the coach) has its timeline too.
    press = knee["step_audio"]["press_knees"][0]
    assert press["url"] == "audio/steps/back_of_knee/press_knees.mp3"
    assert [seg["text"] for seg in press["timeline"] if seg["kind"] == "speech"] == \
        [*routine.steps[1].say, *routine.steps[1].release]


# ---- downloads: human names, absolute playlist, a feed a person can read ----

def test_routine_mp3_downloads_under_the_routine_name(page_client: Any, audio: Path, content: Content) -> None:
    assert download_name(content.routines["seated_lower_back"]) == "Seated lower back routine.mp3"
    knee = next(r for r in page_client.get("/api/catalog").get_json()["routines"] if r["id"] == "back_of_knee")
    assert knee["audio"]["download_name"] == "Back of the knee routine.mp3"
    res = page_client.get("/" + knee["audio"]["download"])
    assert res.status_code == 200 and res.mimetype == "audio/mpeg"
    assert res.headers["Content-Disposition"] == 'attachment; filename="Back of the knee routine.mp3"'
    entry = load_manifest(audio).get(routine_key("back_of_knee"))
    assert res.data == (audio / entry.path).read_bytes()
    assert page_client.get("/download/seated_lower_back.mp3").status_code == 404  # not rendered here
    assert page_client.get("/download/nothing.mp3").status_code == 404


def m3u_entries(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_playlist_entries_are_absolute_urls_that_play(page_client: Any, audio: Path) -> None:
    # The rendered playlist has paths relative to the audio folder: a saved copy would play nothing.
    assert all("://" not in e for e in m3u_entries((audio / "routines.m3u").read_text()))
    res = page_client.get("/download/playlist.m3u")
    assert res.status_code == 200 and res.mimetype == "audio/x-mpegurl"
    assert res.headers["Content-Disposition"].startswith("attachment")
    text = res.get_data(as_text=True)
    assert text.startswith("#EXTM3U") and "#EXTINF:" in text
    entries = m3u_entries(text)
    assert entries == ["http://localhost/audio/routines/back_of_knee.3f86e43cbcb3.mp3"]
    for url in entries:
        got = page_client.get(urlsplit(url).path)
        assert got.status_code == 200 and got.mimetype == "audio/mpeg"


def test_playlist_and_feed_use_the_public_audio_host_when_one_is_set(page_client: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIO_BASE_URL_ENV, "https://cdn.example.test/coach/audio")
    entries = m3u_entries(page_client.get("/download/playlist.m3u").get_data(as_text=True))
    assert entries == ["https://cdn.example.test/coach/audio/routines/back_of_knee.3f86e43cbcb3.mp3"]
    feed = ET.fromstring(page_client.get("/download/feed.xml").get_data())
    assert [e.get("url") for e in feed.iter("enclosure")] == entries


def test_feed_link_opens_a_readable_page_and_the_feed_stays_available(page_client: Any, audio: Path) -> None:
    downloads = page_client.get("/api/catalog").get_json()["downloads"]
    page = page_client.get("/" + downloads["feed_page"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'id="feed-url"' in html and "podcast.js" in html and 'lang="en"' in html
    assert page_client.get("/static/podcast.js").status_code == 200
    # The subscribe address is absolute, and what it serves is a feed whose episodes play from here.
    subscribe = downloads["subscribe"]
    assert subscribe == "http://localhost/download/feed.xml"
    res = page_client.get(urlsplit(subscribe).path)
    assert res.status_code == 200 and res.mimetype == "application/rss+xml"
    rss = ET.fromstring(res.get_data())
    urls = [e.get("url") for e in rss.iter("enclosure")]
    assert urls == ["http://localhost/audio/routines/back_of_knee.3f86e43cbcb3.mp3"]
    assert all(page_client.get(urlsplit(u).path).mimetype == "audio/mpeg" for u in urls)
    assert rss.find("channel/item/title").text == "Back of the knee routine"
    # The feed as rendered is still at its own address (its enclosures under the render's base URL).
    raw = page_client.get("/" + downloads["feed"])
    assert raw.status_code == 200 and b"<rss" in raw.data
    assert [e.get("url") for e in ET.fromstring(raw.data).iter("enclosure")] == \
        [RENDER_BASE + "routines/back_of_knee.3f86e43cbcb3.mp3"]
