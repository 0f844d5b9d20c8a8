"""The hubs drill's phases, in the order it runs them; each records its moments, findings and figures."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg

from bench.env import django_env
from bench.hubs_cluster import Standby
from bench.hubs_deployment import Deployment
from bench.hubs_traffic import Answer, Hub, Slugs, Traffic, saw_the_write
from bench.outage_checks import Findings, Timeline
from bench.outage_cluster import free_port
from bench.outage_server import prepare_database

FAST_S = 2.0  # a refused write must be answered within this
READ_PATHS = ["/api/v1/organizations/?limit=5", "/api/v1/missions/?limit=5", "/api/v1/agreements/?limit=5"]


@dataclass
class Run:
    """One drill: the deployment, and what it has recorded so far."""

    dep: Deployment
    slugs: Slugs = field(default_factory=Slugs)
    timeline: Timeline = field(default_factory=Timeline)
    findings: Findings = field(default_factory=Findings)
    figures: dict = field(default_factory=dict)
    written: list[Answer] = field(default_factory=list)  # every write acknowledged with a 2xx

    def unpack(self):
        return self.dep, self.slugs, self.timeline, self.findings, self.figures, self.written


def say(message: str) -> None:
    print(f"[hubs] {message}", flush=True)


def p50_ms(answers: list[Answer]) -> float:
    return round(statistics.median(a.latency for a in answers) * 1000, 1)


def setup(run: Run) -> None:
    dep, timeline = run.dep, run.timeline
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


def distance(run: Run) -> None:
    dep, slugs, timeline, findings, figures, written = run.unpack()
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


def read_your_writes(run: Run) -> None:
    dep, slugs, timeline, findings, figures, written = run.unpack()
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


def lag(run: Run) -> None:
    dep, slugs, timeline, findings, figures, written = run.unpack()
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


def replica_outage(run: Run) -> None:
    dep, slugs, timeline, findings, figures, written = run.unpack()
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


def primary_outage(run: Run) -> None:
    dep, slugs, timeline, findings, figures, written = run.unpack()
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


def promotion(run: Run) -> None:
    dep, slugs, timeline, findings, figures, written = run.unpack()
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


def verify_writes(run: Run) -> None:
    dep, findings, figures, written = run.dep, run.findings, run.figures, run.written
    acknowledged = {a.slug for a in written}
    with psycopg.connect(dep.standby.dsn()) as conn:
        rows = conn.execute("SELECT slug FROM cooperation_organization WHERE slug = ANY(%s)", [sorted(acknowledged)])
        present = {slug for (slug,) in rows}
    lost = acknowledged - present
    findings.require(not lost, f"{len(lost)} acknowledged write(s) lost: {sorted(lost)[:5]}")
    figures["writes"] = {"acknowledged": len(acknowledged), "verified": len(present), "lost": len(lost)}


def check_hub_headers(run: Run) -> None:
    """Every API answer names the hub that gave it."""
    answers, findings = run.dep.answers, run.findings
    wrong = [a for a in answers if a.status is not None and a.kind != "ready" and a.served_by != a.hub]
    findings.require(
        not wrong, f"{len(wrong)} answer(s) without the right Registry-Hub: {[a.summary() for a in wrong[:3]]}"
    )
