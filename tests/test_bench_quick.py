"""scripts/bench_lambda.py in its quick mode prints every figure issue 18 asks for and exits 0 (its numbers
are reported, not asserted: timing thresholds on a shared machine would only measure the neighbours)."""

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
    cold = {"bare interpreter": r"bare interpreter",
            "in the Lambda runtime": r"in the Lambda runtime \(after awslambdaric\.bootstrap, as on Lambda\)"}
    ratios = {
        "per request": rf"per-request over the mix: acupressure {NUMBER} ms, hello-world {NUMBER} ms, ratio {NUMBER}",
    }
    for label, heading in cold.items():
        if label != "bare interpreter" and f"cold start {label}: not measured" in out:
            continue  # no runtime interface client for the cold starts' Python here: said, not hidden
        ratios[f"cold import, {label}"] = (rf"cold start, {heading}: import median of 3: acupressure {NUMBER} ms, "
                                          rf"hello-world {NUMBER} ms, ratio {NUMBER}")
        ratios[f"first reply, {label}"] = (rf"cold start, {heading}: import [^\n]*\n  to first reply: acupressure "
                                          rf"{NUMBER} ms, hello-world {NUMBER} ms, ratio {NUMBER}")
    for what, pattern in ratios.items():
        match = re.search(pattern, out)
        assert match, (what, out)
        ours, hello, ratio = map(float, match.groups())
        assert ours > 0 and hello > 0
        assert abs(ratio - ours / hello) <= 0.01 + 0.01 * ratio, what  # the ratio is of the printed figures
    p99 = re.search(rf"per-request p99: acupressure {NUMBER} ms \(goal <= 2.000 ms: (met|NOT met)\)", out)
    assert p99 and float(p99.group(1)) > 0, out
    assert re.search(r"state in SQLite on \S+", out), out
    bundle = re.search(rf"lambda bundle: {NUMBER} MB zipped, {NUMBER} MB unzipped, (\d+) files", out)
    assert bundle, out
    zipped, unzipped, files = float(bundle.group(1)), float(bundle.group(2)), int(bundle.group(3))
    assert 0 < zipped < unzipped and files > 0
