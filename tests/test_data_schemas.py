"""Every file in tests/data has a schema and matches it; a typo in the data fails instead of checking nothing."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import data_schemas
import pytest
import yaml
from data_schemas import DATA_DIR, SCHEMAS, DataFileError, load_data, schema_for
from pydantic import BaseModel, RootModel

DATA_FILES = sorted(p for p in DATA_DIR.rglob("*") if p.is_file())
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.mark.parametrize("path", DATA_FILES, ids=[p.name for p in DATA_FILES])
def test_every_data_file_has_one_schema_and_matches_it(path: Path) -> None:
    assert path.suffix == ".yaml", f"{path.name}: test data is YAML read through data_schemas.load_data"
    schema_for(path)
    load_data(path)


def test_every_schema_is_for_a_file_that_exists() -> None:
    assert DATA_FILES
    for pattern in SCHEMAS:
        assert any(fnmatch(p.name, pattern) for p in DATA_FILES), f"no file in tests/data matches {pattern!r}"


def test_a_data_file_without_a_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "more_phrasings.yaml"
    path.write_text("- i'm expecting\n")
    with pytest.raises(DataFileError, match=r"more_phrasings.yaml: 0 schemas registered"):
        load_data(path)


def _models() -> Iterator[type[BaseModel]]:
    for value in vars(data_schemas).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == data_schemas.__name__:
            yield value


def test_every_model_rejects_unknown_keys_and_coercion() -> None:
    models = list(_models())
    assert len(models) >= 10
    for model in models:
        if issubclass(model, RootModel):
            continue  # a list or dict of the models below; pydantic gives it no `extra` setting
        assert model.model_config.get("extra") == "forbid", model.__name__
        assert model.model_config.get("strict") is True, model.__name__


# --- The schemas catch real mistakes, made in a copy of the real data ---------------------------

def _first(items: list[dict[str, Any]], has: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return next(item for item in items if has(item))


def _turns(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t for c in data for t in c["turns"]]


def _prompt_expect(data: Any) -> dict[str, Any]:
    return _first(_turns(data), lambda t: "prompt" in t.get("expect", {}))["expect"]


def _rename(mapping: dict[str, Any], old: str, new: str) -> None:
    mapping[new] = mapping.pop(old)


def _facts(data: Any) -> list[dict[str, Any]]:
    return [f for facts in data["seeds"].values() for f in facts]


@dataclass
class Mistake:
    name: str
    file: str
    make: Callable[[Any], None]  # changes the parsed data in place
    message: str  # a line of the DataFileError


MISTAKES = [
    Mistake("typo in an expect key", "conversations.yaml",
            lambda d: _rename(_prompt_expect(d), "prompt", "promt"),
            ".expect.promt: Extra inputs are not permitted"),
    Mistake("quoted boolean in expect", "conversations.yaml",
            lambda d: _first(_turns(d), lambda t: "end" in t.get("expect", {}))["expect"].update(end="false"),
            ".expect.end: Input should be a valid boolean"),
    Mistake("unquoted yes said (YAML reads it as true)", "conversations.yaml",
            lambda d: _first(_turns(d), lambda t: t.get("say") == "yes").update(say=True),
            ".say: Input should be a valid string"),
    Mistake("a step without its number", "conversations.yaml",
            lambda d: _first(_turns(d), lambda t: "routine_step" in t.get("expect", {}))["expect"].update(
                routine_step=["seated_lower_back"]),
            ".expect.routine_step[1]: Field required"),
    Mistake("turn with neither request nor intent", "conversations.yaml",
            lambda d: _first(_turns(d), lambda t: "intent" in t).pop("intent"),
            "a turn needs exactly one of `request` and `intent`"),
    Mistake("checks on a silent reply", "conversations.yaml",
            lambda d: _first(_turns(d), lambda t: "silent" in t.get("expect", {}))["expect"].update(end=True),
            "silent: true cannot be combined with ['end']"),
    Mistake("two conversations with one name", "conversations.yaml",
            lambda d: d[1].update(name=d[0]["name"]), "is listed twice"),
    Mistake("point id in lower case", "aliases.yaml",
            lambda d: _rename(d, "BL23", "bl23"), "bl23.[key]: String should match pattern"),
    Mistake("one saying for two points", "aliases.yaml",
            lambda d: d["KI3"].append(d["BL23"][0]), "saying 'B23' is listed twice"),
    Mistake("typo in a red flag case", "safety_phrasings.yaml",
            lambda d: _rename(d["red_flags"][0], "flag", "flga"), "red_flags[0].flga: Extra inputs are not permitted"),
    Mistake("a phrasing both pregnant and not", "safety_phrasings.yaml",
            lambda d: d["not_pregnant"].append(d["pregnant"][0]),
            "pregnancy phrasing \"i'm pregnant\" is listed twice"),
    Mistake("typo in a fact's check", "source_facts.yaml",
            lambda d: _rename(_first(_facts(d), lambda f: "point" in f and "words" in f), "words", "word"),
            ".point.word: Extra inputs are not permitted"),
    Mistake("check of another kind of item", "source_facts.yaml",
            lambda d: _first(_facts(d), lambda f: "tip" in f).update(needs_partner=True),
            ".tip.needs_partner: Extra inputs are not permitted"),
    Mistake("fact about two items", "source_facts.yaml",
            lambda d: _first(_facts(d), lambda f: "tip" in f).update(point="KI3"),
            "a fact needs exactly one of point, technique, routine, script, tip, safety"),
    Mistake("step words for fewer steps", "source_facts.yaml",
            lambda d: _first(_facts(d), lambda f: "step_words" in f)["step_words"].pop(),
            "step_words has 7 lists for 8 steps"),
    Mistake("design list out of step", "source_facts.yaml",
            lambda d: d["design"]["pregnancy_points_in_content"].append("GV4"),
            "pregnancy_points_in_content not in pregnancy_points: ['GV4']"),
]


@functools.cache
def _real(name: str) -> Any:
    return load_data(name)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_schema_rejects_a_mistake_in_the_real_data(mistake: Mistake, tmp_path: Path) -> None:
    data = copy.deepcopy(_real(mistake.file))
    mistake.make(data)
    path = tmp_path / mistake.file
    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_data(path)
    assert mistake.message in str(info.value), str(info.value)


def test_a_key_given_twice_is_an_error_not_an_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "conversations.yaml"
    path.write_text("- name: stop ends the session\n"
                    "  turns:\n"
                    "    - intent: AMAZON.StopIntent\n"
                    "      expect: {prompt: [goodbye], end: true}\n"
                    "      expect: {end: false}\n")
    with pytest.raises(DataFileError, match=r"duplicate key 'expect'"):
        load_data(path)
