"""The content as the running skill holds it: `Content`, where it is, and loading it once per process.

Kept apart from the validation (skill.runtime.content.loader: YAML, pydantic, the cross-file checks),
which the running skill imports only when there is no matching compact form to load
(skill.runtime.content.compact): a cold start reads the compact form without it.
"""

from __future__ import annotations

import os
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from skill.runtime.digest import sha256
from skill.runtime.records import record

if TYPE_CHECKING:
    from skill.runtime.content.lookup import AliasIndex
    from skill.runtime.content.models import (
        Answer,
        ComplaintTopic,
        LocaleFacts,
        Meridian,
        Point,
        RegionTopic,
        Routine,
        Safety,
        Technique,
        Tip,
    )

# The repository's content/ sits beside the package; the Lambda bundle copies it there too.
DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[3] / "content"
CONTENT_DIR_ENV = "ACUPRESSURE_CONTENT_DIR"
# The locale whose responses the skill speaks by default; every other locale is an overlay on it, and
# a request in a locale the content does not know is answered in it.
DEFAULT_LOCALE = "en-US"
# The files the skill loads (loader.FILES gives each its model), and the folders of per-locale files.
FILE_NAMES = ("points.yaml", "techniques.yaml", "routines.yaml", "scripts.yaml", "safety.yaml", "tips.yaml",
              "answers.yaml", "safety_lexicon.yaml", "locales.yaml")
LOCALE_FOLDERS = ("responses", "slots")
# Slot lists are served by the prompts API as slot_<list>_<id>; no response key may start so.
SLOT_PROMPT_PREFIX = "slot_"


@record(frozen=True)
class Problem:
    """One thing wrong with a content file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ContentError(Exception):
    """Content failed to load; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid content:\n" + "\n".join(f"  {p}" for p in problems))


@record(frozen=True)
class Content:
    """Everything the skill can say, validated and indexed."""

    points: dict[str, Point]
    meridians: list[Meridian]
    complaints: dict[str, ComplaintTopic]
    regions: dict[str, RegionTopic]
    techniques: dict[str, Technique]
    routines: dict[str, Routine]
    safety: Safety
    tips: list[Tip]
    answers: dict[str, Answer]  # technique answers by topic id (the `topic` slot list's ids)
    prompts: dict[str, str | list[str]]  # the default locale's responses, and its slot lists as slot_<list>_<id>
    responses: dict[str, dict[str, str | list[str]]]  # locale -> key -> wording (overlay merged)
    slot_lists: dict[str, dict[str, dict[str, list[str]]]]  # locale -> list -> value id -> words (merged)
    locales: dict[str, LocaleFacts]  # locale -> emergency number and words for care
    version: str
    directory: Path
    index: AliasIndex = field(repr=False)
    # locale -> source (points, routines, complaints, red_flags) -> value id -> more words in that locale
    slot_synonyms: dict[str, dict[str, dict[str, list[str]]]] = field(default_factory=dict)

    def point(self, text: str) -> Point | None:
        """The point a user's words name, in any numbering or spelling, or None."""
        pid = self.index.points.resolve(text)
        return self.points[pid] if pid else None

    def routine(self, text: str) -> Routine | None:
        """The routine a user's words name, or None."""
        rid = self.index.routines.resolve(text)
        return self.routines[rid] if rid else None

    def points_for(self, text: str) -> list[Point]:
        """Points for a complaint or region named in the user's words, in content order."""
        cid = self.index.complaints.resolve(text)
        if cid:
            return [p for p in self.points.values() if cid in p.complaints]
        rid = self.index.regions.resolve(text)
        if rid:
            return [p for p in self.points.values() if rid in p.regions]
        return []

    def prompts_in(self, locale: str) -> dict[str, str | list[str]]:
        """What the prompts API serves in a locale (the default locale's for one the content lacks)."""
        if locale not in self.responses:
            locale = DEFAULT_LOCALE
        return prompt_table(self.responses[locale], self.slot_lists[locale])


def prompt_table(responses: dict[str, str | list[str]],
                 slot_lists: dict[str, dict[str, list[str]]]) -> dict[str, str | list[str]]:
    """What the prompts API serves: responses, and each slot list's words as `slot_<list>_<id>`."""
    table = dict(responses)
    for name, values in slot_lists.items():
        for ident, words in values.items():
            table[f"{SLOT_PROMPT_PREFIX}{name}_{ident}"] = list(words)
    return table



def runtime_files(directory: Path) -> list[str]:
    """Every file the running skill loads, relative to the content directory."""
    names = list(FILE_NAMES)
    for folder in LOCALE_FOLDERS:
        try:
            found = sorted(n for n in os.listdir(directory / folder) if n.endswith(".yaml"))
        except (FileNotFoundError, NotADirectoryError):
            found = []
        names += [f"{folder}/{n}" for n in found]
    return names


def content_version(directory: Path) -> str:
    """Short hash of all content files: changes whenever any wording changes."""
    h = sha256()
    for name in sorted(runtime_files(directory)):
        path = directory / name
        h.update(name.encode())
        if path.exists():
            h.update(path.read_bytes())
    return str(h.hexdigest())[:12]


def content_directory(directory: Path | str | None = None) -> Path:
    """Where the content is: the one given, else ACUPRESSURE_CONTENT_DIR, else content/ beside the package."""
    return Path(directory or os.environ.get(CONTENT_DIR_ENV) or DEFAULT_CONTENT_DIR)


@lru_cache(maxsize=1)
def default_content() -> Content:
    """The content, loaded once per process (cold start): the compact form the build validated when it is
    there and still matches the YAML (the Lambda bundle), else the YAML, validated now."""
    from skill.runtime.content import compact

    directory = content_directory()
    found = compact.read(directory)
    if found is not None:
        return found
    from skill.runtime.content.loader import load

    return load(directory)
