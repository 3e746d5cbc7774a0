"""The skill's fast request reader and reply writer against the ASK SDK's own serializer: whatever a
device sends, handlers get the same ask_sdk_model objects, and replies come out as the same JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.intent_request import IntentRequest
from ask_sdk_model.interfaces.audioplayer import PlaybackStartedRequest
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.response_envelope import ResponseEnvelope
from envelopes import (
    audio_player_event,
    connections_response,
    envelope,
    intent_request,
    launch_request,
    playback_controller,
    session_ended_request,
    skill_disabled,
)

from skill.runtime.codec import FastSerializer
from skill.runtime.pipeline import build_app

SDK = DefaultSerializer()


def what_a_device_sends() -> list[dict[str, Any]]:
    return [
        envelope(launch_request(), new=True),
        envelope(intent_request("FindPointIntent", {"point": {"value": "bladder 23", "id": "BL23"}})),
        envelope(intent_request("FindPointIntent", {"point": "the point behind my knee"}), apl=True),
        envelope(intent_request("StartRoutineIntent", {"routine": {"value": "knee", "id": "knee"}}),
                 session_attributes={"step": 2, "nested": {"a": [1, None, "x"]}}),
        envelope(intent_request("AMAZON.NextIntent"), locale="en-GB", timestamp="2026-12-02T14:42:46Z"),
        envelope(intent_request("AMAZON.HelpIntent"), timestamp="2026-12-02T14:42:46.123+01:00"),
        envelope(audio_player_event("PlaybackStarted", "routine:knee:1", 1500), session=False, audio_player=True),
        envelope(audio_player_event("PlaybackFailed", "routine:knee:1", error={"type": "MEDIA_ERROR_UNKNOWN",
                                                                              "message": "x"}),
                 session=False, audio_player=True),
        envelope(playback_controller("Pause"), session=False, audio_player=True),
        envelope(session_ended_request()),
        envelope(connections_response("ACCEPTED", "reminder")),
        envelope(skill_disabled(), session=False),
    ]


def same_object(a: Any, b: Any, where: str = "envelope") -> None:
    """Two SDK results are alike: the same classes all the way down and the same values."""
    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            same_object(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_object(x, y, f"{where}[{i}]")
    elif hasattr(a, "deserialized_types"):
        assert vars(a).keys() == vars(b).keys(), where
        for key in vars(a):
            same_object(getattr(a, key), getattr(b, key), f"{where}.{key}")
    elif isinstance(a, datetime):
        assert a == b and a.utcoffset() == b.utcoffset(), where
    else:
        assert a == b, where


@pytest.mark.parametrize("body", what_a_device_sends(), ids=lambda b: b["request"]["type"])
def test_a_request_reads_as_the_sdk_reads_it(body: dict[str, Any]) -> None:
    fast = FastSerializer()
    ours = fast.from_data(body, RequestEnvelope)
    theirs = SDK.deserialize(json.dumps(body), RequestEnvelope)
    same_object(ours, theirs)
    # Read a second time (compiled plans reused), and from JSON text as the SDK's interface takes it.
    same_object(fast.from_data(body, RequestEnvelope), theirs)
    same_object(fast.deserialize(json.dumps(body), RequestEnvelope), theirs)


def test_handlers_see_real_request_models_with_an_aware_timestamp() -> None:
    body = envelope(intent_request("FindPointIntent", {"point": "bladder 23"}), timestamp="2026-12-02T14:42:46Z")
    env = FastSerializer().from_data(body, RequestEnvelope)
    assert isinstance(env.request, IntentRequest)
    assert env.request.intent.slots["point"].value == "bladder 23"
    assert env.request.timestamp == datetime(2026, 12, 2, 14, 42, 46, tzinfo=UTC)
    event = FastSerializer().from_data(envelope(audio_player_event("PlaybackStarted", "t", 10), session=False,
                                                audio_player=True), RequestEnvelope)
    assert isinstance(event.request, PlaybackStartedRequest) and event.request.offset_in_milliseconds == 10


@pytest.mark.parametrize("stamp", ["2026-12-02 14:42:46", "Wed, 02 Dec 2026 14:42:46 GMT", "2026-12-02T14:42:46"])
def test_unusual_timestamps_are_read_as_the_sdk_reads_them(stamp: str) -> None:
    body = envelope(launch_request(), timestamp=stamp)
    same_object(FastSerializer().from_data(body, RequestEnvelope), SDK.deserialize(json.dumps(body), RequestEnvelope))
    assert FastSerializer().from_data("2026-12-02T01:00:00+05:30", "date") == date(2026, 12, 2)
    assert FastSerializer().from_data("2026-12-02T01:00:00+05:30", "datetime").utcoffset() == timedelta(hours=5.5)


@pytest.mark.parametrize("change", [
    lambda b: b["request"].update(type="NoSuchRequest"),
    lambda b: b["request"].pop("type"),
    lambda b: b["request"].update(timestamp="not a time"),
    lambda b: b.update(context=["not", "an", "object"]),
    lambda b: b["request"].update(dialogState="NOT_A_STATE"),
])
def test_a_garbled_request_is_refused_like_the_sdk_refuses_it(change: Any) -> None:
    body = envelope(intent_request("AMAZON.HelpIntent"))
    change(body)
    with pytest.raises(SerializationException):
        SDK.deserialize(json.dumps(body), RequestEnvelope)
    with pytest.raises(SerializationException):
        FastSerializer().from_data(body, RequestEnvelope)


def test_unknown_fields_are_kept_as_the_sdk_keeps_them() -> None:
    body = envelope(launch_request())
    body["request"]["somethingNew"] = {"x": 1}
    ours = FastSerializer().from_data(body, RequestEnvelope)
    assert ours.request.somethingNew == {"x": 1}
    same_object(ours, SDK.deserialize(json.dumps(body), RequestEnvelope))


def test_every_reply_of_a_session_writes_as_the_sdk_writes_it() -> None:
    """A whole conversation through the skill: each reply object serializes to the SDK's dict."""
    app = build_app()
    replies: list[ResponseEnvelope] = []
    original = app.skill.invoke

    def keep(**kwargs: Any) -> Any:
        replies.append(original(**kwargs))
        return replies[-1]

    app.skill.invoke = keep  # type: ignore[method-assign]
    for req in (launch_request(), intent_request("FindPointIntent", {"point": {"value": "bladder 23", "id": "BL23"}}),
                intent_request("StartRoutineIntent", {"routine": {"value": "knee", "id": "knee"}}),
                intent_request("AMAZON.NextIntent"), intent_request("AMAZON.StopIntent")):
        for apl in (False, True):
            app.handle_event(envelope(req, new=req["type"] == "LaunchRequest", apl=apl,
                                      user_id=f"amzn1.ask.account.CODEC{apl}"))
    assert len(replies) == 10
    for reply in replies:
        assert FastSerializer().serialize(reply) == SDK.serialize(reply)
        assert json.dumps(FastSerializer().serialize(reply)) == json.dumps(SDK.serialize(reply))
