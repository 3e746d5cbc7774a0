"""Assemble timed audio from cached speech, exact quiet and synthesised cues."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skill.tools.render.plan import Part
from skill.tools.render.settings import RENDER_RATE, Settings
from skill.tools.render.shapes import ChapterSpan, Samples, Span


@dataclass
class Assembled:
    """A file's samples with its timeline (ms) and chapter spans."""

    samples: Samples
    rate: int
    timeline: list[Span]
    chapters: list[ChapterSpan]

    @property
    def duration_ms(self) -> int:
        return round(len(self.samples) * 1000 / self.rate)


def trim(samples: Samples, threshold_db: float) -> Samples:
    """The audible part of a speech clip: engines pad with quiet we do not want inside a hold."""
    thr = 10.0 ** (threshold_db / 20.0)
    loud = np.flatnonzero(np.abs(samples) > thr)
    if len(loud) == 0:
        return samples[:0]
    return samples[loud[0]: loud[-1] + 1]


def to_render_rate(samples: Samples, rate: int) -> Samples:
    """Speech at the rate every file is assembled and encoded at (polyphase, exact ratio)."""
    from math import gcd

    from scipy.signal import resample_poly

    if rate == RENDER_RATE:
        return samples
    g = gcd(RENDER_RATE, rate)
    resampled: Samples = resample_poly(samples, RENDER_RATE // g, rate // g)  # scipy ships no types
    return resampled


def bell(rate: int, ms: int, level_db: float, base_hz: float,
         partials: tuple[tuple[float, float, float], ...]) -> Samples:
    """A soft bell: decaying sine partials (ratio, amplitude, decay per second) with a short fade-in."""
    n = int(rate * ms / 1000)
    t = np.arange(n) / rate
    x = np.zeros(n)
    for ratio, amp, decay in partials:
        x += amp * np.sin(2 * np.pi * base_hz * ratio * t) * np.exp(-decay * t)
    attack = max(1, int(0.006 * rate))
    x[:attack] *= np.linspace(0.0, 1.0, attack)
    release = max(1, int(0.05 * rate))
    x[-release:] *= np.linspace(1.0, 0.0, release)
    level: float = 10.0 ** (level_db / 20.0)  # a float power is typed Any: it could be complex
    return x / float(np.abs(x).max()) * level


def chime(rate: int, settings: Settings) -> Samples:
    """End-of-hold chime: a gentle two-tone bell."""
    return bell(rate, settings.chime_ms, settings.chime_level_db, 659.25,
                ((1.0, 1.0, 2.2), (2.0, 0.35, 3.5), (3.01, 0.12, 5.0), (1.5, 0.5, 2.8)))


def tick(rate: int, settings: Settings) -> Samples:
    """Halfway / countdown tick: short and quieter than the chime."""
    return bell(rate, settings.tick_ms, settings.tick_level_db, 880.0, ((1.0, 1.0, 9.0), (2.0, 0.2, 14.0)))


def _ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate)


def assemble(parts: list[Part], speech: dict[str, Samples], rate: int, settings: Settings,
             chapter_titles: dict[str, str] | None = None) -> Assembled:
    """Concatenate parts at the engine's rate; speech clips come trimmed from the cache."""
    pieces: list[Samples] = []
    timeline: list[Span] = []
    spans: dict[str, list[int]] = {}
    lead = np.zeros(int(rate * settings.lead_ms / 1000))
    pieces.append(lead)
    pos = len(lead)
    for part in parts:
        start = pos
        label: str | None = None  # the timeline's text: the words said, or the cue heard
        if part.kind == "speech":
            assert part.text is not None  # plan() gives every speech part its line
            clip, label = speech[part.text], part.text
        elif part.kind in ("hold", "pause", "gap"):
            # Exact sample count: a 60 s hold at 22050 Hz is 1,323,000 samples of digital silence.
            clip = np.zeros(round(part.ms * rate / 1000))
            if part.kind == "hold" and settings.hold_cues:
                clip = _with_cues(clip, rate, settings, start, timeline)
        elif part.kind == "chime":
            clip, label = chime(rate, settings), "chime"
        else:
            raise ValueError(f"unknown part kind {part.kind!r}")
        pieces.append(clip)
        pos += len(clip)
        if part.kind != "gap":
            seg: Span = {"kind": "cue" if part.kind == "chime" else part.kind,
                         "start_ms": _ms(start, rate), "end_ms": _ms(pos, rate)}
            if label is not None:
                seg["text"] = label
            timeline.append(seg)
        if part.chapter:
            span = spans.setdefault(part.chapter, [start, pos])
            span[1] = pos
    pieces.append(lead)
    pos += len(lead)
    chapters: list[ChapterSpan] = []
    titles = chapter_titles or {}
    ordered = sorted(spans.items(), key=lambda kv: kv[1][0])
    for i, (cid, (a, _b)) in enumerate(ordered):
        # Chapters tile the file: each runs to the next one's start (gaps belong to the chapter before).
        end = ordered[i + 1][1][0] if i + 1 < len(ordered) else pos
        start = 0 if i == 0 else a
        chapters.append({"step_id": cid, "title": titles.get(cid, cid),
                         "start_ms": _ms(start, rate), "end_ms": _ms(end, rate)})
    timeline.sort(key=lambda s: (s["start_ms"], s["end_ms"]))
    return Assembled(np.concatenate(pieces), rate, timeline, chapters)


def _with_cues(quiet: Samples, rate: int, settings: Settings, offset: int, timeline: list[Span]) -> Samples:
    """Overlay optional soft ticks inside a hold: at halfway, and 3-2-1 before the end."""
    n = len(quiet)
    at: list[int] = []
    if "halfway" in settings.hold_cues:
        at.append(n // 2)
    if "countdown" in settings.hold_cues:
        at += [n - k * rate for k in (3, 2, 1) if n - k * rate > 0]
    t = tick(rate, settings)
    out = quiet.copy()
    for a in sorted(set(at)):
        seg = t[: n - a]
        out[a: a + len(seg)] += seg
        timeline.append({"kind": "cue", "start_ms": _ms(offset + a, rate),
                         "end_ms": _ms(offset + a + len(seg), rate), "text": "tick"})
    return out
