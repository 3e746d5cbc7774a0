"""The HTTP endpoint over loopback: real signature/timestamp/skill-ID checks; never a 500."""

from __future__ import annotations

import json

import pytest
from conftest import http_post
from envelopes import SKILL_ID, envelope, intent_request, launch_request, now_iso
from pki import FakeAlexaPKI

from skill.web.compat import certvalidator_replaced


def signed(pki: FakeAlexaPKI, body: dict, **header_overrides: str) -> tuple[bytes, dict[str, str]]:
    data = json.dumps(body).encode()
    headers = pki.headers(data)
    headers.update(header_overrides)
    return data, headers


def test_signed_request_is_answered(web_url: str, pki: FakeAlexaPKI) -> None:
    data, headers = signed(pki, envelope(launch_request(), new=True))
    status, reply = http_post(web_url + "/", data, headers)
    assert status == 200
    assert json.loads(reply)["response"]["outputSpeech"]["ssml"].startswith("<speak>")


BAD_URLS = [
    "http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
    "https://notamazon.com/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert-test.pem",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api/expired.pem",
    "https://s3.amazonaws.com/echo.api/wrong-name.pem",
    "https://s3.amazonaws.com/echo.api/untrusted.pem",
    "https://s3.amazonaws.com/echo.api/missing.pem",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_cert_chain_is_400(web_url: str, pki: FakeAlexaPKI, url: str) -> None:
    data = json.dumps(envelope(launch_request())).encode()
    headers = {"SignatureCertChainUrl": url, "Signature-256": pki.sign(data)}
    assert http_post(web_url + "/", data, headers)[0] == 400


def test_cert_url_with_explicit_443_is_accepted(web_url: str, pki: FakeAlexaPKI,
                                                cert_store: dict[str, bytes]) -> None:
    url = "https://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem"
    cert_store["https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"] = pki.chain_pem
    data, headers = signed(pki, envelope(launch_request()), SignatureCertChainUrl=url)
    assert http_post(web_url + "/", data, headers)[0] == 200


def test_tampered_body_is_400(web_url: str, pki: FakeAlexaPKI) -> None:
    data, headers = signed(pki, envelope(launch_request()))
    tampered = data.replace(b"LaunchRequest", b"LaunchRequesT")
    assert http_post(web_url + "/", tampered, headers)[0] == 400


@pytest.mark.parametrize("drop", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_signature_header_is_400(web_url: str, pki: FakeAlexaPKI, drop: str) -> None:
    data, headers = signed(pki, envelope(launch_request()))
    del headers[drop]
    assert http_post(web_url + "/", data, headers)[0] == 400


def test_garbage_signature_is_400(web_url: str, pki: FakeAlexaPKI) -> None:
    data, headers = signed(pki, envelope(launch_request()), **{"Signature-256": "not base64!!"})
    assert http_post(web_url + "/", data, headers)[0] == 400


# now_iso() has whole seconds, so stay a few seconds clear of the 150 s edge.
@pytest.mark.parametrize("offset_s", [-155, 155, -3600])
def test_stale_or_future_timestamp_is_400(web_url: str, pki: FakeAlexaPKI, offset_s: int) -> None:
    data, headers = signed(pki, envelope(launch_request(), timestamp=now_iso(offset_s)))
    assert http_post(web_url + "/", data, headers)[0] == 400


def test_timestamp_within_tolerance_is_accepted(web_url: str, pki: FakeAlexaPKI) -> None:
    data, headers = signed(pki, envelope(launch_request(), timestamp=now_iso(-140)))
    assert http_post(web_url + "/", data, headers)[0] == 200


def test_skill_event_may_be_an_hour_late(web_url: str, pki: FakeAlexaPKI) -> None:
    body = envelope({"type": "AlexaSkillEvent.SkillEnabled", "eventCreationTime": now_iso(-1800)},
                    timestamp=now_iso(-1800), session=False)
    data, headers = signed(pki, body)
    assert http_post(web_url + "/", data, headers)[0] == 200


def test_other_skill_id_is_400(web_url: str, pki: FakeAlexaPKI) -> None:
    data, headers = signed(pki, envelope(launch_request(), skill_id="amzn1.ask.skill.someone-else"))
    assert http_post(web_url + "/", data, headers)[0] == 400


MALFORMED = [
    b"",
    b"{not json",
    b"\xff\xfe\x00",
    b"[]",
    b'"a string"',
    b"{}",
    b'{"version": "1.0", "request": {}}',
    b'{"version": "1.0", "request": {"type": "LaunchRequest"}}',
    b'{"version": "1.0", "request": {"type": 5}, "context": {"System": {}}}',
]


@pytest.mark.parametrize("data", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_body_is_400_even_when_signed(web_url: str, pki: FakeAlexaPKI, data: bytes) -> None:
    assert http_post(web_url + "/", data, pki.headers(data))[0] == 400


def test_unknown_request_type_gets_a_valid_empty_reply(web_url: str, pki: FakeAlexaPKI) -> None:
    data, headers = signed(pki, envelope({"type": "Alexa.Something.New"}))
    status, reply = http_post(web_url + "/", data, headers)
    assert status == 200
    assert json.loads(reply) == {"version": "1.0", "response": {}}


ODD = [
    intent_request("FindPointIntent") | {"intent": None},
    {"type": "IntentRequest"},
    {"type": "IntentRequest", "intent": {"name": "FindPointIntent", "slots": {"point": {"name": "point"}}}},
    {"type": "AudioPlayer.PlaybackStarted", "token": "x", "offsetInMilliseconds": 0},
    {"type": "System.ExceptionEncountered", "error": {"type": "INVALID_RESPONSE", "message": "x"}},
]


@pytest.mark.parametrize("request_json", ODD, ids=range(len(ODD)))
def test_odd_but_well_formed_requests_get_valid_replies(web_url: str, pki: FakeAlexaPKI,
                                                         request_json: dict) -> None:
    body = envelope(request_json)
    body["request"].setdefault("timestamp", now_iso())
    data, headers = signed(pki, body)
    status, reply = http_post(web_url + "/", data, headers)
    assert status == 200, reply
    assert json.loads(reply)["version"] == "1.0"


def test_get_is_not_a_500(web_url: str) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(web_url + "/", timeout=5)
    assert err.value.code == 405


def test_audio_is_served_and_traversal_refused(web_url: str) -> None:
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(web_url + "/audio/hello.mp3", timeout=5) as resp:
        assert resp.read() == b"ID3test"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(web_url + "/audio/..%2f..%2fetc%2fpasswd", timeout=5)
    assert err.value.code == 404


def test_sdk_certvalidator_fails_closed_if_replaced() -> None:
    """Where oscrypto cannot load, the placeholder refuses to validate anything."""
    import certvalidator
    from ask_sdk_webservice_support.verifier import VerificationException

    if not certvalidator_replaced():
        pytest.skip("oscrypto loads on this machine; the real certvalidator is in use")
    with pytest.raises(VerificationException):
        certvalidator.CertificateValidator(b"cert", [])


def test_skill_id_is_checked_in_no_verify_mode_too(app, serve_http) -> None:
    from skill.web.serve import build_verifiers
    from skill.web.service import create_app

    url = serve_http(create_app(app, verifiers=build_verifiers(app.config, verify=False)))
    ok = json.dumps(envelope(launch_request())).encode()
    other = json.dumps(envelope(launch_request(), skill_id="amzn1.ask.skill.other")).encode()
    assert http_post(url + "/", ok, {})[0] == 200
    assert http_post(url + "/", other, {})[0] == 400
    assert app.config.skill_id == SKILL_ID
