"""Shapes the render stages hand each other: sample arrays and the JSON records of manifest.json."""

from __future__ import annotations

from typing import NotRequired, TypedDict

import numpy as np
from numpy.typing import NDArray

# Mono audio, floats in [-1, 1]. The speech cache stores float32; every stage computes in float64.
Samples = NDArray[np.float64]


class Span(TypedDict):
    """One span of a file's timeline: speech, hold, pause or cue (read back as manifest.Segment)."""

    kind: str
    start_ms: int
    end_ms: int
    text: NotRequired[str]


class ChapterSpan(TypedDict):
    """One step's span in a downloadable routine: an ID3 CHAP frame, read back as manifest.Chapter."""

    step_id: str
    title: str
    start_ms: int
    end_ms: int


class Measured(TypedDict, total=False):
    """What a file's decoded stream measured: a FileRecord carries it once the file is rendered."""

    lufs: float
    true_peak_dbtp: float


class FileRecord(TypedDict):
    """One `files` entry of manifest.json (read back as manifest.Entry); keys in the order written."""

    kind: str
    path: str
    text: str
    hash: str
    duration_ms: int
    # Audio: its timeline, format and what its decoded stream measured.
    timeline: NotRequired[list[Span]]
    sample_rate: NotRequired[int]
    bitrate_kbps: NotRequired[int]
    size_bytes: NotRequired[int]
    lufs: NotRequired[float]
    true_peak_dbtp: NotRequired[float]
    chapters: NotRequired[list[ChapterSpan]]
    # Where a step or routine came from.
    routine_id: NotRequired[str]
    step_id: NotRequired[str]
    hold_s: NotRequired[int]
    title: NotRequired[str]
    switch_sides: NotRequired[bool]
    # Images: their size in pixels.
    width: NotRequired[int]
    height: NotRequired[int]


class Episode(TypedDict):
    """A downloadable routine as the playlist and the podcast feed list it."""

    key: str
    path: str
    title: str
    description: str
    hash: str
    duration_ms: int
    size_bytes: int
    track: int
