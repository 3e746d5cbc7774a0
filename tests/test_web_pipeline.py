"""One request pipeline: the Flask endpoint (flask-ask-sdk, signed requests) answers exactly as Lambda does,
including fitting replies to Alexa's 24 KB limit; only the HTTP rules differ (400 for what Lambda answers)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import AUDIO_BASE, rendered_manifest
from envelopes import (
    SKILL_ID,
    audio_player_event,
    connections_response,
    envelope,
    intent_request,
    launch_request,
    playback_controller,
    session_ended_request,
    speech_of,
)
from fuzz_strategies import reply_size
from pki import FakeAlexaPKI

from skill.runtime.content import Content
from skill.runtime.persistence import SQLiteAdapter
from skill.runtime.pipeline import App, Config, build_app, invoke
from skill.runtime.speech import MAX_RESPONSE_BYTES
from skill.web.service import create_app

Send = Callable[[dict[str, Any]], dict[str, Any]]


def seeded_app(db: Path, content: Content) -> App:
    """The skill with rendered audio on its own SQLite file; a fixed seed makes prompt variants repeatable."""
    return build_app(manifest=rendered_manifest(content), adapter=SQLiteAdapter(db), rng=random.Random(7),
                     config=Config(skill_id=SKILL_ID, audio_base_url=AUDIO_BASE))


@pytest.fixture
def lambda_send(lambda_module: Any, tmp_path: Path, content: Content) -> Send:
    """lambda/lambda_function.lambda_handler, its skill swapped for a seeded twin of the web one."""
    lambda_module.APP = seeded_app(tmp_path / "lambda.sqlite3", content)

    def send(body: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps(lambda_module.lambda_handler(json.loads(json.dumps(body)), None)))
    return send


@pytest.fixture
def web_app(tmp_path: Path, content: Content) -> App:
    return seeded_app(tmp_path / "web.sqlite3", content)


@pytest.fixture
def web_post(web_app: App, verifiers: list, pki: FakeAlexaPKI) -> Callable[[dict[str, Any]], Any]:
    """POST a signed envelope to the Flask service (production verifiers: signature, timestamp, skill ID)."""
    client = create_app(web_app, verifiers=verifiers).test_client()

    def post(body: dict[str, Any]) -> Any:
        data = json.dumps(body).encode()
        return client.post("/", data=data, headers=pki.headers(data))
    return post


@pytest.fixture
def web_send(web_post: Callable[[dict[str, Any]], Any]) -> Send:
    def send(body: dict[str, Any]) -> dict[str, Any]:
        resp = web_post(body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.get_json()
    return send


@pytest.fixture
def both(lambda_send: Send, web_send: Send) -> Send:
    """The same envelope through both transports; their replies must be identical."""
    def send(body: dict[str, Any]) -> dict[str, Any]:
        on_lambda, on_web = lambda_send(body), web_send(body)
        assert on_web == on_lambda, body["request"]["type"]
        return on_lambda
    return send


class Session:
    """One session of one device, each turn carrying the attributes the last reply left (as Alexa does)."""

    def __init__(self, send: Send, audio_player: bool = False):
        self.send, self.audio_player = send, audio_player
        self.attributes: dict[str, Any] = {}
        self.new = True

    def say(self, request: dict[str, Any]) -> dict[str, Any]:
        reply = self.send(envelope(request, new=self.new, session_attributes=self.attributes,
                                   audio_player=self.audio_player))
        self.new, self.attributes = False, reply.get("sessionAttributes") or {}
        return reply


def test_a_dialog_session_gets_identical_replies_on_lambda_and_the_web(both: Send) -> None:
    session = Session(both)
    replies = [session.say(r) for r in [
        launch_request(),                                                            # "open acupressure coach"
        intent_request("FindPointIntent", {"point": {"value": "bladder 23", "id": "BL23"}}),
        intent_request("PointsForComplaintIntent", {"complaint": {"value": "sciatica", "id": "sciatica"}}),
        intent_request("FindPointIntent", {"point": "the point behind my knee"}),    # no entity match
        intent_request("StartRoutineIntent", {"routine": {"value": "seated lower back", "id": "seated_lower_back"}}),
        intent_request("AMAZON.NextIntent"),
        intent_request("AMAZON.RepeatIntent"),
        intent_request("AMAZON.HelpIntent"),
        intent_request("AMAZON.FallbackIntent"),
        intent_request("AMAZON.StopIntent"),
    ]]
    assert all(speech_of(r).startswith("<speak>") for r in replies)
    # The next day, a new session: both remember the routine alike.
    tomorrow = Session(both)
    tomorrow.say(launch_request())
    assert speech_of(tomorrow.say(intent_request("AMAZON.ResumeIntent")))


def test_an_audioplayer_device_gets_identical_replies_on_lambda_and_the_web(both: Send) -> None:
    session = Session(both, audio_player=True)
    reply = session.say(intent_request("StartRoutineIntent", {"routine": {"value": "seated lower back",
                                                                          "id": "seated_lower_back"}}))
    plays = [d for d in reply["response"].get("directives", []) if d["type"] == "AudioPlayer.Play"]
    assert plays, "precondition: with rendered audio the routine starts as a stream"
    token = plays[0]["audioItem"]["stream"]["token"]
    player = {"token": token, "offsetInMilliseconds": 15_000, "playerActivity": "PLAYING"}
    for event in [audio_player_event("PlaybackStarted", token),
                  audio_player_event("PlaybackNearlyFinished", token, 15_000),
                  audio_player_event("PlaybackStopped", token, 16_000),
                  playback_controller("Next"),
                  audio_player_event("PlaybackFailed", token, 1_000)]:
        reply = both(envelope(event, session=False, audio_player=True, player=player))
        assert "outputSpeech" not in reply["response"]
    Session(both, audio_player=True).say(intent_request("AMAZON.ResumeIntent"))


# Built when a test runs, not at import: a signed request's timestamp must be fresh (150 s tolerance),
# and a full run reaches this file long after collection.
ODD_BUT_WELL_FORMED: dict[str, Callable[[], dict[str, Any]]] = {
    "unknown request type": lambda: envelope({"type": "Alexa.Something.New"}),
    "intent is null": lambda: envelope(intent_request("FindPointIntent") | {"intent": None}),
    "session ended for a new reason": lambda: envelope({"type": "SessionEndedRequest", "reason": "NEW_REASON"}),
    "playback stopped with an odd offset": lambda: envelope({"type": "AudioPlayer.PlaybackStopped", "token": "t",
                                                             "offsetInMilliseconds": "12.5s"}, session=False),
    "can-fulfill with an undecodable intent": lambda: envelope({"type": "CanFulfillIntentRequest", "intent": "x"},
                                                               session=False),
    "permission answer out of the blue": lambda: envelope(connections_response("ACCEPTED", "no-such-token")),
    "session ended": lambda: envelope(session_ended_request()),
}


@pytest.mark.parametrize("case", ODD_BUT_WELL_FORMED)
def test_odd_envelopes_get_identical_replies_on_lambda_and_the_web(both: Send, case: str) -> None:
    reply = both(ODD_BUT_WELL_FORMED[case]())
    assert reply["version"] == "1.0"


def test_a_request_that_may_not_speak_gets_no_apology_when_it_cannot_be_read(lambda_send: Send) -> None:
    """CanFulfillIntentRequest may not give the user any feedback, even when it fails."""
    reply = lambda_send(ODD_BUT_WELL_FORMED["can-fulfill with an undecodable intent"]())
    assert "outputSpeech" not in reply["response"]


# A long reply the skill gave last turn, each part within the 8,000-character speech cap, as the
# device carries it back; "repeat" says it again and remembers it again: four such parts pass 24 KB.
LONG = "<speak>" + " ".join(["Press gently into the hollow and breathe out slowly."] * 140) + "</speak>"
LONG_JAPANESE = "<speak>" + "背中のツボをゆっくり押してください。" * 400 + "</speak>"


def test_web_replies_over_24_kb_are_trimmed_like_on_lambda(lambda_send: Send, web_post: Callable[[dict], Any],
                                                           web_app: App, tmp_path: Path, content: Content) -> None:
    body = envelope(intent_request("AMAZON.RepeatIntent"),
                    session_attributes={"last_speech": LONG, "last_reprompt": LONG})
    untrimmed = invoke(seeded_app(tmp_path / "raw.sqlite3", content).skill, body)  # the SDK alone, unfitted
    assert reply_size(untrimmed) > MAX_RESPONSE_BYTES, "precondition: the skill's own reply is too big"
    resp = web_post(body)
    assert resp.status_code == 200
    assert len(resp.get_data()) <= MAX_RESPONSE_BYTES
    reply = resp.get_json()
    assert reply == lambda_send(body)
    # Trimmed by forgetting the remembered speech; the reply itself still says it all again.
    assert speech_of(reply) == LONG
    assert not {"last_speech", "last_reprompt"} & set(reply.get("sessionAttributes") or {})


def test_web_replies_that_cannot_be_trimmed_become_the_short_apology_like_on_lambda(both: Send) -> None:
    """Non-ASCII speech is sent escaped (\\uXXXX), six bytes a character: measured as sent, it is too big."""
    body = envelope(intent_request("AMAZON.RepeatIntent"),
                    session_attributes={"last_speech": LONG_JAPANESE, "last_reprompt": LONG_JAPANESE})
    reply = both(body)
    assert reply_size(reply) <= MAX_RESPONSE_BYTES
    assert "背中" not in speech_of(reply) and speech_of(reply).startswith("<speak>")
    assert reply["response"]["shouldEndSession"] is False  # the session stays open, as the reply meant


def test_http_refuses_what_lambda_answers(lambda_send: Send, web_post: Callable[[dict], Any]) -> None:
    """The HTTP rules: a request for another skill is a 400 on the web, a polite closing reply on Lambda."""
    other = envelope(launch_request(), skill_id="amzn1.ask.skill.another")
    assert web_post(other).status_code == 400
    assert lambda_send(other)["response"]["shouldEndSession"] is True
