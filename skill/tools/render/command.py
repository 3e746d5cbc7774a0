"""`acupressure render`: render prompts, steps and downloadable routines into audio/."""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from skill.runtime.content.loader import ContentError
from skill.runtime.manifest import audio_dir
from skill.tools.render.engines import GTTS_FALLBACK_ENV, Engine, EngineError, EngineUnavailable, make_engine

if TYPE_CHECKING:
    from skill.tools.render.build import Report


def _render(engine_name: str, out: Path, jobs: int | None) -> Report:
    from skill.tools.render.build import render

    engine = engine_for(engine_name)
    print(f"rendering with {engine_name} into {out} ...", file=sys.stderr)
    # Progress always: a bar on a terminal, plain timed lines otherwise (a log, `serve --render`).
    return render(out, engine, jobs=jobs, progress=True)


def run(args: Namespace) -> int:
    """Render everything that changed; exit 0 on success, 1 on failure (nothing changed on failure)."""
    # Ctrl-C (or `serve --render` stopping it) interrupts it even when started with SIGINT ignored.
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        signal.signal(signal.SIGINT, signal.default_int_handler)
    from skill.tools.render.build import RenderError

    out = Path(args.out) if args.out else audio_dir()
    engine = args.engine or "piper"
    try:
        try:
            report = _render(engine, out, args.jobs)
        except EngineUnavailable as exc:
            fallback = os.environ.get(GTTS_FALLBACK_ENV, "").strip().lower()
            if engine != "gtts" or fallback != "piper":
                raise
            print(f"render: {exc}\nrender: {GTTS_FALLBACK_ENV}=piper: rendering offline with Piper instead.",
                  file=sys.stderr)
            report = _render("piper", out, args.jobs)
    except EngineUnavailable as exc:
        hint = (" Nothing was changed: the previous audio and manifest are intact. Render offline with "
                "`acupressure render --engine piper`, or set "
                f"{GTTS_FALLBACK_ENV}=piper to fall back automatically.") if engine == "gtts" else \
            " Nothing was changed: the previous audio and manifest are intact."
        print(f"render failed: {exc}.{hint}", file=sys.stderr)
        return 1
    except (EngineError, RenderError, ContentError) as exc:
        print(f"render failed: {exc}\nNothing was changed: the previous audio and manifest are intact.",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("render interrupted: the previous audio and manifest are intact.", file=sys.stderr)
        return 130
    print(report.summary())
    return 0


def engine_for(spec: str) -> Engine:
    """An engine by its name (piper, gtts), or `module:Factory` for one of your own (the tests' fast
    stand-in, say), importable on the Python path and picklable for the worker processes."""
    if ":" not in spec:
        return make_engine(spec)
    module, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise EngineUnavailable(f"no engine {spec!r}: {exc}") from exc
    engine: Engine = factory()
    return engine
