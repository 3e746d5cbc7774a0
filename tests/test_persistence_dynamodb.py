"""DynamoDB persistence through the ASK SDK adapter, against moto running as a real server."""

from __future__ import annotations

import hashlib
import json

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


COLD_START = """
import json, sys
sys.path.insert(0, sys.argv[1])
from skill.runtime.persistence import adapter_from_env
adapter = adapter_from_env({"ACUPRESSURE_DYNAMODB_TABLE": "t", "ACUPRESSURE_DYNAMODB_CREATE": "true",
                            "ACUPRESSURE_DYNAMODB_ENDPOINT": "http://127.0.0.1:9"})
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "ask_sdk_dynamodb"))))
"""


def test_cold_start_imports_no_aws_sdk() -> None:
    """boto3 costs about 0.3 s to import and set up: a cold start does not pay it before the first call."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", COLD_START, str(root)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_one_client_for_every_call_and_floats_kept(aws_env, moto_url: str) -> None:
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope
    from envelopes import envelope

    env = DefaultSerializer().deserialize(json.dumps(envelope(launch_request())), RequestEnvelope)
    adapter = adapter_from_env({"ACUPRESSURE_DYNAMODB_TABLE": "acu-once", "ACUPRESSURE_DYNAMODB_CREATE": "true",
                                "ACUPRESSURE_DYNAMODB_ENDPOINT": moto_url})
    assert adapter._client is None  # nothing built before the first request
    assert adapter.get_attributes(env) == {}
    client = adapter._client
    adapter.save_attributes(env, {"prefs": {"hold_s": 90}, "volume": 0.5, "steps": ["a", "b"], "n": None})
    assert adapter.get_attributes(env) == {"prefs": {"hold_s": 90}, "volume": 0.5, "steps": ["a", "b"], "n": None}
    adapter.delete_attributes(env)
    assert adapter.get_attributes(env) == {}
    assert adapter._client is client


NO_SDK = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from envelopes import envelope, launch_request
from skill.runtime.persistence import adapter_from_env

request = DefaultSerializer().deserialize(json.dumps(envelope(launch_request())), RequestEnvelope)
adapter = adapter_from_env({"ACUPRESSURE_DYNAMODB_TABLE": "acu-no-sdk", "ACUPRESSURE_DYNAMODB_CREATE": "true",
                            "ACUPRESSURE_DYNAMODB_ENDPOINT": sys.argv[2]})
adapter.save_attributes(request, {"prefs": {"hold_s": 90}, "sessions": 3, "volume": 0.25})
read = adapter.get_attributes(request)
adapter.save_attributes(request, {"sessions": 4})
print(json.dumps({"read": read, "sdk": sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))}))
"""


def test_state_reaches_dynamodb_without_the_aws_sdk(aws_env, moto_url: str) -> None:
    """Create, write, read and overwrite through the wire protocol in a process that never loads boto3."""
    import subprocess
    import sys
    from pathlib import Path

    import boto3

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", NO_SDK, str(root), moto_url], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result == {"read": {"prefs": {"hold_s": 90}, "sessions": 3, "volume": 0.25}, "sdk": []}
    # boto3 finds the item where and as the ASK SDK's own adapter would keep it.
    items = boto3.resource("dynamodb", endpoint_url=moto_url).Table("acu-no-sdk").scan()["Items"]
    assert items == [{"id": hashlib.sha256(USER_ID.encode()).hexdigest(), "attributes": {"sessions": 4}}]


def test_storage_refusing_a_write_is_a_persistence_error(aws_env, moto_url: str) -> None:
    """DynamoDB's own refusal (an item over 400 KB) comes back as PersistenceException, not a crash."""
    import pytest
    from ask_sdk_core.exceptions import PersistenceException
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope
    from envelopes import envelope

    from skill.runtime.dynamo import DynamoDbError

    env = DefaultSerializer().deserialize(json.dumps(envelope(launch_request())), RequestEnvelope)
    adapter = adapter_from_env({"ACUPRESSURE_DYNAMODB_TABLE": "acu-big", "ACUPRESSURE_DYNAMODB_CREATE": "true",
                                "ACUPRESSURE_DYNAMODB_ENDPOINT": moto_url})
    with pytest.raises(PersistenceException) as refused:
        adapter.save_attributes(env, {"notes": "x" * 500_000})
    assert isinstance(refused.value.__cause__, DynamoDbError)
    assert refused.value.__cause__.code == "ValidationException"
    assert adapter.get_attributes(env) == {}
