"""The daily reminder offer after a routine, against a local HTTPS server speaking the Reminders API."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from envelopes import Conversation, connections_response, directives_of, speech_of
from expectations import prompt_fragments, words
from pki import write_localhost_tls

from skill.runtime.content import Content
from skill.runtime.handlers.reminders import REMINDERS_SCOPE

GRANTED = {"consentToken": "consent", "scopes": {REMINDERS_SCOPE: {"status": "GRANTED"}}}


@dataclass
class FakeAlexaApi:
    """The Alexa API endpoint for reminders: records what it gets, answers with a set status."""

    url: str = ""
    status: int = 201
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test CA and a localhost server certificate (made once: RSA keys are slow to generate)."""
    tmp_path = tmp_path_factory.mktemp("api-tls")
    write_localhost_tls(tmp_path, "Test API CA")
    return tmp_path


@pytest.fixture
def alexa_api(certs: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAlexaApi]:
    tmp_path = certs
    # The production API client (requests) trusts the test CA only through its standard setting.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    api = FakeAlexaApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            api.received.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                 "type": self.headers.get("Content-Type"), "body": json.loads(body)})
            if api.status < 300:
                out = {"alertToken": "alert-1", "createdTime": "2024-01-01T00:00:00.000Z",
                       "updatedTime": "2024-01-01T00:00:00.000Z", "status": "ON", "version": "1",
                       "href": "/v1/alerts/reminders/alert-1"}
            else:
                out = {"code": "FORBIDDEN" if api.status == 403 else "UNAUTHORIZED", "message": "no permission"}
            data = json.dumps(out).encode()
            self.send_response(api.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    api.url = f"https://localhost:{server.server_port}"
    yield api
    server.shutdown()
    server.server_close()


@pytest.fixture
def talk(app, alexa_api: FakeAlexaApi) -> Conversation:
    conv = Conversation(app.handle_event)
    conv.api_endpoint = alexa_api.url
    return conv


def said(content: Content, reply: dict, key: str) -> bool:
    return any(f in words(speech_of(reply)) for f in prompt_fragments(content, key))


def finish_routine(conv: Conversation, content: Content, routine_id: str = "back_of_knee") -> dict:
    reply = conv.intent("StartRoutineIntent", {"routine": {"value": routine_id, "id": routine_id}})
    for _ in range(len(content.routines[routine_id].steps)):
        reply = conv.intent("AMAZON.NextIntent")
    assert said(content, reply, "routine_done"), speech_of(reply)
    return reply


def test_yes_then_a_time_sets_a_daily_reminder(talk: Conversation, alexa_api: FakeAlexaApi,
                                               content: Content) -> None:
    talk.permissions = GRANTED
    assert said(content, finish_routine(talk, content), "reminder_offer")
    assert said(content, talk.intent("AMAZON.YesIntent"), "reminder_which")
    reply = talk.intent("SetReminderIntent", {"time": {"value": "in the morning", "id": "morning"}})
    assert said(content, reply, "reminder_set") and reply["response"]["shouldEndSession"] is True
    [call] = alexa_api.received
    assert call["path"] == "/v1/alerts/reminders" and call["auth"] == "Bearer token"
    trigger = call["body"]["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE"
    assert trigger["recurrence"]["recurrenceRules"] == ["FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0;INTERVAL=1;"]
    spoken = call["body"]["alertInfo"]["spokenInfo"]["content"][0]
    assert spoken["locale"] == "en-US" and spoken["text"] == content.prompts["reminder_text"]
    # The offer is not repeated once a reminder is set.
    assert not said(content, finish_routine(talk, content), "reminder_offer")


def test_missing_permission_is_asked_for_by_voice_then_the_reminder_is_set(
        talk: Conversation, alexa_api: FakeAlexaApi, content: Content) -> None:
    finish_routine(talk, content)
    reply = talk.intent("SetReminderIntent", {"time": "after lunch"})
    [ask] = directives_of(reply)
    assert ask["type"] == "Connections.SendRequest" and ask["name"] == "AskFor"
    assert ask["payload"]["permissionScope"] == REMINDERS_SCOPE and ask["token"] == "after_lunch"
    # Said too, with the card, so a device or simulator that cannot ask by voice is never silent.
    assert said(content, reply, "reminder_permission_ask") and alexa_api.received == []
    assert reply["response"]["card"]["type"] == "AskForPermissionsConsent"
    talk.permissions = GRANTED
    reply = talk.send(connections_response("ACCEPTED", ask["token"]))
    assert said(content, reply, "reminder_set")
    rules = alexa_api.received[0]["body"]["trigger"]["recurrence"]["recurrenceRules"]
    assert rules == ["FREQ=DAILY;BYHOUR=13;BYMINUTE=30;BYSECOND=0;INTERVAL=1;"]


@pytest.mark.parametrize("when,tod", [("every morning", "morning"), ("after lunch", "after_lunch"),
                                      ("at bedtime", "bedtime")])
def test_remind_me_without_permission_is_never_silent(talk: Conversation, alexa_api: FakeAlexaApi,
                                                      content: Content, when: str, tod: str) -> None:
    talk.launch()
    reply = talk.intent("SetReminderIntent", {"time": {"value": when, "id": tod}})
    assert words(speech_of(reply)), reply
    assert reply["response"]["card"]["permissions"] == [REMINDERS_SCOPE]
    # A simulator answers the voice request at once, without granting anything: still an answer.
    token = directives_of(reply)[0]["token"]
    for status in ("ACCEPTED", "DENIED", "NOT_ANSWERED"):
        answer = talk.send(connections_response(status, token))
        assert words(speech_of(answer)), (status, answer)


def test_permission_refused_sends_the_card(talk: Conversation, alexa_api: FakeAlexaApi, content: Content) -> None:
    reply = talk.intent("SetReminderIntent", {"time": {"value": "bedtime", "id": "bedtime"}})
    token = directives_of(reply)[0]["token"]
    reply = talk.send(connections_response("DENIED", token))
    card = reply["response"]["card"]
    assert card["type"] == "AskForPermissionsConsent" and card["permissions"] == [REMINDERS_SCOPE]
    assert said(content, reply, "reminder_permission_card") and alexa_api.received == []


def test_api_refusal_sends_the_card(talk: Conversation, alexa_api: FakeAlexaApi, content: Content) -> None:
    talk.permissions = GRANTED
    alexa_api.status = 403
    reply = talk.intent("SetReminderIntent", {"time": {"value": "bedtime", "id": "bedtime"}})
    assert len(alexa_api.received) == 1
    assert reply["response"]["card"]["type"] == "AskForPermissionsConsent"


def test_api_failure_is_said_plainly(talk: Conversation, alexa_api: FakeAlexaApi, content: Content) -> None:
    talk.permissions = GRANTED
    alexa_api.status = 503
    reply = talk.intent("SetReminderIntent", {"time": {"value": "bedtime", "id": "bedtime"}})
    assert said(content, reply, "reminder_failed")


def test_no_thanks_declines_for_good(talk: Conversation, alexa_api: FakeAlexaApi, content: Content) -> None:
    finish_routine(talk, content)
    reply = talk.intent("AMAZON.NoIntent")
    assert said(content, reply, "reminder_declined") and reply["response"]["shouldEndSession"] is True
    assert not said(content, finish_routine(talk, content), "reminder_offer")
    assert alexa_api.received == []
