"""A bounded Python load client, used when wrk is not available.

``connections`` threads (at most ``MAX_CONNECTIONS``), each with one keep-alive
HTTP connection, send GETs in rotation until the duration is up. It counts the
same errors as wrk. Slower than wrk and it competes for the GIL, so its figures
are a floor, not comparable with wrk's.
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlsplit

from bench.results import LoadResult, percentile

MAX_CONNECTIONS = 64


def _worker(host, port, paths, start, deadline, timeout_s, latencies, errors, lock, headers=None) -> None:
    conn, index = None, start
    mine: list[float] = []
    counts = dict.fromkeys(("connect", "read", "write", "timeout", "status"), 0)
    while time.monotonic() < deadline:
        path = paths[index % len(paths)]
        index += 1
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
            try:
                conn.connect()
            except OSError:
                counts["connect"] += 1
                conn = None
                time.sleep(0.01)
                continue
        began = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers or {})
        except OSError:
            counts["write"] += 1
            conn.close()
            conn = None
            continue
        try:
            response = conn.getresponse()
            response.read()
        except TimeoutError:
            counts["timeout"] += 1
            conn.close()
            conn = None
            continue
        except (OSError, http.client.HTTPException):
            counts["read"] += 1
            conn.close()
            conn = None
            continue
        mine.append((time.perf_counter() - began) * 1000)
        if response.status >= 400:
            counts["status"] += 1
        if response.will_close:
            conn.close()
            conn = None
    if conn is not None:
        conn.close()
    with lock:
        latencies.extend(mine)
        for kind, n in counts.items():
            errors[kind] = errors.get(kind, 0) + n


def run_python_load(
    base_url: str,
    paths: list[str],
    *,
    duration_s: float,
    connections: int,
    timeout_s: float = 10,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    parts = urlsplit(base_url)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    began = time.monotonic()
    deadline = began + duration_s
    threads = [
        threading.Thread(
            target=_worker,
            args=(parts.hostname, parts.port, paths, n, deadline, timeout_s, latencies, errors, lock, headers),
            daemon=True,
        )
        for n in range(min(connections, MAX_CONNECTIONS))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration_s + timeout_s + 5)
    elapsed = time.monotonic() - began
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        duration_s=elapsed,
        p50_ms=percentile(latencies, 50),
        p90_ms=percentile(latencies, 90),
        p99_ms=percentile(latencies, 99),
        max_ms=latencies[-1] if latencies else 0.0,
        errors=errors,
        client="python",
    )
