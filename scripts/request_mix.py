"""The realistic request mix shared by scripts/load_test.py and scripts/bench_lambda.py.

One user's typical session: open the skill, ask where a point is and which points help,
start a routine, step through it, ask for help, stop. Built with tests/envelopes.py (the one
envelope builder), so the requests are the ones the tests send.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from envelopes import (  # noqa: E402  (tests/ on sys.path first)
    SKILL_ID,
    envelope,
    intent_request,
    launch_request,
    session_ended_request,
)

# (label, request) in the order a user says them; progress lives in the user's stored profile,
# so "next" after "start routine" moves through the routine even without session attributes.
MIX: list[tuple[str, dict[str, Any]]] = [
    ("launch", launch_request()),
    ("find point", intent_request("FindPointIntent", {"point": {"value": "bladder 23", "id": "BL23"}})),
    ("points for complaint", intent_request("PointsForComplaintIntent",
                                            {"complaint": {"value": "sciatica", "id": "sciatica"}})),
    ("find point (alias)", intent_request("FindPointIntent", {"point": "the point behind my knee"})),
    ("start routine", intent_request("StartRoutineIntent",
                                     {"routine": {"value": "seated lower back", "id": "seated_lower_back"}})),
    ("next", intent_request("AMAZON.NextIntent")),
    ("next", intent_request("AMAZON.NextIntent")),
    ("help", intent_request("AMAZON.HelpIntent")),
    ("next", intent_request("AMAZON.NextIntent")),
    ("stop", intent_request("AMAZON.StopIntent")),
    ("session ended", session_ended_request()),
]

HELLO_INTENT = "HelloWorldIntent"


def user_id(n: int) -> str:
    return f"amzn1.ask.account.LOADTEST{n:04d}"


def mix_envelopes(user: int = 0, *, timestamp: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The mix as complete envelopes for one user (launch opens a new session)."""
    return [(label, envelope(req, user_id=user_id(user), new=req["type"] == "LaunchRequest",
                             timestamp=timestamp))
            for label, req in MIX]


def launch_envelope(user: int = 0) -> dict[str, Any]:
    """The first request of a session (the cold-start benchmark's first request, for either skill)."""
    return envelope(launch_request(), user_id=user_id(user), new=True)


def hello_envelopes(user: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """As many envelopes of the same shape for the hello-world skill (scripts/hello_skill.py): launch
    stays launch; everything else becomes its one intent, keeping any slots."""
    out = []
    for label, req in MIX:
        if req["type"] != "LaunchRequest":
            req = intent_request(HELLO_INTENT) | ({"intent": {**req["intent"], "name": HELLO_INTENT}}
                                                  if "intent" in req else {})
        out.append((label, envelope(req, user_id=user_id(user), new=req["type"] == "LaunchRequest")))
    return out


__all__ = ["HELLO_INTENT", "MIX", "SKILL_ID", "hello_envelopes", "launch_envelope", "mix_envelopes", "user_id"]
