"""Fuzzing: generated envelopes, slot values, raw JSON and event orders through lambda_handler
(in-process) and through the HTTP layer (Flask test client and a real loopback server, in
--no-verify mode: only the skill-ID check). Every one gets a valid Alexa reply or a 400; never
an exception or a 500. See tests/fuzz_strategies.py for the profiles (HYPOTHESIS_PROFILE).
"""

from __future__ import annotations

import importlib.util
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import http_post
from envelopes import SKILL_ID, Conversation, envelope, intent_request, launch_request
from fuzz_strategies import (
    audio_player_events,
    check_reply,
    crafted_tokens,
    envelopes,
    fuzz_manifest,
    intents,
    playback_commands,
    raw_events,
    requests,
    scaled,
    slot_values,
    tokens,
    well_formed_envelopes,
)
from hypothesis import event, given, settings
from hypothesis import strategies as st

from skill.runtime.content import default_content

# Slow tier (long fuzz): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AUDIO_BASE = "https://audio.example.test/audio/"


class SkillEnv:
    """The Lambda module under test and the audio durations its manifest declares."""

    def __init__(self, module: Any, durations: dict[str, int]):
        self.module = module
        self.durations = durations

    def __repr__(self) -> str:  # keeps Hypothesis' failure reports short
        return "SkillEnv()"


@pytest.fixture(scope="module")
def skill_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkillEnv]:
    """Lambda's configuration by environment: a temp SQLite file and rendered-audio manifest."""
    tmp = tmp_path_factory.mktemp("fuzz")
    manifest = fuzz_manifest(default_content())
    (tmp / "audio").mkdir()
    (tmp / "audio" / "manifest.json").write_text(json.dumps(manifest))
    durations = {AUDIO_BASE + f["path"]: f["duration_ms"] for f in manifest["files"].values()}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"ACUPRESSURE_DB": str(tmp / "fuzz.sqlite3"), "ACUPRESSURE_SKILL_ID": SKILL_ID,
                            "ACUPRESSURE_AUDIO_DIR": str(tmp / "audio"), "ACUPRESSURE_AUDIO_BASE_URL": AUDIO_BASE,
                            "ACUPRESSURE_LOG_LEVEL": "WARNING"}.items():
            mp.setenv(name, value)
        mp.delenv("ACUPRESSURE_DYNAMODB_TABLE", raising=False)
        spec = importlib.util.spec_from_file_location("lambda_function_fuzz", ROOT / "lambda" / "lambda_function.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield SkillEnv(module, durations)


def _handle(env: SkillEnv, body: Any) -> dict[str, Any]:
    event = json.loads(json.dumps(body))  # what Lambda hands over: parsed JSON
    reply = env.module.lambda_handler(event, None)
    return json.loads(json.dumps(reply))  # Lambda must be able to serialize it


def _type(body: Any) -> Any:
    return body.get("request", {}).get("type") if isinstance(body, dict) and isinstance(body.get("request"), dict) \
        else None


# --- lambda_handler, in-process ---------------------------------------------------------------

@settings(max_examples=scaled(200))
@given(body=envelopes)
def test_lambda_handler_answers_every_envelope(skill_env: SkillEnv, body: dict) -> None:
    reply = _handle(skill_env, body)
    check_reply(reply, _type(body), body=body, durations=skill_env.durations)


@settings(max_examples=scaled(100))
@given(event=raw_events)
def test_lambda_handler_answers_any_json(skill_env: SkillEnv, event: Any) -> None:
    check_reply(_handle(skill_env, event), _type(event), body=event, durations=skill_env.durations)


MEDIA_INTENTS = st.sampled_from(["AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.NextIntent",
                                 "AMAZON.PreviousIntent", "AMAZON.StartOverIntent", "AMAZON.RepeatIntent",
                                 "AMAZON.LoopOnIntent", "AMAZON.ShuffleOnIntent", "AMAZON.StopIntent"])
routine_starts = st.builds(lambda rid: intent_request("StartRoutineIntent", {"routine": {"value": rid, "id": rid}}),
                           st.sampled_from(["full_routine", "seated_lower_back", "mindfulness", "partner", "nope"]))
player_steps = st.one_of(audio_player_events(), playback_commands, MEDIA_INTENTS.map(intent_request),
                         routine_starts, st.just(launch_request()))


@settings(max_examples=scaled(60))
@given(data=st.data(), count=st.integers(2, 12))
def test_audio_player_events_in_any_order(skill_env: SkillEnv, data: st.DataObject, count: int) -> None:
    """Playback events, commands and media intents in random order for one new user on an
    AudioPlayer device. Events carry a token the skill issued earlier (latest or older), one in its
    format with parts wrong or stale, or garbage; context.AudioPlayer likewise."""
    user = uuid.uuid4()  # fresh stored state, so a failing sequence replays the same way
    issued: list[str] = []
    for _ in range(count):
        req = dict(data.draw(player_steps, label="request"))
        choices = [st.sampled_from(issued)] * 2 if issued else []
        token = data.draw(st.one_of(*choices, crafted_tokens(), tokens), label="token")
        if req["type"].startswith("AudioPlayer."):
            req["token"] = token
        silent = req["type"].startswith(("AudioPlayer.", "PlaybackController."))
        player = {"token": token, "offsetInMilliseconds": data.draw(st.integers(0, 300_000), label="offset"),
                  "playerActivity": data.draw(st.sampled_from(["PLAYING", "STOPPED", "PAUSED"]), label="activity")}
        body = envelope(req, user_id=f"amzn1.ask.account.PLAYER-{user}", session=not silent, audio_player=True,
                        player=player if data.draw(st.booleans(), label="with player context") else None)
        reply = _handle(skill_env, body)
        check_reply(reply, req["type"], body=body, durations=skill_env.durations)
        for d in reply["response"].get("directives") or []:
            if d.get("type") == "AudioPlayer.Play":
                issued.append(d["audioItem"]["stream"]["token"])
                event("Play directive issued")
                if token in issued[:-1]:
                    event("event with an issued token answered by Play")


conversation_turns = st.lists(st.one_of(intents, routine_starts, MEDIA_INTENTS.map(intent_request),
                                        st.just(launch_request()),
                                        st.builds(lambda v: intent_request("FindPointIntent", {"point": v}),
                                                  slot_values)),
                              min_size=1, max_size=10)


@settings(max_examples=scaled(60))
@given(turns=conversation_turns, audio_player=st.booleans())
def test_conversations_carry_session_state_safely(skill_env: SkillEnv, turns: list[dict], audio_player: bool) -> None:
    """Whole sessions: each reply's session attributes come back in the next request, as Alexa does."""
    sent: list[dict] = []

    def transport(body: dict) -> dict:
        sent.append(body)
        return _handle(skill_env, body)

    convo = Conversation(transport, user_id=f"amzn1.ask.account.CONVO-{uuid.uuid4()}", audio_player=audio_player)
    for req in turns:
        reply = convo.send(req)
        check_reply(reply, req["type"], body=sent[-1], durations=skill_env.durations)


# --- the HTTP layer ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def flask_app(skill_env: SkillEnv) -> Any:
    from skill.web.serve import build_verifiers
    from skill.web.service import MAX_BODY_BYTES, create_app

    app = skill_env.module.APP
    flask_app = create_app(app, verifiers=build_verifiers(app.config, verify=False))
    flask_app.config["FUZZ_MAX_BODY"] = MAX_BODY_BYTES
    return flask_app


def _check_http(status: int, data: bytes, sent: bytes, body: Any, durations: dict, max_body: int) -> None:
    if len(sent) > max_body:
        assert status == 413, (status, data[:300])
        return
    assert status in (200, 400), (status, data[:300])
    if status == 200:
        check_reply(json.loads(data), _type(body), body=body, transport="http", durations=durations,
                    size=len(data))


@settings(max_examples=scaled(120))
@given(body=st.one_of(envelopes, raw_events))
def test_flask_endpoint_answers_200_or_400(skill_env: SkillEnv, flask_app: Any, body: Any) -> None:
    sent = json.dumps(body).encode()
    resp = flask_app.test_client().post("/", data=sent, content_type="application/json")
    _check_http(resp.status_code, resp.data, sent, body, skill_env.durations, flask_app.config["FUZZ_MAX_BODY"])


@settings(max_examples=scaled(60))
@given(data=st.one_of(st.binary(max_size=300),
                      well_formed_envelopes().map(lambda b: json.dumps(b).encode()).flatmap(
                          lambda raw: st.integers(0, len(raw)).map(lambda n: raw[:n]))))
def test_flask_endpoint_refuses_broken_bytes_with_400(skill_env: SkillEnv, flask_app: Any, data: bytes) -> None:
    """Arbitrary bytes and truncated envelopes: 400 unless they happen to be a whole request."""
    resp = flask_app.test_client().post("/", data=data, content_type="application/json")
    try:
        body = json.loads(data)
    except ValueError:
        body = None
    _check_http(resp.status_code, resp.data, data, body, skill_env.durations, flask_app.config["FUZZ_MAX_BODY"])
    if body is None:
        assert resp.status_code == 400


@pytest.fixture(scope="module")
def loopback_url(flask_app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@settings(max_examples=scaled(50))
@given(body=st.one_of(well_formed_envelopes(), envelopes, well_formed_envelopes(requests)))
def test_loopback_http_answers_200_or_400(skill_env: SkillEnv, flask_app: Any, loopback_url: str, body: Any) -> None:
    sent = json.dumps(body).encode()
    status, data = http_post(loopback_url + "/", sent, {"Content-Type": "application/json"})
    _check_http(status, data, sent, body, skill_env.durations, flask_app.config["FUZZ_MAX_BODY"])
