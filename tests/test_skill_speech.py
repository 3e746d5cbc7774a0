"""SSML building within Alexa's limits, and pre-rendered hold audio in dialog mode."""

from __future__ import annotations

from envelopes import Conversation, speech_of

from skill.runtime.manifest import Manifest, step_key
from skill.runtime.speech import (
    MAX_AUDIO_CLIPS,
    MAX_ECHO_CHARS,
    MAX_SPEECH_CHARS,
    Speech,
    echo,
    escape,
    escape_attr,
)


def test_text_is_escaped() -> None:
    ssml = Speech().text("Fish & chips <b>").ssml()
    assert ssml == "<speak>Fish &amp; chips &lt;b&gt;</speak>"


def test_breaks_never_exceed_ten_seconds() -> None:
    assert Speech().pause(60).ssml() == '<speak><break time="10000ms"/></speak>'


def test_audio_limits() -> None:
    s = Speech()
    assert all(s.audio(f"https://a/{i}.mp3", 1000) for i in range(MAX_AUDIO_CLIPS))
    assert not s.audio("https://a/6.mp3", 1000)
    assert not Speech().audio("https://a/long.mp3", 241_000)
    assert not Speech().audio("javascript:alert(1)", 1000)


def test_long_speech_is_cut_at_a_sentence() -> None:
    ssml = Speech().text(*["This is one sentence of the long reply."] * 400).ssml()
    assert len(ssml) <= MAX_SPEECH_CHARS
    assert ssml.endswith(".</speak>")


def test_escape_leaves_plain_words() -> None:
    assert escape("Bladder 23") == "Bladder 23"


def _manifest(routine, hold_s: int, duration_ms: int) -> Manifest:
    files = {}
    for step in routine.steps:
        key = step_key(routine.id, step.id, hold_s if step.hold else None)
        files[key] = {"kind": "step", "path": f"steps/{routine.id}/{step.id}.mp3", "text": "",
                      "hash": "h", "duration_ms": duration_ms}
    return Manifest.from_dict({"content_version": "x", "engine": "test", "files": files})


def start_full_routine(app) -> dict:
    """Start the full routine, answering no to the pregnancy question it asks first."""
    conv = Conversation(app.handle_event)
    conv.intent("StartRoutineIntent", {"routine": {"value": "full routine", "id": "full_routine"}})
    return conv.intent("AMAZON.NoIntent")


def test_step_plays_its_rendered_audio(make_app, content) -> None:
    routine = content.routines["full_routine"]
    app = make_app(manifest=_manifest(routine, 60, 75_000))
    reply = start_full_routine(app)
    ssml = speech_of(reply)
    first = routine.steps[0]
    assert f'<audio src="https://audio.example.test/audio/steps/full_routine/{first.id}.mp3"/>' in ssml
    assert ssml.count("<audio ") == 1
    assert reply["response"]["shouldEndSession"] is False


def test_too_long_audio_falls_back_to_text(make_app, content) -> None:
    routine = content.routines["full_routine"]
    app = make_app(manifest=_manifest(routine, 60, 250_000))
    reply = start_full_routine(app)
    assert "<audio" not in speech_of(reply)
    assert routine.steps[0].say[0].split()[0] in speech_of(reply)


def test_no_audio_without_base_url(make_app, content) -> None:
    routine = content.routines["full_routine"]
    app = make_app(manifest=_manifest(routine, 60, 75_000), audio_base_url=None)
    reply = start_full_routine(app)
    assert "<audio" not in speech_of(reply)


def test_every_reply_fits_alexa_limits(make_app, content) -> None:
    import json

    convo = Conversation(make_app().handle_event)
    replies = [convo.intent("FindPointIntent", {"point": {"value": p.name, "id": p.id}})
               for p in content.points.values()]
    replies += [convo.intent("ListPointsIntent"), convo.intent("AMAZON.HelpIntent")]
    for r in replies:
        assert len(speech_of(r)) <= MAX_SPEECH_CHARS
        assert len(json.dumps(r).encode()) <= 24 * 1024


def test_characters_xml_forbids_are_dropped_not_escaped() -> None:
    import xml.etree.ElementTree as ET

    text = "a\x00b\x01c\x1bd\ud800e\ufffef\tg\nh 背中 😀"
    ssml = Speech().text(text).ssml()
    ET.fromstring(ssml)
    assert ssml == "<speak>abcdef\tg\nh 背中 😀</speak>"
    assert escape_attr('x"\x02') == "x&quot;"


def test_echoed_user_text_is_short_clean_and_cut_at_a_word() -> None:
    assert echo("  the   point\x01 behind my knee ") == "the point behind my knee"
    long = echo("word " * 100)
    assert len(long) <= MAX_ECHO_CHARS and long.endswith("word")
    assert len(echo("背中" * 20_000)) == MAX_ECHO_CHARS  # no spaces: a hard cut


def test_replies_over_24_kb_are_trimmed(app) -> None:
    import json

    from skill.runtime.pipeline import fit_response
    from skill.runtime.speech import MAX_RESPONSE_BYTES

    ok = {"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>hi</speak>"}}}
    assert fit_response(json.loads(json.dumps(ok)), app.deps.prompts) == ok
    carried = {**ok, "sessionAttributes": {"last_speech": "x" * 30_000, "pending": "continue_routine"}}
    assert fit_response(carried, app.deps.prompts) == {**ok, "sessionAttributes": {"pending": "continue_routine"}}
    ssml = "<speak>" + "背" * 9000 + "</speak>"
    huge = {"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "ssml": ssml},
                                           "shouldEndSession": False}}
    fitted = fit_response(huge, app.deps.prompts)
    assert len(json.dumps(fitted, ensure_ascii=False).encode()) <= MAX_RESPONSE_BYTES
    assert app.deps.prompts.say("error_generic") in fitted["response"]["outputSpeech"]["ssml"]
    assert fitted["response"]["shouldEndSession"] is False
