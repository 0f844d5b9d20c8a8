"""Rate limits: separate anonymous and authenticated rates, 429 with Retry-After, an uncounted status endpoint."""

import pytest

from api.core.throttling import AnonThrottle, UserThrottle

RATES = {"anon": "3/min", "user": "5/min"}


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", RATES)
    monkeypatch.setattr(UserThrottle, "THROTTLE_RATES", RATES)


def test_anonymous_clients_get_429_with_retry_after(api, low_rates, seeded):
    for _ in range(3):
        assert api.get("/api/v1/organizations/").status_code == 200
    response = api.get("/api/v1/organizations/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled"


def test_authenticated_clients_have_their_own_rate(as_role, low_rates, seeded):
    client = as_role("reader")
    for _ in range(5):
        assert client.get("/api/v1/organizations/").status_code == 200
    assert client.get("/api/v1/organizations/").status_code == 429


def test_status_endpoint_reports_use_without_counting(api, low_rates, seeded):
    api.get("/api/v1/organizations/")
    for _ in range(5):
        status = api.get("/api/v1/throttle/").json()
    assert status == {
        "scope": "anon",
        "rate": "3/min",
        "limit": 3,
        "window_seconds": 60,
        "used": 1,
        "remaining": 2,
        "reset_in_seconds": status["reset_in_seconds"],
        "enforced": True,
    }
    assert 0 < status["reset_in_seconds"] <= 61
    assert api.get("/api/v1/organizations/").status_code == 200  # the status calls did not use the allowance
