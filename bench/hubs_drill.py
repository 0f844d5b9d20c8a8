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
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from bench.env import PYTHON, ROOT, django_env
from bench.hubs_cluster import Standby, run_quietly
from bench.hubs_relay import RelayProcess
from bench.hubs_traffic import Answer, Hub, Slugs, Traffic, saw_the_write
from bench.outage_checks import Findings, Timeline
from bench.outage_cluster import PrivateCluster, free_port
from bench.outage_server import prepare_database
from bench.server import Gunicorn

FAST_S = 2.0  # a refused write must be answered within this
READ_PATHS = ["/api/v1/organizations/?limit=5", "/api/v1/missions/?limit=5", "/api/v1/agreements/?limit=5"]


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


def say(message: str) -> None:
    print(f"[hubs] {message}", flush=True)


def p50_ms(answers: list[Answer]) -> float:
    return round(statistics.median(a.latency for a in answers) * 1000, 1)


def netem_available() -> bool:
    """Whether this kernel has the netem qdisc (probed in a namespace of our own, never on a real interface)."""
    if os.geteuid() != 0 or not (shutil.which("ip") and shutil.which("tc")):
        return False
    namespace = f"hubs-drill-probe-{os.getpid()}"
    if not run_quietly(["ip", "netns", "add", namespace]):
        return False
    try:
        return run_quietly(["ip", "netns", "exec", namespace, "tc", "qdisc", "add", "dev", "lo", "root", "netem"])
    finally:
        run_quietly(["ip", "netns", "del", namespace])


class Deployment:
    """The clusters, relays and hubs of the drill, and how to tear them down."""

    def __init__(self, args: argparse.Namespace, root: Path):
        self.args, self.root = args, root
        self.primary = PrivateCluster(root / "primary", free_port(args.pg_port))
        self.standby: Standby | None = None
        self.relays: list[RelayProcess] = []
        self.servers: dict[str, Gunicorn] = {}
        self.hubs: dict[str, Hub] = {}
        self.answers: list[Answer] = []  # every answer from every hub
        self.api_token = ""

    def relay(self, target: int) -> RelayProcess:
        port = free_port(self.args.relay_port + len(self.relays))
        relay = RelayProcess(port, target, self.args.rtt_ms / 2, PYTHON, ROOT).start()
        self.relays.append(relay)
        return relay

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/registry"

    def start_hubs(self, databases: dict[str, tuple[int, int | None]]) -> None:
        """Start hubs at once (in parallel): ``{name: (database port, replica port or None)}``."""
        servers = {name: self._server(name, *ports) for name, ports in databases.items()}
        self.servers.update(servers)  # stopped on teardown, even if another fails to start
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.__enter__(), servers.values()))
        for name, server in servers.items():
            self.hubs[name] = Hub(name, server.base_url, self.api_token, self.answers)

    def _server(self, name: str, database_port: int, replica_port: int | None) -> Gunicorn:
        env = django_env(self.url(database_port))
        env["HUB_NAME"] = name
        env.pop("DATABASE_REPLICA_URL", None)
        if replica_port is not None:
            env["DATABASE_REPLICA_URL"] = self.url(replica_port)
        port = free_port(self.args.web_port + (name == "beijing"))
        return Gunicorn("config.wsgi:application", env, self.root / f"{name}.log", "/health", port=port)

    def stop_hubs(self) -> None:
        with ThreadPoolExecutor(max(1, len(self.servers))) as pool:
            list(pool.map(lambda server: server.stop(), self.servers.values()))
        self.servers.clear()
        self.hubs.clear()

    def teardown(self) -> None:
        self.stop_hubs()
        for relay in self.relays:
            relay.stop()
        for cluster in (self.standby, self.primary):
            if cluster is not None:
                cluster.destroy()


# --- the phases ------------------------------------------------------------------------------


def setup(dep: Deployment, timeline: Timeline) -> None:
    say(f"private primary in {dep.root} on 127.0.0.1:{dep.primary.port} ({dep.primary.bindir})")
    timeline.mark("setup starts")
    dep.primary.root.mkdir()
    dep.primary.create()
    timeline.mark(f"primary created (initdb), 127.0.0.1:{dep.primary.port}")
    say("migrating, seeding, issuing a token")
    dep.api_token = prepare_database(django_env(dep.primary.url))
    timeline.mark("primary migrated and seeded")
    link = dep.relay(dep.primary.port)
    say(f"relay 127.0.0.1:{link.listen} -> primary (the Moscow-Beijing link; distance off for now)")
    dep.standby = Standby(dep.root / "standby", free_port(dep.args.pg_port + 1), link.listen)
    dep.standby.create()
    dep.standby.wait_streaming()
    timeline.mark(f"standby seeded (pg_basebackup -R over the link) and streaming, 127.0.0.1:{dep.standby.port}")
    dep.start_hubs({"moscow": (dep.primary.port, None), "beijing": (link.listen, dep.standby.port)})
    timeline.mark("hubs up: moscow (primary), beijing (primary over the link + standby)")


def measure_rtt(dep: Deployment) -> float:
    dsn = f"host=127.0.0.1 port={dep.relays[0].listen} user=postgres dbname=registry connect_timeout=5"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT 1")
        started = time.monotonic()
        for _ in range(5):
            conn.execute("SELECT 1").fetchone()
        return round((time.monotonic() - started) / 5 * 1000, 1)


def latencies(dep: Deployment, slugs: Slugs, findings: Findings, label: str, written: list[Answer]) -> dict:
    """Reads and writes at both hubs, alternating (so a slow spell of the machine falls on both)."""
    reads: dict[str, list[Answer]] = {name: [] for name in dep.hubs}
    writes: dict[str, list[Answer]] = {name: [] for name in dep.hubs}
    for hub in dep.hubs.values():  # warm every worker thread's connections
        for path in READ_PATHS * 3:
            hub.read(path)
    for index in range(dep.args.reads):
        for name, hub in dep.hubs.items():
            reads[name].append(hub.read(READ_PATHS[index % len(READ_PATHS)]))
    for _ in range(dep.args.writes):
        for name, hub in dep.hubs.items():
            writes[name].append(hub.write(slugs.next(name)))
    answers = [a for group in (*reads.values(), *writes.values()) for a in group]
    failed = [a for a in answers if not a.ok]
    findings.require(not failed, f"{label}: {len(failed)} request(s) failed: {[a.summary() for a in failed[:3]]}")
    written += [a for group in writes.values() for a in group if a.ok]
    return {name: {"read": p50_ms(reads[name]), "write": p50_ms(writes[name])} for name in dep.hubs}


def distance(dep: Deployment, slugs: Slugs, timeline: Timeline, findings: Findings, figures: dict, written) -> None:
    near = figures["p50_ms"] = {"near": latencies(dep, slugs, findings, "near", written)}
    timeline.mark(f"p50 without distance: {describe(near['near'])}")
    dep.relays[0].far()
    figures["rtt_ms_measured"] = measure_rtt(dep)
    timeline.mark(f"distance on: beijing-primary round trip {figures['rtt_ms_measured']} ms")
    far = figures["p50_ms"]["far"] = latencies(dep, slugs, findings, "far", written)
    timeline.mark(f"p50 at a distance: {describe(far)}")
    dep.relays[0].near()
    ratio = far["beijing"]["read"] / far["moscow"]["read"]
    figures["beijing_read_p50_vs_moscow"] = round(ratio, 2)
    findings.require(ratio <= 2.0, f"beijing's read p50 is {ratio:.2f}x moscow's at a distance (limit 2x)")
    paid = far["beijing"]["write"] - far["moscow"]["write"]
    findings.require(
        paid >= 0.9 * dep.args.rtt_ms,
        f"beijing's writes do not pay the round trip: p50 {far['beijing']['write']} vs {far['moscow']['write']} ms",
    )


def describe(p50: dict) -> str:
    return "; ".join(f"{hub} read {ms['read']} ms, write {ms['write']} ms" for hub, ms in p50.items())


def pairs(dep: Deployment, slugs: Slugs, writer: str, reader: str, count: int, token: bool, threads: int):
    """``count`` writes at ``writer``, each read back at once at ``reader``: (write, read) answers."""
    write_hub, read_hub = dep.hubs[writer], dep.hubs[reader]

    def pair(_):
        written = write_hub.write(slugs.next(writer))
        if not written.ok:
            return written, None
        return written, read_hub.read_back(written.slug, written.token if token else None)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(pair, range(count)))


def read_your_writes(dep: Deployment, slugs: Slugs, timeline: Timeline, findings: Findings, figures: dict, written):
    args = dep.args
    delays = [int(d) for d in args.apply_delays_ms.split(",")]
    plain, tokened, cross = {}, {"pairs": 0, "stale": 0}, {"pairs": 0, "stale": 0}
    for delay in delays:
        dep.standby.set_apply_delay(delay)
        timeline.mark(f"standby apply delay {delay} ms")
        runs = {
            "plain": pairs(dep, slugs, "beijing", "beijing", args.plain_pairs, token=False, threads=1),
            "token": pairs(dep, slugs, "beijing", "beijing", -(-args.pairs // len(delays)), True, args.threads),
            "cross": pairs(dep, slugs, "moscow", "beijing", args.cross_pairs // len(delays), True, args.threads),
        }
        for name, results in runs.items():
            failed = [w for w, r in results if not w.ok] + [r for _, r in results if r and r.status not in (200, 404)]
            findings.require(not failed, f"{name} pairs at {delay} ms: {[a.summary() for a in failed[:3]]}")
            written += [w for w, _ in results if w.ok]
        stale = {
            name: sum(1 for _, r in results if r is not None and not saw_the_write(r)) for name, results in runs.items()
        }
        plain[str(delay)] = {"pairs": len(runs["plain"]), "stale": stale["plain"]}
        tokened["pairs"] += len(runs["token"])
        tokened["stale"] += stale["token"]
        cross["pairs"] += len(runs["cross"])
        cross["stale"] += stale["cross"]
        token_reads = [r for _, r in runs["token"] if r is not None]
        timeline.mark(
            f"  {delay} ms: without the token {stale['plain']}/{len(runs['plain'])} stale; with it "
            f"{stale['token']}/{len(runs['token'])} (read p50 {p50_ms(token_reads)} ms), "
            f"written at moscow {stale['cross']}/{len(runs['cross'])}"
        )
    dep.standby.set_apply_delay(0)
    figures["stale_without_token"] = plain
    figures["stale_with_token"] = tokened
    figures["stale_with_token_written_at_moscow"] = cross
    findings.require(sum(v["stale"] for v in plain.values()) > 0, "no read without the token was ever stale")
    findings.require(tokened["pairs"] >= args.pairs, f"only {tokened['pairs']} pairs with the token")
    findings.require(tokened["stale"] == 0 and cross["stale"] == 0, "a read with the token missed its write")


def ready(hub: Hub) -> dict:
    answer = hub.ready()
    return {"status_code": answer.status, **(answer.body if isinstance(answer.body, dict) else {})}


def lag(dep: Deployment, slugs: Slugs, timeline: Timeline, findings: Findings, figures: dict, written) -> None:
    beijing, delay_ms = dep.hubs["beijing"], 2000
    dep.standby.set_apply_delay(delay_ms)
    answer = dep.hubs["moscow"].write(slugs.next("moscow"))
    written.append(answer)
    timeline.mark(f"lag: apply delay {delay_ms} ms, one write at moscow")
    worst = {"lag_bytes": 0, "lag_seconds": 0.0}
    deadline = time.monotonic() + delay_ms / 1000
    while time.monotonic() < deadline:
        replica = ready(beijing).get("checks", {}).get("replica", {})
        for key in worst:
            worst[key] = max(worst[key], replica.get(key) or 0)
        time.sleep(0.1)
    timeline.mark(
        f"  /health/ready at beijing under the delay: up to {worst['lag_bytes']} bytes, {worst['lag_seconds']} s"
    )
    dep.standby.set_apply_delay(0)
    started = time.monotonic()
    caught_up = None
    while time.monotonic() < started + 15:
        replica = ready(beijing).get("checks", {}).get("replica", {})
        if replica.get("lag_bytes") == 0 and replica.get("lag_seconds") == 0:
            caught_up = time.monotonic()
            break
        time.sleep(0.1)
    if caught_up is not None:
        timeline.mark("  /health/ready at beijing: lag 0 bytes, 0 s (caught up)", caught_up)
    findings.require(worst["lag_bytes"] > 0 and worst["lag_seconds"] > 0, "/health/ready showed no lag under the delay")
    findings.require(caught_up is not None, "/health/ready did not report 0 lag within 15 s of catching up")
    figures["lag"] = {
        "apply_delay_ms": delay_ms,
        "max_reported": worst,
        "zero_after_s": None if caught_up is None else round(caught_up - started, 2),
    }


def bad_answers(answers: list[Answer]) -> list[Answer]:
    """Anything but a 2xx, and token reads that missed their write."""
    return [a for a in answers if not a.ok or (a.kind == "token-read" and not saw_the_write(a))]


def replica_outage(dep: Deployment, slugs: Slugs, timeline: Timeline, findings: Findings, figures: dict, written):
    beijing = dep.hubs["beijing"]
    traffic = Traffic(beijing, slugs, READ_PATHS)
    traffic.start(written[-50:])
    time.sleep(1.5)
    timeline.mark("replica outage: standby stopping (pg_ctl stop -m fast) under traffic at beijing")
    dep.standby.stop()
    timeline.mark("  standby down")
    time.sleep(1.0)
    during = ready(beijing)
    time.sleep(2.0)
    dep.standby.start()
    dep.standby.wait_streaming()
    timeline.mark("  standby started again, streaming")
    back = None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if ready(beijing).get("reads") == "replica":
            back = timeline.mark("  beijing reads from the replica again")
            break
        time.sleep(0.2)
    time.sleep(1.0)
    traffic.stop()
    written += traffic.written
    bad = bad_answers(traffic.answers)
    findings.require(not bad, f"replica outage: {len(bad)} failed request(s): {[a.summary() for a in bad[:3]]}")
    replica_check = during.get("checks", {}).get("replica", {})
    findings.require(
        during.get("status_code") == 200 and replica_check.get("status") == "fail" and during.get("reads") == "primary",
        f"replica outage: /health/ready at beijing said {during}",
    )
    findings.require(back is not None, "beijing did not return to its replica within 15 s of it streaming again")
    figures["replica_outage"] = {"requests": len(traffic.answers), "errors": len(bad), "ready_during": during}


def primary_outage(dep: Deployment, slugs: Slugs, timeline: Timeline, findings: Findings, figures: dict, written):
    beijing = dep.hubs["beijing"]
    traffic = Traffic(beijing, slugs, READ_PATHS, readers=3)
    traffic.start(written[-50:])
    time.sleep(1.5)
    stopping = timeline.mark("primary outage: primary stopping (pg_ctl stop -m fast) under traffic at beijing")
    dep.primary.stop()
    down = timeline.mark("  primary down")
    time.sleep(1.0)
    during = ready(beijing)
    time.sleep(3.0)
    traffic.stop()
    timeline.mark("  traffic stops")
    written += traffic.written
    reads = [a for a in traffic.answers if a.kind != "write"]
    writes = [a for a in traffic.answers if a.kind == "write"]
    bad_reads = bad_answers(reads)
    findings.require(
        not bad_reads, f"primary outage: {len(bad_reads)} read(s) failed: {[a.summary() for a in bad_reads[:3]]}"
    )
    refused = [a for a in writes if a.started >= down]
    wrong = [a for a in refused if not a.is_json_503 or a.latency > FAST_S]
    findings.require(bool(refused), "primary outage: no write was attempted while the primary was down")
    findings.require(
        not wrong, f"primary outage: writes not refused fast with a JSON 503: {[a.summary() for a in wrong[:3]]}"
    )
    before = [a for a in writes if a.ended < stopping]
    findings.require(all(a.ok for a in before), "primary outage: writes failed before the primary stopped")
    findings.require(
        during.get("status_code") == 200 and during.get("writes") == "unavailable" and during.get("reads") == "replica",
        f"primary outage: /health/ready at beijing said {during}",
    )
    figures["primary_outage"] = {
        "reads": len(reads),
        "reads_failed": len(bad_reads),
        "writes_refused_json_503": sum(1 for a in refused if a.is_json_503),
        "refusal_p50_ms": p50_ms(refused) if refused else None,
        "refusal_max_ms": round(max(a.latency for a in refused) * 1000, 1) if refused else None,
        "ready_during": during,
    }


def promotion(dep: Deployment, slugs: Slugs, timeline: Timeline, findings: Findings, figures: dict, written):
    """The README's runbook, "Promoting a replica": promote, re-point both hubs, restart them."""
    started = timeline.mark("runbook: promote the standby (pg_ctl promote)")
    dep.standby.promote()
    promoted = timeline.mark(f"  standby promoted (pg_is_in_recovery: {dep.standby.in_recovery()})")
    link = dep.relay(dep.standby.port)  # Moscow is now the far side
    dep.stop_hubs()
    # Beijing's own server is the primary now (no replica until one is seeded); Moscow reaches it over the link.
    dep.start_hubs({"beijing": (dep.standby.port, None), "moscow": (link.listen, None)})
    restarted = timeline.mark("  hubs restarted: beijing on the new primary, moscow on it over the link")
    resumed = []
    for _ in range(10):
        for name, hub in dep.hubs.items():
            resumed.append(hub.write(slugs.next(name)))
    first = min((a.ended for a in resumed if a.ok), default=None)
    if first is not None:
        timeline.mark("  first write acknowledged on the new primary", first)
    findings.require(
        all(a.ok for a in resumed), f"writes did not resume: {[a.summary() for a in resumed if not a.ok][:3]}"
    )
    written += [a for a in resumed if a.ok]
    old = next((a for a in reversed(written) if a.token and a.ended < started), None)
    if old is not None:
        again = dep.hubs["beijing"].read_back(old.slug, old.token)
        findings.require(saw_the_write(again), f"a token from the old primary: {again.summary()}")
    figures["promotion"] = {
        "promote_s": round(promoted - started, 2),
        "restart_hubs_s": round(restarted - promoted, 2),
        "first_write_after_promote_s": None if first is None else round(first - started, 2),
    }


def verify_writes(dep: Deployment, findings: Findings, figures: dict, written: list[Answer]) -> None:
    acknowledged = {a.slug for a in written}
    with psycopg.connect(dep.standby.dsn()) as conn:
        rows = conn.execute("SELECT slug FROM cooperation_organization WHERE slug = ANY(%s)", [sorted(acknowledged)])
        present = {slug for (slug,) in rows}
    lost = acknowledged - present
    findings.require(not lost, f"{len(lost)} acknowledged write(s) lost: {sorted(lost)[:5]}")
    figures["writes"] = {"acknowledged": len(acknowledged), "verified": len(present), "lost": len(lost)}


def check_hub_headers(answers: list[Answer], findings: Findings) -> None:
    """Every API answer names the hub that gave it."""
    wrong = [a for a in answers if a.status is not None and a.kind != "ready" and a.served_by != a.hub]
    findings.require(
        not wrong, f"{len(wrong)} answer(s) without the right Registry-Hub: {[a.summary() for a in wrong[:3]]}"
    )


def drill(dep: Deployment, figures: dict) -> tuple[Timeline, Findings]:
    timeline, findings, slugs, written = Timeline(), Findings(), Slugs(), []
    figures["distance_method"] = "relay"
    figures["netem_available"] = netem_available()
    setup(dep, timeline)
    distance(dep, slugs, timeline, findings, figures, written)
    read_your_writes(dep, slugs, timeline, findings, figures, written)
    lag(dep, slugs, timeline, findings, figures, written)
    replica_outage(dep, slugs, timeline, findings, figures, written)
    primary_outage(dep, slugs, timeline, findings, figures, written)
    promotion(dep, slugs, timeline, findings, figures, written)
    verify_writes(dep, findings, figures, written)
    check_hub_headers(dep.answers, findings)
    return timeline, findings


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on kill too, as on Ctrl-C
    root = Path(tempfile.mkdtemp(prefix="registry-hubs-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")  # the clusters' directories are inside
    dep = Deployment(args, root)
    figures: dict = {"rtt_ms_target": args.rtt_ms}
    started = time.monotonic()
    timeline = findings = None
    try:
        timeline, findings = drill(dep, figures)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        if findings is None or findings.violations:
            for name in ("moscow", "beijing"):
                log = root / f"{name}.log"
                if log.exists():
                    print(f"\n{name} log (tail):\n" + "".join(log.read_text(errors="replace").splitlines(True)[-30:]))
        dep.teardown()
        shutil.rmtree(root, ignore_errors=True)
        say("cleaned up (hubs, relays and clusters stopped, temporary directory removed)")
    figures["elapsed_s"] = round(time.monotonic() - started, 1)
    print("\nTimeline:")
    print("\n".join(timeline.lines()))
    figures["violations"] = findings.violations
    if findings.violations:
        print("\nFAIL:\n" + "\n".join(f"  - {violation}" for violation in findings.violations))
    else:
        print("\nPASS: reads local and never stale with the token; failover with no write lost.")
    print(json.dumps(figures, sort_keys=True))
    return 1 if findings.violations else 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
