"""Conditional requests: ETags, 304s, and If-Match writes that can never silently overwrite."""

from __future__ import annotations

import pytest

from api.resources import RESOURCES
from cooperation import models as m
from tests.support.error_shape import assert_error, error_fields
from tests.support.schema_checked_client import committed_schema

API = "/api/v1"
ORG = f"{API}/organizations/roscosmos/"
AGREEMENT = f"{API}/agreements/russia-china-ilrs-mou-2021/"

pytestmark = pytest.mark.usefixtures("seeded")


def first_detail_url(api, prefix: str) -> str:
    return api.get(f"{API}/{prefix}/", {"limit": 1}).json()["results"][0]["url"]


@pytest.mark.parametrize("prefix", sorted(r.prefix for r in RESOURCES.values()))
def test_every_record_has_an_etag_and_answers_304_when_unchanged(api, prefix):
    url = first_detail_url(api, prefix)
    response = api.get(url)
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2

    not_modified = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == etag
    assert not_modified.content == b""

    assert api.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    # If-None-Match compares weakly, and accepts a list.
    assert api.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304


def test_the_etag_is_the_records_not_the_shapes(api):
    full = api.get(AGREEMENT)["ETag"]
    assert api.get(AGREEMENT, {"fields": "slug,title"})["ETag"] == full
    assert api.get(AGREEMENT, {"omit": "parties"}, HTTP_IF_NONE_MATCH=full).status_code == 304


def test_a_change_to_a_nested_record_changes_the_parents_etag(api, curator):
    before = api.get(AGREEMENT)["ETag"]
    party = m.AgreementParty.objects.filter(agreement__slug="russia-china-ilrs-mou-2021").first()
    response = curator.patch(f"{API}/parties/{party.pk}/", {"note": "Re-checked."}, format="json")
    assert response.status_code == 200, response.content
    after = api.get(AGREEMENT)
    assert after["ETag"] != before
    assert api.get(AGREEMENT, HTTP_IF_NONE_MATCH=before).status_code == 200


def test_writes_return_the_etag_a_following_get_gives(curator):
    response = curator.patch(ORG, {"short_name": "Roscosmos SC"}, format="json")
    assert response.status_code == 200
    assert response["ETag"] == curator.get(ORG)["ETag"]

    body = {"slug": "etag-test-agency", "name": "ETag Test Agency", "kind": "space_agency"}
    created = curator.post(f"{API}/organizations/", body, format="json")
    assert created.status_code == 201, created.content
    assert created["ETag"] == curator.get(f"{API}/organizations/etag-test-agency/")["ETag"]


@pytest.mark.parametrize(("method", "body"), [("patch", {"short_name": "X"}), ("put", None), ("delete", None)], ids=str)
def test_writes_without_if_match_get_428_and_change_nothing(curator, method, body):
    organization = m.Organization.objects.create(slug="bare-write", name="Bare Write", kind="company")
    url = f"{API}/organizations/{organization.slug}/"
    if method == "put":
        body = {"slug": "bare-write", "name": "Renamed", "kind": "space_agency"}
    curator.read_before_write = False
    response = getattr(curator, method)(url, body, format="json")
    body = assert_error(response, 428, "precondition_required")
    assert error_fields(body) == ["If-Match"]
    assert "If-Match" in body["detail"]
    organization.refresh_from_db()
    assert (organization.name, organization.short_name, organization.kind) == ("Bare Write", "", "company")


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_stale_or_weak_tag_gets_412_and_changes_nothing(curator, method):
    organization = m.Organization.objects.create(slug="stale-write", name="Stale Write", kind="company")
    url = f"{API}/organizations/{organization.slug}/"
    tag = curator.get(url)["ETag"]
    m.Organization.objects.filter(pk=organization.pk).update(name="Changed Elsewhere")  # someone else's write
    body = {"slug": "stale-write", "name": "Mine", "kind": "space_agency"} if method != "delete" else None
    for if_match in (tag, f"W/{curator.get(url)['ETag']}", '"not-a-tag"'):
        response = getattr(curator, method)(url, body, format="json", HTTP_IF_MATCH=if_match)
        assert error_fields(assert_error(response, 412, "precondition_failed")) == ["If-Match"]
    organization.refresh_from_db()
    assert (organization.name, organization.kind) == ("Changed Elsewhere", "company")


def test_if_match_accepts_star_and_a_list_naming_the_current_tag(curator):
    organization = m.Organization.objects.create(slug="star-write", name="Star Write", kind="company")
    url = f"{API}/organizations/{organization.slug}/"
    tag = curator.get(url)["ETag"]
    response = curator.patch(url, {"short_name": "SW"}, format="json", HTTP_IF_MATCH=f'"old", {tag}')
    assert response.status_code == 200
    assert curator.patch(url, {"short_name": "SW2"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert curator.delete(url, HTTP_IF_MATCH="*").status_code == 204
    assert not m.Organization.objects.filter(pk=organization.pk).exists()


def test_the_schema_documents_the_conditional_headers():
    detail = committed_schema()["paths"]["/api/v1/organizations/{slug}/"]
    get = detail["get"]
    assert {p["name"] for p in get["parameters"] if p["in"] == "header"} == {
        "If-None-Match",
        "Consistency-Token",
        "Accept-Language",
    }
    assert "ETag" in get["responses"]["200"]["headers"]
    assert "304" in get["responses"]
    for method in ("put", "patch", "delete"):
        operation = detail[method]
        (if_match,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
        assert if_match["required"] is True and if_match["in"] == "header"
        assert {"412", "428"} <= set(operation["responses"])
