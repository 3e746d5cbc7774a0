"""DynamoDB persistence through the ASK SDK adapter, against moto running as a real server."""

from __future__ import annotations

import hashlib

from envelopes import USER_ID, Conversation, launch_request
from expectations import check

from skill.runtime.persistence import adapter_from_env

TABLE = "acupressure-test"


def test_conversation_state_lives_in_dynamodb(aws_env, moto_url: str, make_app, content) -> None:
    env = {"ACUPRESSURE_DYNAMODB_TABLE": TABLE, "ACUPRESSURE_DYNAMODB_CREATE": "true",
           "ACUPRESSURE_DYNAMODB_ENDPOINT": moto_url}
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

    table = boto3.resource("dynamodb", endpoint_url=moto_url).Table(TABLE)
    items = table.scan()["Items"]
    assert [i["id"] for i in items] == [hashlib.sha256(USER_ID.encode()).hexdigest()]
    assert items[0]["attributes"]["prefs"]["hold_s"] == 120
    assert USER_ID not in str(items)
