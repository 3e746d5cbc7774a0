"""Coverage of held-out phrasings through the shipped NLU: intent right AND slots right, per intent.

    PYTHONPATH=$PWD .venv/bin/python scripts/understanding_coverage.py [tests/data/understanding.yaml ...] [-v]

Reads each case file (schema: tests/data_schemas.UnderstandingFile), runs every `say` through the
committed interaction model with the local matcher (skill.simulator.nlu), and prints per intent how
many cases reach the right intent with the right slot ids, then the total. -v lists the failures.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILES = [ROOT / "tests/data/understanding.yaml"]


def heard(matcher: Any, said: str) -> tuple[str, dict[str, str]]:
    """The intent and slot ids (duration as ISO 8601, else the resolved id, else the raw words)."""
    u = matcher.intent_of(said)
    slots = {name: (s.id or s.value) for name, s in u.slots.items()}
    return u.intent or "", slots


def check(matcher: Any, case: dict[str, Any]) -> str | None:
    """None if the case passes, else what was heard."""
    intent, slots = heard(matcher, case["say"])
    want = {k: str(v) for k, v in (case.get("slots") or {}).items()}
    if intent == case["intent"] and slots == want:
        return None
    return f"{intent} {slots}"


def main(argv: list[str]) -> int:
    from skill.simulator.nlu import Matcher

    verbose = "-v" in argv
    files = [Path(a) for a in argv if not a.startswith("-")] or DEFAULT_FILES
    t0 = time.perf_counter()
    matcher = Matcher.load()
    load_s = time.perf_counter() - t0
    print(f"matcher load: {load_s * 1000:.0f} ms, {len(matcher.patterns)} patterns")
    worst = 1.0
    for path in files:
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        ok: Counter[str] = Counter()
        total: Counter[str] = Counter()
        failures = []
        for case in cases:
            total[case["intent"]] += 1
            got = check(matcher, case)
            if got is None:
                ok[case["intent"]] += 1
            else:
                failures.append(f"  {case['say']!r}: want {case['intent']} {case.get('slots') or {}}, got {got}")
        print(f"\n{path.name}")
        for intent in sorted(total, key=lambda i: (ok[i] / total[i], i)):
            print(f"  {intent:32} {ok[intent]:4}/{total[intent]:<4}")
        n, k = sum(total.values()), sum(ok.values())
        print(f"  {'TOTAL':32} {k:4}/{n:<4} {100 * k / n:.1f}%")
        worst = min(worst, k / n)
        if verbose:
            print("\n".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
