"""Alias look-up: every numbering system and spelling form reaches one point."""

from __future__ import annotations

import pytest
from data_schemas import load_data

from skill.runtime.content import default_content
from skill.runtime.content.lookup import normalize

CASES = load_data("aliases.yaml")
FLAT = [(said, pid) for pid, sayings in CASES.items() for said in sayings]


@pytest.mark.parametrize(("said", "expected"), FLAT, ids=[f"{s}->{p}" for s, p in FLAT])
def test_alias_resolves_to_one_point(said: str, expected: str) -> None:
    point = default_content().point(said)
    assert point is not None, f"{said!r} did not resolve"
    assert point.id == expected


def test_every_point_has_alias_cases() -> None:
    assert set(CASES) == set(default_content().points)


def test_b54_and_bl40_are_one_point() -> None:
    c = default_content()
    assert c.point("B54") is c.point("BL40") is c.points["BL40"]
    assert len([p for p in c.points.values() if p.id in ("BL40", "BL54", "B54")]) == 1


@pytest.mark.parametrize("said", ["bladder 99", "LU7", "stomach 36", "", "   ", "banana", "12"])
def test_unknown_point_is_none(said: str) -> None:
    assert default_content().point(said) is None


def test_every_content_alias_resolves_to_its_own_point() -> None:
    c = default_content()
    for p in c.points.values():
        for alias in p.aliases:
            got = c.point(alias)
            assert got is not None and got.id == p.id, f"{alias!r} -> {got and got.id}, want {p.id}"


@pytest.mark.parametrize(
    ("text", "key"),
    [("B-54", "bl54"), ("bladder fifty-four", "bl54"), ("Du 4", "gv4"), ("Ki-3", "ki3"),
     ("small intestine three", "si3"), ("the point behind my knee", "behind knee")],
)
def test_normalize(text: str, key: str) -> None:
    assert normalize(text, default_content().meridians) == key


@pytest.mark.parametrize(
    ("said", "must_include", "must_exclude"),
    [
        ("sciatica", {"BL23", "BL52", "BL40"}, {"LI4"}),
        ("chronic", {"KI3"}, set()),
        ("acute", {"SI3"}, set()),
        ("knee", {"BL40"}, {"LI4", "SI3"}),
        ("lower back", {"BL23", "BL52"}, set()),
    ],
)
def test_points_by_complaint_or_region(said: str, must_include: set[str], must_exclude: set[str]) -> None:
    ids = {p.id for p in default_content().points_for(said)}
    assert must_include <= ids, f"{said}: {ids}"
    assert not (must_exclude & ids), f"{said}: {ids}"


def test_complaint_phrasings_resolve() -> None:
    c = default_content()
    for topic in c.complaints.values():
        for alias in topic.aliases:
            assert c.index.complaints.resolve(alias) == topic.id.value, alias
    for topic in c.regions.values():
        for alias in topic.aliases:
            assert c.index.regions.resolve(alias) == topic.id.value, alias


def test_routine_aliases_resolve() -> None:
    c = default_content()
    for r in c.routines.values():
        for alias in [r.name, *r.aliases]:
            got = c.routine(alias)
            assert got is not None and got.id == r.id, f"{alias!r} -> {got and got.id}, want {r.id}"
