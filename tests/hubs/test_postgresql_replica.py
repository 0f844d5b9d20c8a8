"""On PostgreSQL, with real WAL positions: the stand-in replica (the same database, another connection)
answers for itself, as a server out of recovery does: caught up to its own current position."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from config.hubs import REPLICA
from config.hubs.positions import format_token, parse_token, replica_state
from tests.support.hubs import postgresql_only

pytestmark = [
    postgresql_only,
    pytest.mark.django_db(
        transaction=True, databases=["default", REPLICA]
    ),  # committed rows: both connections see them
    pytest.mark.usefixtures("stand_in_replica"),
]

NEW = {"slug": "wal-hub", "name": "WAL Hub", "kind": "company", "countries": ["FR"]}
URL = f"/api/v1/organizations/{NEW['slug']}/"


def test_the_replica_state_query(curator):
    before = replica_state(REPLICA)
    token = parse_token(curator.post("/api/v1/organizations/", NEW, format="json")["Consistency-Token"])
    after = replica_state(REPLICA)
    assert not after.standby
    assert before.replayed < token <= after.replayed
    assert (after.lag_bytes(), after.lag_seconds()) == (0, 0.0)


def test_a_token_the_replica_has_replayed_is_read_there(curator, anonymous):
    token = curator.post("/api/v1/organizations/", NEW, format="json")["Consistency-Token"]
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = anonymous.get(URL, HTTP_CONSISTENCY_TOKEN=token)
    assert response.status_code == 200
    assert response["Registry-Hub"] == "main"
    assert on_replica.captured_queries
    assert on_primary.captured_queries == []


def test_a_token_beyond_the_replica_is_read_on_the_primary(curator, anonymous, quick_wait):
    token = parse_token(curator.post("/api/v1/organizations/", NEW, format="json")["Consistency-Token"])
    ahead = format_token(token + 2**40)  # a write the replica will not replay in time
    with CaptureQueriesContext(connections["default"]) as on_primary:
        response = anonymous.get(URL, HTTP_CONSISTENCY_TOKEN=ahead)
    assert response.status_code == 200
    assert any("organization" in query["sql"] for query in on_primary.captured_queries)
