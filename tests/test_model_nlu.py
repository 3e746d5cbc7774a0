"""Each phrase in the conversation data is understood by the generated model as the intended intent."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_schemas import load_data

from skill.simulator.nlu import compile_model, understand
from skill.tools.model_builder import interaction_model

DATA = Path(__file__).parent / "data"
TURNS = [t for f in sorted(DATA.glob("conversations*.yaml")) for c in load_data(f)
         for t in c["turns"] if t.get("say") and t.get("intent")]
# Built-in intents come with Amazon's own phrases; the model lists only our extra ones.
BUILTIN_OWN = {"next", "repeat", "pause", "resume", "stop", "cancel", "help", "yes", "start over",
               "loop on", "loop off", "shuffle", "shuffle off", "go home", "what's the weather"}


@pytest.fixture(scope="module")
def patterns(content):
    # Our samples only: Amazon's own phrases for built-ins are checked apart (BUILTIN_OWN). A sample
    # that is only a slot ("{time}", an answer to a question) takes that slot's own words; with any
    # words at all it would claim every phrase, which Alexa's matcher does not do.
    return compile_model(interaction_model(content), amazon_phrases=False)


@pytest.mark.parametrize("turn", TURNS, ids=[t["say"] for t in TURNS])
def test_phrase_reaches_its_intent(turn: dict, patterns, content) -> None:
    said = turn["say"]
    if said in BUILTIN_OWN:
        # Amazon's own phrase for a built-in: only our explicit samples could steal it.
        stolen = {m.intent for m in understand(patterns, said, loose=False)} - {turn["intent"]}
        assert not stolen, f"{said!r} is claimed by {stolen}"
        return
    readings = understand(patterns, said)
    intents = {m.intent for m in readings}
    assert intents == {turn["intent"]}, f"{said!r} -> {intents or 'nothing'}"
    for name, value in (turn.get("slots") or {}).items():
        if value is None or name == "duration":
            continue
        heard = value if isinstance(value, str) else value["value"]
        got = {m.slots.get(name) for m in readings}
        assert heard in got, f"{said!r}: slot {name} heard as {got}, data says {heard!r}"


EXTRA_PHRASES = {
    "FindPointIntent": ["where's bladder forty", "how do i find kidney three", "what is weizhong",
                        "tell me about the point behind the knee", "where is shenshu"],
    "PointsForComplaintIntent": ["what helps sciatica", "points for my knee"],
    "StartRoutineIntent": ["start the full routine", "let's do the mindfulness exercise", "begin"],
    "SetHoldTimeIntent": ["hold each point for two minutes", "ninety seconds per point"],
    "SetPositionIntent": ["i'm sitting", "i'll be lying down", "i'd rather be on the floor"],
    "AMAZON.StopIntent": ["i'm done"],
    "AMAZON.NextIntent": ["next point", "i'm ready"],
    "AMAZON.ResumeIntent": ["continue where i left off"],
}


@pytest.mark.parametrize(("intent", "said"), [(i, s) for i, ps in EXTRA_PHRASES.items() for s in ps])
def test_more_phrasings(intent: str, said: str, patterns) -> None:
    assert {m.intent for m in understand(patterns, said)} == {intent}
