"""A database outage is a JSON 503 ``database_unavailable`` with Retry-After, wherever the request fails.

Inside a DRF view the exception handler answers; when the request's transaction
(ATOMIC_REQUESTS) cannot open or commit, handler500 does. Either way nothing is written.
Every 503 is also checked against the committed schema, which documents it on every operation.
"""

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from rest_framework.test import APIClient

from api.views.organizations import OrganizationViewSet
from cooperation.models import Organization
from tests.support.db_outage import connections_refused, drop_connection_at, fail_statements
from tests.support.error_shape import ERROR_KEYS
from tests.support.roles import make_role_user
from tests.support.schema_checked_client import validate_against_schema

# Losing a connection mid-request is a network database's failure; SQLite has no server to lose.
network_database = pytest.mark.skipif(connection.vendor == "sqlite", reason="no server connection to lose")

NEW_ORGANIZATION = {"slug": "outage-test", "name": "Outage Test", "kind": "company", "countries": ["FR"]}


def make_client(role: str | None = None, *, in_view: bool) -> APIClient:
    """A client for the role (anonymous by default).

    ``in_view``: the error must be answered inside the DRF view, so an exception reaching
    Django's handler fails the test. Otherwise it reaches handler500, as in production.
    """
    client = APIClient(raise_request_exception=in_view)
    if role:
        _, key = make_role_user(role)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_database_unavailable(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["status"], body["code"], body["errors"]) == (503, "database_unavailable", [])
    validate_against_schema(response)
    return body


def test_a_read_failing_inside_the_view(db):
    anonymous = make_client(in_view=True)
    with connection.execute_wrapper(fail_statements("SELECT", "WITH")):  # WITH: the PostgreSQL-written pages
        assert_database_unavailable(anonymous.get("/api/v1/organizations/"))
    assert anonymous.get("/api/v1/organizations/").status_code == 200


def test_a_write_failing_inside_the_view_writes_nothing(db):
    curator = make_client("curator", in_view=True)
    with connection.execute_wrapper(fail_statements("INSERT")):
        assert_database_unavailable(curator.post("/api/v1/organizations/", NEW_ORGANIZATION, format="json"))
    assert not Organization.objects.filter(slug="outage-test").exists()
    assert curator.post("/api/v1/organizations/", NEW_ORGANIZATION, format="json").status_code == 201


def test_a_request_whose_transaction_cannot_open(db):
    anonymous, curator = make_client(in_view=False), make_client("curator", in_view=False)
    with connections_refused():
        assert_database_unavailable(anonymous.get("/api/v1/organizations/"))
        assert_database_unavailable(curator.post("/api/v1/organizations/", NEW_ORGANIZATION, format="json"))
    assert not Organization.objects.filter(slug="outage-test").exists()


@network_database
@pytest.mark.django_db(transaction=True)  # the request's transaction is the real, outermost one
def test_a_connection_lost_during_validation():
    curator = make_client("curator", in_view=True)
    # Django's constraint checks log a database error and go on; the write's next statement finds no connection.
    drop = drop_connection_at('"_check"')
    with connection.execute_wrapper(drop):
        assert_database_unavailable(curator.post("/api/v1/organizations/", NEW_ORGANIZATION, format="json"))
    assert drop.fired
    assert not Organization.objects.filter(slug="outage-test").exists()


@network_database
@pytest.mark.django_db(transaction=True)
def test_a_write_whose_commit_fails_is_not_acknowledged():
    curator = make_client("curator", in_view=False)
    backend = type(connections[DEFAULT_DB_ALIAS])
    commit = backend._commit

    def lose_connection_then_commit(self):
        self.connection.close()  # the server went away after the last statement
        return commit(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backend, "_commit", lose_connection_then_commit)
        assert_database_unavailable(curator.post("/api/v1/organizations/", NEW_ORGANIZATION, format="json"))
    assert not Organization.objects.filter(slug="outage-test").exists()


def test_outside_the_api_it_is_a_plain_503(db):
    with connections_refused():
        response = make_client(in_view=False).get("/admin/login/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert int(response["Retry-After"]) > 0


def test_other_server_errors_stay_500(db, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(OrganizationViewSet, "list", crash)
    response = make_client(in_view=False).get("/api/v1/organizations/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert not response.has_header("Retry-After")
