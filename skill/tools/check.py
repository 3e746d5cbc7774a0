"""`acupressure check`: validate the content and print what it holds."""

from __future__ import annotations

import argparse
import sys

from skill.runtime.content.loader import ContentError, load


def run(args: argparse.Namespace) -> int:
    """Exit 0 with a summary if content is valid, else 1 with every problem."""
    try:
        c = load()
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"content {c.version}: {len(c.points)} points, {len(c.techniques)} techniques, "
          f"{len(c.routines)} routines, {len(c.safety.red_flags)} red flags, {len(c.tips)} tips")
    return 0
