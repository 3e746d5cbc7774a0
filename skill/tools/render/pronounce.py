"""Pronunciation hints: words the voice says badly, respelled for the engine only (content/pronunciation.yaml)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HINTS_FILE = Path(__file__).resolve().parents[3] / "content" / "pronunciation.yaml"
WORD = re.compile(r"^[A-Za-z][A-Za-z'-]*$")


class HintsError(ValueError):
    """content/pronunciation.yaml is malformed."""


@dataclass(frozen=True)
class Hints:
    """Whole-word respellings, matched without regard to case; the first letter's case is kept."""

    words: dict[str, str] = field(default_factory=dict)

    def apply(self, text: str) -> str:
        """The text as the engine should read it."""
        if not self.words:
            return text
        return self._pattern().sub(self._replace, text)

    def _pattern(self) -> re.Pattern[str]:
        alts = "|".join(sorted((re.escape(w) for w in self.words), key=len, reverse=True))
        return re.compile(rf"\b({alts})\b", re.IGNORECASE)

    def _replace(self, m: re.Match[str]) -> str:
        said = self.words[m.group(1).lower()]
        return said[:1].upper() + said[1:] if m.group(1)[:1].isupper() else said

    def digest(self) -> str:
        """Short hash of the hints: part of every line's cache key and every file's hash."""
        return hashlib.sha256(repr(sorted(self.words.items())).encode()).hexdigest()[:8]


def load_hints(path: Path | None = None) -> Hints:
    """Read and validate the hints file; no file means no hints."""
    path = path or HINTS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return Hints()
    words = data.get("words", {}) if isinstance(data, dict) else None
    if not isinstance(words, dict):
        raise HintsError(f"{path}: expected a mapping `words: {{word: respelling}}`")
    out: dict[str, str] = {}
    for word, said in words.items():
        if not isinstance(word, str) or not WORD.match(word) or not isinstance(said, str) or not said.strip():
            raise HintsError(f"{path}: {word!r}: a hint maps one word to a non-empty respelling")
        if word.lower() in out:
            raise HintsError(f"{path}: {word!r} is listed twice")
        out[word.lower()] = said.strip()
    return Hints(out)
