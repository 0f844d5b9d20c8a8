"""CORS: only origins on the allowlist (``CORS_ALLOWED_ORIGINS``) get access headers."""

import pytest


@pytest.fixture
def allowlist(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]


def test_allowed_origin_gets_the_header(api, seeded, allowlist):
    response = api.get("/api/v1/agreements/", HTTP_ORIGIN="https://app.example.org")
    assert response["Access-Control-Allow-Origin"] == "https://app.example.org"


def test_other_origins_do_not(api, seeded, allowlist):
    response = api.get("/api/v1/agreements/", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in response


def test_preflight_for_writes_lists_the_authorization_header(api, allowlist):
    response = api.options(
        "/api/v1/agreements/",
        HTTP_ORIGIN="https://app.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )
    assert response.status_code == 200
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "POST" in response["Access-Control-Allow-Methods"]
