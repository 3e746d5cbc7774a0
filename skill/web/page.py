"""The try-it-yourself page at GET `/`, and the small JSON API behind it.

The page (static HTML/CSS/JS in skill/web/static/, no CDN, no build step) lists the routines with
an in-page player and download links, the points with where-to-find text, and a "talk to the
coach" box. The box turns typed words into a real Alexa request envelope (POST /api/envelope:
skill.simulator.nlu + skill.simulator.envelopes + skill.simulator.client, one implementation shared with
`acupressure chat`), POSTs that envelope to the skill's own endpoint `/` like a device would (so it goes
through the one request pipeline), then reads the reply into words and audio (POST /api/reply).
These API routes never run the skill themselves, so they add nothing a caller could not already send
to `/`; the verified endpoint stays exactly as strict as before.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.exceptions import BadRequest

from skill.runtime.manifest import MANIFEST_NAME, Entry, FileKind, Manifest, load_manifest, routine_key
from skill.runtime.pipeline import App
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

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Declare the page a device with AudioPlayer (long-form playback, AudioPlayer events). Switch on once
# the skill answers routines with AudioPlayer.Play; until then it answers in dialog mode (SSML <audio>).
PAGE_AUDIO_PLAYER = False
PAGE_DEVICE_ID = f"{DEVICE_PREFIX}local-browser"
AUDIO_PREFIX = "audio/"
MAX_SAID_CHARS = 500


class ManifestCache:
    """The audio manifest, re-read when `acupressure render` replaces it while the server runs."""

    def __init__(self, directory: Path | None, fallback: Manifest):
        self.directory = directory
        self._fallback = fallback
        self._mtime: float | None = None
        self._manifest = fallback
        self._lock = threading.Lock()

    def get(self) -> Manifest:
        if self.directory is None:
            return self._fallback
        try:
            mtime = (self.directory / MANIFEST_NAME).stat().st_mtime
        except OSError:
            return Manifest.empty()
        with self._lock:
            if mtime != self._mtime:
                self._manifest = load_manifest(self.directory)
                self._mtime = mtime
            return self._manifest


def local_url(entry: Entry) -> str:
    """A rendered file's URL relative to the page (served by /audio/)."""
    from urllib.parse import quote

    return AUDIO_PREFIX + quote(entry.path)


def catalog(app: App, manifest: Manifest, *, coach_enabled: bool, audio_served: bool) -> dict[str, Any]:
    """What the page shows: routines with chapters and audio, points, downloads, the coach's state."""
    content = app.deps.content
    have = audio_served and bool(manifest.entries)

    def url(entry: Entry | None) -> str | None:
        return local_url(entry) if entry is not None and have else None

    routines = []
    for r in content.routines.values():
        entry = manifest.get(routine_key(r.id)) if have else None
        steps = [{"id": s.id, "title": s.title, "point": s.point, "side": s.side.value} for s in r.steps]
        step_audio: dict[str, list[str]] = {}
        if have:
            for e in manifest.entries.values():
                if e.kind is FileKind.STEP and e.routine_id == r.id and e.step_id:
                    step_audio.setdefault(e.step_id, []).append(local_url(e))
        routines.append({
            "id": r.id, "name": r.name, "kind": r.kind.value, "description": r.description,
            "position": r.position.value, "steps": steps, "step_audio": step_audio,
            "audio": None if entry is None else {
                "url": url(entry), "duration_ms": entry.duration_ms, "size_bytes": entry.size_bytes,
                "chapters": [{"step_id": c.step_id, "title": c.title, "start_ms": c.start_ms,
                              "end_ms": c.end_ms} for c in entry.chapters],
            },
        })
    points = [{"id": p.id, "name": p.name, "pinyin": p.pinyin, "english": p.english,
               "aliases": p.aliases, "location": p.location, "find_steps": p.find_steps,
               "cautions": [c.text for c in p.cautions]} for p in content.points.values()]
    kinds = {e.kind: e for e in manifest.entries.values()} if have else {}
    return {
        "disclaimer": content.safety.disclaimer_short,
        "content_version": content.version,
        "rendered": have,
        "downloads": {"playlist": url(kinds.get(FileKind.PLAYLIST)), "feed": url(kinds.get(FileKind.FEED))},
        "coach": {"enabled": coach_enabled, "audio_player": PAGE_AUDIO_PLAYER,
                  "invocation": default_matcher().invocation},
        "routines": routines,
        "points": points,
    }


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
    manifests = ManifestCache(audio_dir, app.deps.manifest)

    @flask_app.get("/")
    def page() -> Response:
        resp = send_from_directory(STATIC_DIR, "index.html")
        resp.headers["Cache-Control"] = "no-cache"
        return resp

    @flask_app.get("/api/catalog")
    def api_catalog() -> Response:
        return jsonify(catalog(app, manifests.get(), coach_enabled=coach_enabled,
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
        view = describe(reply, AudioIndex(manifests.get(), local_url))
        return jsonify({"view": view.as_dict(), "session": session.as_dict()})

    @flask_app.get("/static/<path:name>")
    def static_file(name: str) -> Response:
        resp = send_from_directory(STATIC_DIR, name)
        resp.headers["Cache-Control"] = "no-cache"
        return resp

