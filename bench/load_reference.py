"""``bench/load --reference COMMIT``: this code's load test against an earlier commit's, on the same machine.

Issue 14's load goal is relative ("2x today's throughput on the same run's machine"), and this
machine's speed drifts by a factor of two between sessions, so a fixed req/s figure cannot decide
it. This runs both, in turns:

* the earlier commit's own ``bench/load`` (its code, migrations, corpus generator, server settings
  and mix), from ``git archive`` of that commit, sharing this checkout's ``.venv``;
* this checkout's ``bench/load``.

Both run in one private, throwaway PostgreSQL cluster (``bench.outage_cluster``), so their databases
never meet the machine's own ``bench_*`` ones: the reference builds ``bench_1k`` there, this code
``now_1k`` (``BENCH_DB_PREFIX``). Rounds alternate (reference, then this code), so a slow spell
weighs on both; the ratio is of the medians' req/s. A reference that cannot be measured (its
corpus or server fails) is reported, with no ratio, and this code's runs still go on.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import log
from bench.env import ROOT
from bench.outage_cluster import PrivateCluster, free_port

NOW_PREFIX = "now"


@dataclass(frozen=True)
class LoadRun:
    """One ``bench/load`` run's JSON summary line."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    passed: bool

    @classmethod
    def from_output(cls, stdout: str) -> LoadRun:
        for line in reversed(stdout.strip().splitlines()):
            if line.startswith("{"):
                data = json.loads(line)
                errors = data.get("errors", 0)
                errors = sum(errors.values()) if isinstance(errors, dict) else int(errors)
                return cls(data["rps"], data["p50_ms"], data["p99_ms"], errors, bool(data["passed"]))
        raise RuntimeError(f"no JSON summary line in bench/load's output:\n{stdout[-2000:]}")


def extract(commit: str, into: Path) -> None:
    """The commit's tree in ``into`` (no git metadata), with this checkout's virtualenv linked in."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    (into / ".venv").symlink_to(ROOT / ".venv")


def run_load(tree: Path, env: dict[str, str], duration: int, connections: int) -> LoadRun:
    done = subprocess.run(
        [str(tree / "bench" / "load"), "--duration", str(duration), "--connections", str(connections)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(done.stderr[-3000:])
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{tree}/bench/load exited {done.returncode}:\n{done.stdout[-2000:]}")
    return LoadRun.from_output(done.stdout)


def compare(commit: str, *, rounds: int, duration: int, connections: int) -> dict:
    """Alternating runs of the reference's load test and this code's; the summary as a dict."""
    resolved = subprocess.run(
        ["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if resolved.returncode != 0:
        raise RuntimeError(f"{commit!r} is not a commit of this clone (a shallow clone lacks history)")
    sha = resolved.stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="bench-load-reference-"))
    os.chmod(work, 0o755)
    tree = work / "reference"
    tree.mkdir()
    cluster_root = work / "cluster"
    cluster_root.mkdir()
    cluster = PrivateCluster(cluster_root, free_port(55499))
    try:
        extract(sha, tree)
        cluster.create()
        server = f"postgres://postgres@127.0.0.1:{cluster.port}"
        base = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "BENCH_DB_PREFIX")}
        reference_env = {**base, "BENCH_PG_URL": server}
        now_env = {**base, "BENCH_PG_URL": server, "BENCH_DB_PREFIX": NOW_PREFIX}
        reference_runs, now_runs = [], []
        reference_error = None
        for number in range(1, rounds + 1):
            if reference_error is None:
                log(f"[load-reference] round {number}/{rounds}: {sha[:9]}'s bench/load")
                try:
                    reference_runs.append(run_load(tree, reference_env, duration, connections))
                except (RuntimeError, OSError) as exc:  # the measure is lost, not this code's check
                    reference_error = str(exc)[-500:]
                    log(f"[load-reference] the reference could not be measured: {reference_error}")
            log(f"[load-reference] round {number}/{rounds}: this checkout's bench/load")
            now_runs.append(run_load(ROOT, now_env, duration, connections))
    finally:
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)
    reference_rps = statistics.median(run.rps for run in reference_runs) if reference_runs else 0.0
    now_rps = statistics.median(run.rps for run in now_runs)
    return {
        "reference": sha[:12],
        "reference_error": reference_error,
        "reference_rps": [run.rps for run in reference_runs],
        "reference_p99_ms": [run.p99_ms for run in reference_runs],
        "now_rps": [run.rps for run in now_runs],
        "now_p50_ms": [run.p50_ms for run in now_runs],
        "now_p99_ms": [run.p99_ms for run in now_runs],
        "now_errors": sum(run.errors for run in now_runs),
        "ratio": round(now_rps / reference_rps, 2) if reference_rps else None,
    }
