"""What one load run measured, whichever client produced it."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

SOCKET_ERRORS = ("connect", "read", "write", "timeout")


@dataclass
class LoadResult:
    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)  # connect, read, write, timeout, status (non-2xx/3xx)
    client: str = "wrk"

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.get(kind, 0) for kind in SOCKET_ERRORS)

    @property
    def bad_statuses(self) -> int:
        return self.errors.get("status", 0)

    @property
    def failed(self) -> bool:
        return self.socket_errors > 0 or self.bad_statuses > 0

    def error_text(self) -> str:
        return ", ".join(f"{kind} {n}" for kind, n in self.errors.items() if n) or "none"


def combine(runs: list[LoadResult]) -> LoadResult:
    """Several runs of one scenario as one: requests, time and errors added up; p50 and p90 the
    median of the runs', p99 and max the worst (a merged histogram is not at hand)."""
    if not runs:
        raise ValueError("no runs to combine")
    errors: dict[str, int] = {}
    for run in runs:
        for kind, n in run.errors.items():
            errors[kind] = errors.get(kind, 0) + n
    return LoadResult(
        requests=sum(run.requests for run in runs),
        duration_s=sum(run.duration_s for run in runs),
        p50_ms=median(run.p50_ms for run in runs),
        p90_ms=median(run.p90_ms for run in runs),
        p99_ms=max(run.p99_ms for run in runs),
        max_ms=max(run.max_ms for run in runs),
        errors=errors,
        client=runs[0].client,
    )


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * pct // 100))  # ceil(n * pct / 100), at least 1
    return sorted_values[int(rank) - 1]
