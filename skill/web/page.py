"""The try-it-yourself page at GET `/`, and the small JSON API behind it.

The page (static HTML/CSS/JS in skill/web/static/, no CDN, no build step) lists the routines with
an in-page player, captions from the render's timeline and download links, the points by their names
with a picture of where each is, and a "talk to the coach" box. Downloads for people's own players
(GET /download/...) carry human file names and absolute URLs; GET /podcast explains the feed.

The coach box turns typed words into a real Alexa request envelope (POST /api/envelope:
skill.simulator.nlu + skill.simulator.envelopes + skill.simulator.client, one implementation shared with
`acupressure chat`), POSTs that envelope to the skill's own endpoint `/` like a device would (so it goes
through the one request pipeline), then reads the reply into words and audio (POST /api/reply).
These API routes never run the skill themselves, so they add nothing a caller could not already send
to `/`; the verified endpoint stays exactly as strict as before.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin
from xml.sax.saxutils import escape, unescape

from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.exceptions import BadRequest, NotFound

from skill.runtime.content.models import Point, Routine
from skill.runtime.manifest import MANIFEST_NAME, Entry, FileKind, Manifest, load_manifest, routine_key
from skill.runtime.pipeline import AUDIO_BASE_URL_ENV, App
from skill.simulator.client import AudioIndex, LocalSession, describe, local_user_id, request_for
from skill.simulator.envelopes import (
    AUDIO_PLAYER_EVENTS,
    DEVICE_PREFIX,
    LOCAL_SKILL_ID,
    PLAYBACK_CONTROLLER_EVENTS,
    audio_player_event,
    intent_request,
    launch_request,
    playback_controller_event,
    session_ended_request,
)
from skill.simulator.nlu import Matcher, default_matcher

log = logging.getLogger(__name__)

# Point pictures are drawn by skill.runtime.pictures (`svg_for_point(point_id) -> str`). Until that module
# is installed, /pictures/ answers 404 and the page shows the cards without them.
PICTURES_MODULE = "skill.runtime.pictures"
SvgForPoint = Callable[[str], str]


def _load_pictures() -> SvgForPoint | None:
    """The picture drawer if its module is installed; looked up once, at import, never per request."""
    try:
        module = importlib.import_module(PICTURES_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != PICTURES_MODULE:
            raise  # the module is there but broken: say so at start-up, not as a missing picture
        return None
    found = getattr(module, "svg_for_point", None)
    return found if callable(found) else None


svg_for_point: SvgForPoint | None = _load_pictures()

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Declare the page a device with AudioPlayer (long-form playback, AudioPlayer events). Switch on once
# the skill answers routines with AudioPlayer.Play; until then it answers in dialog mode (SSML <audio>).
PAGE_AUDIO_PLAYER = False
PAGE_DEVICE_ID = f"{DEVICE_PREFIX}local-browser"
AUDIO_PREFIX = "audio/"
MAX_SAID_CHARS = 500
# Page-level downloads (relative to the page): absolute-URL playlist and feed, routines under their names.
PLAYLIST_ROUTE = "download/playlist.m3u"
FEED_ROUTE = "download/feed.xml"
PODCAST_ROUTE = "podcast"


def page_manifest(app: App, audio_dir: Path | None) -> Manifest:
    """The manifest the page lists: the skill's own when it reads `audio_dir` and reloads (as under
    `acupressure serve`: one manifest, one stat per request), else one of its own that reloads when
    `acupressure render` replaces the file while the server runs."""
    shared = app.deps.manifest
    if audio_dir is None:
        return shared
    path = audio_dir / MANIFEST_NAME
    if shared.reloads and shared.path is not None and shared.path.resolve() == path.resolve():
        return shared
    return load_manifest(audio_dir, reload=True)


def local_url(entry: Entry) -> str:
    """A rendered file's URL relative to the page (served by /audio/)."""
    return AUDIO_PREFIX + quote(entry.path)


def public_audio_base() -> str:
    """Where people's own players fetch the audio: the published host ($ACUPRESSURE_AUDIO_BASE_URL), else
    this server's /audio/ at the address the person reached it by (not the bind address, e.g. 0.0.0.0)."""
    configured = os.environ.get(AUDIO_BASE_URL_ENV)
    base = configured or request.url_root + AUDIO_PREFIX
    return base if base.endswith("/") else base + "/"


# Point codes as people write them: "B54", "Du 4", "Ki-3" (letters, optional space or hyphen, number).
CODE = re.compile(r"^(?P<letters>[A-Za-z]{1,3})[\s-]?(?P<number>\d{1,3})$")


def _code(text: str) -> tuple[str, str] | None:
    """("B", "54") for a code-like name, None for words."""
    m = CODE.match(text.strip())
    return (m["letters"].upper(), m["number"]) if m else None


def _proper_name(alias: str) -> bool:
    """A capitalised name ("Middle of the Crook"), not a phrase a person says ("the point behind my knee").

    The content writes a point's other names capitalised and the phrases people say in lower case."""
    words = alias.split()
    return bool(words) and words[0][0].isupper() and all(w[0].isupper() for w in words[1:] if len(w) > 3)


def point_names(point: Point) -> dict[str, Any]:
    """A point's names for a card: WHO code, spoken name, pinyin, English name, older numbers (B54 for
    BL40), other codes (UB40, Du 4) and other names; never the phrases that only help the look-up."""
    who = _code(point.id)
    squash = {x.replace(" ", "").casefold() for x in (point.id, point.name, point.pinyin, point.english or "")}
    older: list[str] = []
    codes: list[str] = []
    names: list[str] = []
    seen: set[tuple[str, str]] = {who} if who else set()
    for alias in point.aliases:
        code = _code(alias)
        if code is not None:
            if code not in seen:
                seen.add(code)
                (codes if who and code[1] == who[1] else older).append(alias.strip())
        elif _proper_name(alias) and alias.replace(" ", "").casefold() not in squash:
            squash.add(alias.replace(" ", "").casefold())
            names.append(alias.strip())
    return {"code": point.id, "name": point.name, "pinyin": point.pinyin, "english": point.english,
            "older_codes": older, "other_codes": codes, "other_names": names}


def download_name(routine: Routine) -> str:
    """A file name a person recognises in their downloads: the routine's name, e.g. "Seated lower back routine.mp3"."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", routine.name).strip() + ".mp3"


def _timeline(entry: Entry) -> list[dict[str, Any]]:
    """What the captions follow: spoken lines with their text, and the holds and quiet pauses between."""
    return [{"kind": seg.kind, "start_ms": seg.start_ms, "end_ms": seg.end_ms, "text": seg.text}
            for seg in entry.timeline if seg.kind in ("speech", "hold", "pause")]


def _routine(r: Routine, manifest: Manifest, have: bool) -> dict[str, Any]:
    """One routine for the page: its steps with their words, its audio and captions, its download."""
    entry = manifest.get(routine_key(r.id)) if have else None
    steps = [{"id": s.id, "title": s.title, "point": s.point, "side": s.side.value, "lines": [*s.say, *s.release]}
             for s in r.steps]
    step_audio: dict[str, list[dict[str, Any]]] = {}
    if have:
        for e in manifest.entries.values():
            if e.kind is FileKind.STEP and e.routine_id == r.id and e.step_id:
                step_audio.setdefault(e.step_id, []).append(
                    {"url": local_url(e), "hold_s": e.hold_s, "timeline": _timeline(e)})
    return {
        "id": r.id, "name": r.name, "kind": r.kind.value, "description": r.description,
        "position": r.position.value, "intro": r.intro, "outro": r.outro, "steps": steps, "step_audio": step_audio,
        "audio": None if entry is None else {
            "url": local_url(entry), "download": f"download/{quote(r.id)}.mp3", "download_name": download_name(r),
            "duration_ms": entry.duration_ms, "size_bytes": entry.size_bytes,
            "chapters": [{"step_id": c.step_id, "title": c.title, "start_ms": c.start_ms,
                          "end_ms": c.end_ms} for c in entry.chapters],
            "timeline": _timeline(entry),
        },
    }


def catalog(app: App, manifest: Manifest, *, coach_enabled: bool, audio_served: bool) -> dict[str, Any]:
    """What the page shows: routines with chapters, captions and audio, points by name with their
    pictures, downloads, the coach's state. Call within a request (download URLs use its address)."""
    content = app.deps.content
    have = audio_served and bool(manifest.entries)
    kinds = {e.kind: e for e in manifest.entries.values()} if have else {}
    feed = kinds.get(FileKind.FEED)
    # Ask for pictures only when something draws them (a page of 404s would fill the browser's console).
    drawn = svg_for_point is not None
    points = [{"id": p.id, "names": point_names(p), "name": p.name, "location": p.location,
               "find_steps": p.find_steps, "cautions": [c.text for c in p.cautions],
               "picture": f"pictures/{quote(p.id)}.svg" if drawn else None} for p in content.points.values()]
    return {
        "disclaimer": content.safety.disclaimer_short,
        "content_version": content.version,
        "rendered": have,
        "downloads": {
            "playlist": PLAYLIST_ROUTE if FileKind.PLAYLIST in kinds else None,
            "feed": local_url(feed) if feed else None,
            "feed_page": PODCAST_ROUTE if feed else None,
            "subscribe": request.url_root + FEED_ROUTE if feed else None,
        },
        "coach": {"enabled": coach_enabled, "audio_player": PAGE_AUDIO_PLAYER,
                  "invocation": default_matcher().invocation},
        "routines": [_routine(r, manifest, have) for r in content.routines.values()],
        "points": points,
    }


def absolute_playlist(text: str, base: str) -> str:
    """The rendered M3U with every entry an absolute URL under `base` (a playlist saved to a phone has no
    directory to resolve relative paths against, so it would play nothing)."""
    out = []
    for line in text.splitlines():
        item = line.strip()
        out.append(line if not item or item.startswith("#") else urljoin(base, quote(item, safe="/:%?=&")))
    return "\n".join(out) + "\n"


XML_QUOTES = {"&quot;": '"', "&apos;": "'"}
ENCLOSURE_URL = re.compile(r'(<enclosure\b[^>]*?\burl=)(["\'])(.*?)\2')


def feed_with_audio_at(text: str, base: str, routines: list[Entry]) -> str:
    """The rendered feed with each episode's enclosure under `base`: the render may have written another
    host (its default is a local address), and a podcast app must reach the MP3s from here."""
    def move(m: re.Match[str]) -> str:
        url = unescape(m[3], XML_QUOTES)
        entry = next((e for e in routines if url == e.path or url.endswith("/" + e.path)), None)
        if entry is None:
            return m[0]
        return m[1] + m[2] + escape(base + quote(entry.path), {v: k for k, v in XML_QUOTES.items()}) + m[2]

    return ENCLOSURE_URL.sub(move, text)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("expected a JSON object")
    return body


def _audio_player(body: dict[str, Any]) -> bool:
    """Whether this page declares AudioPlayer: the default above, or the page's own choice
    (`/?device=audioplayer` or `/?device=dialog`, for trying both kinds of device)."""
    chosen = body.get("audio_player")
    return chosen if isinstance(chosen, bool) else PAGE_AUDIO_PLAYER


def _session(app: App, data: Any, audio_player: bool) -> LocalSession:
    """The page's session state, with the server's skill ID (so the skill-ID check still passes)."""
    data = data if isinstance(data, dict) else {}
    session = LocalSession.from_dict(data)
    session.user_id = local_user_id(session.user_id if data.get("user_id") else "browser")
    session.skill_id = app.config.skill_id or LOCAL_SKILL_ID
    session.device_id = PAGE_DEVICE_ID
    session.audio_player = audio_player
    return session


def _request(app: App, body: dict[str, Any], matcher: Matcher) -> tuple[dict[str, Any], dict[str, Any] | None,
                                                                        bool]:
    """(request, understood, new_session) from typed words or a named request."""
    said = body.get("say")
    skill_id = app.config.skill_id or LOCAL_SKILL_ID
    if isinstance(said, str):
        if not said.strip() or len(said) > MAX_SAID_CHARS:
            raise BadRequest("say something (at most 500 characters)")
        understood = matcher.understand(said)
        return request_for(understood, skill_id), understood.as_dict(), understood.new_session
    spec = body.get("request")
    if not isinstance(spec, dict):
        raise BadRequest("give 'say' (typed words) or 'request'")
    rtype = str(spec.get("type") or "")
    if rtype == "LaunchRequest":
        return launch_request(), None, True
    if rtype == "IntentRequest":
        name = spec.get("intent")
        if not isinstance(name, str) or name not in matcher.intents:
            raise BadRequest("unknown intent")
        return intent_request(name, None, skill_id), None, False
    if rtype == "SessionEndedRequest":
        return session_ended_request(str(spec.get("reason") or "USER_INITIATED")), None, False
    if rtype in AUDIO_PLAYER_EVENTS:
        offset = spec.get("offset_ms") or 0
        if not isinstance(offset, (int, float)) or offset < 0:
            raise BadRequest("offset_ms must be a non-negative number")
        return audio_player_event(rtype, spec.get("token"), int(offset)), None, False
    if rtype in PLAYBACK_CONTROLLER_EVENTS:
        return playback_controller_event(rtype), None, False
    raise BadRequest("unknown request type")


def register_page(flask_app: Flask, app: App, *, audio_dir: Path | None, coach_enabled: bool) -> None:
    """Add GET / (the page), its static files and /api/* to the Flask app."""
    manifest = page_manifest(app, audio_dir)
    if manifest is not app.deps.manifest:
        @flask_app.before_request
        def refresh_page_manifest() -> None:
            # The service refreshes the skill's manifest before each request; this one is the page's.
            manifest.refresh()

    @flask_app.get("/")
    def page() -> Response:
        resp = send_from_directory(STATIC_DIR, "index.html")
        resp.headers["Cache-Control"] = "no-cache"
        return resp

    @flask_app.get("/api/catalog")
    def api_catalog() -> Response:
        return jsonify(catalog(app, manifest, coach_enabled=coach_enabled,
                               audio_served=audio_dir is not None))

    @flask_app.post("/api/understand")
    def api_understand() -> Response:
        said = _json_body().get("say")
        if not isinstance(said, str) or not said.strip() or len(said) > MAX_SAID_CHARS:
            raise BadRequest("say something (at most 500 characters)")
        return jsonify(default_matcher().understand(said).as_dict())

    @flask_app.post("/api/envelope")
    def api_envelope() -> Response:
        """A real request envelope for typed words or a device event, and the session it leaves."""
        body = _json_body()
        session = _session(app, body.get("session"), _audio_player(body))
        req, understood, new = _request(app, body, default_matcher())
        rtype = req["type"]
        in_session = not rtype.startswith(("AudioPlayer.", "PlaybackController."))
        if rtype == "SessionEndedRequest" and not session.open:
            return jsonify({"envelope": None, "understood": understood, "session": session.as_dict()})
        envelope = session.envelope(req, in_session=in_session, new_session=new)
        if rtype == "SessionEndedRequest":
            session.close()
        return jsonify({"envelope": envelope, "understood": understood, "in_session": in_session,
                        "session": session.as_dict()})

    @flask_app.post("/api/reply")
    def api_reply() -> Response:
        """A skill reply read into words, audio in order and player commands; the session after it."""
        body = _json_body()
        reply = body.get("reply")
        if not isinstance(reply, dict):
            raise BadRequest("give the skill's 'reply'")
        session = _session(app, body.get("session"), _audio_player(body))
        session.after(reply, in_session=bool(body.get("in_session", True)))
        view = describe(reply, AudioIndex(manifest, local_url))
        return jsonify({"view": view.as_dict(), "session": session.as_dict()})

    def rendered(kind: FileKind, routine_id: str | None = None) -> Entry:
        """The rendered file of this kind (and routine) that this server has, or 404."""
        entry = manifest.get(routine_key(routine_id)) if routine_id else \
            next((e for e in manifest.entries.values() if e.kind is kind), None)
        if audio_dir is None or entry is None or entry.kind is not kind or not (audio_dir / entry.path).is_file():
            raise NotFound("that has not been rendered yet (run `acupressure render`)")
        return entry

    @flask_app.get("/pictures/<point_id>.svg")
    def picture(point_id: str) -> Response:
        """Where a point is, as SVG line art from skill.runtime.pictures; 404 while that is not installed."""
        drawer = svg_for_point
        if drawer is None or point_id not in app.deps.content.points:
            raise NotFound("no picture of that point")
        try:
            svg = drawer(point_id)
        except (LookupError, ValueError) as exc:
            log.warning("no picture for %s: %s", point_id, exc)
            raise NotFound("no picture of that point") from exc
        resp = Response(svg, mimetype="image/svg+xml")
        # Shown through <img> it cannot run scripts; opened on its own, the policy keeps it so.
        resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "no-cache"
        resp.add_etag()
        resp.make_conditional(request)  # in place: 304 when the browser has this drawing
        return resp

    @flask_app.get("/download/<routine_id>.mp3")
    def download_routine(routine_id: str) -> Response:
        """A routine's MP3 saved under its name ("Seated lower back routine.mp3"), not its hashed path."""
        routine = app.deps.content.routines.get(routine_id)
        if routine is None:
            raise NotFound("no such routine")
        entry = rendered(FileKind.ROUTINE, routine_id)
        assert audio_dir is not None  # rendered() checked it
        return send_from_directory(audio_dir, entry.path, mimetype="audio/mpeg", as_attachment=True,
                                   download_name=download_name(routine))

    @flask_app.get("/" + PLAYLIST_ROUTE)
    def playlist() -> Response:
        """The routines as an M3U whose entries are absolute URLs, so a saved copy plays anywhere."""
        entry = rendered(FileKind.PLAYLIST)
        assert audio_dir is not None
        text = (audio_dir / entry.path).read_text(encoding="utf-8")
        resp = Response(absolute_playlist(text, public_audio_base()), mimetype="audio/x-mpegurl")
        resp.headers["Content-Disposition"] = "attachment"  # the page's link names the file
        return resp

    @flask_app.get("/" + FEED_ROUTE)
    def feed() -> Response:
        """The podcast feed with its episodes' audio at the address people reach this server by."""
        entry = rendered(FileKind.FEED)
        assert audio_dir is not None
        text = (audio_dir / entry.path).read_text(encoding="utf-8")
        routines = [e for e in manifest.entries.values() if e.kind is FileKind.ROUTINE]
        return Response(feed_with_audio_at(text, public_audio_base(), routines),
                        mimetype="application/rss+xml")

    @flask_app.get("/" + PODCAST_ROUTE)
    def podcast_page() -> Response:
        """A readable page about the feed: the address to subscribe to, and the episodes."""
        resp = send_from_directory(STATIC_DIR, "podcast.html")
        resp.headers["Cache-Control"] = "no-cache"
        return resp

    @flask_app.get("/static/<path:name>")
    def static_file(name: str) -> Response:
        resp = send_from_directory(STATIC_DIR, name)
        resp.headers["Cache-Control"] = "no-cache"
        return resp

