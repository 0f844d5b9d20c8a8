"""The human-readable table and the final JSON line of ``bench/run``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bench.csvexport import CsvResult
from bench.results import LoadResult
from bench.scenarios import BASELINE_SCENARIO, SCALE_SCENARIO

BASELINE = "baseline"
CSV = "csv_export"


@dataclass
class SizeResult:
    agreements: int
    database: str
    loads: dict[str, LoadResult] = field(default_factory=dict)  # scenario name (and BASELINE) -> result
    csv: CsvResult | None = None
    queries_per_list: dict[str, int] = field(default_factory=dict)
    parity_records: int = 0
    round_ratios: list[float] = field(default_factory=list)  # API ÷ baseline in each round on the baseline's page
    vs_baseline: dict[str, float] = field(default_factory=dict)  # scenario -> its req/s ÷ the baseline's, same rounds

    @property
    def page_vs_baseline(self) -> float:
        return self.vs_baseline.get(BASELINE_SCENARIO, 0.0)


def _by_size(sizes: list[SizeResult], value) -> dict[str, float]:
    return {str(s.agreements): round(value(s), 2) for s in sizes}


def scale_ratio(small: SizeResult, large: SizeResult, name: str) -> float | None:
    """p50 at the largest size ÷ p50 at the smallest: 1.0 when nothing grows with the data."""
    if name not in small.loads or name not in large.loads or not small.loads[name].p50_ms:
        return None
    return round(large.loads[name].p50_ms / small.loads[name].p50_ms, 3)


def summary(sizes: list[SizeResult], setup: dict) -> dict:
    """The JSON object: headline numbers at the largest size, per-size detail alongside."""
    small, large = sizes[0], sizes[-1]
    names = list(large.loads)
    latency = {
        key: {name: _by_size(sizes, lambda s, name=name, key=key: getattr(s.loads[name], key)) for name in names}
        | {CSV: _by_size(sizes, lambda s, key=key: getattr(s.csv, key))}
        for key in ("p50_ms", "p99_ms")
    }
    small_p50 = small.loads[SCALE_SCENARIO].p50_ms
    scenario_names = [name for name in names if name != BASELINE]
    return {
        **setup,
        "sizes": [s.agreements for s in sizes],
        "agreements_list_vs_baseline": round(large.page_vs_baseline, 3),
        "agreements_list_vs_baseline_by_size": {str(s.agreements): round(s.page_vs_baseline, 3) for s in sizes},
        "vs_baseline": {
            name: {str(s.agreements): round(s.vs_baseline.get(name, 0.0), 3) for s in sizes} for name in scenario_names
        },
        "agreements_list_vs_baseline_rounds": {str(s.agreements): [round(r, 3) for r in s.round_ratios] for s in sizes},
        "queries_per_list": large.queries_per_list,
        "queries_per_list_by_size": {str(s.agreements): s.queries_per_list for s in sizes},
        "rps": {name: _by_size(sizes, lambda s, name=name: s.loads[name].rps) for name in names},
        "p50_ms": latency["p50_ms"],
        "p99_ms": latency["p99_ms"],
        "scale_ratio_p50": {name: scale_ratio(small, large, name) for name in scenario_names},
        "scale_ratio_p50_headline": round(large.loads[SCALE_SCENARIO].p50_ms / small_p50, 3) if small_p50 else None,
        "csv_rows_per_s": _by_size(sizes, lambda s: s.csv.rows_per_s),
        "csv_peak_rss_mb": _by_size(sizes, lambda s: s.csv.peak_rss_mb),
        "csv_idle_rss_mb": _by_size(sizes, lambda s: s.csv.idle_rss_mb),
        "errors": sum(r.socket_errors + r.bad_statuses for s in sizes for r in s.loads.values()),
    }


def table(sizes: list[SizeResult], setup: dict) -> str:
    lines = [
        f"Server: {setup['server']}. Client: {setup['client']}.",
        "",
        f"{'agreements':>10}  {'scenario':<28} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9}"
        f" {'÷ base':>7} {'scale':>6}  errors",
    ]
    for s in sizes:
        for name, r in s.loads.items():
            label = "baseline (PostgreSQL JSON)" if name == BASELINE else name
            ratio = f"{s.vs_baseline[name]:>7.2f}" if name in s.vs_baseline else f"{'':>7}"
            scale = scale_ratio(sizes[0], s, name) if s is sizes[-1] and name != BASELINE else None
            scale_text = f"{scale:>6.2f}" if scale is not None else f"{'':>6}"
            lines.append(
                f"{s.agreements:>10}  {label:<28} {r.rps:>9.1f} {r.p50_ms:>9.1f} {r.p99_ms:>9.1f} {r.requests:>9}"
                f" {ratio} {scale_text}  {r.error_text()}"
            )
        c = s.csv
        lines.append(
            f"{s.agreements:>10}  {CSV:<28} {c.rows_per_s:>9.0f} {c.p50_ms:>9.1f} {c.p99_ms:>9.1f} {len(c.seconds):>9}"
            f"  none   (req/s column: rows/s; worker RSS idle {c.idle_rss_mb:.1f} MiB, peak {c.peak_rss_mb:.1f} MiB)"
        )
        lines.append("")
    ratios = ", ".join(
        f"{s.agreements}: {s.page_vs_baseline:.3f} (rounds {', '.join(f'{r:.2f}' for r in s.round_ratios)})"
        for s in sizes
    )
    queries = ", ".join(
        f"{s.agreements}: " + " / ".join(f"{n} (limit {k})" for k, n in s.queries_per_list.items()) for s in sizes
    )
    small, large = sizes[0], sizes[-1]
    scale = large.loads[SCALE_SCENARIO].p50_ms / small.loads[SCALE_SCENARIO].p50_ms
    lines += [
        f"API ÷ baseline throughput on the {BASELINE_SCENARIO} page (1.0 = as fast as PostgreSQL's own JSON): {ratios}",
        f"SQL queries per agreements list (CaptureQueriesContext; reads run in autocommit): {queries}",
        f"Scale ratio, p50 of {SCALE_SCENARIO} at {large.agreements} ÷ at {small.agreements}: {scale:.2f}",
    ]
    return "\n".join(lines)


def render(sizes: list[SizeResult], setup: dict) -> str:
    """The table, then the JSON object as the very last line."""
    return table(sizes, setup) + "\n" + json.dumps(summary(sizes, setup), ensure_ascii=False)
