"""Content: typed models, the content as the skill holds it, validation, and alias look-up.

Importing the package does not import the validation (YAML, pydantic, skill.runtime.content.loader):
`load` imports it when called, so a cold start that reads the compact form never does.
"""

from __future__ import annotations

from pathlib import Path

from skill.runtime.content.store import Content, ContentError, Problem, default_content


def load(directory: Path | str | None = None) -> Content:
    """Load and validate every content file; raise ContentError listing all problems (loader.load)."""
    from skill.runtime.content import loader

    return loader.load(directory)


__all__ = ["Content", "ContentError", "Problem", "default_content", "load"]
