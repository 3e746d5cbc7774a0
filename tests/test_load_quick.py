"""scripts/load_test.py in its quick mode: signed requests against the production WSGI server on
loopback finish with zero errors, and the report carries every figure (no timing thresholds)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

# Slow tier (load test): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_load_test_quick_mode_has_zero_errors() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "load_test.py"), "--quick", "--clients", "2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "errors: 0" in out.splitlines()
    requests = int(re.search(r"^requests: (\d+)$", out, re.M).group(1))
    rate = float(re.search(r"^requests/s: ([\d.]+)$", out, re.M).group(1))
    p50, p90, p99 = map(float, re.search(r"p50 ([\d.]+)\s+p90 ([\d.]+)\s+p99 ([\d.]+)", out).groups())
    assert requests > 0 and rate > 0
    assert 0 < p50 <= p90 <= p99
    assert "unsigned request: HTTP 400" in out  # the run really went through verification
    for label in ("launch", "find point", "start routine", "next", "help", "points for complaint"):
        assert re.search(rf"^\s+{label}\s+n=\d+", out, re.M), f"{label} missing from the mix"
