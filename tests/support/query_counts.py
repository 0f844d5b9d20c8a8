"""The database queries one request runs (query counts are asserted, not timed)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str, params: dict | None = None) -> int:
    """How many queries a GET of ``url`` runs; it must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)
