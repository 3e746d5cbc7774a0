"""DynamoDB persistence through the ASK SDK adapter, against moto running as a real server."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from envelopes import USER_ID, Conversation, launch_request
from expectations import check

from skill.persistence import adapter_from_env

TABLE = "acupressure-test"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_conversation_state_lives_in_dynamodb(aws_env, moto_endpoint: str, make_app, content) -> None:
    env = {"ACUPRESSURE_DYNAMODB_TABLE": TABLE, "ACUPRESSURE_DYNAMODB_CREATE": "true",
           "ACUPRESSURE_DYNAMODB_ENDPOINT": moto_endpoint}
    first = Conversation(make_app(adapter=adapter_from_env(env)).handle_event)
    first.intent("SetHoldTimeIntent", {"duration": "PT2M"})
    first.intent("StartRoutineIntent", {"routine": {"value": "full routine", "id": "full_routine"}})
    first.intent("AMAZON.NoIntent")  # "are you pregnant?" (the routine has points avoided in pregnancy)
    first.intent("AMAZON.NextIntent")
    first.intent("AMAZON.PauseIntent")

    again = Conversation(make_app(adapter=adapter_from_env(env)).handle_event)
    check(content, again.send(launch_request()), {"prompt": ["welcome_back_continue"]})
    reply = again.intent("AMAZON.YesIntent")
    check(content, reply, {"routine_step": ["full_routine", 2]})

    import boto3

    table = boto3.resource("dynamodb", endpoint_url=moto_endpoint).Table(TABLE)
    items = table.scan()["Items"]
    assert [i["id"] for i in items] == [hashlib.sha256(USER_ID.encode()).hexdigest()]
    assert items[0]["attributes"]["prefs"]["hold_s"] == 120
    assert USER_ID not in str(items)
