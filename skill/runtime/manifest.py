"""Read `audio/manifest.json`: which rendered file holds which words, and how long it is.

Runtime-safe: no pydub, no TTS. The renderer (skill.tools.render) writes this format.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
DEFAULT_AUDIO_DIR = Path(__file__).resolve().parents[2] / "audio"
AUDIO_DIR_ENV = "ACUPRESSURE_AUDIO_DIR"


class FileKind(StrEnum):
    """What a rendered file is."""

    PROMPT = "prompt"      # one spoken line, Alexa format
    STEP = "step"          # one routine step with its timed hold, Alexa format
    ROUTINE = "routine"    # a whole routine for download, ID3 + chapters
    PLAYLIST = "playlist"  # M3U of the downloadable routines
    FEED = "feed"          # podcast RSS of the downloadable routines


def step_key(routine_id: str, step_id: str, hold_s: int | None) -> str:
    """Manifest key of one step's audio; hold_s is None for steps without a user hold."""
    return f"step/{routine_id}/{step_id}" + (f"/{hold_s}" if hold_s else "")


def routine_key(routine_id: str) -> str:
    """Manifest key of a downloadable routine."""
    return f"routine/{routine_id}"


def text_hash(text: str) -> str:
    """Hash of one spoken line (whitespace-trimmed), as used in prompt keys."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


def prompt_key(text_hash: str) -> str:
    """Manifest key of one spoken line, by the hash of its text (see text_hash())."""
    return f"prompt/{text_hash}"


def prompt_key_for(text: str) -> str:
    """Manifest key of the prompt file that speaks exactly `text`."""
    return prompt_key(text_hash(text))


@dataclass(frozen=True)
class Segment:
    """One span of a timed file: speech, hold, pause or cue."""

    kind: str
    start_ms: int
    end_ms: int
    text: str | None = None


@dataclass(frozen=True)
class Chapter:
    """One step's span within a downloadable routine."""

    step_id: str
    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Entry:
    """One rendered file."""

    key: str
    kind: FileKind
    path: str
    text: str
    hash: str
    duration_ms: int
    timeline: list[Segment] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    # Optional (format 1 readers ignore them): where it came from and what it measured.
    routine_id: str | None = None
    step_id: str | None = None
    hold_s: int | None = None
    sample_rate: int | None = None
    bitrate_kbps: int | None = None
    size_bytes: int | None = None
    lufs: float | None = None
    true_peak_dbtp: float | None = None

    def url(self, base_url: str) -> str:
        """Public URL of this file under the audio base URL."""
        return base_url.rstrip("/") + "/" + self.path


_OPTIONAL = ("routine_id", "step_id", "hold_s", "sample_rate", "bitrate_kbps", "size_bytes", "lufs",
             "true_peak_dbtp")


@dataclass(frozen=True)
class Manifest:
    """All rendered files by key."""

    content_version: str
    engine: str
    entries: dict[str, Entry]

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def step(self, routine_id: str, step_id: str, hold_s: int | None) -> Entry | None:
        """A step's audio; hold_s is ignored for steps rendered without a user hold."""
        return self.entries.get(step_key(routine_id, step_id, hold_s)) or \
            self.entries.get(step_key(routine_id, step_id, None))

    def prompt(self, text: str) -> Entry | None:
        """The prompt file that speaks exactly `text`, if rendered."""
        return self.entries.get(prompt_key_for(text))

    @staticmethod
    def empty() -> Manifest:
        return Manifest(content_version="", engine="", entries={})

    @staticmethod
    def from_dict(data: dict) -> Manifest:
        entries = {}
        for key, e in data.get("files", {}).items():
            entries[key] = Entry(
                key=key,
                kind=FileKind(e["kind"]),
                path=e["path"],
                text=e.get("text", ""),
                hash=e["hash"],
                duration_ms=int(e["duration_ms"]),
                timeline=[Segment(**s) for s in e.get("timeline", [])],
                chapters=[Chapter(**c) for c in e.get("chapters", [])],
                **{k: e.get(k) for k in _OPTIONAL},
            )
        return Manifest(data.get("content_version", ""), data.get("engine", ""), entries)


def audio_dir() -> Path:
    """Where rendered audio lives: $ACUPRESSURE_AUDIO_DIR or the repository's audio/."""
    return Path(os.environ.get(AUDIO_DIR_ENV) or DEFAULT_AUDIO_DIR)


def load_manifest(directory: Path | None = None) -> Manifest:
    """The manifest in `directory`, or an empty one if nothing has been rendered yet."""
    path = (directory or audio_dir()) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest.empty()
    return Manifest.from_dict(data)
