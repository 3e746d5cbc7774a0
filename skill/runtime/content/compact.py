"""The content in compact form: validated once at build time, loaded at cold start without YAML or pydantic.

`write` stores a loaded (so validated) Content, its indexes included, as a pickle beside the YAML it came
from; the Lambda bundle build writes one into the bundle's content/. `read` loads it back into the same
plain dataclasses, but only if it still matches: the content files beside it now must be the files it was
built from (the same names, and each the same size and CRC-32, checked at C speed where hashing them
again would cost a cold start a millisecond), and the shape of every class it holds (class names and fields) must be the
shape of those classes in the code now. Anything else is refused (None, and a warning), and the caller
validates the YAML instead, so changed content or changed models are never served stale. The
conversion is generic: a field added to a model is carried with no code here.

The pictures (content/pictures.yaml, skill.runtime.pictures) have their own file beside it, built at the
same time (`write_pictures`, `read_pictures`), with the same checks: it carries the hash of pictures.yaml
and the shape of the picture classes, and a mismatch is refused so the YAML is validated instead.

The file is built by the bundle build from the repository's own content, and read only from the
content directory the skill is configured with, like the code beside it; never from user input.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.runtime.content import lookup, models
from skill.runtime.content.store import Content, runtime_files
from skill.runtime.digest import hexdigest

if TYPE_CHECKING:
    from skill.runtime.pictures import PicturesFile

try:  # the C unpickler alone: the pickle module around it costs a cold start 0.7 ms more to import
    from _pickle import dumps, loads
except ImportError:  # another Python implementation
    from pickle import dumps, loads

log = logging.getLogger(__name__)

COMPACT_NAME = "compact.pickle"
PICTURES_NAME = "pictures.pickle"
FORMAT = 2  # 2: content files fingerprinted by size and CRC-32 (1: by content version)
PROTOCOL = 5


def _classes(*modules: Any) -> list[str]:
    """Every dataclass defined in the modules, with its fields in order."""
    parts = []
    for module in modules:
        for name, value in sorted(vars(module).items()):
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                parts.append(f"{module.__name__}.{name}({','.join(f.name for f in dataclasses.fields(value))})")
    return parts


def shape() -> str:
    """A fingerprint of the classes a compact Content holds: every dataclass of the models and the
    look-up, and Content itself, with their fields in order (a changed model changes it)."""
    parts = _classes(models, lookup)
    parts.append(f"Content({','.join(f.name for f in dataclasses.fields(Content))})")
    return hexdigest("\n".join(parts), 16)


def pictures_shape() -> str:
    """A fingerprint of the classes compact pictures hold: every dataclass of skill.runtime.pictures."""
    from skill.runtime import pictures

    return hexdigest("\n".join(_classes(pictures)), 16)


def pictures_version(directory: Path) -> str:
    """Short hash of pictures.yaml in `directory` (empty when there is none)."""
    from skill.runtime import pictures

    path = directory / pictures.PICTURES_FILE
    return hexdigest(path.read_bytes(), 12) if path.is_file() else ""


def _store(payload: dict[str, Any], path: Path) -> Path:
    """Write a payload atomically (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(dumps(payload, protocol=PROTOCOL))
    tmp.replace(path)
    return path


def _payload(path: Path, what: str, source: str) -> dict[str, Any] | None:
    """The unpickled payload of a compact file, or None (with a warning) when it is missing or unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        payload: Any = loads(raw)  # written by the build, beside the code (see above)
    except Exception as exc:  # a truncated or foreign file: refuse it like a stale one
        log.warning("compact %s unreadable (%s); validating %s instead", what, type(exc).__name__, source)
        return None
    if not isinstance(payload, dict):
        log.warning("compact %s is not ours; validating %s instead", what, source)
        return None
    return payload


def fingerprint(directory: Path) -> dict[str, tuple[int, int]]:
    """Each content file the skill loads, by name: (size, CRC-32) of its bytes, as the compact form
    remembers them."""
    found: dict[str, tuple[int, int]] = {}
    for name in runtime_files(directory):
        try:
            data = (directory / name).read_bytes()
        except FileNotFoundError:
            continue
        found[name] = (len(data), zlib.crc32(data))
    return found


def write(content: Content, directory: Path | None = None) -> Path:
    """Store `content` compactly in `directory` (default: the content's own); returns the file."""
    directory = Path(directory or content.directory)
    payload = {"format": FORMAT, "version": content.version, "files": fingerprint(content.directory),
               "shape": shape(),
               "content": dataclasses.replace(content, directory=Path())}
    return _store(payload, directory / COMPACT_NAME)


def read(directory: Path) -> Content | None:
    """The compact content stored in `directory`, if there is one and it matches the YAML and the code."""
    payload = _payload(directory / COMPACT_NAME, "content", "content/")
    if payload is None:
        return None
    if payload.get("format") != FORMAT or payload.get("shape") != shape():
        log.warning("compact content was built by other code; validating content/ instead")
        return None
    files = fingerprint(directory)
    built = payload.get("files")
    if built != files:
        changed = sorted(set(files.items()) ^ set(built.items())) if isinstance(built, dict) else []
        log.warning("compact content %s was built from other content files (%s); validating content/ instead",
                    payload.get("version"), ", ".join(sorted({name for name, _ in changed})) or "unknown")
        return None
    content = payload.get("content")
    if not isinstance(content, Content):
        return None
    return dataclasses.replace(content, directory=directory)


def write_pictures(directory: Path) -> Path:
    """Validate pictures.yaml in `directory` (ContentError naming file, line and field if it is broken) and
    store it compactly beside it; returns the file."""
    from skill.runtime import pictures

    pics = pictures.load(directory / pictures.PICTURES_FILE)
    payload = {"format": FORMAT, "version": pictures_version(directory), "shape": pictures_shape(), "pictures": pics}
    return _store(payload, directory / PICTURES_NAME)


def read_pictures(directory: Path) -> PicturesFile | None:
    """The compact pictures stored in `directory`, if there are and they match pictures.yaml and the code.
    (Imported by skill.runtime.pictures when the first screen is drawn; not before.)"""
    from skill.runtime import pictures

    source = f"content/{pictures.PICTURES_FILE}"
    payload = _payload(directory / PICTURES_NAME, "pictures", source)
    if payload is None:
        return None
    if payload.get("format") != FORMAT or payload.get("shape") != pictures_shape():
        log.warning("compact pictures were built by other code; validating %s instead", source)
        return None
    version = pictures_version(directory)
    if payload.get("version") != version:
        log.warning("compact pictures are for pictures %s, not %s; validating %s instead",
                    payload.get("version"), version, source)
        return None
    pics = payload.get("pictures")
    return pics if isinstance(pics, pictures.PicturesFile) else None
