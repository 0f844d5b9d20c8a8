"""Admin login lockout (django-axes): repeated failures lock one username from one address."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from api.models import ApiToken

LOGIN_URL = "/admin/login/?next=/admin/"
PASSWORD = "a-long-curator-password-1"
WRONG = "not-the-password"


@pytest.fixture
def curators(db) -> tuple[str, str]:
    """Two curators made the documented way (``manage.py createcurator``)."""
    for username in ("alice", "bob"):
        call_command("createcurator", username, "--password", PASSWORD, stdout=io.StringIO())
    return "alice", "bob"


def log_in(client, username: str, password: str, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password, "next": "/admin/"}, **extra)


def is_logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def fail(client, username: str, times: int, **extra) -> list[int]:
    return [log_in(client, username, WRONG, **extra).status_code for _ in range(times)]


def test_failures_up_to_the_limit_lock_out_even_the_right_password(client, curators):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 2
    # The form answers the first failures with its error; the failure that reaches the limit locks.
    assert fail(client, "alice", limit - 1) == [200] * (limit - 1)
    assert fail(client, "alice", 1) == [429]

    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert b"too many login attempts" in response.content
    assert not is_logged_in(client)


def test_a_successful_login_resets_the_count(client, curators):
    limit = settings.AXES_FAILURE_LIMIT
    fail(client, "alice", limit - 1)
    assert log_in(client, "alice", PASSWORD).status_code == 302
    client.logout()

    assert fail(client, "alice", limit - 1) == [200] * (limit - 1)
    assert log_in(client, "alice", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_another_user_at_the_same_address_is_not_locked_out(client, curators):
    fail(client, "alice", settings.AXES_FAILURE_LIMIT)
    assert log_in(client, "alice", PASSWORD).status_code == 429

    assert log_in(client, "bob", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_the_same_user_from_another_address_is_not_locked_out(client, curators):
    fail(client, "alice", settings.AXES_FAILURE_LIMIT, REMOTE_ADDR="198.51.100.7")

    assert log_in(client, "alice", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert log_in(client, "alice", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, curators):
    fail(client, "alice", settings.AXES_FAILURE_LIMIT)
    assert log_in(client, "alice", PASSWORD).status_code == 429

    expired = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=expired)

    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, curators):
    """Without configured proxies (NUM_PROXIES=0) the client's own address counts, not the header."""
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [log_in(client, "alice", WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(limit)]

    assert statuses[-1] == 429
    assert log_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_behind_a_configured_proxy_the_forwarded_client_address_counts(client, curators, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    fail(client, "alice", settings.AXES_FAILURE_LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)

    # The proxy appends the real address last; what a client puts before it is ignored.
    locked = log_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5", **proxy)
    assert locked.status_code == 429
    assert log_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy).status_code == 302


def test_api_tokens_are_not_subject_to_the_admin_lockout(client, curators):
    _, key = ApiToken.issue(get_user_model().objects.get(username="alice"))
    fail(client, "alice", settings.AXES_FAILURE_LIMIT)
    assert log_in(client, "alice", PASSWORD).status_code == 429

    response = client.get("/api/v1/changes/", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200
