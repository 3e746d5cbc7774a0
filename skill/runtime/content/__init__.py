"""Content: typed models, loader with validation, and alias look-up."""

from skill.runtime.content.loader import Content, ContentError, Problem, default_content, load

__all__ = ["Content", "ContentError", "Problem", "default_content", "load"]
