"""``bench/load``: sustained load on the API; exits non-zero on any socket error or non-2xx/3xx answer.

The API runs under gunicorn (the settings of ``bench.server``) on the 1k-agreement
corpus database (``bench_1k``, built on first use), and wrk rotates through a
mix of list, filter, search and detail requests on loopback. Every URL of the mix
must answer 200 once before the load starts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from bench.corpus import ensure_corpus, log
from bench.env import django_env
from bench.load_reference import compare
from bench.results import SOCKET_ERRORS
from bench.scenarios import load_mix, probe
from bench.server import Gunicorn, describe
from bench.wrk import ensure_wrk, run_load


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--timeout", type=int, default=30, help="seconds before a request counts as a timeout error (default 30)"
    )
    parser.add_argument("--agreements", type=int, default=1000, help="corpus size (default 1000: bench_1k)")
    parser.add_argument(
        "--reference",
        metavar="COMMIT",
        help="instead: this code's bench/load against COMMIT's own, in turns, in a private cluster "
        f"(issue 14's goal: >= {GOAL_RATIO}x {GOAL_REFERENCE}'s req/s, p99 <= {GOAL_P99_MS} ms, 0 errors)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="with --reference: runs of each (default 2)")
    return parser.parse_args(argv)


# Issue 14's load goal, against the commit before its work began (the "today" of its 178 req/s).
GOAL_REFERENCE = "cbeaae3"
GOAL_RATIO = 2.0
GOAL_P99_MS = 400


def against_reference(args: argparse.Namespace) -> int:
    """``--reference``: both load tests in turns; exits non-zero only on an error of this code's runs."""
    summary = compare(args.reference, rounds=args.rounds, duration=args.duration, connections=args.connections)
    worst_p99 = max(summary["now_p99_ms"])
    summary["goal_met"] = bool(
        summary["ratio"] is not None
        and summary["ratio"] >= GOAL_RATIO
        and worst_p99 <= GOAL_P99_MS
        and summary["now_errors"] == 0
    )
    print(json.dumps(summary))
    log(
        f"[load] this code {summary['now_rps']} req/s (p99 {summary['now_p99_ms']} ms) against "
        f"{summary['reference']}'s {summary['reference_rps']}: ratio {summary['ratio']} of the medians; "
        f"goal (>= {GOAL_RATIO}x, p99 <= {GOAL_P99_MS} ms, 0 errors) {'met' if summary['goal_met'] else 'NOT met'}"
    )
    return 1 if summary["now_errors"] else 0


def preflight(base_url: str, paths: list[str]) -> list[str]:
    """Each distinct URL of the mix once; the ones that do not answer 200."""
    failures = []
    for path in dict.fromkeys(paths):
        try:
            with urllib.request.urlopen(base_url + path, timeout=60) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            failures.append(f"{path}: {exc.code}")
        except OSError as exc:
            failures.append(f"{path}: {exc}")
    return failures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.reference:
        return against_reference(args)
    wrk = ensure_wrk()
    url = ensure_corpus(args.agreements)
    paths = load_mix(probe(url))
    logs = Path(tempfile.mkdtemp(prefix="bench-load-"))
    log(f"[load] {len(set(paths))} URLs in rotation; server log in {logs}")
    try:
        with Gunicorn("config.wsgi:application", django_env(url), logs / "api.log", "/api/v1/") as api:
            failures = preflight(api.base_url, paths)
            if failures:
                log("[load] FAIL: URLs of the mix do not answer 200:\n  " + "\n  ".join(failures))
                return 1
            log(f"[load] {args.duration} s at {args.connections} connections ({describe()})")
            result = run_load(
                wrk,
                api.base_url,
                paths,
                duration_s=args.duration,
                connections=args.connections,
                threads=args.threads,
                timeout_s=args.timeout,
            )
            server_log = api.log_tail()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        log(f"[load] FAIL: {exc}\n[load] server log kept in {logs}")
        return 1
    print(
        f"{result.requests} requests in {result.duration_s:.1f} s ({result.client}, {args.connections} connections): "
        f"{result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, max {result.max_ms:.1f} ms"
    )
    print(f"socket errors ({', '.join(SOCKET_ERRORS)}): {result.socket_errors}; non-2xx/3xx: {result.bad_statuses}")
    summary = {
        "requests": result.requests,
        "duration_s": round(result.duration_s, 2),
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50_ms, 1),
        "p99_ms": round(result.p99_ms, 1),
        "max_ms": round(result.max_ms, 1),
        "connections": args.connections,
        "errors": result.errors,
        "passed": not result.failed,
    }
    print(json.dumps(summary))
    if result.failed or result.requests == 0:
        log(f"[load] FAIL: {result.error_text()}; server log tail:\n{server_log}\n[load] kept in {logs}")
        return 1
    shutil.rmtree(logs, ignore_errors=True)
    log("[load] PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
