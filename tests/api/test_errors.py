"""One error shape for every 4xx, and nothing half-written."""

import pytest

from cooperation.models import Organization
from tests.support.error_shape import assert_error

pytestmark = pytest.mark.usefixtures("seeded")


def test_unknown_urls_under_api_are_json_404(api):
    assert_error(api.get("/api/v1/no-such-resource/"), 404, "not_found")
    assert_error(api.get("/api/v2/"), 404, "not_found")


def test_method_not_allowed_is_json_405(api):
    assert_error(api.delete("/api/v1/"), 405, "method_not_allowed")


def test_malformed_json_is_a_400(curator):
    body = assert_error(curator.generic("POST", "/api/v1/organizations/", '{"slug": ', "application/json"), 400)
    assert "JSON" in body["detail"]


def test_wrong_media_type_is_a_415(curator):
    assert_error(curator.generic("POST", "/api/v1/organizations/", "slug=x", "text/plain"), 415)


def test_oversized_body_is_a_413(curator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = '{"slug": "big", "name": "' + "x" * 2000 + '", "kind": "company"}'
    assert_error(curator.generic("POST", "/api/v1/organizations/", big, "application/json"), 413, "payload_too_large")
    assert not Organization.objects.filter(slug="big").exists()


def test_field_errors_name_the_field(curator):
    response = curator.post(
        "/api/v1/agreements/",
        {"slug": "x", "title": "X", "kind": "Memorandum", "status": "signed", "signed_on": "2018-02-30"},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert {e["field"] for e in body["errors"]} == {"kind", "signed_on"}


def test_protected_delete_is_a_409_naming_dependants(curator):
    body = assert_error(curator.delete("/api/v1/organizations/roscosmos/"), 409, "protected")
    assert any("agreement party" in e["detail"] for e in body["errors"])
    assert Organization.objects.filter(slug="roscosmos").exists()


def test_validation_failure_writes_nothing(curator):
    before = Organization.objects.get(slug="cnsa")
    response = curator.patch("/api/v1/organizations/cnsa/", {"name": "Renamed", "founded_on": "1993-13"}, format="json")
    assert_error(response, 400)
    after = Organization.objects.get(slug="cnsa")
    assert (after.name, after.last_updated) == (before.name, before.last_updated)
