"""Time the CSV export of every agreement and watch the serving worker's memory."""

from __future__ import annotations

import csv
import http.client
import io
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.results import percentile
from bench.server import Gunicorn

SAMPLE_EVERY_S = 0.05


@dataclass
class CsvResult:
    rows: int
    seconds: list[float]
    idle_rss_mb: float
    peak_rss_mb: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / statistics.median(self.seconds)

    @property
    def p50_ms(self) -> float:
        return percentile(sorted(self.seconds), 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(sorted(self.seconds), 99) * 1000


def download_rows(base_url: str, path: str) -> int:
    """Stream the export and count its records (parsed as CSV, so quoted newlines count once)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"CSV export answered {response.status}: {response.read(300)!r}")
        reader = csv.reader(io.TextIOWrapper(response, encoding="utf-8", newline=""))
        return sum(1 for _ in reader) - 1  # the header
    finally:
        conn.close()


class RssSampler(threading.Thread):
    """Polls the workers' RSS while an export runs (the fallback when VmHWM cannot be reset)."""

    def __init__(self, server: Gunicorn):
        super().__init__(daemon=True)
        self.server, self.peak, self.stopped = server, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max([self.peak, *self.server.rss_mb()])
            self.stopped.wait(SAMPLE_EVERY_S)


def measure_csv(server: Gunicorn, path: str, expected_rows: int, repeats: int) -> CsvResult:
    """Download the export ``repeats`` times; every download must hold ``expected_rows`` records."""
    idle = max(server.rss_mb())
    exact_peak = server.reset_peak_rss()
    sampler = RssSampler(server)
    sampler.start()
    seconds = []
    try:
        for _ in range(repeats):
            began = time.perf_counter()
            rows = download_rows(server.base_url, path)
            seconds.append(time.perf_counter() - began)
            if rows != expected_rows:
                raise RuntimeError(f"CSV export returned {rows} records, expected {expected_rows}")
    finally:
        sampler.stopped.set()
        sampler.join()
    peak = max(server.rss_mb("VmHWM")) if exact_peak else sampler.peak
    return CsvResult(rows=expected_rows, seconds=seconds, idle_rss_mb=idle, peak_rss_mb=max(peak, sampler.peak))
