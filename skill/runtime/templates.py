"""Sentence templates: one line of content that stands for many ways of saying a thing.

The syntax follows home-assistant/intents (hassil):

    (a|b|c)     one of the alternatives
    [a]         optional; [a|b] is an optional choice
    <rule>      a shared expansion rule or word list, itself a template (or a list of alternatives)
    {slot}      a slot, kept as "{slot}" in the expanded sample utterance (Alexa fills it)

Detector patterns (the safety lexicon) may also use, outside sample utterances:

    word*       any word that starts with "word" ("weak*": weak, weakness, weakened)
    *           any one word
    ...         any words in between (only between parts of a pattern, not inside brackets)

`expand()` turns a template into every sentence it stands for (in order, without duplicates,
spaces collapsed); `pattern()` turns one into a regular expression over normalised text, with word
boundaries at both ends. Pure functions and data: the model builder, the simulator and the safety
screening all use this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from itertools import product
from math import prod

from skill.runtime.records import record

# A phrase for Alexa may not hold these; they are for the detector's patterns only.
WILDCARD = "*"
GAP = "..."
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


class TemplateError(ValueError):
    """A template that cannot be read or expanded; the message says where and why."""

    def __init__(self, message: str, rule: str | None = None):
        super().__init__(message)
        self.rule = rule  # the shared rule at fault, if it is one


@record(frozen=True)
class Text:
    """Literal words (spaces included)."""

    text: str


@record(frozen=True)
class Group:
    """(a|b) or, when optional, [a|b]."""

    options: tuple[Seq, ...]
    optional: bool = False


@record(frozen=True)
class Ref:
    """<rule>: a shared expansion rule or word list."""

    name: str


@record(frozen=True)
class Slot:
    """{slot}: kept in the sample for Alexa to fill."""

    name: str


Node = Text | Group | Ref | Slot
Seq = tuple[Node, ...]

_CLOSE = {"(": ")", "[": "]"}


class _Parser:
    def __init__(self, template: str):
        self.t = template
        self.i = 0

    def fail(self, message: str) -> TemplateError:
        return TemplateError(f"{message} at character {self.i + 1} of {self.t!r}")

    def seq(self, closers: str) -> Seq:
        nodes: list[Node] = []
        text = ""
        while self.i < len(self.t) and self.t[self.i] not in closers:
            c = self.t[self.i]
            if c in "([<{":
                if text:
                    nodes.append(Text(text))
                    text = ""
                nodes.append(self.special(c))
            elif c in ")]>}":
                raise self.fail(f"unexpected {c!r}")
            elif c == "|" and "|" not in closers:
                raise self.fail("'|' outside brackets (write alternatives as (a|b))")
            else:
                text += c
                self.i += 1
        if text:
            nodes.append(Text(text))
        return tuple(nodes)

    def special(self, opener: str) -> Node:
        start = self.i
        self.i += 1
        if opener in "<{":
            closer = ">" if opener == "<" else "}"
            end = self.t.find(closer, self.i)
            name = self.t[self.i:end] if end >= 0 else ""
            if end < 0 or not _NAME.fullmatch(name):
                self.i = start
                raise self.fail(f"{opener}name{closer} expected")
            self.i = end + 1
            return Ref(name) if opener == "<" else Slot(name)
        closer = _CLOSE[opener]
        options = [self.seq("|" + closer)]
        while self.i < len(self.t) and self.t[self.i] == "|":
            self.i += 1
            options.append(self.seq("|" + closer))
        if self.i >= len(self.t):
            self.i = start
            raise self.fail(f"{opener!r} is never closed")
        self.i += 1
        return Group(tuple(options), optional=opener == "[")


def parse(template: str) -> Seq:
    """The template's syntax tree; TemplateError if brackets do not match or a name is malformed."""
    return _Parser(template).seq("")


def _walk(seq: Seq) -> Iterator[Node]:
    for node in seq:
        yield node
        if isinstance(node, Group):
            for option in node.options:
                yield from _walk(option)


def slots(seq: Seq) -> set[str]:
    """Names of the {slots} a template uses."""
    return {n.name for n in _walk(seq) if isinstance(n, Slot)}


def refs(seq: Seq) -> set[str]:
    """Names of the <rules> a template uses directly."""
    return {n.name for n in _walk(seq) if isinstance(n, Ref)}


@record
class Grammar:
    """Shared rules (name -> alternatives) that templates refer to as <name>; checked when built."""

    rules: dict[str, tuple[Seq, ...]] = field(default_factory=dict)

    @staticmethod
    def build(rules: Mapping[str, str | Iterable[str]]) -> Grammar:
        """Parse every rule (a template, or a list of alternative templates); reject unknown or circular refs."""
        parsed: dict[str, tuple[Seq, ...]] = {}
        for name, value in rules.items():
            items = [value] if isinstance(value, str) else list(value)
            try:
                parsed[name] = tuple(parse(v) for v in items)
            except TemplateError as exc:
                raise TemplateError(f"rule <{name}>: {exc}", rule=name) from None
        grammar = Grammar(parsed)
        for name, options in parsed.items():
            for option in options:
                try:
                    grammar.check(option, f"rule <{name}>")
                except TemplateError as exc:
                    raise TemplateError(str(exc), rule=name) from None
        for name in parsed:
            grammar._no_cycle(name, ())
        return grammar

    def check(self, seq: Seq, where: str = "template") -> None:
        """Every <rule> the template uses exists."""
        unknown = sorted(refs(seq) - set(self.rules))
        if unknown:
            raise TemplateError(f"{where}: unknown rule {', '.join(f'<{u}>' for u in unknown)}")

    def _no_cycle(self, name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise TemplateError(f"rule <{name}> refers to itself: {' -> '.join((*path, name))}", rule=name)
        for option in self.rules[name]:
            for ref in refs(option):
                self._no_cycle(ref, (*path, name))

    def slots(self, seq: Seq) -> set[str]:
        """{slots} a template uses, through its rules too."""
        found = slots(seq)
        for ref in refs(seq):
            for option in self.rules[ref]:
                found |= self.slots(option)
        return found

    # ---- expansion

    def count(self, seq: Seq) -> int:
        """How many sentences a template expands to (before duplicates are removed)."""
        return prod(self._count(node) for node in seq)

    def _count(self, node: Node) -> int:
        if isinstance(node, Group):
            return sum(self.count(o) for o in node.options) + (1 if node.optional else 0)
        if isinstance(node, Ref):
            return sum(self.count(o) for o in self.rules[node.name])
        return 1

    def _strings(self, node: Node) -> list[str]:
        if isinstance(node, Text):
            return [node.text]
        if isinstance(node, Slot):
            return ["{" + node.name + "}"]
        options = self.rules[node.name] if isinstance(node, Ref) else node.options
        out = [""] if isinstance(node, Group) and node.optional else []
        for option in options:
            out += self._expand(option)
        return out

    def _expand(self, seq: Seq) -> list[str]:
        return ["".join(parts) for parts in product(*(self._strings(n) for n in seq))]

    def expand(self, template: str | Seq, limit: int = 10_000) -> list[str]:
        """Every sentence the template stands for, in order, spaces collapsed, without duplicates.

        Absent optional words come first: "start [the] {routine}" -> "start {routine}",
        "start the {routine}". TemplateError if it stands for more than `limit` sentences.
        """
        return [s for s in self._sentences(template, limit) if s]

    def _sentences(self, template: str | Seq, limit: int) -> list[str]:
        seq = parse(template) if isinstance(template, str) else template
        self.check(seq)
        n = self.count(seq)
        if n > limit:
            raise TemplateError(f"expands to {n} sentences, more than {limit}")
        seen: dict[str, None] = {}
        for sentence in self._expand(seq):
            seen.setdefault(" ".join(sentence.split()), None)
        return list(seen)

    # ---- detector patterns

    def pattern(self, template: str) -> str:
        """A regex (word-bounded) for a detector template: its parts in order, `...` between them.

        Built from the template's syntax tree (groups stay groups), not from its expansion: the
        safety lexicon's patterns stand for millions of sentences, and a regex of every one took
        hundreds of milliseconds to compile at a cold start. Spaces are optional in the regex (an
        absent optional word leaves none to match); normalised text never joins two words.
        """
        parts = [p.strip() for p in _split_gaps(template)]
        if any(not p for p in parts):
            raise TemplateError(f"{GAP!r} must stand between two parts in {template!r}")
        out = []
        for part in parts:
            seq = parse(part)
            self.check(seq)
            if self._can_be_empty(seq):
                raise TemplateError(f"{part!r} can be empty in {template!r}")
            out.append(rf"\b(?:{self._seq_regex(seq)})\b")
        return ".*".join(out)

    def _can_be_empty(self, seq: Seq) -> bool:
        return all(self._node_can_be_empty(n) for n in seq)

    def _node_can_be_empty(self, node: Node) -> bool:
        if isinstance(node, Text):
            return not node.text.strip()
        if isinstance(node, Slot):
            return False
        if isinstance(node, Group) and node.optional:
            return True
        options = self.rules[node.name] if isinstance(node, Ref) else node.options
        return any(self._can_be_empty(o) for o in options)

    def _seq_regex(self, seq: Seq) -> str:
        return "".join(self._node_regex(n) for n in seq)

    def _node_regex(self, node: Node) -> str:
        if isinstance(node, Text):
            return _text_regex(node.text)
        if isinstance(node, Slot):
            raise TemplateError(f"a detector pattern cannot hold a slot ({{{node.name}}})")
        options = self.rules[node.name] if isinstance(node, Ref) else node.options
        alts = sorted({self._seq_regex(o) for o in options}, key=len, reverse=True)
        return f"(?:{'|'.join(alts)})" + ("?" if isinstance(node, Group) and node.optional else "")


def _split_gaps(template: str) -> list[str]:
    """The template cut at each top-level `...` (a gap inside brackets is an error)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(template):
        c = template[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif template.startswith(GAP, i):
            if depth:
                raise TemplateError(f"{GAP!r} inside brackets in {template!r}")
            parts.append(template[start:i])
            i += len(GAP)
            start = i
            continue
        i += 1
    parts.append(template[start:])
    return parts


def _text_regex(text: str) -> str:
    """Literal template text as a regex: `*` alone is any one word, `word*` any word starting so; every
    space optional."""
    out = []
    for token in re.split(r"( +)", text):
        if not token:
            continue
        if token.startswith(" "):
            out.append(" ?")
        elif token == WILDCARD:
            out.append(r"\w+")
        elif token.endswith(WILDCARD):
            out.append(re.escape(token[:-1]) + r"\w*")
        else:
            out.append(re.escape(token))
    return "".join(out)


def has_pattern_marks(sentence: str) -> bool:
    """Whether an expanded sentence holds detector-only marks (`*`, `...`), which Alexa cannot take."""
    return WILDCARD in sentence or GAP in sentence
