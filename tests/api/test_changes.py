"""The change log: API writes are attributed to the token's user; /api/v1/changes/ lists them for roles only."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from api.resources import RESOURCES
from cooperation.history.models import ChangeRecord
from cooperation.models import Agreement, AgreementParty, Citation, Organization, Source
from cooperation.seeding import seed
from tests.support.query_counts import count_queries
from tests.support.records import changes_of
from tests.support.roles import make_role_user, token_client
from tests.support.schema_checked_client import SchemaCheckedClient

API = "/api/v1"
CHANGES = f"{API}/changes/"
NEW_ORG = {"slug": "esa", "name": "European Space Agency", "kind": "space_agency", "countries": ["FR"]}
MOU = "russia-china-ilrs-mou-2021"

ROW_FIELDS = {
    "id", "url", "display", "model", "object_id", "object_repr", "object_url", "action", "changed_at", "user",
    "changes",
}  # fmt: skip


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- API writes are attributed to the token's user ---------------------------------------------------


def test_api_create_update_delete_record_the_token_user(seeded):
    editor, editor_client = token_client("editor")
    curator, curator_client = token_client("curator")
    assert editor_client.post(f"{API}/organizations/", NEW_ORG, format="json").status_code == 201
    organization = Organization.objects.get(slug="esa")
    response = editor_client.patch(
        f"{API}/organizations/esa/", {"short_name": "ESA", "founded_on": "1975-05-30"}, format="json"
    )
    assert response.status_code == 200
    pk = organization.pk
    assert curator_client.delete(f"{API}/organizations/esa/").status_code == 204

    created, updated, deleted = ChangeRecord.objects.filter(model="cooperation.organization", object_id=pk).order_by(
        "id"
    )
    assert [(c.action, c.user) for c in (created, updated, deleted)] == [
        ("created", editor),
        ("updated", editor),
        ("deleted", curator),
    ]
    assert created.changes["countries"] == {"old": None, "new": ["FR"]}
    assert updated.changes == {
        "short_name": {"old": "", "new": "ESA"},
        "founded_on": {"old": None, "new": "1975-05-30"},
    }
    assert Organization.history.filter(id=pk).latest().history_user == curator


def test_api_writes_of_inline_type_records_record_the_token_user(seeded):
    editor, client = token_client("editor")
    party = client.post(
        f"{API}/parties/", {"agreement": MOU, "organization": "nasa", "role": "authorizing_body"}, format="json"
    )
    assert party.status_code == 201, party.content
    citation = client.post(
        f"{API}/citations/",
        {
            "source": "southfront-2021-04",
            "subject_type": "agreement_party",
            "subject_id": party.json()["id"],
            "locator": "para 9",
        },
        format="json",
    )
    assert citation.status_code == 201, citation.content
    assert client.patch(f"{API}/citations/{citation.json()['id']}/", {"quote": "Q"}, format="json").status_code == 200

    (party_change,) = changes_of(AgreementParty.objects.get(pk=party.json()["id"]))
    assert (party_change.action, party_change.user) == ("created", editor)
    assert party_change.changes["role"] == {"old": None, "new": "authorizing_body"}
    created, updated = changes_of(Citation.objects.get(pk=citation.json()["id"]))
    assert [(c.action, c.user) for c in (created, updated)] == [("created", editor), ("updated", editor)]
    assert updated.changes == {"quote": {"old": "", "new": "Q"}}


def test_a_cascading_api_delete_attributes_every_deleted_record(seeded):
    curator, client = token_client("curator")
    agreement = Agreement.objects.get(slug=MOU)
    expected = 1 + agreement.party_links.count() + agreement.signatories.count() + agreement.citations.count()
    assert client.delete(f"{API}/agreements/{MOU}/").status_code == 204
    deleted = ChangeRecord.objects.filter(action="deleted")
    assert deleted.count() >= expected
    assert set(deleted.values_list("user", flat=True)) == {curator.pk}


def test_api_writes_are_attributed_without_the_history_middleware(seeded):
    middleware = [m for m in settings.MIDDLEWARE if not m.startswith("simple_history.")]
    editor, client = token_client("editor")
    with override_settings(MIDDLEWARE=middleware):
        assert client.post(f"{API}/organizations/", NEW_ORG, format="json").status_code == 201
    (change,) = changes_of(Organization.objects.get(slug="esa"))
    assert change.user == editor


def test_failed_api_writes_record_nothing(seeded):
    _, client = token_client("editor")
    assert client.post(f"{API}/organizations/", {**NEW_ORG, "founded_on": "1975-13"}, format="json").status_code == 400
    assert client.delete(f"{API}/organizations/roscosmos/").status_code == 403
    assert not ChangeRecord.objects.exists()


# --- who may read the change log --------------------------------------------------------------------


@pytest.mark.parametrize("url", [CHANGES, f"{CHANGES}1/"])
def test_anonymous_reads_are_401(api, url):
    response = api.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_users_without_a_role_are_refused(db):
    _, client = token_client("none")
    assert client.get(CHANGES).status_code == 403
    session = SchemaCheckedClient()
    session.force_login(User.objects.create_user("no-token", password="unused-password-1"))
    assert session.get(CHANGES).status_code == 403


@pytest.mark.parametrize("role", ["reader", "editor", "curator"])
def test_every_role_reads_the_change_log(db, role):
    _, client = token_client(role)
    assert client.get(CHANGES).status_code == 200


def test_superusers_read_the_change_log(admin_client):
    assert admin_client.get(CHANGES).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_change_log_cannot_be_written(db, method):
    _, client = token_client("curator")
    record = ChangeRecord.objects.create(
        model="cooperation.source", object_id=1, object_repr="x", action="created", changed_at="2026-01-01T00:00Z",
        history_id=1,
    )  # fmt: skip
    for url in (CHANGES, f"{CHANGES}{record.pk}/"):
        response = getattr(client, method)(url, {"action": "deleted"}, format="json")
        assert response.status_code == 405, (method, url)
        assert response.json()["code"] == "method_not_allowed"
    record.refresh_from_db()
    assert record.action == "created"


# --- what it lists ---------------------------------------------------------------------------------------


@pytest.fixture
def log(db):
    """A small history: alice creates and edits a source, bob creates and deletes an organization, a script cites."""
    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    source = Source(slug="report", title="A report", kind="news", tier="second_party")
    source._history_user = alice
    source.full_clean_and_save()
    source.title = "A longer report"
    source.full_clean_and_save()
    organization = Organization(slug="esa", name="ESA", kind="space_agency")
    organization._history_user = bob
    organization.full_clean_and_save()
    organization_id = organization.pk
    organization.delete()
    citation = Citation(source=source, organization=Organization.objects.create(slug="nasa", name="NASA", kind="forum"))
    citation.full_clean_and_save()
    rows = list(ChangeRecord.objects.order_by("id"))
    return {
        "alice": alice,
        "source": source,
        "organization_id": organization_id,
        "citation": citation,
        "rows": rows,
        "ids": {(r.model.split(".")[1], r.action, r.object_id): r.pk for r in rows},
    }


@pytest.fixture
def reader(db) -> SchemaCheckedClient:
    return token_client("reader")[1]


def test_rows_newest_first_with_urls_and_usernames(log, reader):
    response = reader.get(CHANGES)
    body = response.json()
    assert body["count"] == len(log["rows"]) == 6
    assert ids(response) == [r.pk for r in reversed(log["rows"])]
    rows = {(r["model"], r["action"], r["object_id"]): r for r in body["results"]}
    assert all(set(row) == ROW_FIELDS for row in rows.values())

    source = log["source"]
    edit = rows[("cooperation.source", "updated", source.pk)]
    assert edit["user"] == "alice"
    assert edit["object_url"] == f"http://testserver{API}/sources/report/"
    assert edit["object_repr"] == str(source)
    assert edit["changes"] == {"title": {"old": "A report", "new": "A longer report"}}
    assert edit["url"] == f"http://testserver{CHANGES}{edit['id']}/"

    created = rows[("cooperation.organization", "created", log["organization_id"])]
    deleted = rows[("cooperation.organization", "deleted", log["organization_id"])]
    assert created["user"] == deleted["user"] == "bob"
    assert created["object_url"] is None and deleted["object_url"] is None, "the organization is gone"
    assert deleted["changes"]["slug"] == {"old": "esa", "new": None}

    cited = rows[("cooperation.citation", "created", log["citation"].pk)]
    assert cited["user"] is None
    assert cited["object_url"] == f"http://testserver{API}/citations/{log['citation'].pk}/"


def test_detail(log, reader):
    pk = log["ids"][("source", "updated", log["source"].pk)]
    response = reader.get(f"{CHANGES}{pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ROW_FIELDS
    assert body["object_url"] == f"http://testserver{API}/sources/report/"
    assert reader.get(f"{CHANGES}999999/").status_code == 404
    assert reader.get(f"{CHANGES}{2**70}/").status_code == 404


def test_filters_return_exactly_the_matching_rows(log, reader):
    source, org_id, citation = log["source"].pk, log["organization_id"], log["citation"].pk
    key = log["ids"]

    def expect(params: dict, *wanted: tuple) -> None:
        assert sorted(ids(reader.get(CHANGES, params))) == sorted(key[w] for w in wanted), params

    everything_about_source = [("source", "created", source), ("source", "updated", source)]
    expect({"model": "cooperation.source"}, *everything_about_source)
    expect(
        {"model__in": "cooperation.source,cooperation.citation"},
        *everything_about_source,
        ("citation", "created", citation),
    )
    expect(
        {"model": "cooperation.organization", "object_id": org_id},
        ("organization", "created", org_id),
        ("organization", "deleted", org_id),
    )
    expect({"user": "alice"}, *everything_about_source)
    expect(
        {"user": ["alice", "bob"], "action": "created"},
        ("source", "created", source),
        ("organization", "created", org_id),
    )
    expect({"action": "deleted"}, ("organization", "deleted", org_id))
    expect({"action__n": "created,updated"}, ("organization", "deleted", org_id))

    rows = log["rows"]
    boundary = rows[3].changed_at  # the organization's deletion
    newer = [r.pk for r in rows[3:]]
    assert sorted(ids(reader.get(CHANGES, {"changed_at__gte": boundary.isoformat()}))) == newer
    older = [r.pk for r in rows[:4]]
    assert sorted(ids(reader.get(CHANGES, {"changed_at__lte": boundary.isoformat()}))) == older
    assert ids(reader.get(CHANGES, {"changed_at__gte": rows[-1].changed_at.isoformat(), "user": "alice"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "cooperation.changerecord"}, "model"),
        ({"model__in": "cooperation.source,auth.user"}, "model__in"),
        ({"action": "renamed"}, "action"),
        ({"user": "nobody"}, "user"),
        ({"object_id": "abc"}, "object_id"),
        ({"changed_at__gte": "yesterday"}, "changed_at__gte"),
        ({"ordering": "user"}, "ordering"),
        ({"q": "esa"}, "q"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_parameters_are_400(log, reader, params, field):
    response = reader.get(CHANGES, params)
    assert response.status_code == 400, response.content
    assert field in {error["field"] for error in response.json()["errors"]}


def test_ordering_and_sparse_fields(log, reader):
    rows = reader.get(CHANGES, {"ordering": "changed_at"}).json()["results"]
    assert [row["id"] for row in rows] == [r.pk for r in log["rows"]]
    sparse = reader.get(CHANGES, {"fields": "id,action,changes", "limit": 2}).json()["results"]
    assert all(set(row) == {"id", "action", "changes"} for row in sparse)


def test_csv_export(log, reader):
    response = reader.get(CHANGES, {"format": "csv", "model": "cooperation.source"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == ["updated", "created"]
    assert rows[0]["user"] == "alice"
    assert rows[0]["object_url"].endswith("/api/v1/sources/report/")
    assert json.loads(rows[0]["changes"]) == {"title": {"new": "A longer report", "old": "A report"}}


def test_the_root_lists_the_change_log(api):
    root = api.get(f"{API}/").json()
    assert root["changes"] == f"http://testserver{CHANGES}"
    assert "changes" not in {r.prefix for r in RESOURCES.values()}, "the change log is not a registry resource"


# --- efficiency --------------------------------------------------------------------------------------------


def test_list_queries_do_not_grow_with_page_size(db):
    """SAVEPOINT, token, the user's permissions (one query: ``cooperation.permissions_backend``), COUNT, the page
    with users, the live records' URLs, RELEASE;
    on PostgreSQL, COUNT, the page and its URLs are one statement (``api.sql.documents``)."""
    seed()
    user, key = make_role_user("reader")
    for index, change in enumerate(ChangeRecord.objects.order_by("id")[:50]):
        change.user = user if index % 2 else None
        change.save()
    client = APIClient()  # the schema-checked client would add its own requests to the count
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get(CHANGES)  # the token's first use records last_used
    assert ChangeRecord.objects.count() > 200
    assert len(set(ChangeRecord.objects.values_list("model", flat=True))) == len(RESOURCES)
    small = count_queries(client, f"{CHANGES}?limit=1")
    assert small == (5 if connection.vendor == "postgresql" else 7)
    assert count_queries(client, f"{CHANGES}?limit=1000") == small
    assert count_queries(client, f"{CHANGES}?limit=1000&ordering=model") == small
    uncounted = small if connection.vendor == "postgresql" else small - 1  # PostgreSQL: one statement anyway
    assert count_queries(client, f"{CHANGES}{ChangeRecord.objects.first().pk}/") == uncounted  # no COUNT
    deep = client.get(f"{CHANGES}?cursor=end&limit=10").json()["previous"]
    for url in (f"{CHANGES}?cursor=start&limit=1", f"{CHANGES}?cursor=start&limit=1000", deep):
        assert count_queries(client, url) == uncounted, url  # a cursor page is never counted
