"""Read `audio/manifest.json`: which rendered file holds which words, and how long it is.

Runtime-safe: no pydub, no TTS. The renderer (skill.tools.render) writes this format.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import field
from enum import StrEnum
from pathlib import Path
from typing import Any

from skill.runtime.digest import hexdigest
from skill.runtime.records import record

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
DEFAULT_AUDIO_DIR = Path(__file__).resolve().parents[2] / "audio"
AUDIO_DIR_ENV = "ACUPRESSURE_AUDIO_DIR"

log = logging.getLogger(__name__)


class FileKind(StrEnum):
    """What a rendered file is."""

    PROMPT = "prompt"      # one spoken line, Alexa format
    STEP = "step"          # one routine step with its timed hold, Alexa format
    ROUTINE = "routine"    # a whole routine for download, ID3 + chapters
    PLAYLIST = "playlist"  # M3U of the downloadable routines
    FEED = "feed"          # podcast RSS of the downloadable routines
    IMAGE = "image"        # artwork: icons, stream and podcast art, point pictures (PNG)


def step_key(routine_id: str, step_id: str, hold_s: int | None) -> str:
    """Manifest key of one step's audio; hold_s is None for steps without a user hold."""
    return f"step/{routine_id}/{step_id}" + (f"/{hold_s}" if hold_s else "")


def routine_key(routine_id: str) -> str:
    """Manifest key of a downloadable routine."""
    return f"routine/{routine_id}"


def text_hash(text: str) -> str:
    """Hash of one spoken line (whitespace-trimmed), as used in prompt keys."""
    return hexdigest(text.strip(), 16)


def prompt_key(text_hash: str) -> str:
    """Manifest key of one spoken line, by the hash of its text (see text_hash())."""
    return f"prompt/{text_hash}"


def prompt_key_for(text: str) -> str:
    """Manifest key of the prompt file that speaks exactly `text`."""
    return prompt_key(text_hash(text))


@record(frozen=True)
class Segment:
    """One span of a timed file: speech, hold, pause or cue."""

    kind: str
    start_ms: int
    end_ms: int
    text: str | None = None


@record(frozen=True)
class Chapter:
    """One step's span within a downloadable routine."""

    step_id: str
    title: str
    start_ms: int
    end_ms: int


@record(frozen=True)
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


def entry_from_json(key: str, e: Mapping[str, Any]) -> Entry:
    """One `files` item of manifest.json as an Entry."""
    return Entry(
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


class Entries(Mapping[str, Entry]):
    """The manifest's files by key, each built from its JSON the first time it is looked up: a
    request needs a handful of the hundreds of entries, so none is built at cold start."""

    def __init__(self, files: Mapping[str, Mapping[str, Any]]):
        self._files = files
        self._built: dict[str, Entry] = {}

    def __getitem__(self, key: str) -> Entry:
        entry = self._built.get(key)
        if entry is None:
            raw = self._files[key]
            try:
                entry = entry_from_json(key, raw)
            except (KeyError, TypeError, ValueError) as exc:  # not a KeyError: that would read as "not rendered"
                raise ValueError(f"manifest entry {key} is malformed: {type(exc).__name__}: {exc}") from exc
            # Two threads may build the same entry at once: both results are equal, either may stay.
            self._built[key] = entry
        return entry

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, key: object) -> bool:
        return key in self._files


@record(frozen=True)
class ManifestData:
    """What manifest.json says, as the runtime reads it."""

    content_version: str
    engine: str
    entries: Mapping[str, Entry]

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> ManifestData:
        return ManifestData(str(data.get("content_version", "")), str(data.get("engine", "")),
                            Entries(data.get("files", {})))


# What identifies one version of the manifest file: a render replaces it (new inode), and size and
# modification time catch an edit in place.
Stamp = tuple[int, int, int, int]


def _stamp(path: Path) -> Stamp | None:
    """The file's identity as of now (device, inode, size, mtime in ns); None while there is none."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


class Manifest:
    """All rendered files by key. From a file, the file is read at the first look-up, not at cold start
    (a launch plays no step audio), and only the entries asked for are built.

    By default the file is read once (Lambda: a new render means a new deployment). With `reload`, a
    long-running server calls refresh() once per request: one stat, and if a render replaced the file
    since it was read, the next look-up reads the new one, so new audio is used without a restart.
    """

    def __init__(self, content_version: str = "", engine: str = "",
                 entries: Mapping[str, Entry] | None = None, *, path: Path | None = None,
                 reload: bool = False):
        self._path = path
        self._data: ManifestData | None = None if path else ManifestData(content_version, engine, entries or {})
        self._lock = threading.Lock()
        self.reloads = reload and path is not None
        self._stamp: Stamp | None = None  # of the file as last read (reload mode only)

    @property
    def path(self) -> Path | None:
        """The manifest file this reads, or None for one built in memory."""
        return self._path

    def _loaded(self) -> ManifestData:
        data = self._data
        if data is None:
            with self._lock:
                if self._data is None:
                    if self.reloads and self._path is not None:
                        # Stamped before reading: a file replaced in between is read again next time.
                        self._stamp = _stamp(self._path)
                    self._data = _read(self._path) if self._path else ManifestData("", "", {})
                data = self._data
        return data

    def refresh(self) -> bool:
        """In reload mode, forget what was read if the file changed since (one stat; the new file is
        read at the next look-up); True if it changed. Without reload mode, nothing: no stat."""
        if not self.reloads or self._path is None or self._data is None:
            return False
        stamp = _stamp(self._path)
        with self._lock:
            if self._data is None or stamp == self._stamp:
                return False
            log.info("audio manifest %s changed; reading it again", self._path)
            self._data = None
            return True

    @property
    def content_version(self) -> str:
        return self._loaded().content_version

    @property
    def engine(self) -> str:
        return self._loaded().engine

    @property
    def entries(self) -> Mapping[str, Entry]:
        return self._loaded().entries

    def get(self, key: str) -> Entry | None:
        """The file rendered under `key`; None if there is none, or if its entry is malformed (logged:
        the skill then speaks the words instead of playing them)."""
        try:
            return self.entries.get(key)
        except ValueError as exc:
            log.error("%s", exc)
            return None

    def step(self, routine_id: str, step_id: str, hold_s: int | None) -> Entry | None:
        """A step's audio; hold_s is ignored for steps rendered without a user hold."""
        return self.get(step_key(routine_id, step_id, hold_s)) or self.get(step_key(routine_id, step_id, None))

    def prompt(self, text: str) -> Entry | None:
        """The prompt file that speaks exactly `text`, if rendered."""
        return self.get(prompt_key_for(text))

    @staticmethod
    def empty() -> Manifest:
        return Manifest()

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Manifest:
        loaded = ManifestData.from_dict(data)
        return Manifest(loaded.content_version, loaded.engine, loaded.entries)


def _read(path: Path) -> ManifestData:
    """The manifest file's contents; none rendered yet, or unreadable, is an empty manifest (the skill
    then speaks instead of playing audio, and says why in the log)."""
    try:
        return ManifestData.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return ManifestData("", "", {})
    except (OSError, ValueError, AttributeError) as exc:
        log.error("audio manifest %s unreadable, serving without audio: %s: %s", path, type(exc).__name__, exc)
        return ManifestData("", "", {})


def audio_dir() -> Path:
    """Where rendered audio lives: $ACUPRESSURE_AUDIO_DIR or the repository's audio/."""
    return Path(os.environ.get(AUDIO_DIR_ENV) or DEFAULT_AUDIO_DIR)


def load_manifest(directory: Path | None = None, *, reload: bool = False) -> Manifest:
    """The manifest in `directory` (read at its first use), or an empty one if nothing has been rendered
    yet; with `reload`, read again after a render replaces it (see Manifest.refresh)."""
    return Manifest(path=(directory or audio_dir()) / MANIFEST_NAME, reload=reload)
