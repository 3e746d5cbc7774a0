"""The skill package as Amazon reads it: every file goes through the SMAPI model classes
(`ask-smapi-model`), and a key they drop is a key Alexa would ignore."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_smapi_model.v1.skill.interaction_model.interaction_model_data import InteractionModelData
from ask_smapi_model.v1.skill.manifest.skill_manifest_envelope import SkillManifestEnvelope

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "skill-package"
MODELS = sorted((PACKAGE / "interactionModels" / "custom").glob("*.json"))
SERIALIZER = DefaultSerializer()


def dropped_keys(original: Any, round_tripped: Any, path: str = "$") -> list[str]:
    """Paths present in the original JSON but missing or changed after the SMAPI round trip."""
    if isinstance(original, dict):
        if not isinstance(round_tripped, dict):
            return [path]
        found: list[str] = []
        for key, value in original.items():
            if key not in round_tripped:
                found.append(f"{path}.{key}")
            else:
                found += dropped_keys(value, round_tripped[key], f"{path}.{key}")
        return found
    if isinstance(original, list):
        if not isinstance(round_tripped, list) or len(original) != len(round_tripped):
            return [path]
        return [p for i, (a, b) in enumerate(zip(original, round_tripped, strict=True))
                for p in dropped_keys(a, b, f"{path}[{i}]")]
    return [] if original == round_tripped else [path]


def round_trip(path: Path, model: type) -> list[str]:
    raw = path.read_text(encoding="utf-8")
    return dropped_keys(json.loads(raw), SERIALIZER.serialize(SERIALIZER.deserialize(raw, model)))


def test_skill_manifest_loses_no_key() -> None:
    assert round_trip(PACKAGE / "skill.json", SkillManifestEnvelope) == []


@pytest.mark.parametrize("model", MODELS, ids=[m.stem for m in MODELS])
def test_interaction_model_loses_no_key(model: Path) -> None:
    assert round_trip(model, InteractionModelData) == []


def test_the_check_itself_catches_a_key_amazon_ignores(tmp_path: Path) -> None:
    data = json.loads(MODELS[0].read_text(encoding="utf-8"))
    data["interactionModel"]["languageModel"]["sampleUtterances"] = ["a misplaced key"]
    data["interactionModel"]["languageModel"]["intents"][0]["sample"] = ["a typo of samples"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert round_trip(bad, InteractionModelData) == [
        "$.interactionModel.languageModel.intents[0].sample",
        "$.interactionModel.languageModel.sampleUtterances",
    ]
