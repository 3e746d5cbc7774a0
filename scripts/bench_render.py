#!/usr/bin/env python3
"""Benchmark `acupressure render`: overhead vs engine time, parallel speed-up, no-change re-run.

    .venv/bin/python scripts/bench_render.py            # the whole content (several minutes)
    .venv/bin/python scripts/bench_render.py --quick    # one routine, one hold, no prompts (CI)

Each run renders into a fresh temporary directory, so nothing is cached between the jobs=1 and
jobs=N runs; the real audio/ directory is never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skill.runtime.content.loader import load
from skill.tools.render.build import render
from skill.tools.render.engines import make_engine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one routine at the default hold, no prompts")
    parser.add_argument("--engine", default="piper", choices=["piper", "gtts"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel workers for the N run")
    parser.add_argument("--routine", default=None, help="routine id for --quick (default: the first)")
    args = parser.parse_args(argv)

    content = load()
    kw: dict = {}
    if args.quick:
        kw = {"routines": [args.routine or next(iter(content.routines))], "holds": (60,), "prompts": False}

    def run(out: Path, jobs: int):
        t = time.perf_counter()
        report = render(out, make_engine(args.engine), content=content, jobs=jobs, progress=False, **kw)
        return report, time.perf_counter() - t

    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        serial, t1 = run(Path(tmp) / "serial", 1)
        parallel, tn = run(Path(tmp) / "parallel", args.jobs)
        again, t0 = run(Path(tmp) / "parallel", args.jobs)

    rows = [
        ("scope", "quick: " + ",".join(kw["routines"]) if args.quick else "all content"),
        ("files", f"{parallel.files} ({parallel.bytes / 1e6:.1f} MB), {parallel.synthesized} lines synthesised"),
        ("jobs=1 total", f"{t1:.1f} s (engine synthesis {serial.synth_s:.1f} s)"),
        (f"jobs={args.jobs} total", f"{tn:.1f} s (engine synthesis {parallel.synth_s:.1f} s, summed over workers)"),
        ("overhead ratio jobs=1", f"{t1 / max(serial.synth_s, 1e-9):.2f} (total / engine time)"),
        (f"overhead ratio jobs={args.jobs}", f"{tn / max(parallel.synth_s, 1e-9):.2f}"),
        ("parallel speed-up", f"{t1 / tn:.2f}x with {args.jobs} workers on {os.cpu_count()} cores"),
        ("no-change re-run", f"{t0:.2f} s, {len(again.rendered)} files rendered"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0 if not again.rendered else 1


if __name__ == "__main__":
    sys.exit(main())
