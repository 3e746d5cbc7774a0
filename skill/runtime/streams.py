"""AudioPlayer long-form playback: self-describing stream tokens, step audio URLs, directives.

One stream per routine step: the manifest has one rendered file per step and hold choice, so a
token names exactly one file and navigation never needs offsets into a longer file. The next step
is queued on PlaybackNearlyFinished (once, with expectedPreviousToken), or played on PlaybackFinished
when that came first and nothing is queued. Production audio URLs must be HTTPS
(ACUPRESSURE_AUDIO_BASE_URL); Alexa refuses to stream anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ask_sdk_model import Directive
from ask_sdk_model.interfaces.audioplayer import (
    AudioItem,
    AudioItemMetadata,
    ClearBehavior,
    ClearQueueDirective,
    PlayBehavior,
    PlayDirective,
    StopDirective,
    Stream,
)
from ask_sdk_model.interfaces.display import Image, ImageInstance

from skill.runtime.content.models import Routine
from skill.runtime.engine import RoutineState, plan_step
from skill.runtime.manifest import Entry, Manifest
from skill.runtime.speech import audio_url

TOKEN_PREFIX = "acu1"
TOKEN_SEP = "|"
MAX_TOKEN_CHARS = 1024
# Resuming rewinds a little so the listener hears where they were.
REWIND_MS = 5000
# Content versions are hashes; a prefix is enough to tell a stale token from a current one.
VERSION_CHARS = 12
# Stream metadata pictures, published with the audio (skill/tools/artwork.py writes them into audio/art/).
ART_PATH = "art/art-512.png"
ART_PX = (512, 512)
BACKGROUND_PATH = "art/background-1280x800.png"
BACKGROUND_PX = (1280, 800)


@dataclass(frozen=True)
class Token:
    """What one stream is: content version, routine, position in the planned steps, step and hold."""

    version: str
    routine_id: str
    index: int
    step_id: str
    hold_s: int | None = None

    def encode(self) -> str:
        parts = [TOKEN_PREFIX, self.version[:VERSION_CHARS], self.routine_id, str(self.index), self.step_id,
                 str(self.hold_s or 0)]
        text = TOKEN_SEP.join(parts)
        if len(text) > MAX_TOKEN_CHARS:
            raise ValueError("AudioPlayer token too long")
        return text

    @staticmethod
    def parse(text: str | None) -> Token | None:
        """A token we issued, or None for anything else (foreign, truncated, malformed)."""
        if not text or len(text) > MAX_TOKEN_CHARS:
            return None
        parts = text.split(TOKEN_SEP)
        if len(parts) != 6 or parts[0] != TOKEN_PREFIX:
            return None
        _, version, routine_id, index, step_id, hold = parts
        if not (version and routine_id and step_id and index.isdigit() and hold.isdigit()):
            return None
        return Token(version, routine_id, int(index), step_id, int(hold) or None)

    def current(self, version: str) -> bool:
        """Issued for the content now loaded (a token from before a content change is stale)."""
        return self.version == version[:VERSION_CHARS]

    def matches(self, state: RoutineState | None) -> bool:
        """Refers to a step of this saved routine, at the position the token claims."""
        return (state is not None and self.routine_id == state.routine_id
                and 0 <= self.index < state.total and state.step_ids[self.index] == self.step_id)


def token_for(version: str, routine: Routine, state: RoutineState, index: int | None = None) -> Token:
    """The token of the step at `index` (default: the current one) of a routine in progress."""
    at = replace(state, index=state.index if index is None else index)
    plan = plan_step(routine, at)
    return Token(version, routine.id, at.index, plan.step.id, plan.audio_hold_s)


def step_entry(manifest: Manifest, routine: Routine, state: RoutineState, index: int | None = None) -> Entry | None:
    """The rendered file of a step (with the user's hold time), if it exists."""
    at = replace(state, index=state.index if index is None else index)
    plan = plan_step(routine, at)
    return manifest.step(routine.id, plan.step.id, plan.audio_hold_s)


def playable(manifest: Manifest, base_url: str | None, routine: Routine, state: RoutineState) -> bool:
    """Every planned step has rendered audio and there is somewhere to stream it from."""
    if not base_url:
        return False
    return all(step_entry(manifest, routine, state, i) is not None for i in range(state.total))


def resume_offset(offset_ms: int, duration_ms: int | None = None) -> int:
    """Where to start again: a few seconds before the saved offset, never before 0 or past the end."""
    start = max(0, offset_ms - REWIND_MS)
    if duration_ms is not None and start >= duration_ms:
        return 0
    return start


def picture(base_url: str, path: str, size: tuple[int, int], description: str | None) -> Image:
    """One published picture as AudioPlayer metadata takes it."""
    width, height = size
    source = ImageInstance(url=audio_url(base_url, path), width_pixels=width, height_pixels=height)
    return Image(content_description=description, sources=[source])


def metadata_for(title: str | None, subtitle: str | None, art_base: str | None) -> AudioItemMetadata | None:
    """What a device shows while a stream plays: titles, and the art and background when they are published."""
    if not art_base:
        return AudioItemMetadata(title=title, subtitle=subtitle) if title else None
    return AudioItemMetadata(title=title, subtitle=subtitle,
                             art=picture(art_base, ART_PATH, ART_PX, title),
                             background_image=picture(art_base, BACKGROUND_PATH, BACKGROUND_PX, title))


def play_directive(*, url: str, token: str, offset_ms: int = 0, title: str | None = None,
                   subtitle: str | None = None, after: str | None = None,
                   art_base: str | None = None) -> PlayDirective:
    """Play now (REPLACE_ALL), or queue behind the stream `after` (ENQUEUE with expectedPreviousToken);
    with `art_base` (the audio base URL) the metadata carries the published art and background."""
    stream = Stream(token=token, url=url, offset_in_milliseconds=offset_ms, expected_previous_token=after)
    return PlayDirective(play_behavior=PlayBehavior.ENQUEUE if after else PlayBehavior.REPLACE_ALL,
                         audio_item=AudioItem(stream=stream, metadata=metadata_for(title, subtitle, art_base)))


def stream_url(base_url: str, entry: Entry) -> str:
    return audio_url(base_url, entry.path)


def stop_directives() -> list[Directive]:
    """Stop what is playing and forget anything queued."""
    return [StopDirective(), ClearQueueDirective(clear_behavior=ClearBehavior.CLEAR_ALL)]
