"""Rate limits shared by every worker (Redis), and served unthrottled, at once, when Redis is down.

The multi-worker test runs gunicorn against the machine's Redis (``$REDIS_TEST_URL``, else
``$REDIS_URL``, else ``redis://127.0.0.1:6379/0``): it skips when Redis is unreachable, except in CI
(``CI=true``), where it fails. Its clients are random documentation addresses behind one
proxy (``X-Forwarded-For``), so runs never share counts and nothing is flushed.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.db import connection
from django.test import override_settings

from api.core import throttle_counts
from api.core.throttling import AnonThrottle, UserThrottle
from bench.server import Gunicorn, free_port

LIMIT = 5
URL = "/api/v1/organizations/"


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture(autouse=True)
def _no_outage_carried_over():
    throttle_counts.outage.until, throttle_counts.outage.failing = 0.0, False
    yield
    throttle_counts.outage.until, throttle_counts.outage.failing = 0.0, False


@pytest.fixture
def low_rates(monkeypatch):
    rates = {"anon": f"{LIMIT}/min", "user": f"{LIMIT}/min"}
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def closed_port() -> int:
    return free_port()  # free: nothing listens there


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", free_port()))
        server.listen(16)
        yield server.getsockname()[1]


# --- Redis down: unthrottled, a warning, no 500, no hang ---------------------------------------


def test_redis_refusing_connections_serves_unthrottled_and_warns(api, low_rates, closed_port, caplog):
    with (
        override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{closed_port}/0")),
        caplog.at_level(logging.WARNING, logger="api.core.throttle_counts"),
    ):
        statuses = [api.get(URL).status_code for _ in range(2 * LIMIT)]
        status = api.get("/api/v1/throttle/").json()
    assert statuses == [200] * (2 * LIMIT)
    warnings = [r for r in caplog.records if r.name == "api.core.throttle_counts"]
    assert len(warnings) == 1, "one warning per outage period, not one per request"
    assert "not enforced" in warnings[0].getMessage()
    assert (status["enforced"], status["used"], status["remaining"]) == (False, 0, LIMIT)


def test_redis_that_never_answers_holds_no_request(api, low_rates, silent_port):
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{silent_port}/0")):
        started = time.monotonic()
        first = api.get(URL)
        first_took = time.monotonic() - started
        started = time.monotonic()
        rest = [api.get(URL).status_code for _ in range(LIMIT)]
        rest_took = time.monotonic() - started
        status = api.get("/api/v1/throttle/").json()
    assert first.status_code == 200
    assert first_took < 5, "the socket timeout (0.5 s) bounds the wait, not Redis"
    assert rest == [200] * LIMIT
    assert rest_took < first_took + 2, "after a failure the cache is not tried again for a while"
    assert status["enforced"] is False


def test_counting_resumes_when_the_cache_answers_again(api, low_rates, closed_port, caplog):
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{closed_port}/0")):
        assert api.get(URL).status_code == 200
    assert throttle_counts.outage.failing
    throttle_counts.outage.until = 0.0  # the retry period is over; the (local-memory) cache answers
    with caplog.at_level(logging.WARNING, logger="api.core.throttle_counts"):
        statuses = [api.get(URL).status_code for _ in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]
    assert any("enforced again" in r.getMessage() for r in caplog.records)


# --- the deploy check --------------------------------------------------------------------------


def test_deploy_check_warns_about_a_per_process_cache(settings):
    from api.checks import rate_limits_are_shared

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in rate_limits_are_shared()] == ["api.W001"]
    settings.CACHES = redis_cache("redis://127.0.0.1:6379/0")
    assert rate_limits_are_shared() == []
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert rate_limits_are_shared() == []


# --- several gunicorn workers, one count --------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_TEST_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable ({exc}); CI must run this test (.ci/run starts Redis)")
        pytest.skip(f"Redis at {url} is unreachable ({exc})")
    return url


def database_url() -> str:
    """The test database (created by pytest-django), for the server processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def get(base_url: str, path: str, client: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(base_url + path, headers={"X-Forwarded-For": client, "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def a_client() -> str:
    """A random address from IPv6's documentation prefix: no two runs share a count."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def wait_for_a_fresh_window(window_s: int, margin_s: float = 20) -> None:
    left = window_s - time.time() % window_s
    if left < margin_s:
        time.sleep(left + 0.1)


def test_workers_share_one_count(redis_url, django_db_setup, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": redis_url,
        "NUM_PROXIES": "1",
        "API_THROTTLE_ANON": f"{LIMIT}/hour",
        "PYTHONUNBUFFERED": "1",
    }
    access_log = tmp_path / "access.log"
    server = Gunicorn(
        "config.wsgi:application",
        env,
        tmp_path / "gunicorn.log",
        "/health",
        workers=3,
        threads=2,
        timeout_s=60,
        extra_args=("--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %({x-forwarded-for}i)s"),
    )
    with server:
        wait_for_a_fresh_window(3600)
        # One client, one request at a time, each on a new connection: exactly LIMIT answered.
        client = a_client()
        answers = [get(server.base_url, URL, client) for _ in range(2 * LIMIT)]
        statuses = [status for status, _, _ in answers]
        assert statuses == [200] * LIMIT + [429] * LIMIT
        for _, headers, _ in answers[LIMIT:]:
            assert 0 < int(headers["Retry-After"]) <= 3600
        # The status endpoint reads the shared count, whichever worker answers.
        for _ in range(6):
            status = json.loads(get(server.base_url, "/api/v1/throttle/", client)[2])
            assert (status["used"], status["remaining"], status["enforced"]) == (2 * LIMIT, 0, True)

        # Another client, a burst of concurrent requests: still exactly LIMIT (counts are atomic).
        burst_client = a_client()
        with ThreadPoolExecutor(max_workers=8) as pool:
            burst = list(pool.map(lambda _: get(server.base_url, URL, burst_client)[0], range(4 * LIMIT)))
        assert Counter(burst) == {200: LIMIT, 429: 3 * LIMIT}

    served_by = Counter()
    for line in access_log.read_text().splitlines():
        pid, status, forwarded = line.split(" ", 2)
        if forwarded in (client, burst_client):
            served_by[pid, status] += 1
    workers = {pid for pid, _ in served_by}
    assert len(workers) >= 2, f"every request went to one worker: {served_by}"
    assert len({pid for pid, status in served_by if status == "429"}) >= 2, served_by
