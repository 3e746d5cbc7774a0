"""Calm pacing, measured from the manifest's timeline of a real Piper render of real content.

Routine guidance and the mindfulness script run at about 160-185 words a minute with at least a
second between instructions, a longer settle before a hold and after switching sides.
"""

from __future__ import annotations

import itertools
import re
import statistics

import pytest

from skill.runtime.content.loader import load
from skill.runtime.manifest import FileKind, load_manifest, step_key
from skill.tools.render.build import render
from skill.tools.render.engines import PiperEngine
from skill.tools.render.plan import switches_side
from skill.tools.render.settings import Settings

pytestmark = pytest.mark.slow
WORD = re.compile(r"[A-Za-z0-9']+")
ROUTINES = ["hand_and_ankle", "mindfulness"]  # one with a side switch, and the guided script


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    out = tmp_path_factory.mktemp("pacing")
    render(out, PiperEngine(), content=load(), jobs=2, routines=ROUTINES, holds=(30,), prompts=False,
           progress=False)
    manifest = load_manifest(out)
    return [e for e in manifest.entries.values() if e.kind is FileKind.STEP]


def _speech(entry):
    return [s for s in entry.timeline if s.kind == "speech"]


def _wpm(seg) -> float:
    return len(WORD.findall(seg.text)) / ((seg.end_ms - seg.start_ms) / 60000)


def test_guidance_is_spoken_at_a_calm_pace(steps):
    rates = [_wpm(s) for e in steps for s in _speech(e)]
    assert len(rates) >= 20
    median = statistics.median(rates)
    print(f"guidance: {len(rates)} lines, median {median:.0f} words/min, "
          f"p10 {statistics.quantiles(rates, n=10)[0]:.0f}, p90 {statistics.quantiles(rates, n=10)[-1]:.0f}")
    assert 160 <= median <= 185


def test_at_least_a_second_between_instructions(steps):
    gaps = []
    for e in steps:
        segs = e.timeline
        for a, b in itertools.pairwise(segs):
            if a.kind == "speech" and b.kind == "speech":
                gaps.append(b.start_ms - a.end_ms)
    assert gaps and min(gaps) >= 1000, sorted(gaps)[:5]


def test_a_longer_settle_before_every_hold_and_pause(steps):
    settles = []
    for e in steps:
        quiet = next((s for s in e.timeline if s.kind in ("hold", "pause")), None)
        if quiet is None:
            continue
        last = max((s for s in _speech(e) if s.end_ms <= quiet.start_ms), key=lambda s: s.end_ms)
        settles.append(quiet.start_ms - last.end_ms)
    assert settles and min(settles) >= 2000
    assert min(settles) > Settings().line_gap_ms


def test_a_settle_after_switch_sides(steps):
    content = load()
    by_key = {e.key: e for e in steps}
    found = 0
    for rid in ROUTINES:
        routine = content.routines[rid]
        for i, step in enumerate(routine.steps):
            if not switches_side(routine, i):
                continue
            e = by_key[step_key(rid, step.id, 30 if step.hold else None)]
            speech = _speech(e)
            found += 1
            # The step's first sentence is said on its own, then the listener gets time to move.
            assert speech[1].start_ms - speech[0].end_ms >= Settings().switch_settle_ms
    assert found >= 1
