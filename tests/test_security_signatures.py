"""Alexa request signatures end to end: `acupressure serve` as a real process on loopback,
trusting a throwaway test CA purely by configuration (ACUPRESSURE_ALEXA_CA_BUNDLE) and taking
its cert chains from ACUPRESSURE_ALEXA_CERT_CACHE_DIR, since s3.amazonaws.com is out of reach.

One test per rule. Every refusal must be a 400 *for the stated reason*: each test also reads the
server's log line, so a request refused for some other reason (a missing chain, say) fails.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import http_post
from envelopes import SKILL_ID, envelope, intent_request, launch_request, now_iso
from pki import CERT_URL, FakeAlexaPKI

ROOT = Path(__file__).resolve().parents[1]
ECHO = "https://s3.amazonaws.com/echo.api/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    log: Path
    _offset: int = 0

    def post(self, data: bytes, headers: dict[str, str]) -> tuple[int, bytes, str]:
        """POST to `/`; returns the status, body and what the server logged meanwhile."""
        self._offset = self.log.stat().st_size
        status, body = http_post(self.url + "/", data, headers)
        with self.log.open("rb") as f:
            f.seek(self._offset)
            logged = f.read().decode("utf-8", "replace")
        return status, body, logged


@pytest.fixture(scope="module")
def server(pki: FakeAlexaPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`acupressure serve` with verification on (the default), configured only by environment."""
    tmp = tmp_path_factory.mktemp("signatures")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACUPRESSURE_")}
    env.update(pki.write_config(tmp))
    env.update({"ACUPRESSURE_SKILL_ID": SKILL_ID, "ACUPRESSURE_DB": str(tmp / "state.sqlite3"),
                "ACUPRESSURE_AUDIO_DIR": str(tmp / "audio"), "ACUPRESSURE_LOG_LEVEL": "INFO"})
    port = _free_port()
    log = tmp / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "skill.tools.cli", "serve", "--host", "127.0.0.1",
                                 "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(url + "/health", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start:\n" + log.read_text()
                time.sleep(0.1)
        yield Server(url, log)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _body(request: dict | None = None, **kwargs) -> bytes:
    return json.dumps(envelope(request or launch_request(), new=True, **kwargs)).encode()


def _headers(pki: FakeAlexaPKI, data: bytes, url: str = CERT_URL, signature: str | None = None) -> dict:
    return {"SignatureCertChainUrl": url, "Signature-256": signature or pki.sign(data),
            "Content-Type": "application/json"}


def _refused(server: Server, data: bytes, headers: dict, reason: str) -> None:
    status, body, logged = server.post(data, headers)
    assert status == 400, body
    assert "request verification failed" in logged and reason in logged, logged


# --- accepted -----------------------------------------------------------------------------

def test_valid_signed_request_is_200(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body()
    status, body, logged = server.post(data, _headers(pki, data))
    assert status == 200, logged
    assert json.loads(body)["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    assert "verification failed" not in logged


@pytest.mark.parametrize("url", [
    "https://S3.AmazonAWS.com/echo.api/echo-api-cert-test.pem",    # host is case-insensitive
    "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",    # so is the scheme
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem",  # port 443 may be given
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-test.pem",  # normalizes inside
])
def test_equivalent_cert_urls_are_accepted(server: Server, pki: FakeAlexaPKI, url: str) -> None:
    data = _body(intent_request("AMAZON.HelpIntent"))
    status, _, logged = server.post(data, _headers(pki, data, url))
    assert status == 200, logged


# --- signature and body ---------------------------------------------------------------------

def test_wrong_signature_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body()
    other = pki.sign(_body(intent_request("AMAZON.HelpIntent")))  # valid key, other body
    _refused(server, data, _headers(pki, data, signature=other), "request signature does not match")


def test_altered_body_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body(intent_request("FindPointIntent", {"point": "BL23"}))
    headers = _headers(pki, data)
    altered = data.replace(b"BL23", b"BL40")
    assert altered != data
    _refused(server, altered, headers, "request signature does not match")


# --- cert chain URL rules (DESIGN.md) -------------------------------------------------------

def test_cert_url_not_https_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body()
    _refused(server, data, _headers(pki, data, "http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"),
             "not https")


@pytest.mark.parametrize("url", [
    "https://notamazon.com/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com.evil.test/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com@evil.test/echo.api/echo-api-cert-test.pem",
])
def test_cert_url_wrong_host_is_400(server: Server, pki: FakeAlexaPKI, url: str) -> None:
    data = _body()
    _refused(server, data, _headers(pki, data, url), "host is not s3.amazonaws.com")


@pytest.mark.parametrize("url", [
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-test.pem",   # the path is case-sensitive
    "https://s3.amazonaws.com/invalid.path/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api/%2e%2e/invalid.path/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api.evil/echo-api-cert-test.pem",
])
def test_cert_url_path_outside_echo_api_is_400(server: Server, pki: FakeAlexaPKI, url: str) -> None:
    data = _body()
    _refused(server, data, _headers(pki, data, url), "path is not under /echo.api/")


def test_cert_url_port_other_than_443_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body()
    _refused(server, data, _headers(pki, data, "https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem"),
             "port is not 443")


# --- the certificate ------------------------------------------------------------------------

def test_expired_cert_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body()
    _refused(server, data, _headers(pki, data, ECHO + "expired.pem"), "cert chain rejected")


def test_not_yet_valid_cert_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body()
    _refused(server, data, _headers(pki, data, ECHO + "not-yet-valid.pem"), "cert chain rejected")


def test_cert_without_echo_api_san_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body()
    _refused(server, data, _headers(pki, data, ECHO + "wrong-name.pem"), "cert chain rejected")


def test_cert_from_untrusted_ca_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    """The chain sits in the configured cache directory, and still gets no trust of its own."""
    data = _body()
    _refused(server, data, _headers(pki, data, ECHO + "untrusted.pem"), "cert chain rejected")


def test_unknown_chain_url_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    """Not in the cache directory and not fetchable from here: cannot verify, so refuse."""
    data = _body()
    _refused(server, data, _headers(pki, data, ECHO + "not-cached.pem"), "cannot load cert chain")


# --- timestamp and skill ID -----------------------------------------------------------------

# now_iso() has whole seconds: stay a few seconds clear of the 150 s edge.
def test_stale_timestamp_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body(timestamp=now_iso(-155))
    _refused(server, data, _headers(pki, data), "outside the tolerance")


def test_future_timestamp_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body(timestamp=now_iso(155))
    _refused(server, data, _headers(pki, data), "outside the tolerance")


def test_wrong_skill_id_is_400(server: Server, pki: FakeAlexaPKI) -> None:
    data = _body(skill_id="amzn1.ask.skill.11111111-2222-3333-4444-555555555555")
    _refused(server, data, _headers(pki, data), "request is for another skill")
