"""Render progress: a bar on a terminal, plain timed lines otherwise; both with an ETA from the first second."""

from __future__ import annotations

import sys
import time
from typing import TextIO

PLAIN_EVERY_S = 5.0
# A file costs about as much as synthesising this many characters (assembly, encode, measure).
FILE_WEIGHT_CHARS = 12


def _clock(s: float) -> str:
    s = max(0, round(s))
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


class Progress:
    """Weighted progress over synthesis (by characters) and files; ETA from the rate so far."""

    def __init__(self, chars: int, files: int, *, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = max(1, chars + files * FILE_WEIGHT_CHARS)
        self.files, self.lines = files, 0
        self.done_files = self.done_lines = 0
        self.done = 0
        self.phase = "starting"
        self.t0 = time.perf_counter()
        self._last = -PLAIN_EVERY_S
        terminal = self.stream.isatty() and sys.stdout.isatty()
        self.show = terminal if enabled is None else enabled
        self.bar = None
        if self.show and terminal:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, file=self.stream, dynamic_ncols=True, unit="",
                            bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed} < {remaining}")
        self._emit(force=True)

    def start(self, phase: str, lines: int = 0) -> None:
        """A new phase: 'synthesising' or 'assembling'."""
        self.phase = phase
        self.lines = lines or self.lines
        self._emit(force=True)

    def advance(self, weight: int, *, line: bool = False) -> None:
        self.done += weight
        if line:
            self.done_lines += 1
        else:
            self.done_files += 1
        if self.bar is not None:
            self.bar.update(weight)
        self._emit()

    def eta_s(self) -> float | None:
        """Seconds left at the rate so far (None before anything finished)."""
        spent = time.perf_counter() - self.t0
        return spent / self.done * (self.total - self.done) if self.done else None

    def _text(self) -> str:
        return (f"render: {self.phase}: {self.done_lines}/{self.lines} lines, "
                f"{self.done_files}/{self.files} files")

    def _emit(self, force: bool = False) -> None:
        if not self.show:
            return
        if self.bar is not None:
            self.bar.set_description_str(self._text(), refresh=True)
            return
        now = time.perf_counter() - self.t0
        if not force and now - self._last < PLAIN_EVERY_S:
            return
        self._last = now
        eta = self.eta_s()
        print(f"{self._text()}, {100 * self.done / self.total:.0f}%, {_clock(now)} elapsed, "
              f"ETA {_clock(eta) if eta is not None else 'estimating'}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.show and self.done:
            self._last = -PLAIN_EVERY_S
            self._emit(force=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
