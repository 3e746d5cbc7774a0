"""`acupressure check`: validate the content and the voice data, and print what they hold."""

from __future__ import annotations

import argparse
import sys

from skill.runtime import pictures
from skill.runtime.content.loader import ContentError, content_directory, load
from skill.runtime.content.voice import load_voice


def run(args: argparse.Namespace) -> int:
    """Exit 0 with a summary if content is valid, else 1 with every problem."""
    try:
        c = load()
        v = load_voice(c)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:  # the body-map pictures the screens and the artwork draw: validated as the bundle build does
        pics = pictures.load(content_directory() / pictures.PICTURES_FILE)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"content {c.version}: {len(c.points)} points, {len(c.techniques)} techniques, "
          f"{len(c.routines)} routines, {len(c.safety.red_flags)} red flags, {len(c.tips)} tips; "
          f"pictures of {len(pics.points)} points in {len(pics.views)} views")
    for locale in v.locales:
        samples = sum(len(s) for s in v.samples[locale].values())
        print(f"{locale}: {len(v.intents)} intents, {samples} sample utterances, "
              f"{len(c.responses.get(locale, {}))} responses")
    return 0
