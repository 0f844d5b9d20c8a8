"""Two hubs on streaming replication (``bench/hubs``): read-your-writes, failover and distance, drilled.

Setup: a private primary (``initdb``) and a hot standby seeded from it with ``pg_basebackup -R``
through a relay that stands for the distance between Moscow and Beijing; two gunicorn hubs,
"moscow" on the primary alone and "beijing" on the primary (through the relay) plus the
standby. Then, in order, it shows and fails otherwise:

1. Distance: read and write p50 at both hubs, near (relay without delay) and far (120 ms
   round trip): beijing's reads stay within 2x of moscow's, its writes pay the round trip.
2. Replica reads are real: with an apply delay on the standby, a write read back at once
   without the token is sometimes stale (counted); with it, never (>= 500 pairs, 0 stale).
3. Lag: ``/health/ready`` reports lag under the apply delay, and 0 once caught up.
4. Replica stopped under traffic: beijing answers every request, from the primary.
5. Primary stopped under traffic: beijing's reads answer 200, its writes a fast JSON 503;
   then the README's runbook: promote the standby (``pg_ctl promote``), restart both hubs
   on it; writes resume and every write acknowledged with a 2xx, before or after, is there.

It prints a timeline, then one JSON line of figures, and exits non-zero on any violation.
Everything it starts is stopped and removed on exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.hubs_deployment import Deployment, netem_available
from bench.hubs_phases import (
    Run,
    check_hub_headers,
    distance,
    lag,
    primary_outage,
    promotion,
    read_your_writes,
    replica_outage,
    say,
    setup,
    verify_writes,
)

PHASES = [setup, distance, read_your_writes, lag, replica_outage, primary_outage, promotion, verify_writes]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/hubs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt-ms", type=float, default=120.0, help="Simulated beijing-primary round trip.")
    parser.add_argument("--pairs", type=int, default=500, help="Write-then-read pairs with the token (CI: 500).")
    parser.add_argument("--plain-pairs", type=int, default=40, help="Pairs without the token, per apply delay.")
    parser.add_argument("--cross-pairs", type=int, default=40, help="Pairs written at moscow, read at beijing.")
    parser.add_argument("--apply-delays-ms", default="100,400", help="Standby apply delays for the pairs.")
    parser.add_argument("--reads", type=int, default=40, help="Reads per hub for each p50.")
    parser.add_argument("--writes", type=int, default=8, help="Writes per hub for each p50.")
    parser.add_argument("--threads", type=int, default=8, help="Client threads for the token pairs.")
    parser.add_argument("--pg-port", type=int, default=56410, help="Preferred port of the primary (+1: standby).")
    parser.add_argument("--web-port", type=int, default=18210, help="Preferred port of moscow (+1: beijing).")
    parser.add_argument("--relay-port", type=int, default=18220, help="Preferred port of the relay (+1: the next).")
    return parser.parse_args(argv)


def drill(run: Run) -> None:
    run.figures["distance_method"] = "relay"
    run.figures["netem_available"] = netem_available()
    for phase in PHASES:
        phase(run)
    check_hub_headers(run)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on kill too, as on Ctrl-C
    root = Path(tempfile.mkdtemp(prefix="registry-hubs-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")  # the clusters' directories are inside
    run = Run(Deployment(args, root), figures={"rtt_ms_target": args.rtt_ms})
    started = time.monotonic()
    completed = False
    try:
        drill(run)
        completed = True
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        if not completed or run.findings.violations:
            for name in ("moscow", "beijing"):
                log = root / f"{name}.log"
                if log.exists():
                    print(f"\n{name} log (tail):\n" + "".join(log.read_text(errors="replace").splitlines(True)[-30:]))
        run.dep.teardown()
        shutil.rmtree(root, ignore_errors=True)
        say("cleaned up (hubs, relays and clusters stopped, temporary directory removed)")
    violations = run.findings.violations
    run.figures.update(elapsed_s=round(time.monotonic() - started, 1), violations=violations)
    print("\nTimeline:")
    print("\n".join(run.timeline.lines()))
    if violations:
        print("\nFAIL:\n" + "\n".join(f"  - {violation}" for violation in violations))
    else:
        print("\nPASS: reads local and never stale with the token; failover with no write lost.")
    print(json.dumps(run.figures, sort_keys=True))
    return 1 if violations else 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
