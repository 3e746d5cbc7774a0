"""Hypothesis strategies for Alexa requests, built on tests/envelopes.py, plus the check that a
reply is one Alexa would accept (shape, SSML, audio, size and token limits from DESIGN.md).

Profiles (HYPOTHESIS_PROFILE): `acupressure-ci` (default: fixed seed, bounded, for CI) and
`acupressure-long` (random seed, many more examples, for a local hunt):

    HYPOTHESIS_PROFILE=acupressure-long .venv/bin/pytest tests/test_fuzz_envelopes.py
"""

from __future__ import annotations

import copy
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from typing import Any

from envelopes import SKILL_ID, envelope, intent_request, launch_request, session_ended_request
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from skill.runtime.content.models import HOLD_CHOICES_S
from skill.runtime.handlers.intents import INTENT_SLOTS, Intent, Slot
from skill.runtime.speech import MAX_AUDIO_CLIPS, MAX_AUDIO_MS, MAX_RESPONSE_BYTES, MAX_SPEECH_CHARS

MAX_TOKEN_CHARS = 1024

settings.register_profile(
    "acupressure-ci", max_examples=200, deadline=None,
    derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "acupressure-long", max_examples=5000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "acupressure-ci")
settings.load_profile(PROFILE)


def scaled(n: int) -> int:
    """A per-test example count relative to the profile's (n at the CI profile's 200)."""
    return max(1, settings().max_examples * n // 200)


# --- text -------------------------------------------------------------------------------------

# What a careless SSML builder or JSON layer trips on: markup, entities, format placeholders,
# bidi overrides, zero-width joiners, combining marks, emoji, XML-illegal controls, lone surrogates.
NASTY = [
    "", " ", "\t\n", "<speak>", "</speak>", "<audio src=\"https://evil.test/x.mp3\"/>", "]]>", "&amp;",
    "&", "<", "\"'", "{point}", "{0}", "%s", "\u202eevil\u202c", "שלום", "مرحبا بك", "背中が痛い",
    "😀🧘\u200d♀️", "\u200b\u200d\ufeff", "e\u0301", "\x00", "\x01", "\x1f", "\x7f", "\ud800", "\udfff",
    "\ufffe", "\uffff", "\U0010ffff", "BL23", "b 54", "bladder twenty three", "null", "None", "NaN",
]

any_char = st.one_of(st.characters(), st.characters(categories=["Cs"]), st.sampled_from(["\x00", "\x01"]))
unicode_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=any_char, max_size=40),
    st.lists(st.sampled_from(NASTY), max_size=4).map("".join),
)
# ~100 KB strings (one repeated piece) stay cheap to generate and to shrink.
huge_text = st.builds(lambda piece, n: (piece or "x") * (n // max(1, len(piece or "x"))),
                      st.sampled_from(["x", "point ", "😀", "背", "<", "&", "\u202e"]),
                      st.integers(50_000, 100_000))
texts = st.one_of(unicode_text, unicode_text, unicode_text, huge_text)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64),
                         st.floats(allow_nan=False, allow_infinity=False), unicode_text)
garbage = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(unicode_text, inner, max_size=4)), max_leaves=8)

# --- requests ---------------------------------------------------------------------------------

POINT_IDS = ["GV4", "BL23", "BL52", "BL53", "BL40", "BL60", "KI3", "SI3", "LI4"]
OTHER_IDS = ["lower_back_pain", "sciatica", "knee", "full_routine", "mindfulness", "seated_lower_back",
             "lying", "seated", "PT90S", "PT2M"]
INTENTS = [i.value for i in Intent]
UNKNOWN_INTENTS = ["AMAZON.ScrollUpIntent", "AMAZON.SelectIntent", "OrderPizzaIntent", "", "AMAZON."]
SLOT_NAMES = [s.value for s in Slot] + ["unknownSlot", ""]

slot_values = st.one_of(
    st.none(),
    texts,
    st.sampled_from(["bladder 23", "sciatica", "full routine", "two minutes", "lying down"]),
    st.fixed_dictionaries({"value": texts, "id": st.one_of(st.sampled_from(POINT_IDS + OTHER_IDS), unicode_text)}),
)
intent_names = st.one_of(st.sampled_from(INTENTS), st.sampled_from(UNKNOWN_INTENTS), unicode_text)
# Either the slot each custom intent really carries, or any slots on any intent name.
targeted_intents = st.builds(lambda pair, value: intent_request(pair[0].value, {pair[1]: value}),
                             st.sampled_from([(i, next(iter(slots))) for i, slots in INTENT_SLOTS.items()]),
                             slot_values)
intents = st.one_of(targeted_intents,
                    st.builds(intent_request, intent_names,
                              st.dictionaries(st.sampled_from(SLOT_NAMES), slot_values, max_size=3)))


@st.composite
def crafted_tokens(draw: st.DrawFn) -> str:
    """Tokens in the skill's own format (skill.runtime.streams.Token) with parts right, stale or wrong."""
    from skill.runtime.content import default_content
    from skill.runtime.streams import TOKEN_PREFIX, TOKEN_SEP, VERSION_CHARS

    content = default_content()
    routine = draw(st.sampled_from(sorted(content.routines.values(), key=lambda r: r.id)))
    index = draw(st.one_of(st.integers(0, len(routine.steps) + 1), st.sampled_from([-1, 10**30])))
    step = routine.steps[min(max(index, 0), len(routine.steps) - 1)].id
    parts = [TOKEN_PREFIX, content.version[:VERSION_CHARS], routine.id, str(index), step,
             str(draw(st.sampled_from((0, *HOLD_CHOICES_S))))]
    if draw(st.booleans()):  # break one part: stale version, other routine or step, garbage
        at = draw(st.integers(0, len(parts) - 1))
        parts[at] = draw(st.one_of(st.sampled_from(["stale0000000", "full_routine", "rest", "", "9" * 40]),
                                   unicode_text))
    return TOKEN_SEP.join(parts)


tokens = st.one_of(st.sampled_from(["", "full_routine", "full_routine:1", "seated_lower_back/step-2",
                                    "x" * 2000]), texts, garbage, crafted_tokens())
offsets = st.one_of(st.integers(-10**12, 10**12), st.sampled_from([0, 60_000, -1]), garbage)
AUDIO_EVENTS = ["PlaybackStarted", "PlaybackFinished", "PlaybackStopped", "PlaybackNearlyFinished",
                "PlaybackFailed"]
PLAYBACK_COMMANDS = ["PlayCommandIssued", "PauseCommandIssued", "NextCommandIssued",
                     "PreviousCommandIssued"]


@st.composite
def audio_player_events(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(AUDIO_EVENTS))
    req: dict[str, Any] = {"type": f"AudioPlayer.{name}", "token": draw(tokens),
                           "offsetInMilliseconds": draw(offsets)}
    if name == "PlaybackFailed":
        req["error"] = {"type": draw(st.sampled_from(["MEDIA_ERROR_UNKNOWN", "MEDIA_ERROR_SERVICE_UNAVAILABLE"])),
                        "message": draw(unicode_text)}
        req["currentPlaybackState"] = {"token": draw(tokens), "offsetInMilliseconds": draw(offsets),
                                       "playerActivity": draw(st.sampled_from(["PLAYING", "STOPPED", "?"]))}
    return req


playback_commands = st.builds(lambda c: {"type": f"PlaybackController.{c}"}, st.sampled_from(PLAYBACK_COMMANDS))
connections_responses = st.fixed_dictionaries({
    "type": st.just("Connections.Response"), "name": st.one_of(st.sampled_from(["Upsell", "Buy"]), unicode_text),
    "status": st.fixed_dictionaries({"code": st.one_of(st.just("200"), unicode_text), "message": unicode_text}),
    "payload": garbage, "token": tokens})
exceptions_encountered = st.fixed_dictionaries({
    "type": st.just("System.ExceptionEncountered"),
    "error": st.fixed_dictionaries({"type": st.sampled_from(["INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR",
                                                             "INTERNAL_SERVICE_ERROR"]),
                                    "message": unicode_text}),
    "cause": st.fixed_dictionaries({"requestId": unicode_text})})
session_ends = st.builds(session_ended_request, st.one_of(
    st.sampled_from(["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"]), unicode_text))
unknown_requests = st.builds(lambda t, extra: {"type": t, **extra},
                             st.one_of(st.sampled_from(["Alexa.Presentation.APL.UserEvent", "CanFulfillIntentRequest",
                                                        "Display.ElementSelected", "Messaging.MessageReceived",
                                                        "AlexaSkillEvent.SkillEnabled", "Dialog.API.Invoked"]),
                                       unicode_text),
                             st.dictionaries(unicode_text, garbage, max_size=3))

requests = st.one_of(
    st.just(launch_request()), intents, intents, intents, audio_player_events(), playback_commands,
    connections_responses, exceptions_encountered, session_ends, unknown_requests)

# A few users, so stored state carries over between examples (events arrive "out of order").
USERS = ["amzn1.ask.account.FUZZ1", "amzn1.ask.account.FUZZ2", "amzn1.ask.account.FUZZ3"]
users = st.one_of(st.sampled_from(USERS), unicode_text)
session_attributes = st.one_of(
    st.just({}),
    st.fixed_dictionaries({}, optional={"pending": st.one_of(st.just("continue_routine"), garbage),
                                        "last_speech": st.one_of(st.just("<speak>Hello.</speak>"), garbage),
                                        "last_reprompt": st.one_of(st.just("<speak>Say next.</speak>"), garbage)}),
    st.dictionaries(unicode_text, garbage, max_size=3))


# context.AudioPlayer as a device reports it (token, offset, activity), right or wrong.
player_contexts = st.fixed_dictionaries({
    "token": st.one_of(crafted_tokens(), tokens),
    "offsetInMilliseconds": offsets,
    "playerActivity": st.sampled_from(["PLAYING", "PAUSED", "STOPPED", "FINISHED", "IDLE", "BUFFER_UNDERRUN",
                                       "?"])})


@st.composite
def well_formed_envelopes(draw: st.DrawFn, request_strategy: st.SearchStrategy = requests) -> dict[str, Any]:
    """A complete envelope from the shared builder, with a drawn request and surroundings."""
    req = draw(request_strategy)
    no_session = req["type"].startswith(("AudioPlayer.", "PlaybackController.")) and draw(st.booleans())
    audio_player = draw(st.booleans())
    player = draw(st.one_of(st.none(), player_contexts)) if audio_player else None
    return envelope(req, user_id=draw(users), session=not no_session, new=draw(st.booleans()),
                    session_attributes=draw(session_attributes), audio_player=audio_player,
                    locale=draw(st.sampled_from(["en-US", "en-GB", "de-DE", ""])), player=player)


def _paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every key path in a JSON tree (not the root)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*path, k)
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*path, i)
            yield from _paths(v, (*path, i))


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy) -> dict[str, Any]:
    """Raw mutations of a drawn envelope: drop fields, retype them, or fill them with garbage."""
    body = copy.deepcopy(draw(base))
    for _ in range(draw(st.integers(1, 4))):
        paths = sorted(_paths(body), key=repr)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        op = draw(st.sampled_from(["drop", "retype", "garbage", "text"]))
        if op == "drop":
            del parent[path[-1]]
        elif op == "retype":
            parent[path[-1]] = draw(st.sampled_from([None, 0, -1, 1.5, True, "", [], {}, "0", [None]]))
        elif op == "garbage":
            parent[path[-1]] = draw(garbage)
        else:
            parent[path[-1]] = draw(texts)
    return body


envelopes = st.one_of(well_formed_envelopes(), well_formed_envelopes(), mutated(well_formed_envelopes()))
# Anything at all that JSON can hold, and near-envelopes.
raw_events = st.one_of(garbage, st.dictionaries(st.sampled_from(["version", "session", "context", "request"]),
                                                garbage, max_size=4))

# --- the reply check --------------------------------------------------------------------------

SILENT_REQUEST_PREFIXES = ("AudioPlayer.", "PlaybackController.", "SessionEndedRequest",
                           "System.ExceptionEncountered")
# Characters XML 1.0 forbids (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF).


def reply_size(reply: Mapping[str, Any]) -> int:
    """Bytes on the wire as the Lambda runtime sends it (json.dumps, ASCII-escaped)."""
    return len(json.dumps(reply).encode("ascii"))


def _speech_problems(where: str, speech: Any, durations: Mapping[str, int], default_ms: int) -> list[str]:
    if not isinstance(speech, dict):
        return [f"{where} is not an object"]
    kind = speech.get("type")
    if kind not in ("SSML", "PlainText"):
        return [f"{where}.type is {kind!r}"]
    text = speech.get("ssml" if kind == "SSML" else "text")
    if not isinstance(text, str):
        return [f"{where} has no text"]
    found = []
    if len(text) > MAX_SPEECH_CHARS:
        found.append(f"{where} is {len(text)} characters (> {MAX_SPEECH_CHARS})")
    if kind != "SSML":
        return found
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, UnicodeError, ValueError) as exc:
        return [*found, f"{where} SSML does not parse as XML ({exc}): {text[:200]!r}"]
    if root.tag != "speak":
        found.append(f"{where} root is <{root.tag}>")
    srcs = [c.get("src", "") for c in root.iter("audio")]
    if len(srcs) > MAX_AUDIO_CLIPS:
        found.append(f"{where} has {len(srcs)} <audio> clips (> {MAX_AUDIO_CLIPS})")
    if not all(s.startswith("https://") for s in srcs):
        found.append(f"{where} audio is not https: {srcs}")
    total = sum(durations.get(s, default_ms) for s in srcs)
    if total > MAX_AUDIO_MS:
        found.append(f"{where} has {total} ms of audio (> {MAX_AUDIO_MS})")
    return found


def reply_problems(reply: Any, request_type: Any = None, *, durations: Mapping[str, int] | None = None,
                   size: int | None = None) -> list[str]:
    """Why Alexa would refuse `reply` (empty if it would accept it). `durations` maps audio URLs to
    their manifest durations (unknown URLs count as the longest); `size` is the wire size if known."""
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import ResponseEnvelope

    durations = durations or {}
    default_ms = max(durations.values(), default=0)
    if not isinstance(reply, dict):
        return [f"reply is {type(reply).__name__}"]
    if reply.get("version") != "1.0":
        return [f"version is {reply.get('version')!r}"]
    response = reply.get("response")
    if not isinstance(response, dict):
        return ["no response object"]
    found: list[str] = []
    if not set(reply) <= {"version", "response", "sessionAttributes", "userAgent"}:
        found.append(f"unexpected top-level keys {sorted(reply)}")
    if not isinstance(reply.get("sessionAttributes", {}), dict):
        found.append("sessionAttributes is not an object")
    try:
        DefaultSerializer().deserialize(json.dumps(reply, allow_nan=False), ResponseEnvelope)
    except Exception as exc:  # any failure here means "not a ResponseEnvelope"
        found.append(f"not a ResponseEnvelope: {exc}")
    wire = size if size is not None else reply_size(reply)
    if wire > MAX_RESPONSE_BYTES:
        found.append(f"response is {wire} bytes (> {MAX_RESPONSE_BYTES})")
    if "outputSpeech" in response:
        found += _speech_problems("outputSpeech", response["outputSpeech"], durations, default_ms)
    if "reprompt" in response:
        found += _speech_problems("reprompt.outputSpeech", (response["reprompt"] or {}).get("outputSpeech"),
                                  durations, default_ms)
    end = response.get("shouldEndSession")
    if end is not None and not isinstance(end, bool):
        found.append("shouldEndSession is not a boolean")
    for directive in response.get("directives") or []:
        if not (isinstance(directive, dict) and isinstance(directive.get("type"), str)):
            found.append(f"bad directive {directive!r:.100}")
            continue
        if directive["type"] == "AudioPlayer.Play":
            stream = (directive.get("audioItem") or {}).get("stream") or {}
            token, prev = stream.get("token"), stream.get("expectedPreviousToken")
            if not (isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS):
                found.append(f"AudioPlayer token {token!r:.80} (must be 1..{MAX_TOKEN_CHARS} characters)")
            if prev is not None and not (isinstance(prev, str) and len(prev) <= MAX_TOKEN_CHARS):
                found.append("expectedPreviousToken is too long")
            if not str(stream.get("url", "")).startswith("https://"):
                found.append("AudioPlayer stream URL is not https")
            offset = stream.get("offsetInMilliseconds", 0)
            if not (isinstance(offset, int) and offset >= 0):
                found.append(f"AudioPlayer offset {offset!r:.40}")
    if isinstance(request_type, str) and request_type.startswith(SILENT_REQUEST_PREFIXES) and \
            ("outputSpeech" in response or "reprompt" in response):
        found.append(f"a reply to {request_type} must not speak")
    return found


# --- known bugs in the skill, each pinned by an xfail(strict) test in tests/test_fuzz_regressions.py.
# A failure is excused only when its message and the input match the bug exactly; fix the bug and
# the regression test XPASSes (strict: the suite fails) until its entry here is removed too.

# Each known bug: what explains a failure, and the transports it shows on ("lambda", "http").
KNOWN_BUGS: dict[str, tuple[Any, frozenset[str]]] = {}


def check_reply(reply: Any, request_type: Any = None, *, body: Any = None, transport: str = "lambda",
                durations: Mapping[str, int] | None = None, size: int | None = None) -> None:
    """Assert that Alexa would accept `reply` to `body`, but for the known bugs above."""
    from hypothesis import event

    unexplained = []
    for problem in reply_problems(reply, request_type, durations=durations, size=size):
        bug = next((name for name, (explains, where) in KNOWN_BUGS.items()
                    if transport in where and explains(problem, body, reply)), None)
        if bug is None:
            unexplained.append(problem)
        else:
            event(f"known bug: {bug}")
    assert not unexplained, "; ".join(unexplained)


def fuzz_manifest(content: Any) -> dict[str, Any]:
    """A manifest.json with step audio for every routine step at every hold time (realistic lengths)."""
    from skill.runtime.manifest import step_key

    files: dict[str, Any] = {}
    for routine in content.routines.values():
        for step in routine.steps:
            holds = HOLD_CHOICES_S if step.hold else (None,)
            for hold in holds:
                key = step_key(routine.id, step.id, hold)
                files[key] = {"kind": "step", "path": f"steps/{routine.id}/{step.id}-{hold or 0}.mp3",
                              "text": "", "hash": "fuzz", "duration_ms": 20_000 + 1000 * (hold or 10)}
    return {"format": 1, "content_version": content.version, "engine": "fuzz", "files": files}


__all__ = ["KNOWN_BUGS", "SKILL_ID", "check_reply", "crafted_tokens", "envelopes", "fuzz_manifest", "garbage",
           "raw_events", "reply_problems", "requests", "scaled", "texts", "well_formed_envelopes"]
