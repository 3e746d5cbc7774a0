"""Minimal failing examples the fuzzer found, one test per bug, each xfail(strict) until fixed.

When a fix lands the test XPASSes, which fails the suite (strict): then drop the xfail marker
here and the bug's entry in tests/fuzz_strategies.KNOWN_BUGS (which excuses it during fuzzing).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from envelopes import Conversation, envelope, intent_request
from fuzz_strategies import KNOWN_BUGS, fuzz_manifest, reply_problems

from skill.runtime.manifest import Manifest

# Requests that Alexa sends without expecting speech, each made undecodable by the ASK SDK model in
# a small way (an enum value or a field type it does not know), or lacking context.System.
SILENT_CASES = {
    "session-ended-new-reason": envelope({"type": "SessionEndedRequest", "reason": "NEW_REASON"}),
    "playback-stopped-odd-offset": envelope({"type": "AudioPlayer.PlaybackStopped", "token": "t",
                                             "offsetInMilliseconds": "12.5s"}, session=False),
    "exception-encountered-new-error": envelope({"type": "System.ExceptionEncountered",
                                                 "error": {"type": "NEW_ERROR_TYPE", "message": "m"},
                                                 "cause": {"requestId": "r"}}, session=False),
    "playback-command-no-context": {"version": "1.0", "context": {},
                                    "request": {"type": "PlaybackController.NextCommandIssued",
                                                "requestId": "r", "timestamp": "2026-01-01T00:00:00Z"}},
}


@pytest.fixture
def flask_client(app: Any) -> Any:
    from skill.web.service import create_app

    return create_app(app, verifiers=[]).test_client()


def _problems(reply: dict, body: dict, about: str) -> list[str]:
    """The reply's problems of one kind (each test pins one bug, not every limit at once)."""
    return [p for p in reply_problems(reply, body["request"]["type"]) if about in p]


SPEAKS, NO_XML, TOO_BIG = "must not speak", "does not parse as XML", "bytes (>"


def bug(reason: str) -> pytest.MarkDecorator:
    """A known bug: the test must fail with an AssertionError until the fix lands."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason="bug: " + reason)


@pytest.mark.parametrize("case", SILENT_CASES)
def test_silent_request_gets_no_apology(lambda_transport: Any, case: str) -> None:
    """Fixed in 4b19cb7 (skill/app.py answered these with the spoken error_response)."""
    body = SILENT_CASES[case]
    assert _problems(lambda_transport(body), body, SPEAKS) == []


@pytest.mark.parametrize("request_json", [{"type": "PlaybackController.PlayCommandIssued"},
                                          {"type": "SessionEndedRequest", "reason": "USER_INITIATED"}])
def test_silent_request_for_another_skill_gets_no_apology(lambda_transport: Any, request_json: dict) -> None:
    """Fixed: a request for another skill ID is refused silently when it may not speak."""
    body = envelope(request_json, skill_id="amzn1.ask.skill.another", session=False)
    assert _problems(lambda_transport(body), body, SPEAKS) == []


@pytest.mark.parametrize("case", [c for c in SILENT_CASES if "no-context" not in c])
def test_silent_request_gets_no_apology_over_http(flask_client: Any, case: str) -> None:
    body = SILENT_CASES[case]
    resp = flask_client.post("/", data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 200
    assert _problems(resp.get_json(), body, SPEAKS) == []


def test_silent_cases_are_answered_silently_when_well_formed(lambda_transport: Any) -> None:
    """The control: the same events, decodable, get no speech today (so the bug is the failure path)."""
    good = [envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}),
            envelope({"type": "AudioPlayer.PlaybackStopped", "token": "t", "offsetInMilliseconds": 12},
                     session=False)]
    for body in good:
        assert reply_problems(lambda_transport(body), body["request"]["type"]) == []


@pytest.mark.parametrize("intent,slot,value", [
    ("FindPointIntent", "point", "bladder\x01"),
    ("PointsForComplaintIntent", "complaint", "knee\x1b pain"),
    ("PointsForComplaintIntent", "complaint", "back\ud800"),
])
def test_slot_text_with_xml_illegal_characters_keeps_ssml_valid(lambda_transport: Any, intent: str, slot: str,
                                                                value: str) -> None:
    body = envelope(intent_request(intent, {slot: value}))
    assert _problems(lambda_transport(body), body, NO_XML) == []


@pytest.mark.parametrize("intent,slot", [("FindPointIntent", "point"), ("PointsForComplaintIntent", "complaint")])
def test_huge_slot_text_keeps_the_response_under_24_kb(lambda_transport: Any, intent: str, slot: str) -> None:
    body = envelope(intent_request(intent, {slot: "背中" * 20_000}))
    assert _problems(lambda_transport(body), body, TOO_BIG) == []


def test_huge_echo_is_not_carried_into_the_next_turn(make_app: Any, content: Any) -> None:
    """With rendered audio the routine starts as an AudioPlayer stream, whose reply keeps the
    session attributes it was sent (found by the long fuzz profile; fixed by 486a36b's cap)."""
    app = make_app(manifest=Manifest.from_dict(fuzz_manifest(content)))
    convo = Conversation(app.handle_event, audio_player=True)
    convo.intent("FindPointIntent", {"point": "😀" * 5000})
    routine = {"routine": {"value": "seated lower back", "id": "seated_lower_back"}}  # no avoided points
    sent = envelope(intent_request("StartRoutineIntent", routine), session_attributes=convo.attributes,
                    audio_player=True)
    reply = app.handle_event(sent)
    if not any(d["type"] == "AudioPlayer.Play" for d in reply["response"].get("directives", [])):
        pytest.fail("precondition: the routine should start as a stream")  # not an AssertionError
    assert _problems(reply, sent, TOO_BIG) == []


def test_long_speech_is_not_cut_inside_an_entity(lambda_transport: Any) -> None:
    """Fixed in 3366103 (skill/speech.py _truncate cut '&lt;' in half at the 8,000-character cap)."""
    body = envelope(intent_request("FindPointIntent", {"point": "<" * 3000}))
    assert _problems(lambda_transport(body), body, NO_XML) == []


def test_every_known_bug_has_its_regression_test() -> None:
    assert set(KNOWN_BUGS) <= {name for name in globals() if name.startswith("test_")}
