"""Resolve what a person says ("B-54", "bladder fifty four", "Weizhong") to one content id."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import field
from functools import lru_cache
from typing import TYPE_CHECKING

from skill.runtime.records import record
from skill.runtime.text import normalize as text_normalize
from skill.runtime.text import words_to_numbers

if TYPE_CHECKING:
    from skill.runtime.content.models import Meridian, PointsFile, Routine

# Words that carry no meaning when naming a point or routine ("the point behind my knee").
_FILLER = frozenset([
    "the", "a", "an", "my", "me", "your", "this", "that", "of", "on", "in", "at", "for", "to", "please",
    "point", "points", "spot", "acupressure", "acupuncture", "number", "no", "pressure", "called", "named",
    "known", "as", "is",
])


def _tokens(text: str) -> list[str]:
    """Lower-case words and numbers; letters and digits apart ('bl23' -> 'bl', '23'), "'s" dropped."""
    return re.findall(r"[a-z]+|\d+", text_normalize(text, split_digits=True).replace("'s", ""))


def _meridian_table(meridians: Iterable[Meridian]) -> list[tuple[list[str], str]]:
    """(name tokens, code) pairs, longest names first so 'small intestine' beats 'intestine'."""
    return _table(tuple((m.code, tuple(m.names)) for m in meridians))


@lru_cache(maxsize=8)
def _table(meridians: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[list[str], str]]:
    # Cached: normalize() runs for every alias at cold start and for every look-up.
    table = []
    for code, names in meridians:
        for name in (code, *names):
            table.append((_tokens(name), code.lower()))
    table.sort(key=lambda e: -len(e[0]))
    return table


def normalize(text: str, meridians: Iterable[Meridian] = ()) -> str:
    """Canonical form of a spoken or written name: 'Bladder fifty-four' -> 'bl54'."""
    tokens = [t for t in words_to_numbers(_tokens(text), ordinals=True) if t not in _FILLER]
    table = _meridian_table(meridians)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for name, code in table:
            n = len(name)
            # A meridian name counts only when a point number follows it ("bladder 23").
            if n and tokens[i:i + n] == name and i + n < len(tokens) and tokens[i + n].isdigit():
                out.append(code + str(int(tokens[i + n])))
                i += n + 1
                break
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


@record
class Resolver:
    """Maps normalized names to ids; exact, then word-subset, then close spelling."""

    meridians: list[Meridian]
    keys: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, ident: str) -> None:
        key = normalize(name, self.meridians)
        if key:
            self.keys.setdefault(key, ident)
            self.keys.setdefault(key.replace(" ", ""), ident)

    def resolve(self, text: str | None) -> str | None:
        """The one id these words name, or None if unknown or ambiguous."""
        if not text or not text.strip():
            return None
        key = normalize(text, self.meridians)
        if not key:
            return None
        if key in self.keys:
            return self.keys[key]
        if key.replace(" ", "") in self.keys:
            return self.keys[key.replace(" ", "")]
        words = set(key.split())
        # Longest known name whose words all appear in what was said ("the point behind my knee").
        best: list[tuple[int, str]] = []
        for k, ident in self.keys.items():
            if set(k.split()) <= words:
                best.append((len(k), ident))
        if best:
            best.sort(reverse=True)
            top = best[0][0]
            winners = {ident for n, ident in best if n == top}
            if len(winners) == 1:
                return winners.pop()
        # Misspellings and mis-hearings ("shen shoo"); a point code must match exactly.
        if not re.search(r"\d", key):
            import difflib  # only for a name nothing matched: not paid at a cold start

            close = difflib.get_close_matches(key, [k for k in self.keys if not re.search(r"\d", k)],
                                              n=2, cutoff=0.82)
            ids = {self.keys[c] for c in close}
            if len(ids) == 1:
                return ids.pop()
        return None


@record
class AliasIndex:
    """Resolvers for points, routines, complaints and regions."""

    points: Resolver
    routines: Resolver
    complaints: Resolver
    regions: Resolver


def build_index(points_file: PointsFile, routines: list[Routine]) -> AliasIndex:
    """Index every name content gives for each point, routine, complaint and region."""
    m = points_file.meridians
    points, rts, comps, regs = Resolver(m), Resolver(m), Resolver(m), Resolver(m)
    for p in points_file.points:
        for name in [p.id, p.name, p.pinyin, *([p.english] if p.english else []), *p.aliases]:
            points.add(name, p.id)
    for r in routines:
        for name in [r.id.replace("_", " "), r.name, *r.aliases]:
            rts.add(name, r.id)
    for c in points_file.complaints:
        for name in [c.id.value.replace("_", " "), c.name, *c.aliases]:
            comps.add(name, c.id.value)
    for g in points_file.regions:
        for name in [g.id.value.replace("_", " "), g.name, *g.aliases]:
            regs.add(name, g.id.value)
    return AliasIndex(points, rts, comps, regs)
