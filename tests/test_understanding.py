"""Held-out phrasings (tests/data/understanding*.yaml), as people say them, through the shipped
interaction model and the local matcher: intent right and slots right.

One aggregate per file, with the failures listed, so a failing run says which phrasings went where.
The phrasings were written from the user's side, not from the sentence templates.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from data_schemas import load_data

from skill.simulator.nlu import Matcher

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(ROOT / "scripts"))
from understanding_coverage import check  # noqa: E402


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.load()


def _safety_templated(locale: str = "en-US") -> set[str]:
    """Intents whose sentences live in sentences/<locale>/safety.yaml (kept by the safety work)."""
    data = yaml.safe_load((ROOT / "content/sentences" / locale / "safety.yaml").read_text(encoding="utf-8"))
    return set(data["intents"])


def _coverage(matcher: Matcher, cases: list[dict[str, Any]]) -> tuple[float, list[str]]:
    failures = []
    for case in cases:
        got = check(matcher, case)
        if got is not None:
            failures.append(f"{case['say']!r}: want {case['intent']} {case.get('slots') or {}}, got {got}")
    return 1 - len(failures) / len(cases), failures


def test_held_out_phrasings_reach_their_intent_and_slots(matcher: Matcher) -> None:
    """At least 95% of the phrasings for intents whose sentences this model's understanding work
    keeps (all but the health statements of safety.yaml), and 90% of every phrasing."""
    cases = load_data(DATA / "understanding.yaml")["cases"]
    safety = _safety_templated()
    ours = [c for c in cases if c["intent"] not in safety]
    assert len(ours) >= 400
    share, failures = _coverage(matcher, ours)
    assert share >= 0.95, f"{share:.1%} of {len(ours)}; failures:\n" + "\n".join(failures)
    share_all, failures_all = _coverage(matcher, cases)
    assert share_all >= 0.90, f"{share_all:.1%} of {len(cases)}; failures:\n" + "\n".join(failures_all)


def test_fresh_phrasings_written_before_tuning(matcher: Matcher) -> None:
    """The second set was written before the templates were tuned and is never edited to fit them
    (68.2% while still held out; see its header); this floor guards against a regression."""
    cases = load_data(DATA / "understanding_fresh.yaml")["cases"]
    share, failures = _coverage(matcher, cases)
    assert share >= 0.85, f"{share:.1%} of {len(cases)}; failures:\n" + "\n".join(failures)


def test_out_of_domain_requests_fall_back(matcher: Matcher) -> None:
    for said in ("tell me a joke", "what time is it", "what's the capital of france", "play some music",
                 "order me a pizza", "what's the weather doing in melbourne"):
        assert matcher.intent_of(said).intent == "AMAZON.FallbackIntent", said


def test_the_matcher_loads_fast() -> None:
    t0 = time.perf_counter()
    m = Matcher.load()
    elapsed = time.perf_counter() - t0
    assert m.intent_of("where is bladder twenty three").intent == "FindPointIntent"
    assert elapsed < 2.0, f"loading the matcher took {elapsed:.2f} s"
