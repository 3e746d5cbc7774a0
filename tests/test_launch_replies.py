"""Opening and closing by ear: a short first welcome with the short disclaimer (the full one on the
card), a returning user told what to say, and a routine's ending said once in either mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import rendered_manifest, stream_durations
from envelopes import AudioDevice, Conversation, speech_of
from expectations import prompt_fragments, words

from skill.runtime.content import Content
from skill.runtime.pipeline import App


def said(reply: dict[str, Any]) -> str:
    return words(speech_of(reply))


def has(content: Content, reply: dict[str, Any], key: str) -> bool:
    return any(f in said(reply) for f in prompt_fragments(content, key))


def test_first_welcome_is_short_with_the_full_disclaimer_on_the_card(app: App, content: Content) -> None:
    reply = Conversation(app.handle_event).launch()
    assert len(said(reply).split()) <= 45, said(reply)
    assert words(content.safety.disclaimer_short) in said(reply)
    assert words(content.safety.disclaimer) not in said(reply)
    card = reply["response"]["card"]
    assert card["type"] == "Simple" and words(content.safety.disclaimer) in words(card["content"])
    assert has(content, reply, "what_you_can_say") and reply["response"]["shouldEndSession"] is False


def test_a_returning_user_hears_what_to_say_next(app: App, content: Content) -> None:
    talk = Conversation(app.handle_event)
    talk.launch()
    talk.intent("AMAZON.StopIntent")
    reply = talk.launch()
    assert has(content, reply, "welcome_back") and has(content, reply, "what_you_can_say")
    assert words(content.safety.disclaimer_short) not in said(reply)
    assert "card" not in reply["response"]


def test_a_routine_ends_once_in_dialog_mode(app: App, content: Content) -> None:
    for routine in content.routines.values():
        talk = Conversation(app.handle_event, user_id=f"amzn1.ask.account.END{routine.id}")
        talk.launch()
        reply = talk.intent("StartRoutineIntent", {"routine": {"value": routine.name, "id": routine.id}})
        if has(content, reply, "pregnancy_ask"):
            talk.intent("AMAZON.NoIntent")
        for _ in range(len(routine.steps)):
            reply = talk.intent("AMAZON.NextIntent")
        closing = said(reply)
        assert routine.outro, "every routine has its own closing words"
        assert closing.count(words(routine.outro[0])) == 1, closing
        # No second announcement of the end after the routine's own.
        assert words(str(content.prompts["routine_ended"]).format(name=routine.name)) not in closing, closing
        assert closing.lower().count(routine.name.lower()) <= 1, closing


def test_a_routine_played_to_its_end_is_closed_once_at_the_next_launch(make_app: Callable[..., App],
                                                                       content: Content) -> None:
    app = make_app(manifest=rendered_manifest(content))
    durations = stream_durations(content)
    device = AudioDevice(app.handle_event, durations)
    device.launch()
    device.intent("StartRoutineIntent", {"routine": {"value": "knee", "id": "back_of_knee"}})
    device.play_to_end()
    routine = content.routines["back_of_knee"]
    first = device.launch()
    assert has(content, first, "welcome_back_finished"), said(first)
    assert words(routine.outro[0]) not in said(first), "the outro is not said again after the audio"
    device.intent("AMAZON.NoIntent")  # no reminder, thanks
    again = device.launch()
    assert not has(content, again, "welcome_back_finished"), said(again)
