"""The load clients count what ``bench/load`` fails on: non-2xx/3xx answers and socket errors."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.pyload import run_python_load
from bench.results import LoadResult, combine, percentile
from bench.scenarios import load_mix
from bench.server import free_port
from bench.wrk import parse_wrk_output, run_load


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = {"/ok": 200, "/moved": 302, "/broken": 500}.get(self.path, 404)
        body = b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def python_load(base_url, paths):
    return run_python_load(base_url, paths, duration_s=0.5, connections=2, timeout_s=5)


def wrk_load(base_url, paths):
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.skip("wrk is not installed")
    return run_load(wrk, base_url, paths, duration_s=1, connections=2, timeout_s=5)


CLIENTS = [pytest.param(python_load, id="python"), pytest.param(wrk_load, id="wrk")]


@pytest.mark.parametrize("load", CLIENTS)
def test_2xx_and_3xx_pass(load, http_server):
    result = load(http_server, ["/ok", "/moved"])
    assert result.requests > 0
    assert result.errors.get("status", 0) == 0 and result.socket_errors == 0
    assert not result.failed
    assert 0 < result.p50_ms <= result.p99_ms <= result.max_ms


@pytest.mark.parametrize("load", CLIENTS)
def test_a_server_error_in_the_rotation_fails_the_run(load, http_server):
    result = load(http_server, ["/ok", "/broken"])
    assert result.bad_statuses > 0 and result.socket_errors == 0
    assert result.failed


def test_a_refused_connection_fails_the_python_run():
    result = python_load(f"http://127.0.0.1:{free_port()}", ["/ok"])  # nothing listens there
    assert result.errors["connect"] > 0
    assert result.failed


def test_a_refused_connection_stops_wrk():
    with pytest.raises(RuntimeError, match="unable to connect"):  # wrk gives up before the run starts
        wrk_load(f"http://127.0.0.1:{free_port()}", ["/ok"])


def test_wrk_summary_line_is_parsed():
    output = (
        "Running 1s test @ http://127.0.0.1:1\n"
        'WRK_JSON {"requests": 200, "duration_us": 2000000, "bytes": 1, "p50_us": 1500, "p90_us": 2500, '
        '"p99_us": 9000, "max_us": 12000, "errors": {"connect": 0, "read": 1, "write": 0, "timeout": 2, "status": 3}}\n'
    )
    result = parse_wrk_output(output)
    assert (result.requests, result.rps, result.p50_ms, result.p99_ms) == (200, 100.0, 1.5, 9.0)
    assert (result.socket_errors, result.bad_statuses, result.failed) == (3, 3, True)


def test_without_a_summary_line_wrk_output_is_an_error():
    with pytest.raises(RuntimeError, match="no WRK_JSON line"):
        parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert [percentile(values, p) for p in (50, 99, 100)] == [50.0, 99.0, 100.0]
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0


def test_alternating_rounds_combine_into_one_result():
    runs = [
        LoadResult(requests=100, duration_s=2, p50_ms=10, p90_ms=20, p99_ms=40, max_ms=50, errors={"status": 0}),
        LoadResult(requests=300, duration_s=2, p50_ms=5, p90_ms=8, p99_ms=90, max_ms=95, errors={"status": 1}),
        LoadResult(requests=200, duration_s=2, p50_ms=7, p90_ms=9, p99_ms=30, max_ms=31, errors={"read": 2}),
    ]
    combined = combine(runs)
    assert combined.rps == 600 / 6  # all the requests over all the time, not a mean of rates
    assert (combined.p50_ms, combined.p90_ms) == (7, 9)  # the median run's
    assert (combined.p99_ms, combined.max_ms) == (90, 95)  # the worst run's
    assert combined.errors == {"status": 1, "read": 2} and combined.failed
    with pytest.raises(ValueError):
        combine([])


def test_a_clean_run_is_not_failed():
    result = LoadResult(requests=10, duration_s=1, p50_ms=1, p90_ms=1, p99_ms=1, max_ms=1, errors={"status": 0})
    assert not result.failed and result.error_text() == "none"


def test_load_mix_interleaves_every_kind_of_read():
    facts = {
        "parties": ["org-a", "org-b"],
        "words": ["lunar", "лунная"],
        "agreement_slugs": [f"agreement-{n}" for n in range(20)],
        "organization_slugs": ["org-a", "org-c"],
        "person_slugs": ["person-a"],
        "mission_slugs": ["luna-1", "luna-2"],
        "source_slugs": ["source-a"],
        "busiest_mission": "luna-2",
    }
    mix = load_mix(facts)
    assert mix[:5] == [
        "/api/v1/agreements/?offset=0",
        "/api/v1/agreements/?party=org-a&signed_on__gte=2000-01-01",
        "/api/v1/agreements/?q=lunar",
        "/api/v1/agreements/agreement-0/",
        "/api/v1/timeline/",
    ]
    assert "/api/v1/agreements/?q=%D0%BB%D1%83%D0%BD%D0%BD%D0%B0%D1%8F" in mix
    assert "/api/v1/search/?q=%D0%BB%D1%83%D0%BD%D0%BD%D0%B0%D1%8F" in mix
    assert {f"/api/v1/agreements/agreement-{n}/" for n in range(20)} <= set(mix)
    assert {"/api/v1/organizations/org-c/", "/api/v1/persons/person-a/", "/api/v1/missions/luna-1/"} <= set(mix)
    assert {
        "/api/v1/sources/source-a/",
        "/api/v1/timeline/?mission=luna-2",
        "/api/v1/timeline/?organization=org-a",
    } <= set(mix)
    assert {"/api/v1/graph/?organization=org-a&depth=2", "/api/v1/citations/", "/api/v1/labels/"} <= set(mix)
    rounds = (
        20 + 2 + 1 + 2 + 1
    )  # the details (agreements, organizations, persons, missions, sources): the largest group
    assert len(mix) == 5 * rounds
