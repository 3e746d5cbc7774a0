"""What to render: every prompt, every step at every hold, every routine — as lists of timed parts."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TypedDict

from skill.runtime.content.loader import Content
from skill.runtime.content.models import HOLD_CHOICES_S, HOLD_DEFAULT_S, Routine, Side, Step
from skill.runtime.manifest import FileKind, prompt_key, routine_key, step_key, text_hash
from skill.runtime.pictures import PICTURES_FILE
from skill.runtime.streams import notice_text
from skill.tools.render.settings import Pace, Settings

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# prompts.yaml also holds words the skill never says: store listing, slot values, sample utterances.
NOT_SPOKEN_PREFIXES = ("store_", "slot_", "utter_")
# The wording that names a point left out in pregnancy: one clip per avoided point, played in
# AudioPlayer mode where that point's steps were.
SKIPPED_HERE = "pregnancy_skipped_here"


@dataclass(frozen=True)
class Part:
    """One piece of a timed file: speech, a hold or pause (quiet), a gap, or a chime."""

    kind: str  # speech | hold | pause | gap | chime
    text: str | None = None
    ms: int = 0
    chapter: str | None = None  # step id, for routines' chapter markers
    pace: Pace = Pace.GUIDANCE  # how speech is spoken

    def as_json(self) -> list[str | int | None]:
        return [self.kind, self.text, self.ms, self.chapter, self.pace.value]


class ItemMeta(TypedDict, total=False):
    """Where a file comes from and what it is called: steps and routines; prompts have none."""

    routine_id: str
    step_id: str
    hold_s: int | None             # None for a step without a user hold
    title: str
    switch_sides: bool             # the step works the other side from the one before
    description: str               # routines: the ID3 comment and feed description
    chapters: dict[str, str]       # routines: chapter title by step id (and intro, outro)
    track: int                     # routines: ID3 track number
    chapter_points: dict[str, str]  # routines: the point each step presses, for chapter pictures
    pictures: str                  # routines: digest of the pictures drawn into the chapters


@dataclass
class Item:
    """One audio file to render."""

    key: str
    kind: FileKind
    stem: str        # path without hash and extension, e.g. steps/lower_back/bl23-60
    fmt: str         # "alexa" or "download"
    text: str
    parts: list[Part]
    meta: ItemMeta = field(default_factory=ItemMeta)
    hash: str = ""

    @property
    def path(self) -> str:
        return f"{self.stem}.{self.hash[:12]}.mp3"

    def texts(self) -> set[str]:
        return {p.text for p in self.parts if p.kind == "speech" and p.text}

    def lines(self) -> set[tuple[str, Pace]]:
        """Each distinct line with the pace it is spoken at."""
        return {(p.text, p.pace) for p in self.parts if p.kind == "speech" and p.text}


def guidance_lines(content: Content) -> set[str]:
    """Lines that guide the body or the breath: spoken at the calm pace wherever they are heard."""
    lines: list[str] = []
    for p in content.points.values():
        lines += [p.location, *p.find_steps, *p.press.steps]
    for t in content.techniques.values():
        lines += t.steps
    for r in content.routines.values():
        lines += [*r.intro, *r.outro]
        for s in r.steps:
            lines += [*s.say, *s.release]
    return {x.strip() for x in lines}


def pace_of(text: str, guidance: set[str]) -> Pace:
    """The pace of one line."""
    return Pace.GUIDANCE if text.strip() in guidance else Pace.DIALOG


def spoken_lines(content: Content) -> list[str]:
    """Every distinct spoken line that gets its own prompt file, in content order."""
    lines: list[str] = []
    for p in content.points.values():
        lines += [p.location, *p.find_steps, *p.press.steps, *p.benefits, *(c.text for c in p.cautions)]
    for t in content.techniques.values():
        lines += t.steps
    for r in content.routines.values():
        lines += [*r.intro, *r.outro]
    s = content.safety
    lines += [s.disclaimer, s.disclaimer_short, *s.pregnancy, *s.pregnancy_cleared, s.pregnancy_skip, *s.same_day_reply,
              *s.see_soon_reply, *s.unsure_reply, *s.emergency_reply, *s.see_practitioner, *s.pain_during,
              *s.pressure_guidance]
    lines += [t.text for t in content.tips]
    lines += notice_lines(content)
    for key, value in content.prompts.items():
        if key.startswith(NOT_SPOKEN_PREFIXES):
            continue
        for text in [value] if isinstance(value, str) else value:
            # Templates are filled at run time (SSML, not audio); values padded with spaces or
            # without a letter (", ", " and ") are joiners for building sentences, not lines.
            if not PLACEHOLDER.search(text) and text == text.strip() and any(c.isalpha() for c in text):
                lines.append(text)
    seen: set[str] = set()
    out = []
    for line in (x.strip() for x in lines):
        if line and line not in seen:
            seen.add(line)
            out.append(line)
    return out


def notice_lines(content: Content) -> list[str]:
    """Each avoided point's notice, in every wording variant: 'Here I'm leaving out Bladder 60, ...'."""
    value = content.prompts.get(SKIPPED_HERE)
    templates = [value] if isinstance(value, str) else list(value or [])
    return [notice_text(t, p.name) for p in content.points.values() if p.pregnancy_contraindicated
            for t in templates]


def _lines(texts: list[str], settings: Settings, chapter: str | None = None,
           pace: Pace = Pace.GUIDANCE) -> list[Part]:
    parts: list[Part] = []
    gap = settings.line_gap_ms if pace is Pace.GUIDANCE else settings.dialog_gap_ms
    for i, t in enumerate(x.strip() for x in texts if x.strip()):
        if i:
            parts.append(Part("gap", ms=gap, chapter=chapter))
        parts.append(Part("speech", text=t, chapter=chapter, pace=pace))
    return parts


FIRST_SENTENCE = re.compile(r"^(.+?[.!?])\s+(\S.*)$")


def _switch_first(say: list[str]) -> list[str]:
    """A step that changes sides opens with its first sentence on its own, so a settle can follow it."""
    m = FIRST_SENTENCE.match(say[0].strip()) if say else None
    return [m.group(1), m.group(2), *say[1:]] if m else list(say)


def step_parts(step: Step, hold_s: int | None, settings: Settings, chapter: str | None = None,
               switch: bool = False) -> list[Part]:
    """Say lines, a settle, the hold (or fixed pause) as exact quiet, a chime, then the release lines."""
    say = _switch_first(step.say) if switch else list(step.say)
    parts = _lines(say, settings, chapter)
    if switch and len(parts) > 1 and parts[1].kind == "gap":
        # After "switch sides" the listener moves: give them time before the next instruction.
        parts[1] = Part("gap", ms=settings.switch_settle_ms, chapter=chapter)
    quiet = (hold_s * 1000, "hold") if step.hold and hold_s else \
        ((step.pause_s * 1000, "pause") if step.pause_s else None)
    if quiet:
        # A settle to find the point, then the hold's own quiet, exact to the sample: the chime ends it.
        parts.append(Part("gap", ms=settings.settle_ms, chapter=chapter))
        parts.append(Part(quiet[1], ms=quiet[0], chapter=chapter))
        parts.append(Part("chime", chapter=chapter))
        if step.release:
            parts.append(Part("gap", ms=settings.after_cue_ms, chapter=chapter))
    elif step.release:
        parts.append(Part("gap", ms=settings.line_gap_ms, chapter=chapter))
    parts += _lines(step.release, settings, chapter)
    return parts


def switches_side(routine: Routine, index: int) -> bool:
    """True when this step works the other side (left <-> right) from the last step that had a side."""
    sided = (Side.LEFT, Side.RIGHT)
    cur = routine.steps[index].side
    if cur not in sided:
        return False
    prev = next((s.side for s in reversed(routine.steps[:index]) if s.side in sided), None)
    return prev is not None and prev != cur


def chapter_title(content: Content, key: str, name: str) -> str:
    """A download's intro or closing chapter title, from content (falls back to the routine's name)."""
    text = content.prompts.get(key)
    return text.format(name=name) if isinstance(text, str) else name


def pictures_digest(content: Content) -> str:
    """Hash of the content's pictures (the chapter images of the downloads); empty without pictures."""
    path = content.directory / PICTURES_FILE
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else ""


def item_hash(item: Item, engine_id: str, settings: Settings) -> str:
    """Hash of everything that shapes the file: parts (texts, timings), format, voice, settings."""
    payload = {
        "kind": item.kind.value, "fmt": item.fmt, "engine": engine_id, "settings": settings.as_dict(),
        "parts": [p.as_json() for p in item.parts],
        "meta": {k: v for k, v in item.meta.items()
                 if k in ("title", "chapters", "description", "track", "chapter_points", "pictures")},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def plan(content: Content, engine_id: str, settings: Settings,
         routines: list[str] | None = None, prompts: bool = True,
         holds: tuple[int, ...] | None = None) -> list[Item]:
    """Every file to render, hashed; `routines`, `prompts` and `holds` narrow it (tests, benchmarks)."""
    items: list[Item] = []
    guidance = guidance_lines(content)
    if prompts:
        for line in spoken_lines(content):
            h = text_hash(line)
            items.append(Item(prompt_key(h), FileKind.PROMPT, f"prompts/{h}", "alexa", line,
                              [Part("speech", text=line, pace=pace_of(line, guidance))]))
    chosen = [r for rid, r in content.routines.items() if routines is None or rid in routines]
    for track, r in enumerate(chosen, start=1):
        for i, s in enumerate(r.steps):
            variants: list[int | None] = list(holds or HOLD_CHOICES_S) if s.hold else [None]
            for hold in variants:
                stem = f"steps/{r.id}/{s.id}" + (f"-{hold}" if hold else "")
                items.append(Item(step_key(r.id, s.id, hold), FileKind.STEP, stem, "alexa",
                                  "\n".join([*s.say, *s.release]),
                                  step_parts(s, hold, settings, switch=switches_side(r, i)),
                                  {"routine_id": r.id, "step_id": s.id, "hold_s": hold, "title": s.title,
                                   "switch_sides": switches_side(r, i)}))
        parts = _lines(r.intro, settings, chapter="intro")
        for i, s in enumerate(r.steps):
            if parts:
                parts.append(Part("gap", ms=settings.step_gap_ms, chapter=None))
            parts += step_parts(s, HOLD_DEFAULT_S if s.hold else None, settings, chapter=s.id,
                                switch=switches_side(r, i))
        if r.outro:
            parts.append(Part("gap", ms=settings.step_gap_ms, chapter=None))
            parts += _lines(r.outro, settings, chapter="outro")
        chapters = {"intro": chapter_title(content, "chapter_intro", r.name),
                    **{s.id: s.title for s in r.steps},
                    "outro": chapter_title(content, "chapter_outro", r.name)}
        items.append(Item(routine_key(r.id), FileKind.ROUTINE, f"routines/{r.id}", "download", r.name, parts,
                          {"routine_id": r.id, "title": r.name, "description": r.description,
                           "chapters": chapters, "track": track, "hold_s": HOLD_DEFAULT_S,
                           "chapter_points": {s.id: s.point for s in r.steps if s.point},
                           "pictures": pictures_digest(content)}))
    for item in items:
        item.hash = item_hash(item, engine_id, settings)
    return items
