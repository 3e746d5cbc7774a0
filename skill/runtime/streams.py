"""AudioPlayer long-form playback: self-describing stream tokens, step audio URLs, directives.

One stream per routine step: the manifest has one rendered file per step and hold choice, so a
token names exactly one file and navigation never needs offsets into a longer file. The next step
is queued on PlaybackNearlyFinished (once, with expectedPreviousToken), or played on PlaybackFinished
when that came first and nothing is queued. Production audio URLs must be HTTPS
(ACUPRESSURE_AUDIO_BASE_URL); Alexa refuses to stream anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from ask_sdk_model import Directive
from ask_sdk_model.interfaces.display import Image, ImageInstance

from skill.runtime.content.models import Routine
from skill.runtime.engine import RoutineState, plan_step
from skill.runtime.manifest import Entry, Manifest
from skill.runtime.records import record
from skill.runtime.speech import audio_url

if TYPE_CHECKING:
    # Imported where a directive is built: the package loads some thirty modules, which a cold start
    # whose first request plays nothing (a launch, a question) need not pay.
    from ask_sdk_model.interfaces.audioplayer import AudioItemMetadata, PlayDirective

TOKEN_PREFIX = "acu1"
TOKEN_SEP = "|"
MAX_TOKEN_CHARS = 1024
# Resuming rewinds a little so the listener hears where they were.
REWIND_MS = 5000
# Content versions are hashes; a prefix is enough to tell a stale token from a current one.
VERSION_CHARS = 12
# The last token field of a notice clip ("n0", "n1"...): a step token has no such field.
NOTICE_MARK = "n"
# Stream metadata pictures, published with the audio (skill/tools/artwork.py writes them into audio/art/).
ART_PATH = "art/art-512.png"
ART_PX = (512, 512)
BACKGROUND_PATH = "art/background-1280x800.png"
BACKGROUND_PX = (1280, 800)


@record(frozen=True)
class Token:
    """What one stream is: content version, routine, position in the planned steps, step and hold."""

    version: str
    routine_id: str
    index: int
    step_id: str
    hold_s: int | None = None
    # A notice clip (the `notice`-th after step `index`) naming the point of the left-out step `step_id`.
    notice: int | None = None

    def encode(self) -> str:
        parts = [TOKEN_PREFIX, self.version[:VERSION_CHARS], self.routine_id, str(self.index), self.step_id,
                 str(self.hold_s or 0)]
        if self.notice is not None:
            parts.append(f"{NOTICE_MARK}{self.notice}")
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
        if len(parts) not in (6, 7) or parts[0] != TOKEN_PREFIX:
            return None
        version, routine_id, index, step_id, hold = parts[1:6]
        if not (version and routine_id and step_id and index.isdigit() and hold.isdigit()):
            return None
        notice = None
        if len(parts) == 7:
            mark = parts[6]
            if not (mark.startswith(NOTICE_MARK) and mark[len(NOTICE_MARK):].isdigit()):
                return None
            notice = int(mark[len(NOTICE_MARK):])
        return Token(version, routine_id, int(index), step_id, int(hold) or None, notice)

    def current(self, version: str) -> bool:
        """Issued for the content now loaded (a token from before a content change is stale)."""
        return self.version == version[:VERSION_CHARS]

    def matches(self, state: RoutineState | None) -> bool:
        """Refers to a step of this saved routine, at the position the token claims."""
        if state is None or self.routine_id != state.routine_id or not 0 <= self.index < state.total:
            return False
        if self.notice is not None:
            # A notice names a step the routine left out, after a step it kept.
            return self.step_id not in state.step_ids
        return state.step_ids[self.index] == self.step_id

    def at(self, state: RoutineState) -> bool:
        """Names the stream the saved place says is playing (the step, or the notice after it)."""
        return self.index == state.index and self.notice == state.notice

    def at_queued(self, state: RoutineState) -> bool:
        """Names the stream the saved place says is queued behind the current one."""
        return state.queued is not None and self.index == state.queued and self.notice == state.queued_notice


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


@record(frozen=True)
class Notices:
    """The rendered clips that name a point left out of a routine (avoided in pregnancy), by point id.

    Where a routine leaves steps out, each left-out point is named once, by its clip, in their place:
    after the kept step before them. Without rendered clips there are no notices (playback as before)."""

    clips: Mapping[str, Entry]

    def after(self, routine: Routine, state: RoutineState, index: int) -> tuple[str, ...]:
        """The left-out steps named after kept step `index` (the first step of each point), in order."""
        if not self.clips or not 0 <= index < state.total:
            return ()
        kept = set(state.step_ids)
        order = [s.id for s in routine.steps]
        here = state.step_ids[index]
        if here not in order:
            return ()
        following = state.step_ids[index + 1] if index + 1 < state.total else None
        end = order.index(following) if following in order else len(order)
        out: list[str] = []
        named: set[str] = set()
        for step in routine.steps[order.index(here) + 1:end]:
            if step.id in kept or step.point is None or step.point not in self.clips or step.point in named:
                continue
            named.add(step.point)
            out.append(step.id)
        return tuple(out)

    def entry(self, routine: Routine, state: RoutineState, index: int, notice: int) -> Entry | None:
        """The clip of the `notice`-th notice after kept step `index`, if there is one."""
        steps = self.after(routine, state, index)
        if not 0 <= notice < len(steps):
            return None
        point = next(s.point for s in routine.steps if s.id == steps[notice])
        return self.clips.get(point or "")

    def step_id(self, routine: Routine, state: RoutineState, index: int, notice: int) -> str | None:
        steps = self.after(routine, state, index)
        return steps[notice] if 0 <= notice < len(steps) else None


def notice_text(template: str, name: str) -> str:
    """What a notice clip says: the 'leaving out {points} here' wording with one point's name."""
    return template.format(points=name).strip()


def notice_clips(manifest: Manifest, templates: Iterable[str], names: Mapping[str, str]) -> Notices:
    """The rendered notice clips for the avoided points `names` (point id -> name), in any wording variant."""
    clips: dict[str, Entry] = {}
    variants = list(templates)
    for point, name in names.items():
        for template in variants:
            try:
                entry = manifest.prompt(notice_text(template, name))
            except (KeyError, IndexError, ValueError):
                entry = None
            if entry is not None:
                clips[point] = entry
                break
    return Notices(clips)


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
    from ask_sdk_model.interfaces.audioplayer import AudioItemMetadata

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
    from ask_sdk_model.interfaces.audioplayer import AudioItem, PlayBehavior, PlayDirective, Stream

    stream = Stream(token=token, url=url, offset_in_milliseconds=offset_ms, expected_previous_token=after)
    return PlayDirective(play_behavior=PlayBehavior.ENQUEUE if after else PlayBehavior.REPLACE_ALL,
                         audio_item=AudioItem(stream=stream, metadata=metadata_for(title, subtitle, art_base)))


def stream_url(base_url: str, entry: Entry) -> str:
    return audio_url(base_url, entry.path)


def stop_directives() -> list[Directive]:
    """Stop what is playing and forget anything queued."""
    from ask_sdk_model.interfaces.audioplayer import ClearBehavior, ClearQueueDirective, StopDirective

    return [StopDirective(), ClearQueueDirective(clear_behavior=ClearBehavior.CLEAR_ALL)]
