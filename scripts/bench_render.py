#!/usr/bin/env python3
"""Benchmark `acupressure render` against the Piper floor, side by side in one run.

    .venv/bin/python scripts/bench_render.py            # the whole content (minutes)
    .venv/bin/python scripts/bench_render.py --quick    # one routine, one hold, no prompts (CI)

The floor is Piper alone synthesising every distinct line of the same scope once, at the same
paces, in the same number of worker processes (voice loading included, as in a render). Then a
first render into a fresh temporary directory, a no-change re-render, and the ratio first render /
floor. The real audio/ directory is never touched.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skill.runtime.content.loader import load
from skill.tools.render.build import render
from skill.tools.render.engines import PiperEngine
from skill.tools.render.plan import plan
from skill.tools.render.pronounce import load_hints
from skill.tools.render.settings import Pace, Settings

_ENGINE: list[PiperEngine] = []


def _load_voice() -> None:
    engine = PiperEngine(threads=1)
    engine.load()
    _ENGINE.append(engine)


def _speak(text: str, pace: str) -> float:
    t = time.perf_counter()
    _ENGINE[0].synthesize(text, Settings().voice(Pace(pace)))
    return time.perf_counter() - t


def piper_floor(lines: list[tuple[str, str]], jobs: int) -> float:
    """Wall seconds for Piper alone to speak every line once in `jobs` processes."""
    t = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_load_voice) as pool:
        order = sorted(lines, key=lambda ln: -len(ln[0]))
        list(pool.map(_speak, [t for t, _ in order], [p for _, p in order], chunksize=4))
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one routine at the default hold, no prompts")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="worker processes")
    parser.add_argument("--routine", default=None, help="routine id for --quick (default: the first)")
    args = parser.parse_args(argv)

    content = load()
    kw: dict = {}
    if args.quick:
        kw = {"routines": [args.routine or next(iter(content.routines))], "holds": (60,), "prompts": False}
    hints = load_hints()
    items = plan(content, "bench", Settings(), **kw)
    lines = sorted({(hints.apply(t), pace.value) for item in items for t, pace in item.lines()})

    floor = piper_floor(lines, args.jobs)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        out = Path(tmp) / "audio"
        t = time.perf_counter()
        first = render(out, PiperEngine(), content=content, jobs=args.jobs, progress=False, **kw)
        t1 = time.perf_counter() - t
        t = time.perf_counter()
        again = render(out, PiperEngine(), content=content, jobs=args.jobs, progress=False, **kw)
        t0 = time.perf_counter() - t

    rows = [
        ("scope", "quick: " + ",".join(kw["routines"]) if args.quick else "all content"),
        ("files", f"{first.files} ({first.bytes / 1e6:.1f} MB), {first.synthesized} lines synthesised"),
        (f"Piper floor, jobs={args.jobs}", f"{floor:.1f} s ({len(lines)} distinct lines)"),
        (f"first render, jobs={args.jobs}", f"{t1:.1f} s (engine {first.synth_s:.1f} s summed over workers)"),
        ("ratio to the floor", f"{t1 / floor:.2f}x"),
        ("phases (wall s)", ", ".join(f"{k} {v:.1f}" for k, v in first.wall.items())),
        ("assembly (worker s)", ", ".join(f"{k} {v:.1f}" if k != "retries" else f"{k} {v:.0f}"
                                          for k, v in sorted(first.work.items()))),
        ("no-change re-render", f"{t0:.2f} s, {len(again.rendered)} files rendered"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0 if not again.rendered else 1


if __name__ == "__main__":
    sys.exit(main())
