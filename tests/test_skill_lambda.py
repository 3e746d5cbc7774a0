"""The Lambda entry point: light imports, and a valid reply to anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from envelopes import envelope, launch_request, speech_of

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("flask", "flask_ask_sdk", "werkzeug", "pydub", "piper", "gtts", "imageio_ffmpeg",
             "skill.tools.render", "skill.web", "oscrypto", "certvalidator")


def test_importing_lambda_pulls_no_web_audio_or_tts_modules(tmp_path: Path) -> None:
    code = (
        "import sys, json; sys.path.insert(0, 'lambda'); import lambda_function; "
        f"bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r})); "
        "print(json.dumps(bad))"
    )
    env = {**os.environ, "ACUPRESSURE_DB": str(tmp_path / "x.sqlite3")}
    env.pop("ACUPRESSURE_DYNAMODB_TABLE", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("event", [None, [], "x", {}, {"request": {"type": "LaunchRequest"}},
                                   {"version": "1.0", "request": {"type": 1}, "context": {"System": {}}}])
def test_malformed_event_gets_a_spoken_apology(lambda_transport, event) -> None:
    reply = lambda_transport(event)
    assert reply["version"] == "1.0"
    assert speech_of(reply).startswith("<speak>")


def test_unknown_request_type_gets_an_empty_reply(lambda_transport) -> None:
    assert lambda_transport(envelope({"type": "Alexa.Brand.New"})) == {"version": "1.0", "response": {}}


def test_other_skill_id_is_refused(lambda_transport) -> None:
    reply = lambda_transport(envelope(launch_request(), skill_id="amzn1.ask.skill.other"))
    assert reply["response"]["shouldEndSession"] is True


def test_audio_player_event_gets_no_speech(lambda_transport) -> None:
    reply = lambda_transport(envelope({"type": "AudioPlayer.PlaybackStopped", "token": "t",
                                       "offsetInMilliseconds": 5}, session=False))
    assert "outputSpeech" not in reply["response"]


@pytest.mark.parametrize("event", [
    envelope({"type": "AudioPlayer.PlaybackStopped", "token": "t", "offsetInMilliseconds": "12.5s"}, session=False),
    envelope({"type": "SessionEndedRequest", "reason": "NEW_REASON"}),
    {"version": "1.0", "context": {}, "request": {"type": "PlaybackController.NextCommandIssued"}},
])
def test_undecodable_silent_event_gets_no_speech(lambda_transport, event) -> None:
    """Events that must not speak stay silent even when they cannot be read (no spoken apology)."""
    reply = lambda_transport(event)
    assert reply["version"] == "1.0" and "outputSpeech" not in reply.get("response", {})


def test_speech_over_8000_characters_is_fitted_even_under_24_kb(app) -> None:
    """The pipeline is the last gate: speech Alexa would refuse becomes the short apology, end kept."""
    from skill.runtime.pipeline import fit_response

    ssml = "<speak>" + " ".join(["Breathe out slowly."] * 450) + "</speak>"
    assert len(ssml) > 8000
    fitted = fit_response({"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "ssml": ssml},
                                                          "shouldEndSession": False}}, app.deps.prompts)
    assert any(v in speech_of(fitted) for v in app.deps.prompts.variants("error_generic"))
    assert fitted["response"]["shouldEndSession"] is False
