"""scripts/bench_lambda.py in its quick mode prints the three figures and exits 0 (its numbers are
reported, not asserted: timing thresholds on a shared machine would only measure the neighbours)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

# Slow tier (benchmark): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"([\d.]+)"


def test_bench_quick_prints_latency_import_and_bundle_figures() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_lambda.py"), "--quick"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    per_request = re.search(rf"per-request median: acupressure {NUMBER} ms, hello-world {NUMBER} ms, "
                            rf"ratio {NUMBER}", out)
    cold = re.search(rf"cold import median of 3: acupressure {NUMBER} ms, hello-world {NUMBER} ms, "
                     rf"ratio {NUMBER}", out)
    bundle = re.search(rf"lambda bundle: {NUMBER} MB zipped, {NUMBER} MB unzipped, (\d+) files", out)
    assert per_request and cold and bundle, out
    for match in (per_request, cold):
        ours, hello, ratio = map(float, match.groups())
        assert ours > 0 and hello > 0
        assert abs(ratio - ours / hello) <= 0.01 + 0.01 * ratio  # the ratio is of the printed medians
    zipped, unzipped, files = float(bundle.group(1)), float(bundle.group(2)), int(bundle.group(3))
    assert 0 < zipped < unzipped and files > 0
