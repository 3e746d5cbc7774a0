"""Screen events a device or a broken document might send: every one gets a short spoken reply Alexa accepts.

Arguments are drawn near our buttons' own (right source, odd action, screen, subject or step) and far from
them (any JSON), on an Echo Show whose user may be anywhere in a routine, since stored state carries over.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from envelopes import Conversation, intent_request, speech_of
from expectations import prompt_fragments, words
from fuzz_strategies import garbage, reply_problems, scaled, unicode_text
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.runtime.apl import USER_EVENT
from skill.runtime.content import Content
from skill.runtime.manifest import Manifest
from skill.runtime.persistence import SQLiteAdapter
from skill.runtime.pipeline import App, Config, build_app

near_ours = st.lists(st.one_of(
    st.just("acupressure"),
    st.sampled_from(["next", "pause", "previous", "NEXT", ""]),
    st.sampled_from(["lookup", "step", "start", "menu"]),
    st.sampled_from(["seated_lower_back", "hand_and_ankle", "BL23", "LI4", "nothing"]),
    st.one_of(st.integers(-3, 20), st.sampled_from(["0", "2", "-1", "two", "1.5"])),
    garbage, unicode_text), min_size=0, max_size=7)
ours = st.tuples(st.just("acupressure"), st.sampled_from(["next", "pause"]),
                 st.sampled_from(["lookup", "step", "start"]),
                 st.sampled_from(["seated_lower_back", "BL23", "hand_and_ankle"]),
                 st.integers(-1, 14)).map(list)
# Our five arguments with one of them replaced by any JSON (a list or an object where a word belongs).
one_off = st.tuples(ours, st.integers(1, 4), garbage).map(lambda t: [*t[0][:t[1]], t[2], *t[0][t[1] + 1:]])
arguments = st.one_of(ours, one_off, near_ours, st.lists(garbage, max_size=6), st.none())
# What the user did just before tapping: nothing, a look-up, a routine start, a step.
befores = st.sampled_from([None, ("FindPointIntent", {"point": "bladder twenty three"}),
                           ("StartRoutineIntent", {"routine": "seated lower back"}), ("AMAZON.NextIntent", None)])


class Show:
    """One user's Echo Show talking to the skill (a short repr: Hypothesis prints it with each failure)."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.conversation.send(request)

    def __repr__(self) -> str:
        return "<Echo Show>"


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory) -> Show:
    db = tmp_path_factory.mktemp("screens-fuzz") / "state.sqlite3"
    app: App = build_app(manifest=Manifest.empty(), adapter=SQLiteAdapter(db), config=Config(audio_base_url=None),
                         rng=random.Random(7))
    return Show(Conversation(app.handle_event, apl=True, audio_player=False))


@settings(max_examples=scaled(120))
@given(before=befores, args=arguments)
def test_any_screen_event_gets_a_spoken_reply_alexa_accepts(show: Show, content: Content,
                                                            before: Any, args: Any) -> None:
    if before is not None:
        name, slots = before
        show.send(intent_request(name, slots))
    reply = show.send({"type": USER_EVENT, "token": "acupressure.screen", "arguments": args})
    assert reply_problems(reply, USER_EVENT) == []
    spoken = words(speech_of(reply))
    assert spoken, f"a tap is answered aloud: {args!r}"
    assert not any(f in spoken for f in prompt_fragments(content, "error_generic")), (args, spoken)
