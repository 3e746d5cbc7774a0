#!/usr/bin/env python3
"""Load test: the web service under a production WSGI server (waitress) on loopback, with
signature, timestamp and skill-ID verification ON, driven by signed requests from N client threads.

The server is the one `acupressure serve` runs (skill.web.serve.make_server: Config from the
environment, verification on, waitress). It trusts a throwaway test CA by configuration
(ACUPRESSURE_ALEXA_CA_BUNDLE) and reads the test cert chain from ACUPRESSURE_ALEXA_CERT_CACHE_DIR,
so every request pays for real verification.

    .venv/bin/python scripts/load_test.py              # 20 s, 4 clients
    .venv/bin/python scripts/load_test.py --quick      # 5 s (CI)

Prints requests/s, p50/p90/p99 latency and the error count; exits 1 on any error. Traffic goes to
127.0.0.1 only and stops by itself (duration and request count are both bounded).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from request_mix import SKILL_ID, mix_envelopes  # noqa: E402

# Signed bodies carry a timestamp; re-sign well inside Alexa's 150 s tolerance.
RESIGN_AFTER_S = 60.0
MAX_REQUESTS = 500_000


def serve(threads: int) -> int:
    """Child mode: the production app under waitress on a free loopback port (printed first)."""
    from skill.runtime.pipeline import Config, configure_logging
    from skill.web.serve import make_server

    config = Config.from_env()
    configure_logging(config.log_level)
    server = make_server(config, "127.0.0.1", 0, verify=True, threads=threads, page=False)
    print(f"listening {server.effective_port}", flush=True)
    server.run()
    return 0


@dataclass
class Sample:
    label: str
    seconds: float
    error: str | None = None


@dataclass
class Client:
    """One Alexa user's device: the request mix in a loop over one keep-alive connection."""

    n: int
    port: int
    pki: object
    apologies: tuple[str, ...]
    samples: list[Sample] = field(default_factory=list)

    def _signed(self) -> list[tuple[str, bytes, dict[str, str]]]:
        out = []
        for label, body in mix_envelopes(self.n):
            data = json.dumps(body).encode()
            out.append((label, data, self.pki.headers(data)))
        return out

    def _check(self, status: int, data: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}: {data[:200]!r}"
        try:
            reply = json.loads(data)
        except ValueError:
            return f"not JSON: {data[:200]!r}"
        if reply.get("version") != "1.0" or not isinstance(reply.get("response"), dict):
            return f"not an Alexa response: {data[:200]!r}"
        ssml = ((reply["response"].get("outputSpeech") or {}).get("ssml") or "")
        if any(a in ssml for a in self.apologies):
            return f"error reply: {ssml[:120]}"
        return None

    def run(self, deadline: float, budget: list[int], lock: threading.Lock) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        signed, signed_at = self._signed(), time.monotonic()
        try:
            while time.monotonic() < deadline:
                if time.monotonic() - signed_at > RESIGN_AFTER_S:
                    signed, signed_at = self._signed(), time.monotonic()
                for label, data, headers in signed:
                    with lock:
                        if budget[0] <= 0:
                            return
                        budget[0] -= 1
                    t0 = time.perf_counter()
                    try:
                        conn.request("POST", "/", body=data, headers=headers)
                        resp = conn.getresponse()
                        body = resp.read()
                        error = self._check(resp.status, body)
                    except (OSError, http.client.HTTPException) as exc:
                        error = f"{type(exc).__name__}: {exc}"
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    self.samples.append(Sample(label, time.perf_counter() - t0, error))
                    if time.monotonic() >= deadline:
                        return
        finally:
            conn.close()


def unsigned_probe(port: int) -> int:
    """Status of an unsigned request: must be 400, or the run did not measure verification."""
    _, body = mix_envelopes(0)[0]
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of sorted values."""
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))
    return values[k]


def _apologies() -> tuple[str, ...]:
    from skill.runtime.content import default_content

    value = default_content().prompts["error_generic"]
    return tuple([value] if isinstance(value, str) else value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20)")
    parser.add_argument("--quick", action="store_true", help="5 s of load (CI)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="waitress worker threads (default 4)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.threads)
    duration = 5.0 if args.quick else args.duration
    if not 0 < duration <= 600:
        parser.error("--duration must be in (0, 600] seconds")

    from pki import make_pki

    pki = make_pki()
    with tempfile.TemporaryDirectory(prefix="acupressure-load-") as tmp_name:
        tmp = Path(tmp_name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ACUPRESSURE_")}
        env.update(pki.write_config(tmp))
        env.update({"ACUPRESSURE_SKILL_ID": SKILL_ID, "ACUPRESSURE_DB": str(tmp / "load.sqlite3"),
                    "ACUPRESSURE_AUDIO_DIR": str(tmp / "audio"), "ACUPRESSURE_LOG_LEVEL": "WARNING"})
        log = (tmp / "server.log").open("w+")
        proc = subprocess.Popen([sys.executable, __file__, "--serve", "--threads", str(args.threads)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            line = proc.stdout.readline()
            if not line.startswith("listening "):
                log.seek(0)
                print(f"server did not start:\n{line}{log.read()}", file=sys.stderr)
                return 1
            port = int(line.split()[1])
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).read()
            apologies = _apologies()
            # Warm-up: one pass of the mix per client (first chain load, SQLite pages), not counted.
            clients = [Client(n, port, pki, apologies) for n in range(args.clients)]
            lock = threading.Lock()
            for c in clients:
                c.run(time.monotonic() + 60, [len(mix_envelopes(0))], lock)
                warm_errors = [s for s in c.samples if s.error]
                if warm_errors:
                    print(f"warm-up failed: {warm_errors[0].error}", file=sys.stderr)
                    return 1
                c.samples.clear()
            budget = [MAX_REQUESTS]
            start = time.perf_counter()
            deadline = time.monotonic() + duration
            threads = [threading.Thread(target=c.run, args=(deadline, budget, lock)) for c in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
            probe = unsigned_probe(port)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.seek(0)
            server_log = log.read()
            log.close()

    samples = [s for c in clients for s in c.samples]
    errors = [s for s in samples if s.error]
    lat = sorted(s.seconds * 1000 for s in samples)
    print(f"load test: waitress ({args.threads} threads) on 127.0.0.1, verification on (signed requests), "
          f"{args.clients} clients, {elapsed:.1f} s")
    print(f"requests: {len(samples)}")
    print(f"requests/s: {len(samples) / elapsed:.1f}")
    print(f"latency ms: p50 {percentile(lat, 50):.1f}  p90 {percentile(lat, 90):.1f}  "
          f"p99 {percentile(lat, 99):.1f}  max {lat[-1] if lat else float('nan'):.1f}")
    by_label: dict[str, list[float]] = {}
    for s in samples:
        by_label.setdefault(s.label, []).append(s.seconds * 1000)
    for label, values in by_label.items():
        print(f"  {label:<22} n={len(values):<6} p50 {statistics.median(values):.1f} ms")
    print(f"unsigned request: HTTP {probe} (expected 400: verification is on)")
    print(f"machine load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if probe != 400:
        errors.append(Sample("unsigned probe", 0.0, f"unsigned request got HTTP {probe}, not 400"))
    print(f"errors: {len(errors)}")
    for s in errors[:5]:
        print(f"  {s.label}: {s.error}")
    if errors and server_log.strip():
        print("server log (tail):\n" + server_log[-2000:])
    return 1 if errors or not samples else 0


if __name__ == "__main__":
    sys.exit(main())
