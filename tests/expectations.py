"""Check a reply against a data-driven expectation (see tests/data/conversations.yaml)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from envelopes import speech_of

from skill.runtime.content import Content
from skill.runtime.speech import strip_ssml


def words(text: str) -> str:
    """Text as spoken: markup removed, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(strip_ssml(text))).strip()


def prompt_fragments(content: Content, key: str) -> list[str]:
    """Each variant's literal text up to its first placeholder (what every rendering contains)."""
    value = content.prompts[key]
    variants = [value] if isinstance(value, str) else value
    return [words(v.split("{")[0]) for v in variants]


def check(content: Content, reply: Mapping[str, Any], expect: Mapping[str, Any]) -> None:
    spoken = words(speech_of(reply))
    response = reply.get("response") or {}
    where = f"reply was: {spoken!r}"
    if expect.get("silent"):
        assert "outputSpeech" not in response, where
        return
    assert spoken, f"no speech; {reply}"
    for key in expect.get("prompt", []):
        frags = prompt_fragments(content, key)
        assert any(f in spoken for f in frags), f"prompt {key} ({frags}) missing; {where}"
    if "point" in expect:
        point = content.points[expect["point"]]
        assert words(point.location) in spoken, f"{point.id} location missing; {where}"
    for pid in expect.get("points", []):
        assert content.points[pid].name in spoken, f"{pid} missing; {where}"
    if "routine_step" in expect:
        rid, number = expect["routine_step"]
        routine = content.routines[rid]
        step = routine.steps[number - 1]
        assert words(step.title) in spoken, f"{rid} step {number} title missing; {where}"
        assert f" {number} " in f" {spoken} ", f"step number {number} missing; {where}"
    if "routine_intro" in expect:
        routine = content.routines[expect["routine_intro"]]
        assert words(routine.intro[0]) in spoken, f"intro of {routine.id} missing; {where}"
    if "disclaimer" in expect:
        # Spoken short; the full disclaimer goes on the card, never read out in a reply.
        has = words(content.safety.disclaimer_short) in spoken
        assert has is bool(expect["disclaimer"]), f"disclaimer {'missing' if not has else 'repeated'}; {where}"
        assert words(content.safety.disclaimer) not in spoken, f"full disclaimer read out; {where}"
        card = words(str((response.get("card") or {}).get("content") or ""))
        if expect["disclaimer"]:
            assert words(content.safety.disclaimer) in card, f"full disclaimer not on the card; {where}"
    for frag in expect.get("text", []):
        assert frag.lower() in spoken.lower(), f"{frag!r} missing; {where}"
    if "end" in expect:
        assert bool(response.get("shouldEndSession")) is expect["end"], f"shouldEndSession; {where}"
