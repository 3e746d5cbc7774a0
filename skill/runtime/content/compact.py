"""The content in compact form: validated once at build time, loaded at cold start without YAML or pydantic.

`write` stores a loaded (so validated) Content, its indexes included, as a pickle beside the YAML it came
from; the Lambda bundle build writes one into the bundle's content/. `read` loads it back into the same
plain dataclasses, but only if it still matches: the content hash it carries must equal the hash of the
YAML files beside it now, and the shape of every class it holds (class names and fields) must be the
shape of those classes in the code now. Anything else is refused (None, and a warning), and the caller
validates the YAML instead, so changed content or changed models are never served stale. The
conversion is generic: a field added to a model is carried with no code here.

The file is built by the bundle build from the repository's own content, and read only from the
content directory the skill is configured with, like the code beside it; never from user input.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
from pathlib import Path
from typing import Any

from skill.runtime.content import lookup, models
from skill.runtime.content.loader import Content, content_version

log = logging.getLogger(__name__)

COMPACT_NAME = "compact.pickle"
FORMAT = 1


def shape() -> str:
    """A fingerprint of the classes a compact Content holds: every dataclass of the models and the
    look-up, and Content itself, with their fields in order (a changed model changes it)."""
    parts = []
    for module in (models, lookup):
        for name, value in sorted(vars(module).items()):
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                parts.append(f"{module.__name__}.{name}({','.join(f.name for f in dataclasses.fields(value))})")
    parts.append(f"Content({','.join(f.name for f in dataclasses.fields(Content))})")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def write(content: Content, directory: Path | None = None) -> Path:
    """Store `content` compactly in `directory` (default: the content's own); returns the file."""
    directory = Path(directory or content.directory)
    payload = {"format": FORMAT, "version": content.version, "shape": shape(),
               "content": dataclasses.replace(content, directory=Path())}
    path = directory / COMPACT_NAME
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)
    return path


def read(directory: Path) -> Content | None:
    """The compact content stored in `directory`, if there is one and it matches the YAML and the code."""
    path = directory / COMPACT_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        payload: Any = pickle.loads(raw)  # written by the build, beside the code (see above)
    except Exception as exc:  # a truncated or foreign file: refuse it like a stale one
        log.warning("compact content unreadable (%s); validating content/ instead", type(exc).__name__)
        return None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("shape") != shape():
        log.warning("compact content was built by other code; validating content/ instead")
        return None
    version = content_version(directory)
    if payload.get("version") != version:
        log.warning("compact content is for content %s, not %s; validating content/ instead",
                    payload.get("version"), version)
        return None
    content = payload.get("content")
    if not isinstance(content, Content):
        return None
    return dataclasses.replace(content, directory=directory)
