"""Whole conversations from tests/data/conversations*.yaml, through lambda_handler and over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from data_schemas import load_data
from envelopes import Conversation, launch_request, speech_of
from expectations import check, prompt_fragments, words

from skill.runtime.content import Content

DATA = Path(__file__).parent / "data"
CASES: list[dict[str, Any]] = [c for f in sorted(DATA.glob("conversations*.yaml"))
                               for c in load_data(f)]


def play(conversation: Conversation, turn: dict[str, Any]) -> dict[str, Any]:
    if turn.get("request") == "launch":
        return conversation.send(launch_request())
    if turn.get("request") == "session_ended":
        return conversation.end_session()
    return conversation.intent(turn["intent"], turn.get("slots"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conversation(case: dict[str, Any], conversation: Conversation, content: Content) -> None:
    for i, turn in enumerate(case["turns"]):
        reply = play(conversation, turn)
        try:
            check(content, reply, turn.get("expect", {}))
        except AssertionError as exc:
            raise AssertionError(f"turn {i} ({turn.get('say') or turn.get('intent')}): {exc}") from None
    if case.get("finish"):
        routine = content.routines[case["finish"]]
        reply: dict[str, Any] = {}
        done = prompt_fragments(content, "routine_done")
        for _ in range(len(routine.steps) + 1):
            reply = conversation.intent("AMAZON.NextIntent")
            if any(f in words(speech_of(reply)) for f in done):
                break
        spoken = words(reply["response"]["outputSpeech"]["ssml"])
        assert any(f in spoken for f in done), spoken
        # The close: a tip from the content, then the offer of a daily reminder.
        assert any(words(t.text) in spoken for t in content.tips), spoken
        assert any(f in spoken for f in prompt_fragments(content, "reminder_offer")), spoken
        # The routine is over: 'next' now says there is none.
        check(content, conversation.intent("AMAZON.NextIntent"), {"prompt": ["no_routine"]})
