"""Database-outage drill (``bench/outage``): restart PostgreSQL under API traffic and check the promises.

1. A private PostgreSQL cluster (temp dir, free port), migrated and seeded, an API token;
   gunicorn (2 workers, DJANGO_DEBUG=0) against it.
2. Steady traffic (reads, token-authenticated writes, health probes), then PostgreSQL
   stopped (``pg_ctl stop -m fast``) for a few seconds and started again.
3. A quiet restart: no traffic while PostgreSQL is down, so every worker still holds a
   dead connection when the next requests arrive.

It asserts that no request hangs or gets anything but 2xx or the JSON 503
``database_unavailable`` with Retry-After; that requests succeed again within
``--recovery-limit`` seconds of PostgreSQL accepting connections (immediately after the
quiet restart), served by the same worker processes; that ``/health`` stays 200 and
``/health/ready`` tells the truth; and that every write acknowledged with a 2xx is in the
database. It prints a timeline and exits non-zero on any violation. Everything it starts
is stopped and removed on exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg

from bench.outage_checks import Findings, Outage, Timeline, check_answers, check_outage, check_workers, check_writes
from bench.outage_cluster import PrivateCluster, free_port
from bench.outage_server import Gunicorn, app_environment, prepare_database
from bench.outage_traffic import Traffic


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/outage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--warmup", type=float, default=3.0, help="Seconds of traffic before the restart.")
    parser.add_argument("--down", type=float, default=4.0, help="Seconds PostgreSQL stays down.")
    parser.add_argument("--recovery-limit", type=float, default=5.0, help="Seconds allowed to recover.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (the Dockerfile's: sync).")
    parser.add_argument("--threads", type=int, default=1, help="Threads per worker (gthread).")
    parser.add_argument("--timeout", type=float, default=10.0, help="Client timeout: a slower request is hung.")
    parser.add_argument("--pg-port", type=int, default=55432, help="Preferred port of the private cluster.")
    return parser.parse_args(argv)


def say(message: str) -> None:
    print(f"[outage] {message}", flush=True)


def read_paths(base_url: str) -> list[str]:
    """Lists and details of records that exist (looked up, not assumed)."""
    paths = []
    for resource in ("organizations", "agreements", "missions"):
        listing = httpx.get(f"{base_url}/api/v1/{resource}/?limit=3", timeout=10).raise_for_status().json()
        paths.append(f"/api/v1/{resource}/?limit=5")
        paths += [f"/api/v1/{resource}/{record['slug']}/" for record in listing["results"]]
    return paths


def restart(cluster: PrivateCluster, timeline: Timeline, down_for: float, name: str) -> Outage:
    stopping = timeline.mark(f"{name}: PostgreSQL stopping (pg_ctl stop -m fast)")
    cluster.stop()
    down = timeline.mark(f"{name}: PostgreSQL down")
    time.sleep(down_for)
    starting = timeline.mark(f"{name}: PostgreSQL starting (pg_ctl start)")
    cluster.start()
    up = timeline.mark(f"{name}: PostgreSQL accepting connections", cluster.wait_until_accepting())
    return Outage(stopping, down, starting, up)


def first_success_after(traffic: Traffic, outage: Outage, timeline: Timeline, name: str) -> None:
    after = [o.ended for o in traffic.outcomes if o.ok and o.kind != "live" and o.started >= outage.up]
    if after:
        timeline.mark(f"{name}: first successful request after PostgreSQL returned", min(after))


def present_slugs(cluster: PrivateCluster, slugs: set[str]) -> set[str]:
    with psycopg.connect(cluster.dsn()) as conn:
        rows = conn.execute("SELECT slug FROM cooperation_organization WHERE slug = ANY(%s)", [sorted(slugs)])
        return {slug for (slug,) in rows}


def drill(args: argparse.Namespace, root: Path, cluster: PrivateCluster, servers: list[Gunicorn]) -> Findings:
    say(f"private PostgreSQL cluster in {root} on 127.0.0.1:{cluster.port} ({cluster.bindir})")
    cluster.create()
    env = app_environment(cluster.url)
    say("migrating, seeding, issuing a token")
    token = prepare_database(env)
    log = root / "gunicorn.log"
    server = Gunicorn(env, free_port(18765), log, args.workers, args.worker_class, args.threads)
    servers.append(server)
    server.start()
    workers = server.worker_pids()
    say(f"gunicorn on {server.base_url}: {args.workers} {args.worker_class} worker(s), PIDs {sorted(workers)}")

    traffic = Traffic(server.base_url, token, read_paths(server.base_url), timeout=args.timeout)
    timeline = Timeline()
    findings = Findings()

    timeline.mark(f"traffic starts ({traffic.readers} readers, {traffic.writers} writer, health prober)")
    traffic.start()
    time.sleep(args.warmup)
    busy = restart(cluster, timeline, args.down, "restart under traffic")
    time.sleep(args.recovery_limit + 5)
    traffic.stop()
    timeline.mark("traffic stops")
    first_success_after(traffic, busy, timeline, "restart under traffic")
    during_busy = list(traffic.outcomes)
    before = [o for o in during_busy if o.ended < busy.stopping]
    findings.require(bool(before) and all(o.ok for o in before), "requests failed before PostgreSQL was stopped")

    quiet = restart(cluster, timeline, 2.0, "quiet restart")
    traffic.burst(traffic.read_paths, concurrency=2 * args.workers * args.threads)
    timeline.mark("quiet restart: probe burst done")
    first_success_after(traffic, quiet, timeline, "quiet restart")
    after_quiet = traffic.outcomes[len(during_busy) :]

    check_answers(traffic.outcomes, findings)
    check_outage(during_busy, busy, args.recovery_limit, findings, "restart under traffic", busy=True)
    check_workers(during_busy, workers, server.worker_pids(), busy.up, findings, "restart under traffic")
    # After a quiet restart every request must succeed at once: CONN_HEALTH_CHECKS replaces dead connections.
    check_outage(after_quiet, quiet, args.recovery_limit, findings, "quiet restart", busy=False)
    check_workers(after_quiet, workers, server.worker_pids(), quiet.up, findings, "quiet restart")
    slugs = {o.slug for o in traffic.outcomes if o.kind == "write" and o.slug}
    check_writes(traffic.outcomes, present_slugs(cluster, slugs), findings)

    findings.facts.append(f"workers: PIDs {sorted(workers)} before, {sorted(server.worker_pids())} after")
    print_summary(timeline, traffic, findings)
    return findings


def print_summary(timeline: Timeline, traffic: Traffic, findings: Findings) -> None:
    print("\nTimeline:")
    print("\n".join(timeline.lines()))
    answers = Counter((o.kind, "no answer" if o.status is None else str(o.status)) for o in traffic.outcomes)
    print("\nAnswers (kind status: count):", ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(answers.items())))
    print("\n".join(f"  {fact}" for fact in findings.facts))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on kill too, as on Ctrl-C
    root = Path(tempfile.mkdtemp(prefix="registry-outage-"))
    cluster = PrivateCluster(root, free_port(args.pg_port))
    servers: list[Gunicorn] = []
    findings = None
    try:
        findings = drill(args, root, cluster, servers)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        for server in servers:
            server.stop()
        if findings is None or findings.violations:
            for server in servers:
                if server.log.exists():
                    print("\ngunicorn log (tail):\n" + "".join(server.log.read_text().splitlines(True)[-40:]))
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)
        say("cleaned up (gunicorn stopped, cluster stopped, temp dir removed)")
    if findings.violations:
        print("\nFAIL:\n" + "\n".join(f"  - {violation}" for violation in findings.violations))
        return 1
    print("\nPASS: every failure was a JSON 503 with Retry-After, recovery within the limit, no write lost.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
