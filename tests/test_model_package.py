"""skill-package/: generated from content, committed up to date, valid for Alexa, no conflicts."""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from skill.runtime.content.voice import MAX_SAMPLE_CHARS
from skill.runtime.handlers.intents import INTENT_SLOTS, Intent
from skill.simulator.nlu import slot_words
from skill.tools.model_builder import (
    MODEL_JSON,
    PACKAGE_DIR,
    SKILL_JSON,
    interaction_model,
    limits_exceeded,
    render,
    stale_files,
)

# What AudioPlayer skills must handle (Alexa rejects the AUDIO_PLAYER interface without them).
AUDIO_PLAYER_BUILTINS = {"AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.NextIntent",
                         "AMAZON.PreviousIntent", "AMAZON.StartOverIntent", "AMAZON.RepeatIntent",
                         "AMAZON.LoopOnIntent", "AMAZON.LoopOffIntent", "AMAZON.ShuffleOnIntent",
                         "AMAZON.ShuffleOffIntent", "AMAZON.CancelIntent", "AMAZON.StopIntent",
                         "AMAZON.HelpIntent"}
# Phrases Amazon's built-in intents already own; a custom intent must not claim them.
BUILTIN_PHRASES = {"next", "previous", "repeat", "start over", "pause", "resume", "continue", "stop",
                   "cancel", "help", "yes", "no", "shuffle", "loop", "never mind", "go home"}


@pytest.fixture(scope="module")
def model(content) -> dict:
    return interaction_model(content)


def lm(model: dict) -> dict:
    return model["interactionModel"]["languageModel"]


def test_committed_package_is_up_to_date(content) -> None:
    stale = stale_files(content)
    assert not stale, f"run `acupressure build-model`; stale: {stale}"


def test_build_model_check_command(content, tmp_path: Path, monkeypatch) -> None:
    import skill.tools.model_builder as mb

    monkeypatch.setattr(mb, "PACKAGE_DIR", tmp_path)

    class Args:
        check = True

    assert mb.run(Args()) == 1
    Args.check = False
    assert mb.run(Args()) == 0
    Args.check = True
    assert mb.run(Args()) == 0
    assert json.loads((tmp_path / MODEL_JSON).read_text()) == interaction_model(content)


def test_invocation_name_and_intents(model: dict) -> None:
    assert lm(model)["invocationName"] == "acupressure coach"
    names = {i["name"] for i in lm(model)["intents"]}
    assert {i.value for i in Intent} == names
    assert AUDIO_PLAYER_BUILTINS | {"AMAZON.FallbackIntent", "AMAZON.NavigateHomeIntent"} <= names


def test_skill_json_declares_audio_player(content) -> None:
    manifest = json.loads(render(content)[SKILL_JSON])["manifest"]
    assert {"type": "AUDIO_PLAYER"} in manifest["apis"]["custom"]["interfaces"]
    phrases = manifest["publishingInformation"]["locales"]["en-US"]["examplePhrases"]
    assert phrases and phrases[0].lower().startswith("alexa, open acupressure coach")


def test_samples_are_valid_alexa_utterances(model: dict) -> None:
    for intent in lm(model)["intents"]:
        declared = {s["name"] for s in intent.get("slots", [])}
        for sample in intent["samples"]:
            assert re.fullmatch(r"[a-z' {}]+", sample), f"{intent['name']}: {sample!r} (no digits/punctuation)"
            used = set(re.findall(r"\{(\w+)\}", sample))
            assert used <= declared, f"{intent['name']}: {sample!r} uses undeclared slot"
            assert sample == sample.strip() and "  " not in sample


def test_model_is_within_alexa_s_limits(model: dict) -> None:
    assert not limits_exceeded(model)
    assert max(len(s) for i in lm(model)["intents"] for s in i["samples"]) <= MAX_SAMPLE_CHARS
    too_long = {"name": {"value": "x" * 141}, "id": "x"}
    over = {"interactionModel": {"languageModel": {"intents": [], "types": [{"name": "T", "values": [too_long]}]}}}
    assert limits_exceeded(over) == ["T: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... longer than 140 characters"]


def test_custom_intents_have_many_samples(model: dict) -> None:
    for intent in lm(model)["intents"]:
        if not intent["name"].startswith("AMAZON."):
            assert len(intent["samples"]) >= 10, intent["name"]
        if intent["name"] in {i.value for i in INTENT_SLOTS}:
            assert any("{" in s for s in intent["samples"]), intent["name"]


def test_slot_values_are_valid_and_unambiguous(model: dict) -> None:
    for t in lm(model)["types"]:
        ids = [v["id"] for v in t["values"]]
        assert len(ids) == len(set(ids)), t["name"]
        owner: dict[str, str] = {}
        for v in t["values"]:
            for w in [v["name"]["value"], *v["name"].get("synonyms", [])]:
                assert re.fullmatch(r"[a-z' ]+", w), f"{t['name']}: {w!r}"
                assert owner.setdefault(w, v["id"]) == v["id"], f"{t['name']}: {w!r} names two values"


def test_every_point_and_routine_is_a_slot_value(model: dict, content) -> None:
    types = {t["name"]: {v["id"] for v in t["values"]} for t in lm(model)["types"]}
    assert types["POINT_NAME"] == set(content.points)
    assert types["ROUTINE_NAME"] == set(content.routines)
    assert set(content.complaints) | set(content.regions) == types["COMPLAINT_NAME"]


def concrete(sample: str, slot_types: dict[str, str], words: dict[str, set[str]]) -> set[str]:
    """Every phrase a sample can produce (built-in slot types stand as one placeholder)."""
    parts = re.split(r"(\{\w+\})", sample)
    choices = []
    for part in parts:
        if part.startswith("{"):
            stype = slot_types[part[1:-1]]
            choices.append(sorted(words.get(stype, {f"<{stype}>"})))
        else:
            choices.append([part])
    return {"".join(c) for c in itertools.product(*choices)}


def test_no_sample_utterance_conflicts_between_intents(model: dict) -> None:
    words = slot_words(model)
    owners: dict[str, set[str]] = defaultdict(set)
    for intent in lm(model)["intents"]:
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        seen: set[str] = set()
        for sample in intent["samples"]:
            assert sample not in seen, f"{intent['name']}: duplicate sample {sample!r}"
            seen.add(sample)
            for phrase in concrete(sample, slot_types, words):
                owners[phrase].add(intent["name"])
    conflicts = {p: sorted(i) for p, i in owners.items() if len(i) > 1}
    assert not conflicts, f"phrases claimed by two intents: {dict(list(conflicts.items())[:10])}"


def test_custom_intents_do_not_claim_builtin_phrases(model: dict) -> None:
    for intent in lm(model)["intents"]:
        if not intent["name"].startswith("AMAZON."):
            clash = BUILTIN_PHRASES & set(intent["samples"])
            assert not clash, f"{intent['name']} claims {clash}"


def test_files_exist_in_ask_cli_layout() -> None:
    assert (PACKAGE_DIR / SKILL_JSON).is_file()
    assert (PACKAGE_DIR / MODEL_JSON).is_file()
