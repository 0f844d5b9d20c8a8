"""Writes at a hub with a replica run wholly on the primary and answer a consistency token; the admin carries it."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from api.core.hub_headers import TOKEN_SYNTAX
from config.hubs import REPLICA
from config.hubs.middleware import SESSION_KEY
from config.hubs.positions import parse_token
from cooperation.models import Organization
from tests.support.admin_forms import form_data
from tests.support.hubs import CAUGHT_UP, both_databases
from tests.support.roles import staff_client

pytestmark = [both_databases, pytest.mark.usefixtures("stand_in_replica")]

NEW = {"slug": "hub-write", "name": "Hub Write", "kind": "company", "countries": ["FR"]}


@pytest.fixture
def replica_caught_up(replica_at):
    return replica_at(replayed=CAUGHT_UP)


def test_a_create_runs_on_the_primary_and_answers_its_position(curator, positions, replica_caught_up):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = curator.post("/api/v1/organizations/", NEW, format="json")
    assert response.status_code == 201
    token = response["Consistency-Token"]
    assert TOKEN_SYNTAX.fullmatch(token)
    assert 0 < parse_token(token) <= positions.now()
    assert on_replica.captured_queries == []
    assert replica_caught_up.looks == 0  # a write never asks the replica


def test_a_conditional_write_checks_and_locks_on_the_primary(curator, positions, replica_caught_up):
    Organization.objects.create(**NEW)
    url = f"/api/v1/organizations/{NEW['slug']}/"
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        # The replica has not replayed the record, yet the If-Match check finds it: it reads the primary.
        stale = curator.patch(url, {"name": "Renamed"}, format="json", HTTP_IF_MATCH='"not-the-etag"')
        response = curator.patch(url, {"name": "Renamed"}, format="json", HTTP_IF_MATCH="*")
    assert stale.status_code == 412
    assert "Consistency-Token" not in stale  # nothing was written
    assert response.status_code == 200
    assert "Consistency-Token" in response
    assert on_replica.captured_queries == []
    if connections["default"].vendor == "postgresql":
        assert any("FOR UPDATE" in query["sql"] for query in on_primary.captured_queries)


def test_a_delete_answers_a_token_too(curator, positions, replica_caught_up):
    Organization.objects.create(**NEW)
    response = curator.delete(f"/api/v1/organizations/{NEW['slug']}/", HTTP_IF_MATCH="*")
    assert response.status_code == 204
    assert TOKEN_SYNTAX.fullmatch(response["Consistency-Token"])


def test_a_refused_write_answers_no_token(curator, positions, replica_caught_up):
    response = curator.post("/api/v1/organizations/", {**NEW, "kind": "no-such-kind"}, format="json")
    assert response.status_code == 400
    assert "Consistency-Token" not in response


def test_read_your_writes_through_the_api(curator, anonymous, positions, replica_at, quick_wait):
    created = curator.post("/api/v1/organizations/", NEW, format="json")
    token = created["Consistency-Token"]
    replica_at(replayed=parse_token(token) - 1)  # one byte short of the write
    url = f"/api/v1/organizations/{NEW['slug']}/"
    assert anonymous.get(url).status_code == 404  # without the token: the replica, which lags
    mine = anonymous.get(url, HTTP_CONSISTENCY_TOKEN=token)
    assert mine.status_code == 200
    assert mine.json()["name"] == NEW["name"]


def test_an_admin_write_is_shown_on_the_curators_next_pages(positions, replica_at, quick_wait):
    organization = Organization.objects.create(**NEW)
    replica_at(down=True)  # the replica has none of this test's rows: the form comes from the primary
    curator = staff_client("curator")
    url = f"/admin/cooperation/organization/{organization.pk}/change/"
    data = {**form_data(curator.get(url)), "name": "Renamed in the admin"}

    saved = curator.post(url, data)

    assert saved.status_code == 302
    token = curator.session[SESSION_KEY]
    behind = replica_at(replayed=parse_token(token) - 1)
    page = curator.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form.instance.name == "Renamed in the admin"
    assert behind.looks > 1  # the session's token made it wait for the replica, then read the primary
    listing = curator.get(saved["Location"])
    assert "Renamed in the admin" in listing.content.decode()
    assert "Registry-Hub" not in page  # an API header


def test_api_writes_without_a_browser_session_create_none(curator, positions, replica_caught_up):
    response = curator.post("/api/v1/organizations/", NEW, format="json")
    assert response.status_code == 201
    assert "sessionid" not in response.cookies
