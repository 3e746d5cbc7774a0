"""The standard-library DynamoDB client (skill.runtime.dynamo) on the wire: signatures as botocore computes
them, attribute values as boto3 writes and reads them, and storage faults from a real HTTP server on
loopback (throttling, a refused request, a refused connection, a dropped keep-alive connection, a hang, a
fork). botocore and boto3 are only the reference here; the runtime never imports them.
"""

from __future__ import annotations

import datetime
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import PersistenceException
from envelopes import Conversation
from expectations import check
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.runtime import dynamo
from skill.runtime.dynamo import Credentials, DynamoDbClient, DynamoDbError
from skill.runtime.persistence import DYNAMODB_MAX_ATTEMPTS, DynamoDbAdapter, Profile

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "AWS_REGION": "eu-west-1"}


def botocore_signature(url: str, headers: dict[str, str], body: bytes, access: str, secret: str,
                       token: str | None, region: str, amz_date: str,
                       monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What botocore's SigV4Auth adds to the same request at the same time."""
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    now = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now)
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    botocore.auth.SigV4Auth(BotoCredentials(access, secret, token), "dynamodb", region).add_auth(request)
    return {k: request.headers[k] for k in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")
            if k in request.headers}


# ---- a tiny DynamoDB stand-in: scripted replies, every request recorded --------------------------


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    delay_s: float = 0.0
    # Close the connection after replying without saying so (as a server dropping an idle keep-alive).
    drop_after: bool = False
    chunked: bool = False  # the body in chunks (Transfer-Encoding) rather than by Content-Length
    close: bool = False  # say "Connection: close" and close


@dataclass
class Seen:
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int


class Stub:
    """HTTP/1.1 with keep-alive on loopback; replies from `script` in order, then `default`."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.script: list[Reply] = []
        self.default = Reply(body={})
        self.seen: list[Seen] = []
        self.connections = 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                stub.connections += 1
                self.number = stub.connections

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stub.seen.append(Seen(self.headers.get("X-Amz-Target", ""), dict(self.headers.items()), body,
                                      self.number))
                reply = stub.script.pop(0) if stub.script else stub.default
                time.sleep(reply.delay_s)
                data = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/x-amz-json-1.0")
                    if reply.close:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    if reply.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        for i in range(0, len(data), 7):
                            self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(data[i:i + 7]), data[i:i + 7]))
                        self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
                    else:
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                    self.wfile.flush()
                except OSError:  # the client gave up waiting
                    self.close_connection = True
                    return
                if reply.drop_after:
                    self.close_connection = True

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://localhost:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub() -> Iterator[Stub]:
    s = Stub()
    yield s
    s.close()


def error(code: str, message: str = "no") -> dict[str, Any]:
    return {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}


def client(url: str, **kwargs: Any) -> DynamoDbClient:
    return DynamoDbClient(endpoint_url=url, env=KEYS, **kwargs)


STORED = {"Item": {"id": {"S": "k"}, "attributes": {"M": {"prefs": {"M": {"hold_s": {"N": "120"}}}}}}}


def adapter_on(url: str, monkeypatch: pytest.MonkeyPatch) -> DynamoDbAdapter:
    for k, v in KEYS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return DynamoDbAdapter("state", endpoint_url=url)


def request_envelope() -> Any:
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope
    from envelopes import envelope, launch_request

    return DefaultSerializer().deserialize(json.dumps(envelope(launch_request())), RequestEnvelope)


# ---- signatures -------------------------------------------------------------------------------------


SIGNED = [
    ("http://127.0.0.1:8000", "us-east-1", None, b'{"TableName":"t","Key":{"id":{"S":"abc"}}}', "20261202T174500Z"),
    ("https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1", "IQoJb3JpZ2luX2VjEXAMPLE//token+/=",
     b'{"TableName":"acupressure-state","Item":{"attributes":{"M":{"note":{"S":"caf\xc3\xa9 \xe2\x98\x95"}}}}}',
     "20270101T000000Z"),
    ("https://dynamodb.ap-southeast-2.amazonaws.com:443", "ap-southeast-2", "short-token", b"{}", "20261231T235959Z"),
    ("http://LocalHost:4566", "cn-north-1", None, b"", "20260228T120000Z"),
]


@pytest.mark.parametrize(("url", "region", "token", "body", "amz_date"), SIGNED)
def test_signature_equals_botocores(url, region, token, body, amz_date, monkeypatch) -> None:
    """For the same request and time, the same Authorization, X-Amz-Date and X-Amz-Security-Token."""
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    headers = {"Content-Type": dynamo.CONTENT_TYPE, "X-Amz-Target": "DynamoDB_20120810.PutItem"}
    _, _, host, _ = dynamo.split_endpoint(url)
    now = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    ours = dynamo.sign(host, headers, body, creds, region, now)
    assert ours == botocore_signature(url, headers, body, creds.access_key, creds.secret_key, token, region,
                                      amz_date, monkeypatch)
    assert ("X-Amz-Security-Token" in ours) is bool(token)


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEXAMPLE"])
def test_requests_on_the_wire_carry_botocores_signature(stub: Stub, token, monkeypatch) -> None:
    """What the client really sends, re-signed by botocore from the received request, matches."""
    env = {**KEYS, **({"AWS_SESSION_TOKEN": token} if token else {})}
    c = DynamoDbClient(endpoint_url=stub.url, env=env)
    stub.default = Reply(body=STORED)
    c.call("GetItem", {"TableName": "state", "Key": {"id": {"S": "k"}}, "ConsistentRead": True})
    c.call("PutItem", {"TableName": "state", "Item": {"id": {"S": "k"}, "n": {"N": "0.5"}}})
    assert [s.target for s in stub.seen] == ["DynamoDB_20120810.GetItem", "DynamoDB_20120810.PutItem"]
    for seen in stub.seen:
        assert seen.headers["Content-Type"] == "application/x-amz-json-1.0"
        assert seen.headers["Host"] == stub.url.removeprefix("http://")
        sent = {k: seen.headers[k] for k in ("Content-Type", "X-Amz-Target")}
        expected = botocore_signature(stub.url, sent, seen.body, env["AWS_ACCESS_KEY_ID"],
                                      env["AWS_SECRET_ACCESS_KEY"], token, "eu-west-1", seen.headers["X-Amz-Date"],
                                      monkeypatch)
        assert {k: seen.headers[k] for k in expected} == expected
        assert ("X-Amz-Security-Token" in seen.headers) is bool(token)
        assert "/eu-west-1/dynamodb/aws4_request" in seen.headers["Authorization"]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"])
def test_public_endpoint_is_where_botocore_sends_dynamodb(region: str) -> None:
    import botocore.session

    boto = botocore.session.get_session().create_client(
        "dynamodb", region_name=region, aws_access_key_id="x", aws_secret_access_key="y")
    assert DynamoDbClient(env={"AWS_REGION": region}).endpoint() == boto.meta.endpoint_url


def test_region_and_endpoint_come_from_lambdas_environment() -> None:
    env = {"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "us-west-2"}
    assert DynamoDbClient(env=env).endpoint() == "https://dynamodb.eu-central-1.amazonaws.com"
    assert DynamoDbClient(env={"AWS_DEFAULT_REGION": "us-west-2"}).region() == "us-west-2"
    assert DynamoDbClient(region_name="sa-east-1", env=env).region() == "sa-east-1"
    local = {**env, "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}
    assert DynamoDbClient(env=local).endpoint() == "http://127.0.0.1:8000"
    assert DynamoDbClient(endpoint_url="http://moto:5000", env=local).endpoint() == "http://moto:5000"
    with pytest.raises(DynamoDbError) as no_region:
        DynamoDbClient(env={}).call("GetItem", {})
    assert no_region.value.code == "NoRegion"


def test_no_credentials_no_request(stub: Stub) -> None:
    with pytest.raises(DynamoDbError) as missing:
        DynamoDbClient(endpoint_url=stub.url, env={"AWS_REGION": "us-east-1"}).call("GetItem", {})
    assert missing.value.code == "MissingCredentials"
    assert stub.seen == []


# ---- attribute values, against boto3's TypeSerializer / TypeDeserializer --------------------------------


def as_boto3_is_given(value: Any) -> Any:
    """Floats as Decimal(repr(x)): boto3 refuses floats, the adapter always handed it these."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: as_boto3_is_given(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_boto3_is_given(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """What the skill reads: numbers back as int when integral, else float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


scalars = (st.none() | st.booleans() | st.text(max_size=12) | st.integers(-(10**20), 10**20)
           | st.floats(allow_nan=False, allow_infinity=False, width=64))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(values)
def test_attribute_values_as_boto3_writes_and_reads_them(value: Any) -> None:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    try:
        wire = TypeSerializer().serialize(as_boto3_is_given(value))
    except (TypeError, ArithmeticError):  # beyond DynamoDB's 38 digits or its exponents: refused by both
        with pytest.raises((TypeError, ArithmeticError)):
            dynamo.serialize(value)
        return
    assert dynamo.serialize(value) == wire
    # JSON on the way, as on the wire; back as the skill has always read it.
    assert dynamo.deserialize(json.loads(json.dumps(wire))) == plain(TypeDeserializer().deserialize(wire))


def test_what_dynamodb_cannot_hold_is_refused() -> None:
    for bad in (float("nan"), float("inf"), Decimal("1" * 39), b"bytes", {1, 2}):
        with pytest.raises((TypeError, ArithmeticError)):
            dynamo.serialize({"x": bad})


def test_a_full_profile_round_trips_unchanged() -> None:
    from skill.runtime.engine import Preferences, RoutineState

    profile = Profile(prefs=Preferences.from_dict({"hold_s": 90}), sessions=12, disclaimer_heard=True,
                      progress=RoutineState.from_dict({"routine_id": "knee", "step_ids": ["a", "b", "c"],
                                                       "index": 2, "status": "paused", "hold_s": 90,
                                                       "offset_ms": 41_250, "skipped": ["b"]}),
                      last_routine_id="knee", pregnant=True, pregnancy_asked=True, reminder="07:30")
    assert profile.progress is not None
    data = profile.to_dict()
    back = dynamo.deserialize(json.loads(json.dumps(dynamo.serialize(data))))
    assert back == data
    assert Profile.from_dict(back) == profile


# ---- faults, through the adapter ------------------------------------------------------------------------


def test_throttled_then_served(stub: Stub, monkeypatch) -> None:
    stub.script = [Reply(400, error("ProvisionedThroughputExceededException"))]
    stub.default = Reply(body=STORED)
    adapter = adapter_on(stub.url, monkeypatch)
    assert adapter.get_attributes(request_envelope()) == {"prefs": {"hold_s": 120}}
    assert [s.target for s in stub.seen] == ["DynamoDB_20120810.GetItem"] * 2


def test_server_errors_retried_within_the_attempts(stub: Stub, monkeypatch) -> None:
    stub.default = Reply(500, error("InternalServerError"))
    adapter = adapter_on(stub.url, monkeypatch)
    with pytest.raises(PersistenceException) as failed:
        adapter.save_attributes(request_envelope(), {"sessions": 1})
    assert isinstance(failed.value.__cause__, DynamoDbError)
    assert failed.value.__cause__.code == "InternalServerError"
    assert len(stub.seen) == DYNAMODB_MAX_ATTEMPTS


def test_a_refused_request_is_not_retried(stub: Stub, monkeypatch) -> None:
    stub.default = Reply(400, error("ValidationException", "One or more parameter values were invalid"))
    adapter = adapter_on(stub.url, monkeypatch)
    with pytest.raises(PersistenceException) as failed:
        adapter.get_attributes(request_envelope())
    cause = failed.value.__cause__
    assert isinstance(cause, DynamoDbError)
    assert (cause.code, cause.status, cause.message) == ("ValidationException", 400,
                                                         "One or more parameter values were invalid")
    assert len(stub.seen) == 1


def closed_port() -> str:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_connection_refused_is_a_spoken_storage_error(monkeypatch, make_app, content) -> None:
    adapter = adapter_on(closed_port(), monkeypatch)
    with pytest.raises(PersistenceException) as failed:
        adapter.get_attributes(request_envelope())
    assert isinstance(failed.value.__cause__, DynamoDbError)
    assert failed.value.__cause__.code == "ConnectionError"
    # The person hears that their settings are out of reach, not silence or a crash.
    check(content, Conversation(make_app(adapter=adapter).handle_event).intent("AMAZON.ResumeIntent"),
          {"prompt": ["error_storage"]})


def test_one_connection_kept_alive_and_reopened_when_dropped(stub: Stub) -> None:
    c = client(stub.url, max_attempts=1)  # reopening a dropped idle connection uses no attempt
    for _ in range(3):
        c.call("GetItem", {"TableName": "t"})
    assert (stub.connections, c.connections_opened) == (1, 1)
    stub.script = [Reply(body={}, drop_after=True)]  # the server closes it after this reply, unannounced
    c.call("GetItem", {"TableName": "t"})
    time.sleep(0.1)
    assert c.call("GetItem", {"TableName": "t"}) == {}
    assert (stub.connections, c.connections_opened) == (2, 2)
    assert len(stub.seen) == 5  # nothing sent twice, no attempt lost to the stale connection


def test_a_hanging_endpoint_is_cut_off(stub: Stub) -> None:
    stub.default = Reply(body={}, delay_s=1.5)
    c = client(stub.url, read_timeout_s=0.3, max_attempts=2)
    t0 = time.monotonic()
    with pytest.raises(DynamoDbError) as hung:
        c.call("GetItem", {"TableName": "t"})
    assert hung.value.code == "Timeout"
    assert 0.6 <= time.monotonic() - t0 < 1.5
    assert len(stub.seen) == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_opens_its_own_connection(stub: Stub) -> None:
    c = client(stub.url)
    c.call("GetItem", {"TableName": "t"})
    pid = os.fork()
    if pid == 0:  # the child: must not write on the parent's socket
        try:
            c.call("GetItem", {"TableName": "child"})
            os._exit(0 if c.connections_opened == 2 else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    c.call("GetItem", {"TableName": "t"})
    assert c.connections_opened == 1  # the parent's connection still serves it
    assert sorted({s.connection for s in stub.seen}) == [1, 2]
    assert [s.connection for s in stub.seen if b"child" in s.body] == [2]


IMPORTS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import skill.runtime.records
before = set(sys.modules)
import skill.runtime.dynamo
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_importing_the_client_costs_no_ssl_or_http() -> None:
    """A cold start that never reaches DynamoDB pays nothing for the client: http.client and ssl come
    with the first connection."""
    out = subprocess.run([sys.executable, "-c", IMPORTS, str(ROOT)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    added = json.loads(out.stdout)
    assert "skill.runtime.dynamo" in added
    assert not [m for m in added if m.split(".")[0] in ("ssl", "_ssl", "http", "boto3", "botocore")]


# ---- the rest of the HTTP a DynamoDB endpoint may speak ------------------------------------------------


def test_chunked_and_closing_replies_are_read(stub: Stub) -> None:
    c = client(stub.url)
    stub.script = [Reply(body=STORED, chunked=True), Reply(body={"n": 1}, close=True)]
    assert c.call("GetItem", {"TableName": "t"}) == STORED
    assert c.call("GetItem", {"TableName": "t"}) == {"n": 1}
    assert c.call("GetItem", {"TableName": "t"}) == {}
    assert (stub.connections, c.connections_opened) == (2, 2)  # reopened after the announced close only


def test_a_broken_token_is_never_sent(stub: Stub) -> None:
    c = DynamoDbClient(endpoint_url=stub.url, env={**KEYS, "AWS_SESSION_TOKEN": "abc\r\nX-Evil: 1"})
    with pytest.raises(DynamoDbError) as refused:
        c.call("GetItem", {"TableName": "t"})
    assert refused.value.code == "BadRequest"
    assert stub.seen == []


@pytest.fixture
def tls_stub(tmp_path: Path) -> Iterator[tuple[Stub, Path]]:
    """The stub over TLS as "localhost", its certificate issued by a throwaway CA; (stub, CA's PEM)."""
    from pki import write_localhost_tls

    write_localhost_tls(tmp_path, "Test DynamoDB Root")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    s = Stub(tls=context)
    yield s, tmp_path / "ca.pem"
    s.close()


def test_https_verified_against_the_trusted_roots(tls_stub, monkeypatch) -> None:
    """As on Lambda: TLS with the server's certificate checked, one connection kept, requests signed for
    the https URL."""
    stub, ca = tls_stub
    c = DynamoDbClient(endpoint_url=stub.url, env={**KEYS, "AWS_CA_BUNDLE": str(ca)})
    stub.default = Reply(body=STORED)
    assert c.call("GetItem", {"TableName": "t"}) == STORED
    assert c.call("GetItem", {"TableName": "t"}) == STORED
    assert (stub.connections, c.connections_opened) == (1, 1)
    seen = stub.seen[-1]
    assert seen.headers["Host"] == stub.url.removeprefix("https://")
    sent = {k: seen.headers[k] for k in ("Content-Type", "X-Amz-Target")}
    expected = botocore_signature(stub.url, sent, seen.body, KEYS["AWS_ACCESS_KEY_ID"], KEYS["AWS_SECRET_ACCESS_KEY"],
                                  None, "eu-west-1", seen.headers["X-Amz-Date"], monkeypatch)
    assert {k: seen.headers[k] for k in expected} == expected


def test_https_to_an_untrusted_certificate_fails(tls_stub) -> None:
    stub, _ = tls_stub
    with pytest.raises(DynamoDbError) as refused:
        client(stub.url).call("GetItem", {"TableName": "t"})  # the system's roots do not know the test CA
    assert refused.value.code == "ConnectionError"
    assert isinstance(refused.value.__cause__, ssl.SSLCertVerificationError)
    assert stub.seen == []
