"""Reads at a hub with a replica: served there, unless it is down, too far behind, or behind the client's token.

The stand-in replica (``conftest``) cannot see the test's uncommitted rows, so a read it
serves misses the record the test just created (404), and a read the primary serves finds
it (200): the answer tells which database served it.
"""

import pytest
from django.db import OperationalError, connections
from django.test.utils import CaptureQueriesContext

from api.core.hub_headers import TOKEN_HEADER
from config.hubs import REPLICA
from config.hubs.positions import format_token
from cooperation.models import Organization
from tests.support.hubs import both_databases

pytestmark = [both_databases, pytest.mark.usefixtures("stand_in_replica")]

URL = "/api/v1/organizations/hub-test/"


@pytest.fixture
def record(db):
    return Organization.objects.create(slug="hub-test", name="Hub Test", kind="company", countries=["FR"])


def token_header(position: int) -> dict:
    return {"HTTP_CONSISTENCY_TOKEN": format_token(position)}


def test_a_read_without_a_token_is_served_by_the_replica(anonymous, record, replica_at):
    replica_at(replayed=0)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert anonymous.get(URL).status_code == 404  # the replica has not replayed the new record
    assert on_replica.captured_queries


def test_a_token_the_replica_has_not_replayed_is_served_by_the_primary(anonymous, record, replica_at, quick_wait):
    fake = replica_at(replayed=100)
    response = anonymous.get(URL, **token_header(101))
    assert response.status_code == 200
    assert response.json()["slug"] == "hub-test"
    assert fake.looks > 1  # it waited for the replica, looking again, before giving up on it


def test_a_token_the_replica_replays_while_the_read_waits_is_served_by_the_replica(
    anonymous, record, replica_at, settings
):
    settings.REPLICA_WAIT_MS = 5000
    fake = replica_at(replayed=100, catch_up_after=3)
    assert anonymous.get(URL, **token_header(101)).status_code == 404
    assert fake.looks == 4


def test_a_token_the_replica_has_replayed_is_served_by_the_replica(anonymous, record, replica_at):
    fake = replica_at(replayed=101)
    assert anonymous.get(URL, **token_header(101)).status_code == 404
    assert fake.looks == 1  # no waiting


def test_a_replica_lagging_past_the_limit_is_left_alone(anonymous, record, replica_at, settings):
    settings.REPLICA_MAX_LAG_S = 5
    replica_at(replayed=0, lag_s=6)
    assert anonymous.get(URL).status_code == 200


def test_a_replica_that_is_down_is_left_alone_for_a_while(anonymous, record, replica_at):
    fake = replica_at(down=True)
    assert anonymous.get(URL).status_code == 200
    assert anonymous.get(URL).status_code == 200
    assert fake.looks == 1  # not tried again at once: an unreachable server costs a connect timeout


def test_a_read_the_replica_fails_midway_is_served_by_the_primary(anonymous, record, replica_at):
    replica_at(replayed=0)

    def gone(execute, sql, params, many, context):
        raise OperationalError("terminating connection due to administrator command")

    with connections[REPLICA].execute_wrapper(gone):
        response = anonymous.get(URL)
    assert response.status_code == 200


def test_reads_keep_answering_from_the_replica_while_the_primary_is_down(anonymous, replica_at, primary_down):
    replica_at(replayed=0)
    with primary_down():
        for path in ("/api/v1/organizations/", "/api/v1/agreements/?q=lunar", "/api/v1/timeline/"):
            assert anonymous.get(path).status_code == 200, path


def test_a_read_needing_the_primary_while_it_is_down_is_a_503_not_a_stale_answer(
    anonymous, record, replica_at, quick_wait, primary_down
):
    replica_at(replayed=0)
    with primary_down():
        response = anonymous.get(URL, **token_header(1))
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert int(response["Retry-After"]) > 0


def test_a_streamed_export_reads_the_replica_after_the_view_returned(anonymous, record, replica_at):
    replica_at(replayed=0)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = anonymous.get("/api/v1/organizations/?format=csv")
        body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert "hub-test" not in body  # the replica's rows, not the primary's
    assert any("organization" in query["sql"] for query in on_replica.captured_queries)


def test_a_malformed_token_is_a_400_naming_the_header(anonymous, replica_at):
    fake = replica_at(replayed=0)
    response = anonymous.get("/api/v1/organizations/", HTTP_CONSISTENCY_TOKEN="latest please")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_header"
    assert body["errors"] == [{"field": TOKEN_HEADER, "code": "invalid", "detail": body["detail"]}]
    assert "latest please" in body["detail"]
    assert fake.looks == 0


def test_an_api_token_issued_a_moment_ago_authenticates_reads_at_the_hub(db, replica_at):
    """The token's row is not on the replica yet: it is looked up on the primary."""
    from tests.support.roles import make_role_user
    from tests.support.schema_checked_client import SchemaCheckedClient

    replica_at(replayed=0)
    _, key = make_role_user("reader")
    reader = SchemaCheckedClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert reader.get("/api/v1/changes/").status_code == 200
