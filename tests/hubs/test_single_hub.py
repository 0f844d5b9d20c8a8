"""A hub without a replica (every site until it adds one): the same contract, every read on the primary."""

import pytest
from django.db import connection

from api.core.hub_headers import TOKEN_SYNTAX
from config.hubs.positions import parse_token

NEW = {"slug": "single-hub", "name": "Single Hub", "kind": "company", "countries": ["FR"]}


def test_api_responses_name_the_hub(anonymous, settings):
    assert anonymous.get("/api/v1/organizations/")["Registry-Hub"] == "main"
    settings.HUB_NAME = "beijing"
    assert anonymous.get("/api/v1/organizations/")["Registry-Hub"] == "beijing"
    assert anonymous.get("/api/v1/no-such-thing/")["Registry-Hub"] == "beijing"  # the JSON 404
    assert anonymous.delete("/api/v1/organizations/")["Registry-Hub"] == "beijing"  # 405


def test_even_redirects_and_preflights_name_the_hub(client, db, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]
    preflight = client.options(
        "/api/v1/organizations/",
        HTTP_ORIGIN="https://app.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="consistency-token",
    )
    assert preflight["Registry-Hub"] == "main"
    assert "consistency-token" in preflight["Access-Control-Allow-Headers"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/api/v1/organizations/")["Registry-Hub"] == "main"


def test_browsers_may_read_the_hub_headers(anonymous, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]
    response = anonymous.get("/api/v1/organizations/", HTTP_ORIGIN="https://app.example.org")
    exposed = {name.strip() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"Consistency-Token", "Registry-Hub"} <= exposed


def test_pages_outside_the_api_do_not(client, db):
    assert "Registry-Hub" not in client.get("/admin/login/")
    assert "Registry-Hub" not in client.get("/health")


def test_a_valid_token_is_accepted_and_a_malformed_one_refused(anonymous):
    assert anonymous.get("/api/v1/organizations/", HTTP_CONSISTENCY_TOKEN="FFFFFFFFFFFFFFFF").status_code == 200
    refused = anonymous.get("/api/v1/organizations/", HTTP_CONSISTENCY_TOKEN="0/1; DROP")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "Consistency-Token"


def test_outside_the_api_a_malformed_token_is_a_plain_400(client, db):
    response = client.get("/admin/login/", HTTP_CONSISTENCY_TOKEN="yesterday")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "Consistency-Token" in response.content.decode()


def test_writes_ignore_a_token_they_are_sent(curator):
    response = curator.post("/api/v1/organizations/", NEW, format="json", HTTP_CONSISTENCY_TOKEN="not one")
    assert response.status_code == 201


@pytest.mark.skipif(connection.vendor != "postgresql", reason="WAL positions are PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # committed: an uncommitted write's WAL need not be written out yet
def test_every_write_answers_the_primarys_position_after_it(curator):
    first = curator.post("/api/v1/organizations/", NEW, format="json")
    second = curator.patch(
        f"/api/v1/organizations/{NEW['slug']}/", {"name": "Renamed"}, format="json", HTTP_IF_MATCH="*"
    )
    tokens = [first["Consistency-Token"], second["Consistency-Token"]]
    assert all(TOKEN_SYNTAX.fullmatch(token) for token in tokens)
    assert parse_token(tokens[0]) < parse_token(tokens[1])  # the second write's WAL comes after the first's
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
        assert parse_token(tokens[1]) <= cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
def test_sqlite_has_no_wal_position_to_answer(curator):
    response = curator.post("/api/v1/organizations/", NEW, format="json")
    assert response.status_code == 201
    assert "Consistency-Token" not in response
