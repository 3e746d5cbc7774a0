"""A local stand-in for an Alexa device: real request envelopes out, replies read back as text and audio.

Used by `acupressure chat` (in-process or over HTTP) and by the web page's coach box (through the
page's small JSON API). It keeps what a device keeps between turns — the session and its
attributes, the user, the AudioPlayer's token and offset — builds each request envelope as Alexa
would send it, and reads a reply into the words said (SSML stripped) and the audio to play: the
SSML's <audio> clips, and for plain text the pre-rendered prompt file that speaks it, if any.
"""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from skill.runtime.manifest import Entry, FileKind, Manifest
from skill.runtime.pipeline import App, handle_event
from skill.simulator.envelopes import (
    LOCAL_DEVICE_ID,
    LOCAL_SKILL_ID,
    LOCALE,
    USER_PREFIX,
    envelope,
    intent_request,
    launch_request,
    new_session_id,
    session_ended_request,
)
from skill.simulator.nlu import Kind, Understanding

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")
_TAG = re.compile(r"(<[^>]+>)")
_AUDIO_SRC = re.compile(r"""<audio\b[^>]*\bsrc\s*=\s*("([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:200] or "local"


def local_user_id(name: str) -> str:
    """A stable Alexa-style user id for a local person ('amzn1.ask.account.local-NAME')."""
    return name if name.startswith(USER_PREFIX) else f"{USER_PREFIX}local-{_safe_id(name)}"


@dataclass
class PlayerState:
    """What an AudioPlayer device reports in context.AudioPlayer."""

    token: str | None = None
    offset_ms: int = 0
    activity: str = "IDLE"  # IDLE | PLAYING | PAUSED | STOPPED | FINISHED | BUFFER_UNDERRUN

    def as_context(self) -> dict[str, Any]:
        ctx: dict[str, Any] = {"playerActivity": self.activity}
        if self.token:
            ctx["token"] = self.token
            ctx["offsetInMilliseconds"] = int(self.offset_ms)
        return ctx


@dataclass
class LocalSession:
    """A device's memory between turns: who is talking, the open session, the player."""

    user_id: str
    skill_id: str = LOCAL_SKILL_ID
    device_id: str = LOCAL_DEVICE_ID
    audio_player: bool = False
    locale: str = LOCALE
    session_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    open: bool = False
    player: PlayerState = field(default_factory=PlayerState)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: Mapping[str, Any], **defaults: Any) -> LocalSession:
        """Rebuild from as_dict() output (e.g. kept by the web page); wrong types fall back to defaults."""
        merged = {**defaults, **{k: v for k, v in data.items() if v is not None}}

        def text(key: str, default: str | None) -> str | None:
            value = merged.get(key)
            return value[:300] if isinstance(value, str) and value else default

        player = merged.get("player")
        player = player if isinstance(player, Mapping) else {}
        offset = player.get("offset_ms")
        attributes = merged.get("attributes")
        return LocalSession(
            user_id=text("user_id", "local") or "local",
            skill_id=text("skill_id", LOCAL_SKILL_ID) or LOCAL_SKILL_ID,
            device_id=text("device_id", LOCAL_DEVICE_ID) or LOCAL_DEVICE_ID,
            audio_player=merged.get("audio_player") is True,
            locale=text("locale", LOCALE) or LOCALE,
            session_id=text("session_id", None),
            attributes=dict(attributes) if isinstance(attributes, Mapping) else {},
            open=merged.get("open") is True,
            player=PlayerState(
                token=player.get("token") if isinstance(player.get("token"), str) else None,
                offset_ms=int(offset) if isinstance(offset, (int, float)) and offset >= 0 else 0,
                activity=str(player["activity"]) if isinstance(player.get("activity"), str) else "IDLE"),
        )

    def begin(self) -> None:
        """Open a new session (Alexa does this for 'open ...' and for any request after one ended)."""
        self.session_id = new_session_id()
        self.attributes = {}
        self.open = False  # becomes True once the first request of the session is sent

    def envelope(self, request: Mapping[str, Any], *, in_session: bool = True,
                 new_session: bool = False) -> dict[str, Any]:
        """A complete request envelope; starts a session first if none is open (or if asked to)."""
        new = False
        if in_session:
            new = new_session or not self.open or not self.session_id
            if new:
                self.begin()
            self.open = True
        return envelope(request, user_id=self.user_id, skill_id=self.skill_id, device_id=self.device_id,
                        session_id=self.session_id if in_session else None, new=new,
                        attributes=self.attributes, audio_player=self.audio_player,
                        player=self.player.as_context() if self.audio_player else None, locale=self.locale)

    def after(self, reply: Mapping[str, Any], *, in_session: bool = True) -> None:
        """Carry the session on (attributes) or close it, as Alexa does after a reply."""
        if not in_session:
            return
        response = reply.get("response") or {}
        self.attributes = dict(reply.get("sessionAttributes") or {})
        # A reply without shouldEndSession (e.g. an AudioPlayer directive alone) also closes it.
        if response.get("shouldEndSession") is not False:
            self.open = False

    def close(self) -> None:
        self.open = False
        self.attributes = {}


# ---- requests ----

def request_for(understood: Understanding, skill_id: str = LOCAL_SKILL_ID) -> dict[str, Any]:
    """The request part of the envelope for what was understood."""
    if understood.kind is Kind.LAUNCH:
        return launch_request()
    if understood.kind is Kind.END:
        return session_ended_request()
    return intent_request(understood.intent or "AMAZON.FallbackIntent", understood.slots, skill_id)


# ---- replies ----

@dataclass(frozen=True)
class Segment:
    """One piece of a reply in speaking order: words, with the audio file that speaks them if any."""

    text: str
    url: str | None = None
    kind: str = "speech"  # speech: words (url: a pre-rendered prompt) | audio: an SSML <audio> clip
    key: str | None = None
    routine_id: str | None = None
    step_id: str | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class Play:
    """An AudioPlayer.Play directive."""

    url: str
    token: str
    offset_ms: int = 0
    behavior: str = "REPLACE_ALL"
    expected_previous_token: str | None = None
    key: str | None = None
    routine_id: str | None = None
    step_id: str | None = None
    duration_ms: int | None = None


@dataclass
class ReplyView:
    """A reply as a person would meet it: words, audio in order, player commands, end of session."""

    text: str
    reprompt: str = ""
    segments: list[Segment] = field(default_factory=list)
    plays: list[Play] = field(default_factory=list)
    stop: bool = False          # AudioPlayer.Stop
    clear_queue: str | None = None  # AudioPlayer.ClearQueue behaviour
    end_session: bool | None = None
    directive_types: list[str] = field(default_factory=list)

    @property
    def audio(self) -> list[Segment]:
        return [s for s in self.segments if s.url]

    @property
    def step(self) -> tuple[str, str] | None:
        """(routine id, step id) of the first routine step this reply plays, if any."""
        ids: list[tuple[str | None, str | None]] = [(s.routine_id, s.step_id) for s in self.segments]
        ids += [(p.routine_id, p.step_id) for p in self.plays]
        for routine_id, step_id in ids:
            if routine_id and step_id:
                return routine_id, step_id
        return None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["step"] = list(self.step) if self.step else None
        return d


class AudioIndex:
    """The manifest looked up by file path (for URLs in replies) and by spoken text (for prompts)."""

    def __init__(self, manifest: Manifest, local_url: Callable[[Entry], str] | None = None):
        self.manifest = manifest
        self.by_path = {e.path: e for e in manifest.entries.values()}
        self.prompts = {e.text.strip(): e for e in manifest.entries.values()
                        if e.kind is FileKind.PROMPT and e.text.strip()}
        self.longest = max((len(_SENTENCE_END.split(t)) for t in self.prompts), default=1)
        self.local_url = local_url

    def entry_for_url(self, url: str) -> Entry | None:
        """The rendered file a URL points at, whatever host or base path it is served under."""
        parts = [p for p in unquote(urlsplit(url).path).split("/") if p]
        for k in range(len(parts)):
            hit = self.by_path.get("/".join(parts[k:]))
            if hit is not None:
                return hit
        return None

    def url(self, entry: Entry, given: str | None = None) -> str:
        if self.local_url is not None:
            return self.local_url(entry)
        return given or entry.path

    def speech(self, text: str) -> list[Segment]:
        """Words split into runs that a prompt file speaks exactly, and runs that have no audio."""
        sentences = [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]
        out: list[Segment] = []
        loose: list[str] = []
        i = 0
        while i < len(sentences):
            for j in range(min(len(sentences), i + self.longest), i, -1):
                entry = self.prompts.get(" ".join(sentences[i:j]))
                if entry is not None:
                    if loose:
                        out.append(Segment(" ".join(loose)))
                        loose = []
                    out.append(Segment(entry.text.strip(), self.url(entry), "speech", entry.key,
                                       duration_ms=entry.duration_ms))
                    i = j
                    break
            else:
                loose.append(sentences[i])
                i += 1
        if loose:
            out.append(Segment(" ".join(loose)))
        return out

    def clip(self, src: str) -> Segment:
        entry = self.entry_for_url(src)
        if entry is None:
            return Segment("", src, "audio")
        return Segment(entry.text.replace("\n", " "), self.url(entry, src), "audio", entry.key,
                       entry.routine_id, entry.step_id, entry.duration_ms)

    def play(self, directive: Mapping[str, Any]) -> Play:
        stream = (directive.get("audioItem") or {}).get("stream") or {}
        url = str(stream.get("url") or "")
        entry = self.entry_for_url(url) if url else None
        return Play(url=self.url(entry, url) if entry else url, token=str(stream.get("token") or ""),
                    offset_ms=int(stream.get("offsetInMilliseconds") or 0),
                    behavior=str(directive.get("playBehavior") or "REPLACE_ALL"),
                    expected_previous_token=stream.get("expectedPreviousToken"),
                    key=entry.key if entry else None, routine_id=entry.routine_id if entry else None,
                    step_id=entry.step_id if entry else None, duration_ms=entry.duration_ms if entry else None)


def ssml_text(ssml: str) -> str:
    """The words of SSML (tags dropped, entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(_TAG.sub(" ", ssml or "")).split())


def _speech_of(output: Mapping[str, Any] | None) -> str:
    if not output:
        return ""
    return str(output.get("ssml") or output.get("text") or "")


def read_segments(ssml: str, index: AudioIndex) -> list[Segment]:
    """SSML in speaking order: text runs (matched to prompt files) and <audio> clips."""
    segments: list[Segment] = []
    words: list[str] = []

    def flush() -> None:
        text = " ".join(html.unescape(" ".join(words)).split())
        words.clear()
        if text:
            segments.extend(index.speech(text))

    for part in _TAG.split(ssml or ""):
        if not part:
            continue
        if part.startswith("<"):
            m = _AUDIO_SRC.match(part)
            if m:
                flush()
                segments.append(index.clip(html.unescape(m.group(2) or m.group(3) or "")))
            continue
        words.append(part)
    flush()
    return segments


def describe(reply: Mapping[str, Any], index: AudioIndex) -> ReplyView:
    """Read a skill reply into words, audio and player commands."""
    response = reply.get("response") or {}
    ssml = _speech_of(response.get("outputSpeech"))
    view = ReplyView(text=ssml_text(ssml),
                     reprompt=ssml_text(_speech_of((response.get("reprompt") or {}).get("outputSpeech"))),
                     segments=read_segments(ssml, index),
                     end_session=response.get("shouldEndSession"))
    for d in response.get("directives") or []:
        dtype = str(d.get("type") or "")
        view.directive_types.append(dtype)
        if dtype == "AudioPlayer.Play":
            view.plays.append(index.play(d))
        elif dtype == "AudioPlayer.Stop":
            view.stop = True
        elif dtype == "AudioPlayer.ClearQueue":
            view.clear_queue = str(d.get("clearBehavior") or "CLEAR_ENQUEUED")
    return view


# ---- transports and a conversation driver ----

Transport = Callable[[dict[str, Any]], dict[str, Any]]


class TransportError(Exception):
    """The skill could not be reached, or refused the request."""


def http_transport(url: str, timeout: float = 15.0) -> Transport:
    """POST envelopes to a running `acupressure serve` (it must run with --no-verify)."""
    def send(body: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"),
                                     headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                reply: dict[str, Any] = json.loads(resp.read())
                return reply
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            raise TransportError(f"{url} answered HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise TransportError(f"cannot reach {url}: {exc}") from exc
    return send


def in_process_transport(app: App) -> Transport:
    """Run envelopes through the skill in this process (skill.runtime.pipeline.handle_event), JSON both ways."""

    def send(body: dict[str, Any]) -> dict[str, Any]:
        reply: dict[str, Any] = json.loads(json.dumps(handle_event(app, json.loads(json.dumps(body)))))
        return reply
    return send


@dataclass
class Client:
    """One person talking to the skill: typed words in, replies out, session carried between turns."""

    transport: Transport
    session: LocalSession
    matcher: Any  # skill.simulator.nlu.Matcher
    index: AudioIndex

    def say(self, text: str) -> tuple[Understanding, ReplyView | None]:
        """Send what was typed; None if it needed no request (leaving when no session is open)."""
        understood = self.matcher.understand(text)
        if understood.kind is Kind.END:
            if not self.session.open:
                return understood, None
            reply = self.transport(self.session.envelope(session_ended_request()))
            self.session.close()
            return understood, describe(reply, self.index)
        return understood, self.send(request_for(understood, self.session.skill_id),
                                     new_session=understood.new_session)

    def send(self, request: Mapping[str, Any], *, new_session: bool = False) -> ReplyView:
        in_session = not str(request.get("type", "")).startswith(("AudioPlayer.", "PlaybackController."))
        body = self.session.envelope(request, in_session=in_session, new_session=new_session)
        reply = self.transport(body)
        self.session.after(reply, in_session=in_session)
        return describe(reply, self.index)
