"""``bench/run``: the API under gunicorn and wrk at two corpus sizes, against the PostgreSQL-JSON baseline.

For each size: build or reuse the corpus database, probe it (scenario
parameters, SQL queries per list), start the API and the baseline under the same
gunicorn settings, check both serve the same page (abort if not), and check every
scenario answers 200. Every size's servers then run together: each scenario is
timed with wrk in rounds of the API then the baseline's page (``ROUNDS`` rounds on
the baseline's own page), the sizes alternating within each round, so a slow
spell of the machine weighs on both sides of a ratio and on both ends of a scale
ratio alike. Last, each size's CSV export with a streaming client. Progress goes
to stderr; stdout is the table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import ensure_corpus, log
from bench.csvexport import measure_csv
from bench.env import django_env
from bench.parity import check_servers
from bench.report import BASELINE, SizeResult, render
from bench.results import combine
from bench.scenarios import BASELINE_SCENARIO, CSV_PATH, SCALE_SCENARIO, Scenario, probe, scenarios
from bench.server import THREADS, Gunicorn, describe
from bench.wrk import ensure_wrk, run_load
from config.env import env_bool

QUICK_SIZES, FULL_SIZES = (1000, 10000), (1000, 100000)
CONNECTIONS = 8  # = workers x threads: every server thread busy, no queue in front of them
ROUNDS = 4  # alternating runs of the API and the baseline on the compared page


class BenchmarkInvalid(RuntimeError):
    """Something makes the figures meaningless (errors during a run, a failed check)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k agreements, short runs (about 3 minutes)")
    parser.add_argument("--sizes", help="comma-separated corpus sizes, smallest first (default 1000,100000)")
    parser.add_argument("--duration", type=int, help="seconds per timed scenario (default 5 quick, 20 full)")
    parser.add_argument("--connections", type=int, default=CONNECTIONS, help=f"wrk connections (default {CONNECTIONS})")
    parser.add_argument("--csv-repeats", type=int, help="CSV downloads per size (default 3, 1 above 10k agreements)")
    parser.add_argument("--rebuild", action="store_true", help="drop and regenerate the corpus databases first")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help=f"alternating rounds per scenario (default 2; {ROUNDS} on the baseline's page)",
    )
    parser.add_argument("--only", help="comma-separated scenario names to run (default: all)")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else list(QUICK_SIZES if args.quick else FULL_SIZES)
    if len(sizes) < 2 or sizes != sorted(sizes):
        parser.error("--sizes needs at least two sizes, smallest first")
    args.sizes = sizes
    args.duration = args.duration or (5 if args.quick else 20)
    args.warmup = 1 if args.quick else 3
    args.round_duration = max(2, args.duration // 2)  # the API and the baseline alternate ROUNDS times
    return args


def expect_ok(base_url: str, path: str, headers: dict[str, str]) -> None:
    try:
        with urllib.request.urlopen(urllib.request.Request(base_url + path, headers=headers), timeout=600) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise BenchmarkInvalid(f"{path} answered {exc.code}: {exc.read(300)!r}") from None


def warm_up(wrk: str | None, setup: SizeSetup, paths: list[str], args, headers) -> None:
    """A short unmeasured run of the scenario and of the baseline's page, each on its server."""
    run_load(wrk, setup.api.base_url, paths, duration_s=args.warmup, connections=args.connections, headers=headers)
    run_load(wrk, setup.baseline.base_url, [setup.page], duration_s=args.warmup, connections=args.connections)


def one_round(wrk: str | None, setup: SizeSetup, paths: list[str], args, headers) -> tuple:
    """One timed run of the scenario (its URLs in turn), then one of the baseline's page."""
    runs = []
    for url, pages, extra in ((setup.api.base_url, paths, headers), (setup.baseline.base_url, [setup.page], {})):
        result = run_load(wrk, url, pages, duration_s=args.round_duration, connections=args.connections, headers=extra)
        if result.failed:
            raise BenchmarkInvalid(f"{url}{pages[0]}: errors during the run ({result.error_text()})")
        runs.append(result)
    return tuple(runs)


def timed(result: SizeResult) -> dict:
    """Each scenario's req/s, p50 and ratio to the baseline, for the log line written once a size is timed."""
    return {
        name: {
            "rps": round(load.rps, 1),
            "p50_ms": load.p50_ms,
            "vs_baseline": round(result.vs_baseline.get(name, 0.0), 3),
        }
        for name, load in result.loads.items()
    }


@dataclass
class SizeSetup:
    """One size's corpus, scenarios and running servers (the API and the baseline)."""

    agreements: int
    result: SizeResult
    plan: dict[str, Scenario]
    api: Gunicorn
    baseline: Gunicorn
    page: str  # the baseline's page (``BASELINE_SCENARIO``'s URL)
    token: dict[str, str]
    baselines: list = field(default_factory=list)  # every timed run of the baseline's page


def start_size(agreements: int, args: argparse.Namespace, logs: Path, stack: ExitStack) -> SizeSetup:
    """Build or reuse the size's corpus, probe it, start its servers (until ``stack`` closes), check them."""
    url = ensure_corpus(agreements, rebuild=args.rebuild)
    facts = probe(url)
    if facts["agreements"] != agreements:
        raise BenchmarkInvalid(f"{url} holds {facts['agreements']} agreements, not {agreements}; use --rebuild")
    result = SizeResult(agreements, url.rsplit("/", 1)[1], queries_per_list=facts["queries_per_list"])
    plan = scenarios(facts)
    if args.only:
        wanted = set(args.only.split(",")) | {BASELINE_SCENARIO, SCALE_SCENARIO}
        plan = [scenario for scenario in plan if scenario.name in wanted]
    env = django_env(url)
    baseline_env = {**env, "BASELINE_POOL_SIZE": str(THREADS)}
    api = stack.enter_context(Gunicorn("config.wsgi:application", env, logs / f"api-{agreements}.log", "/api/v1/"))
    baseline = stack.enter_context(
        Gunicorn("bench.baseline:application", baseline_env, logs / f"baseline-{agreements}.log")
    )
    page = next(s.path for s in plan if s.name == BASELINE_SCENARIO)
    result.parity_records = check_servers(api.base_url, baseline.base_url, page)
    log(f"[bench] {agreements}: API and baseline agree on {page} ({result.parity_records} records)")
    token = {"Authorization": f"Token {facts['curator_token']}"}
    for scenario in plan:
        for path in scenario.paths:
            expect_ok(api.base_url, path, token if scenario.token else {})
    return SizeSetup(agreements, result, {s.name: s for s in plan}, api, baseline, page, token)


def time_scenario(wrk: str | None, name: str, setups: list[SizeSetup], args: argparse.Namespace) -> None:
    """Time one scenario at every size: rounds of the API then the baseline, the sizes alternating in each.

    This machine's speed drifts by a third over minutes (other tenants). Timed one after the
    other, a slow spell would fall on one side only: on the API or the baseline (its ratio),
    or on one size (its scale ratio). Alternating, every side shares it.
    """
    rounds = ROUNDS if name == BASELINE_SCENARIO else args.rounds
    sides = []
    for setup in setups:
        scenario = setup.plan[name]
        headers = setup.token if scenario.token else {}
        log(f"[bench] {setup.agreements}: {name} ({scenario.what}), {rounds} rounds against the baseline")
        warm_up(wrk, setup, scenario.paths, args, headers)
        sides.append((setup, scenario.paths, headers, [], []))
    for _ in range(rounds):
        for setup, paths, headers, ours, theirs in sides:
            mine, base = one_round(wrk, setup, paths, args, headers)
            ours.append(mine)
            theirs.append(base)
    for setup, _, _, ours, theirs in sides:
        result = setup.result
        result.loads[name] = combine(ours)
        result.vs_baseline[name] = combine(ours).rps / combine(theirs).rps if combine(theirs).rps else 0.0
        setup.baselines.extend(theirs)
        if name == BASELINE_SCENARIO:
            result.round_ratios = [a.rps / b.rps for a, b in zip(ours, theirs, strict=True) if b.rps]


def bench_sizes(args: argparse.Namespace, wrk: str | None, logs: Path) -> list[SizeResult]:
    """Every size's servers at once; each scenario timed at every size in alternating rounds; then the CSV exports."""
    with ExitStack() as stack:
        setups = [start_size(agreements, args, logs, stack) for agreements in args.sizes]
        for name in setups[0].plan:
            time_scenario(wrk, name, setups, args)
        for setup in setups:
            setup.result.loads[BASELINE] = combine(setup.baselines)
            log(f"[bench] {setup.agreements}: timed " + json.dumps(timed(setup.result)))  # kept if a later step aborts
        for setup in setups:
            repeats = args.csv_repeats or (3 if setup.agreements <= 10_000 else 1)
            log(f"[bench] {setup.agreements}: CSV export x{repeats}")
            setup.result.csv = measure_csv(setup.api, CSV_PATH, setup.agreements, repeats)
        return [setup.result for setup in setups]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = ensure_wrk()
    client = (
        f"wrk 1 thread, {args.connections} connections" if wrk else f"Python client, {args.connections} connections"
    )
    setup = {
        "server": describe(),
        "client": f"{client}, {args.duration} s per scenario after {args.warmup} s warm-up",
        # Whether the servers keep documents and answers for the registry's version (API_KEEP_DOCUMENTS=0: every
        # read built from the registry), and share them through Redis.
        "keep_documents": env_bool("API_KEEP_DOCUMENTS", True),
        "shared_cache": bool(os.environ.get("REDIS_URL")),
    }
    logs = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    log(f"[bench] sizes {args.sizes}; server logs in {logs}")
    try:
        sizes = bench_sizes(args, wrk, logs)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:  # a failed check, start or request
        log(f"[bench] ABORTED: {exc}\n[bench] server logs kept in {logs}")
        return 2
    shutil.rmtree(logs, ignore_errors=True)
    print(render(sizes, setup), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
