"""``config.postgresql``: a connection that answered under ``DB_HEALTH_CHECK_DELAY`` ago skips Django's health check.

Each test drives its own connection through the request cycle Django runs (``close_old_connections``
as a request starts and ends), outside the test's transaction, and counts the checks (``SELECT 1``).
"""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.db import OperationalError, connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's health checks"),
    pytest.mark.django_db,
]


@pytest.fixture
def wrapper():
    """A persistent, health-checked connection of the project's backend, as a gunicorn thread holds one."""
    backend = type(connections["default"])
    own = backend({**connection.settings_dict, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}, "default")
    yield own
    own.close()


def request(wrapper) -> int:
    """One request that runs a statement; the backend's process id that answered it."""
    wrapper.close_if_unusable_or_obsolete()  # request_started
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        wrapper.close_if_unusable_or_obsolete()  # request_finished


def checks(wrapper, requests: int, pause: float = 0.0) -> int:
    """How many health checks ``requests`` requests in a row ran, ``pause`` seconds apart."""
    with mock.patch.object(wrapper, "is_usable", wraps=wrapper.is_usable) as is_usable:
        for _ in range(requests):
            time.sleep(pause)
            request(wrapper)
    return is_usable.call_count


def terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_the_project_uses_its_backend(wrapper):
    assert wrapper.settings_dict["ENGINE"] == "config.postgresql"
    assert type(wrapper).__module__ == "config.postgresql.base"


def test_back_to_back_requests_skip_the_check_after_the_first(wrapper, settings):
    settings.DB_HEALTH_CHECK_DELAY = 60
    request(wrapper)  # connects: a new connection needs no check
    assert checks(wrapper, 5) == 0


def test_a_connection_idle_longer_than_the_delay_is_checked(wrapper, settings):
    settings.DB_HEALTH_CHECK_DELAY = 0.05
    request(wrapper)
    assert checks(wrapper, 3, pause=0.1) == 3


def test_no_delay_checks_before_every_request_as_django_does(wrapper, settings):
    settings.DB_HEALTH_CHECK_DELAY = 0
    request(wrapper)
    assert checks(wrapper, 3) == 3


def test_a_failed_statement_brings_the_check_back(wrapper, settings):
    settings.DB_HEALTH_CHECK_DELAY = 60
    request(wrapper)
    wrapper.close_if_unusable_or_obsolete()
    with pytest.raises(OperationalError), wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    wrapper.close_if_unusable_or_obsolete()  # the error: Django checks, finds it dead, closes it
    assert wrapper.connection is None
    assert checks(wrapper, 2) == 0  # a new connection, then one that just answered


def test_a_connection_dropped_while_idle_is_replaced_without_failing(wrapper, settings):
    """The outage promise: a dead persistent connection is replaced, not a failed request."""
    settings.DB_HEALTH_CHECK_DELAY = 0.05
    first = request(wrapper)
    terminate(first)
    time.sleep(0.1)
    assert request(wrapper) != first


def test_a_connection_dropped_within_the_delay_fails_one_request_then_is_replaced(wrapper, settings):
    """The price of skipping the check: one request meets the dead connection (the API answers 503), no more."""
    settings.DB_HEALTH_CHECK_DELAY = 60
    first = request(wrapper)
    terminate(first)
    with pytest.raises(OperationalError):
        request(wrapper)
    assert wrapper.connection is None
    assert request(wrapper) != first
