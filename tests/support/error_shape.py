"""The one error shape every 4xx and 5xx of the API answers with."""

from __future__ import annotations

ERROR_KEYS = {"status", "code", "detail", "errors"}


def assert_error(response, status: int, code: str | None = None, fields=()) -> dict:
    """The response is the error shape with this status (and code), naming at least ``fields``; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["status"] == status, body
    if code is not None:
        assert body["code"] == code, body
    assert set(fields) <= set(error_fields(body)), body
    return body


def error_fields(body: dict) -> list[str | None]:
    """The fields (or parameters) an error body names, in order."""
    return [error["field"] for error in body["errors"]]
