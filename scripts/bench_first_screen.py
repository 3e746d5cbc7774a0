#!/usr/bin/env python3
"""Cold start to the first screen: what an Echo Show user waits for when their first request asks where a
point is, against the same look-up from a speaker without a screen and a plain launch.

Each run is a fresh interpreter on a Lambda bundle alone (python -I -S with only the bundle on the path,
as scripts/bench_lambda.py runs its cold starts, with the Lambda Python version when this machine has
it): it imports lambda_function and answers one first request. The three requests are interleaved run by
run, so machine noise hits all; medians of the times measured inside each process. It also lists whether
the run imported YAML or pydantic (the bundle's compact forms should spare both).

    .venv/bin/python scripts/bench_first_screen.py                      # a fresh bundle (build/first-screen)
    .venv/bin/python scripts/bench_first_screen.py --bundle A --bundle B --runs 9   # compare two bundles
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skill.simulator.envelopes import envelope, intent_request, launch_request, new_session_id  # noqa: E402

USER = "amzn1.ask.account.bench-first-screen"
WATCHED = ("yaml", "pydantic", "pydantic_core")
COLD = """
import json, sys, time
sys.path[:0] = [{bundle!r}]
t0 = time.perf_counter()
import lambda_function
t1 = time.perf_counter()
reply = lambda_function.lambda_handler(json.loads(sys.argv[1]), None)
t2 = time.perf_counter()
print(json.dumps({{"import": (t1 - t0) * 1e3, "first": (t2 - t1) * 1e3,
                  "screens": len(reply["response"].get("directives", [])),
                  "loaded": sorted({{m.split(".")[0] for m in sys.modules if m.split(".")[0] in {watched!r}}})}}))
"""


def requests() -> dict[str, dict[str, Any]]:
    """The first requests measured, as a device sends them."""
    look_up = intent_request("FindPointIntent", {"point": "bladder 40"})
    session = new_session_id()
    return {
        "launch": envelope(launch_request(), user_id=USER, session_id=session, new=True),
        "look-up, speaker": envelope(look_up, user_id=USER, session_id=session, new=True),
        "look-up, Echo Show (APL)": envelope(look_up, user_id=USER, session_id=session, new=True, apl=True),
    }


def cold_start(python: str, bundle: Path, event: dict[str, Any], work: Path, run: int) -> dict[str, Any]:
    """One fresh interpreter on the bundle alone answering `event`."""
    env = {"PATH": "/usr/bin:/bin", "ACUPRESSURE_DB": str(work / f"cold-{run}.sqlite3"),
           "ACUPRESSURE_AUDIO_DIR": str(work / "audio")}
    code = COLD.format(bundle=str(bundle), watched=WATCHED)
    out = subprocess.run([python, "-I", "-S", "-c", code, json.dumps(event)], env=env, capture_output=True,
                         text=True, cwd=work, timeout=120)
    if out.returncode != 0:
        raise SystemExit(f"cold start failed on {bundle}:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, action="append", default=[],
                        help="a built bundle directory (repeat to compare); default: build one")
    parser.add_argument("--runs", type=int, default=7, help="cold starts of each request on each bundle")
    args = parser.parse_args(argv)

    from skill.tools import bundle as bundler

    bundles: list[Path] = args.bundle
    if not bundles:
        bundles = [bundler.build(ROOT / "build" / "first-screen").directory]
    python = bundler.find_python(bundler.PYTHON_VERSION) or sys.executable
    events = requests()
    results: dict[tuple[Path, str], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-first-screen-") as tmp:
        for run in range(args.runs):
            for where in bundles:
                for name, event in events.items():
                    results.setdefault((where, name), []).append(
                        cold_start(python, where.resolve(), event, Path(tmp), run))
    print(f"python {python}; {args.runs} fresh interpreters per request per bundle, medians")
    for (where, name), rows in results.items():
        total = statistics.median(r["import"] + r["first"] for r in rows)
        print(f"{where} | {name}: import {statistics.median(r['import'] for r in rows):.0f} ms, first request "
              f"{statistics.median(r['first'] for r in rows):.0f} ms, cold start to reply {total:.0f} ms; "
              f"screens {rows[0]['screens']}; imported {', '.join(rows[0]['loaded']) or 'no YAML or pydantic'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
