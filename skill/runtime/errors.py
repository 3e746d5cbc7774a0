"""Errors the skill can meet, each mapped to a spoken reply by its prompt key."""

from __future__ import annotations

from typing import Any


class SkillError(Exception):
    """An expected problem in a conversation; the reply is `prompts[prompt_key]` with `fields`."""

    prompt_key = "error_generic"
    # Whether the session stays open so the user can try again.
    keep_open = True
    # Fields holding the user's own words, said back capped and cleaned (skill.runtime.speech.echo).
    echoed: tuple[str, ...] = ("said",)

    def __init__(self, **fields: Any):
        self.fields = fields
        super().__init__(f"{type(self).__name__}({fields})")


class UnknownPoint(SkillError):
    """The user named a point the content does not know."""

    prompt_key = "point_unknown"


class MissingPoint(SkillError):
    """The user asked about a point without naming one."""

    prompt_key = "point_which"


class UnknownComplaint(SkillError):
    """The user asked for points for a complaint or region the content does not know."""

    prompt_key = "complaint_unknown"


class UnknownRoutine(SkillError):
    """The user named a routine the content does not know."""

    prompt_key = "routine_unknown"


class NoRoutineInProgress(SkillError):
    """A navigation command arrived with no routine going."""

    prompt_key = "no_routine"


class UnclearHoldTime(SkillError):
    """A hold-time request without a usable duration."""

    prompt_key = "hold_unclear"


class UnclearPosition(SkillError):
    """A position request that is neither seated nor lying."""

    prompt_key = "position_unclear"


class NotSupported(SkillError):
    """A built-in command (loop, shuffle) that makes no sense for a routine."""

    prompt_key = "not_supported"


class AudioUnavailable(SkillError):
    """A step's rendered audio is missing (not rendered, or no audio base URL), so it cannot stream."""

    prompt_key = "audio_unavailable_now"


class StorageError(SkillError):
    """Progress or preferences could not be read or saved."""

    prompt_key = "error_storage"


class MalformedRequest(Exception):
    """The request envelope is not an Alexa request at all (transport answers 400 / an error reply)."""
