"""Regressions for what schemathesis found against a live server (``tests/schemathesis/run``).

Each test pins one fix: a server error, an undocumented answer, or a value the schema
and the server judged differently.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from api.schema.parameters import PARTIAL_DATE_PATTERN
from cooperation.history.models import ChangeRecord
from cooperation.models import Citation, Label, Person, Source
from cooperation.partial_dates import PartialDate
from tests.support.schema_checked_client import committed_schema

API = "/api/v1"


def error_codes(response, status: int) -> list[tuple[str | None, str]]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


def parses(text: str) -> bool:
    try:
        PartialDate.parse(text)
    except ValueError:
        return False
    return True


# --- the schema says what the server accepts ---------------------------------------------------


@pytest.mark.parametrize("year", ["0000", "0001", "0004", "0100", "0400", "1900", "2000", "2023", "2024", "9999"])
def test_partial_date_pattern_accepts_exactly_the_real_dates(year):
    """2021-02-30 matched the old pattern and was a 400; now the pattern and the parser agree on every date."""
    pattern = re.compile(PARTIAL_DATE_PATTERN)
    candidates = [year, *(f"{year}-{m:02d}" for m in range(14))]
    candidates += [f"{year}-{m:02d}-{d:02d}" for m in range(14) for d in range(33)]
    disagreements = [text for text in candidates if bool(pattern.search(text)) != parses(text)]
    assert not disagreements


def operation(path: str, method: str = "get") -> dict:
    return committed_schema()["paths"][path][method]


def parameter(op: dict, name: str) -> dict:
    return next(p for p in op["parameters"] if p["name"] == name)


def test_fields_are_documented_as_the_record_s_field_names(api, seeded):
    documented = parameter(operation("/api/v1/organizations/{slug}/"), "fields")["schema"]["items"]["enum"]
    assert documented == sorted(api.get(f"{API}/organizations/roscosmos/").json())


def test_filters_document_ids_and_slugs(api):
    op = operation("/api/v1/agreements/")
    assert parameter(op, "party_id")["schema"]["items"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert parameter(op, "party")["schema"]["items"] == {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}
    assert parameter(op, "signed_on__gte")["schema"] == {"type": "string", "pattern": PARTIAL_DATE_PATTERN}
    # comma-separated text: no item can be empty or hold a comma
    assert parameter(op, "signed_place__in")["schema"]["items"] == {"type": "string", "pattern": "^[^,]+$"}
    ordering = re.compile(parameter(op, "ordering")["schema"]["pattern"])
    assert ordering.search("-signed_on,title") and not ordering.search("colour")


def test_create_responses_link_to_conditional_writes(curator, seeded):
    """The 201's ETag is the If-Match of the linked update: following the link succeeds."""
    links = operation("/api/v1/organizations/", "post")["responses"]["201"]["links"]
    assert links["partial_update"]["parameters"] == {
        "path.slug": "$response.body#/slug",
        "header.If-Match": "$response.header.ETag",
    }
    created = curator.post(f"{API}/organizations/", {"slug": "esa", "name": "ESA", "kind": "space_agency"})
    assert created.status_code == 201
    updated = curator.patch(
        f"{API}/organizations/{created.json()['slug']}/", {"short_name": "ESA"}, HTTP_IF_MATCH=created["ETag"]
    )
    assert updated.status_code == 200


# --- server errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter_name"),
    [
        (f"{API}/organizations/?parent_id=5%25", "parent_id"),
        (f"{API}/agreements/?signed_on=20%25", "signed_on"),
        (f"{API}/agreements/?id=5%25", "id"),
        (f"{API}/timeline/?include_superseded=5%25", "include_superseded"),
        (f"{API}/timeline/?kind__in=5%25", "kind__in"),
    ],
)
def test_a_percent_sign_in_a_bad_value_is_a_400(api, url, parameter_name):
    """django-filter formats error messages with ``%``: a client's ``%`` was a 500."""
    assert [field for field, _ in error_codes(api.get(url), 400)] == [parameter_name]


@pytest.mark.parametrize("path", ["/search/?q=roscosmos&", "/organizations/?", "/timeline/?"])
def test_the_largest_offset_is_an_empty_page(api, seeded, path):
    """offset + limit beyond a bigint was a 500 on PostgreSQL; the schema now says the maximum."""
    largest = parameter(operation("/api/v1/search/"), "offset")["schema"]["maximum"]
    response = api.get(f"{API}{path}limit=1000&offset={largest}")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert error_codes(api.get(f"{API}{path}offset={largest + 1}"), 400) == [("offset", "invalid")]


def test_date_time_filters_take_any_offset(api, seeded):
    """PostgreSQL refuses offsets beyond ±15:59 (a 500); values are compared in UTC instead."""
    assert api.get(f"{API}/agreements/?last_updated__gte=2000-01-29T07:57:01-17:32").status_code == 200
    too_early = api.get(f"{API}/agreements/?last_updated__gte=0001-01-01T00:00:00%2B05:00")
    assert error_codes(too_early, 400) == [("last_updated__gte", "invalid")]


@pytest.mark.parametrize("reference", ["a\u0000b", "not a slug", ""])
def test_a_reference_that_cannot_be_a_slug_does_not_exist(curator, seeded, reference):
    """A NUL in a slug lookup was a 500 on PostgreSQL; "" was read as null."""
    body = {"person": "dmitry-rogozin", "organization": reference, "title": "Director"}
    assert error_codes(curator.post(f"{API}/roles/", body, format="json"), 400) == [("organization", "does_not_exist")]


def test_an_empty_string_does_not_clear_a_relation(curator, seeded):
    body = {"slug": "esa", "name": "ESA", "kind": "space_agency", "parent": ""}
    response = curator.post(f"{API}/organizations/", body, format="json")
    assert error_codes(response, 400) == [("parent", "does_not_exist")]


@pytest.mark.parametrize("value", [0, 1.5])
def test_text_fields_take_strings_only(curator, seeded, value):
    """DRF stored 0 as "0"; the schema says a string."""
    body = {"slug": "someone", "name": "Someone", "description": value}
    assert error_codes(curator.post(f"{API}/persons/", body, format="json"), 400) == [("description", "invalid")]


@pytest.mark.parametrize("padding", [" ", "\t", "\x1d", "\u3000"])
def test_a_text_longer_than_its_max_length_is_refused_even_if_padded(curator, seeded, padding):
    """Seed 1332201623: a title of maxLength + 1 characters starting with \\x1d was accepted (a 201).

    DRF trimmed the surrounding whitespace, then checked the length; the schema's maxLength
    counts what is sent.
    """
    limit = Source._meta.get_field("title").max_length
    body = {"slug": "padded", "title": padding + "a" * limit, "kind": "news", "tier": "commentary"}
    assert error_codes(curator.post(f"{API}/sources/", body, format="json"), 400) == [("title", "max_length")]
    body["title"] = padding + "a" * (limit - 1)
    response = curator.post(f"{API}/sources/", body, format="json")
    assert response.status_code == 201, response.content
    assert Source.objects.get(slug="padded").title == "a" * (limit - 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [("slug", " esa"), ("slug", "esa\n"), ("website", " https://www.esa.int"), ("website", "https://www.esa.int\t")],
)
def test_a_slug_or_url_with_whitespace_around_it_is_refused(curator, seeded, field, value):
    """Found with the padded title above: DRF trimmed " esa" to "esa", a value the slug pattern refuses as sent."""
    body = {"slug": "esa", "name": "ESA", "kind": "space_agency", field: value}
    assert error_codes(curator.post(f"{API}/organizations/", body, format="json"), 400) == [(field, "invalid")]


def test_fields_and_omit_together(api, seeded):
    """``fields=a&omit=b`` removed b twice (not a field asked for, then omitted): a KeyError, a 500."""
    response = api.get(f"{API}/organizations/?fields=slug&omit=name")
    assert response.status_code == 200
    assert {key for record in response.json()["results"] for key in record} == {"slug"}


def test_deleting_a_person_with_only_labels_and_citations(curator, seeded):
    """Found by Schemathesis with a seed other than CI's old fixed one (issue 13): this delete was a 500.

    Labels point at their subject through a nullable column, so Django was free to delete the
    person before its labels; the labels' ``post_delete`` then read the person to refresh its
    search text: ``Person.DoesNotExist``. The test kit's ``test_resource_deletes.py`` covers
    every resource with each kind of dependant alone and all together.
    """
    person = Person.objects.get(slug="yusaku-maezawa")
    assert person.labels.exists() and person.citations.exists()
    assert not person.roles.exists() and not person.signatures.exists()
    labels, citations = (
        list(person.labels.values_list("pk", flat=True)),
        list(person.citations.values_list("pk", flat=True)),
    )
    response = curator.delete(f"{API}/persons/yusaku-maezawa/", HTTP_IF_MATCH="*")
    assert response.status_code == 204, response.content
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not Label.objects.filter(pk__in=labels).exists() and not Citation.objects.filter(pk__in=citations).exists()
    deleted = set(ChangeRecord.objects.filter(action="deleted").values_list("model", "object_id"))
    assert deleted == {
        ("cooperation.person", person.pk),
        *(("cooperation.label", pk) for pk in labels),
        *(("cooperation.citation", pk) for pk in citations),
    }


# --- undocumented answers ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"{API}/citations/not-an-id/", f"{API}/persons/a%0Ab/"])
def test_an_unrouted_api_write_is_a_json_404(db, path):
    """The catch-all 404 view was not CSRF-exempt (Django's HTML 403 page), nor matched a newline (HTML 404)."""
    response = Client(enforce_csrf_checks=True).delete(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_an_unsupported_method_is_a_405_before_the_query_is_read(api):
    response = api.generic("TRACE", f"{API}/search/?format=csv&colour=red")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


def test_csv_is_for_lists(api, seeded):
    """One record in CSV was served but undocumented; lists stream CSV, records are JSON."""
    assert error_codes(api.get(f"{API}/organizations/roscosmos/?format=csv"), 400) == [("format", "invalid")]
    as_json = api.get(f"{API}/organizations/roscosmos/", HTTP_ACCEPT="text/csv")
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    assert api.get(f"{API}/organizations/?format=csv")["Content-Type"].startswith("text/csv")


# --- nothing silently ignored ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter_name"),
    [
        ("name=", "name"),
        ("created__gte=", "created__gte"),
        ("kind__in=space_agency,", "kind__in"),
        ("id=1,,2", "id"),
        ("limit=", "limit"),
        ("ordering=name,", "ordering"),
        ("fields=", "fields"),
    ],
)
def test_a_blank_value_or_list_item_is_a_400(api, query, parameter_name):
    """An empty value filtered nothing (all records); the schema calls it invalid."""
    assert error_codes(api.get(f"{API}/organizations/?{query}"), 400) == [(parameter_name, "blank")]


@pytest.mark.parametrize(
    ("url", "parameter_name"),
    [(f"{API}/agreements/?party=no-such-org", "party"), (f"{API}/timeline/?agreement=no-such-agreement", "agreement")],
)
def test_a_filter_naming_no_record_is_does_not_exist(api, seeded, url, parameter_name):
    """The one 400 a schema-valid read may get: the code says so, as for a body's reference."""
    assert error_codes(api.get(url), 400) == [(parameter_name, "does_not_exist")]


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("date_from", ["0001", "0001-06", "0001-12-31"])
def test_the_timeline_from_year_one(api, seeded, fmt, date_from):
    # Seed 2200502279: date_from=0001 was a 500 (OverflowError): the index bound went a year before year 1.
    response = api.get("/api/v1/timeline/", {"date_from": date_from, "date_to": "0001", "format": fmt})
    assert response.status_code == 200
    if fmt == "json":
        assert response.json()["results"] == []
