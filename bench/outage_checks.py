"""What the outage drill asserts, from the recorded outcomes and the moments PostgreSQL went down and up."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bench.outage_traffic import Outcome

API_KINDS = ("read", "write", "probe")


@dataclass
class Timeline:
    """Named moments (time.monotonic()), printed relative to the first."""

    events: list[tuple[float, str]] = field(default_factory=list)

    def mark(self, label: str, at: float | None = None) -> float:
        moment = time.monotonic() if at is None else at
        self.events.append((moment, label))
        return moment

    @property
    def origin(self) -> float:
        return min(moment for moment, _ in self.events)

    def lines(self) -> list[str]:
        return [f"  +{moment - self.origin:7.2f} s  {label}" for moment, label in sorted(self.events)]


@dataclass
class Outage:
    """One restart of PostgreSQL: asked to stop, stopped, asked to start, accepting connections again."""

    stopping: float
    down: float
    starting: float
    up: float


@dataclass
class Findings:
    violations: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    def require(self, condition: bool, violation: str) -> None:
        if not condition:
            self.violations.append(violation)


def _examples(outcomes: list[Outcome], limit: int = 3) -> str:
    return "; ".join(outcome.summary() for outcome in outcomes[:limit])


def check_answers(outcomes: list[Outcome], findings: Findings) -> None:
    """No hang or transport error; every failed API request is the JSON 503; liveness always 200."""
    hung = [o for o in outcomes if o.transport_error]
    findings.require(not hung, f"{len(hung)} request(s) got no HTTP answer: {_examples(hung)}")
    api = [o for o in outcomes if o.kind in API_KINDS and o.status is not None]
    wrong = [o for o in api if not o.ok and not o.is_json_503]
    findings.require(not wrong, f"{len(wrong)} failed API request(s) were not a JSON 503: {_examples(wrong)}")
    live = [o for o in outcomes if o.kind == "live" and o.status is not None]
    findings.require(all(o.status == 200 for o in live), "/health was not always 200")
    ready = [o for o in outcomes if o.kind == "ready" and o.status is not None]
    bad = [o for o in ready if o.status not in (200, 503) or (o.status == 503 and not (o.retry_after or "").isdigit())]
    findings.require(not bad, f"/health/ready answered other than 200 or 503 with Retry-After: {_examples(bad)}")


def check_outage(
    outcomes: list[Outcome], outage: Outage, recovery_limit: float, findings: Findings, name: str, *, busy: bool
) -> None:
    """While down: JSON 503s and readiness 503; after ``recovery_limit`` s of PostgreSQL being back: success.

    ``busy``: traffic ran during the outage, so some of it must have met the outage. Otherwise
    (a quiet restart) every request after PostgreSQL returned must succeed, the first included.
    """
    api = [o for o in outcomes if o.kind in API_KINDS]
    while_down = [o for o in api if o.started >= outage.down and o.ended <= outage.starting]
    refused = [o for o in api if o.is_json_503 and o.ended >= outage.stopping and o.started <= outage.up]
    if busy:
        findings.require(bool(while_down), f"{name}: no API request was made while PostgreSQL was down")
    succeeded_while_down = [o for o in while_down if o.ok]
    findings.require(not succeeded_while_down, f"{name}: API requests succeeded with PostgreSQL down")
    ready_down = [o for o in outcomes if o.kind == "ready" and o.started >= outage.down and o.ended <= outage.starting]
    findings.require(
        all(o.status == 503 and o.body and o.body["checks"]["database"]["status"] == "fail" for o in ready_down),
        f"{name}: /health/ready did not report the database as failed while it was down",
    )
    allowance = recovery_limit if busy else 0.0
    late = [o for o in outcomes if o.started >= outage.up + allowance and o.kind in (*API_KINDS, "ready")]
    late_failures = [o for o in late if not o.ok]
    findings.require(
        not late_failures,
        f"{name}: {len(late_failures)} request(s) failed more than {allowance:g} s after PostgreSQL returned: "
        f"{_examples(late_failures)}",
    )
    after = sorted((o for o in api if o.ok and o.started >= outage.up), key=lambda o: o.ended)
    first = f"{after[0].ended - outage.up:.2f} s" if after else "never"
    findings.require(
        bool(after) and after[0].ended - outage.up <= recovery_limit,
        f"{name}: no successful API request within {recovery_limit:g} s of PostgreSQL returning",
    )
    findings.facts.append(
        f"{name}: PostgreSQL down {outage.starting - outage.down:.2f} s"
        f" (stop took {outage.down - outage.stopping:.2f} s, start {outage.up - outage.starting:.2f} s);"
        f" {len(refused)} API request(s) answered JSON 503"
        f" ({len(while_down)} made while fully down); first success {first} after PostgreSQL returned"
    )


def check_workers(
    outcomes: list[Outcome], before: frozenset[int], after: frozenset[int], since: float, findings: Findings, name: str
) -> None:
    """The same worker processes throughout, and every one of them served successfully after ``since``."""
    findings.require(before == after, f"{name}: gunicorn workers changed: {sorted(before)} -> {sorted(after)}")
    strangers = {o.worker_pid for o in outcomes if o.worker_pid is not None} - before
    findings.require(not strangers, f"{name}: answers from unknown worker PIDs {sorted(strangers)}")
    served = {o.worker_pid for o in outcomes if o.ok and o.started >= since and o.kind in API_KINDS}
    findings.require(before <= served, f"{name}: workers {sorted(before - served)} served nothing after recovery")


def check_writes(outcomes: list[Outcome], present: set[str], findings: Findings) -> None:
    """Every write acknowledged with a 2xx is in the database."""
    writes = [o for o in outcomes if o.kind == "write"]
    acknowledged = {o.slug for o in writes if o.ok}
    missing = acknowledged - present
    refused = {o.slug for o in writes if o.is_json_503}
    findings.require(not missing, f"{len(missing)} acknowledged write(s) missing: {sorted(missing)[:5]}")
    findings.facts.append(
        f"writes: {len(acknowledged)} acknowledged, {len(acknowledged & present)} verified in the database;"
        f" {len(refused)} refused with 503 ({len(refused & present)} of those committed all the same)"
    )
