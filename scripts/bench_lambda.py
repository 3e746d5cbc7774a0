#!/usr/bin/env python3
"""Speed of the Lambda entry point against a hello-world ASK SDK skill, measured in the same run.

(a) per-request latency of lambda/lambda_function.py's lambda_handler on the realistic request
    mix (scripts/request_mix.py) vs scripts/hello_skill.py on as many requests of the same shape,
    interleaved request by request (alternating which goes first) so machine noise hits both;
(b) cold import of lambda/lambda_function.py (builds the skill: content, manifest, persistence)
    vs importing scripts/hello_skill.py (imports ask_sdk_core, builds its skill), each in a fresh
    interpreter, interleaved N times; medians of the import time measured inside the process;
(c) the Lambda bundle size, zipped and unzipped (skill.tools.bundle.build, with its wheel cache).

    .venv/bin/python scripts/bench_lambda.py             # full run
    .venv/bin/python scripts/bench_lambda.py --quick     # CI: fewer rounds
    .venv/bin/python scripts/bench_lambda.py --profile   # plus cProfile of the skill's requests

The skill runs as configured on Lambda (log level INFO, records sent to a null stream) except for
persistence: a SQLite file (on /dev/shm where it exists, to keep disk flushes out of CPU figures)
instead of DynamoDB.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import logging
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SCRIPTS))

from request_mix import SKILL_ID, hello_envelopes, mix_envelopes  # noqa: E402

AIM = 1.3
HANDLER = ROOT / "lambda" / "lambda_function.py"

IMPORT_SNIPPET = """
import sys, time
t0 = time.perf_counter()
{body}
t1 = time.perf_counter()
print(repr(t1 - t0))
"""
OURS_IMPORT = """
import importlib.util
spec = importlib.util.spec_from_file_location("lambda_function", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""
HELLO_IMPORT = """
sys.path.insert(0, {path!r})
import hello_skill
"""


def skill_env(db_dir: Path) -> dict[str, str]:
    """The environment lambda_function.py reads, as deployed but for SQLite instead of DynamoDB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACUPRESSURE_")}
    env.update({"ACUPRESSURE_SKILL_ID": SKILL_ID, "ACUPRESSURE_DB": str(db_dir / "bench.sqlite3"),
                "ACUPRESSURE_LOG_LEVEL": "INFO", "ACUPRESSURE_AUDIO_BASE_URL": "https://audio.example.test/audio/"})
    return env


def load_handlers(db_dir: Path) -> tuple[Any, Any]:
    """lambda_handler of the skill and of the hello-world skill, imported in this process."""
    # Lambda installs its own log handler; stand in for it with a null stream at the same cost of
    # formatting, so configure_logging()'s basicConfig keeps it instead of printing here.
    logging.basicConfig(stream=open(os.devnull, "w"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.update(skill_env(db_dir))
    spec = importlib.util.spec_from_file_location("lambda_function", HANDLER)
    ours = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ours)
    import hello_skill

    return ours.lambda_handler, hello_skill.lambda_handler


def bench_requests(rounds: int, db_dir: Path, profile: bool) -> dict[str, Any]:
    ours, hello = load_handlers(db_dir)
    mix = [json.dumps(b) for _, b in mix_envelopes(0)]
    base = [json.dumps(b) for _, b in hello_envelopes(0)]
    assert len(mix) == len(base)
    for text in mix:  # warm-up (first-use caches, SQLite pages); not counted
        ours(json.loads(text), None)
    for text in base:
        hello(json.loads(text), None)
    t_ours: list[float] = []
    t_hello: list[float] = []
    clock = time.perf_counter
    for r in range(rounds):
        for a, b in zip(mix, base, strict=True):
            ea, eb = json.loads(a), json.loads(b)  # Lambda parses the event before the handler runs
            order = ((ours, ea, t_ours), (hello, eb, t_hello))
            for fn, event, out in (order if r % 2 == 0 else order[::-1]):
                t0 = clock()
                reply = fn(event, None)
                out.append(clock() - t0)
                if not isinstance(reply, dict) or "response" not in reply:
                    raise SystemExit(f"bad reply from {fn}: {reply!r:.200}")
    result = {"n": len(t_ours), "ours": t_ours, "hello": t_hello}
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(max(5, rounds // 2)):
            for a in mix:
                ours(json.loads(a), None)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
        result["profile"] = buf.getvalue()
    return result


def bench_imports(repeats: int, db_dir: Path, warm_up: bool = True) -> dict[str, list[float]]:
    env = skill_env(db_dir)
    ours = IMPORT_SNIPPET.format(body=OURS_IMPORT.format(path=str(HANDLER)))
    hello = IMPORT_SNIPPET.format(body=HELLO_IMPORT.format(path=str(SCRIPTS)))
    times: dict[str, list[float]] = {"ours": [], "hello": [], "ours_wall": [], "hello_wall": []}

    def run(name: str, code: str) -> None:
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
        wall = time.perf_counter() - t0
        if out.returncode != 0:
            raise SystemExit(f"{name} import failed:\n{out.stderr}")
        times[name].append(float(out.stdout.strip().splitlines()[-1]))
        times[f"{name}_wall"].append(wall)

    if warm_up:  # warm the OS file cache and .pyc files; not counted
        run("ours", ours), run("hello", hello)
        for k in times:
            times[k].clear()
    for i in range(repeats):
        pair = (("ours", ours), ("hello", hello))
        for name, code in (pair if i % 2 == 0 else pair[::-1]):
            run(name, code)
    return times


def bundle_size(zip_path: Path | None) -> tuple[str, int, int, int]:
    """(what, zipped bytes, unzipped bytes, files) of the given zip, or of a fresh build exactly as
    scripts/build_lambda.py makes it (resolved wheels come from build/.cache, as there)."""
    if zip_path is None:
        from skill.tools import bundle

        with tempfile.TemporaryDirectory(prefix="acupressure-bench-bundle-") as tmp:
            report = bundle.build(Path(tmp) / "lambda")
            return ("fresh build", report.zip_bytes, report.unzipped_bytes, report.file_count)
    with zipfile.ZipFile(zip_path) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
    return str(zip_path), zip_path.stat().st_size, sum(i.file_size for i in infos), len(infos)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few rounds, no import warm-up (CI)")
    parser.add_argument("--rounds", type=int, default=None, help="passes over the request mix (default 200, quick 10)")
    parser.add_argument("--imports", type=int, default=None, help="cold imports of each (default 21, quick 3)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the skill's requests")
    parser.add_argument("--bundle-zip", type=Path, default=None, help="measure this zip instead of building one")
    parser.add_argument("--no-bundle", action="store_true", help="skip the bundle size")
    args = parser.parse_args(argv)
    rounds = args.rounds or (10 if args.quick else 200)
    imports = args.imports or (3 if args.quick else 21)

    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(prefix="acupressure-bench-", dir=shm if shm.is_dir() else None) as tmp:
        db_dir = Path(tmp)
        t0 = time.perf_counter()
        req = bench_requests(rounds, db_dir, args.profile)
        t1 = time.perf_counter()
        imp = bench_imports(imports, db_dir, warm_up=not args.quick)
        t2 = time.perf_counter()

    print(f"bench: python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}; mix of {len(mix_envelopes(0))} requests x {rounds} rounds")
    mo, mh = statistics.median(req["ours"]), statistics.median(req["hello"])
    ao, ah = statistics.fmean(req["ours"]), statistics.fmean(req["hello"])
    q = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731  (p90)
    print(f"per-request median: acupressure {ms(mo)}, hello-world {ms(mh)}, ratio {mo / mh:.2f} (aim <= {AIM})")
    print(f"per-request mean: acupressure {ms(ao)}, hello-world {ms(ah)}, ratio {ao / ah:.2f}; "
          f"p90 {ms(q(req['ours']))} vs {ms(q(req['hello']))}; n={req['n']} each")
    labels = [label for label, _ in mix_envelopes(0)]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            continue
        idx = [j for j in range(len(req["ours"])) if labels[j % len(labels)] == label]
        lo = statistics.median(req["ours"][j] for j in idx)
        lh = statistics.median(req["hello"][j] for j in idx)
        print(f"  {label:<22} acupressure {ms(lo)}, hello-world {ms(lh)}, ratio {lo / lh:.2f}")
    io_, ih = statistics.median(imp["ours"]), statistics.median(imp["hello"])
    wo, wh = statistics.median(imp["ours_wall"]), statistics.median(imp["hello_wall"])
    print(f"cold import median of {imports}: acupressure {ms(io_)}, hello-world {ms(ih)}, ratio {io_ / ih:.2f} "
          f"(aim <= {AIM})")
    print(f"cold start (whole process) median: acupressure {ms(wo)}, hello-world {ms(wh)}, ratio {wo / wh:.2f}")
    sections = f"requests {t1 - t0:.0f} s, imports {t2 - t1:.0f} s"
    if not args.no_bundle:
        t3 = time.perf_counter()
        what, zipped, unzipped, files = bundle_size(args.bundle_zip)
        sections += f", bundle {time.perf_counter() - t3:.0f} s"
        print(f"lambda bundle: {zipped / 1e6:.2f} MB zipped, {unzipped / 1e6:.2f} MB unzipped, {files} files "
              f"({what})")
    print(f"bench sections took: {sections}")
    if args.profile:
        print(req["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
