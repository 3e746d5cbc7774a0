"""Sentence templates: what (a|b), [a], <rule> and {slot} expand to, and the detector's patterns."""

from __future__ import annotations

import re

import pytest

from skill.runtime.templates import Grammar, TemplateError, parse, slots


@pytest.fixture
def grammar() -> Grammar:
    return Grammar.build({
        "where_is": "(where is|where's)",
        "the_routine": "({routine}|the {routine} [routine])",
        "legs": "(both|two|my) (legs|feet)",
        "numb": ["numb*", "pins and needles", "(cannot|could not) feel"],
    })


@pytest.mark.parametrize(("template", "sentences"), [
    ("where is {point}", ["where is {point}"]),
    ("<where_is> the {point} point", ["where is the {point} point", "where's the {point} point"]),
    ("start [the] {routine}", ["start {routine}", "start the {routine}"]),
    ("accident in [my|the] bed", ["accident in bed", "accident in my bed", "accident in the bed"]),
    ("skip [this [one|step]]", ["skip", "skip this", "skip this one", "skip this step"]),
    ("do <the_routine>", ["do {routine}", "do the {routine}", "do the {routine} routine"]),
    ("(a|b) (c|d)", ["a c", "a d", "b c", "b d"]),
    ("(i'm|i am) (done|done)", ["i'm done", "i am done"]),  # duplicates dropped, first kept
])
def test_expansion_in_order_without_duplicates(grammar: Grammar, template: str, sentences: list[str]) -> None:
    assert grammar.expand(template) == sentences


def test_slots_are_found_through_rules(grammar: Grammar) -> None:
    assert slots(parse("where is {point}")) == {"point"}
    assert grammar.slots(parse("begin <the_routine>")) == {"routine"}


@pytest.mark.parametrize(("template", "message"), [
    ("where (is", "never closed"),
    ("where is|where's", "outside brackets"),
    ("where is)", "unexpected ')'"),
    ("where is {}", "name"),
    ("where <is", "name"),
])
def test_syntax_errors_say_where(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        parse(template)


def test_unknown_and_circular_rules_are_errors(grammar: Grammar) -> None:
    with pytest.raises(TemplateError, match="unknown rule <nope>"):
        grammar.expand("<nope> please")
    with pytest.raises(TemplateError, match="refers to itself"):
        Grammar.build({"a": "x <b>", "b": "[<a>]"})
    with pytest.raises(TemplateError, match="unknown rule <c>"):
        Grammar.build({"a": "x <c>"})


def test_expansion_is_bounded() -> None:
    g = Grammar.build({"w": "(a|b|c|d|e|f|g|h|i|j)"})
    assert g.count(parse("<w> <w> <w>")) == 1000
    with pytest.raises(TemplateError, match="1000 sentences, more than 999"):
        g.expand("<w> <w> <w>", limit=999)


@pytest.mark.parametrize(("template", "said", "hit"), [
    ("<legs> ... <numb>", "both my legs are weak and my feet are numb", True),
    ("<legs> ... <numb>", "my legs feel strange but i can feel them", False),
    ("<legs> ... <numb>", "my legs went numbness", True),  # numb* takes any ending
    ("<legs> ... <numb>", "my legs are number one", True),  # ... and so errs on the side of caution
    ("lost [*] [*] weight", "i lost a lot weight", True),
    ("lost [*] [*] weight", "i lost so very much weight", False),  # at most two words between
    ("getting [*] worse", "it keeps getting worse", True),
    ("numb*", "benumbed", False),  # whole words only
])
def test_patterns_match_whole_words(grammar: Grammar, template: str, said: str, hit: bool) -> None:
    assert bool(re.search(grammar.pattern(template), said)) is hit


@pytest.mark.parametrize(("template", "message"), [
    ("... numb", "must stand between two parts"),
    ("legs ...", "must stand between two parts"),
    ("(legs ... numb)", "inside brackets"),
    ("[numb]", "can be empty"),
])
def test_pattern_errors(grammar: Grammar, template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        grammar.pattern(template)
