"""``?cursor=``: keyset pages on every list, the same records as offset pages, stable under inserts.

Every response is checked against ``openapi.yaml`` by the ``api``/``curator`` clients
(``count`` null in cursor mode). On PostgreSQL the lists it writes itself take the
documents path (``api.sql.documents``); ``test_sql_documents.py`` holds both paths to
the same cursor pages.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.db import connection

from api.core.cursors import MAX_LENGTH, beyond, cursor_at, ordering_terms
from api.core.resource_urls import RESOURCES
from api.core.throttling import AnonThrottle, UserThrottle
from api.resources import registry_viewsets
from cooperation.models import Agreement, Organization
from cooperation.partial_dates import PartialDate

pytestmark = pytest.mark.usefixtures("seeded")

API = "/api/v1"
PREFIXES = sorted(r.prefix for r in RESOURCES.values())
ORDERING_FIELDS = {RESOURCES[v.queryset.model].prefix: v.ordering_fields for v in registry_viewsets()}


@pytest.fixture(autouse=True)
def _unthrottled(monkeypatch):
    """These tests walk every list many times over: far more requests than a minute's allowance."""
    for throttle in (AnonThrottle, UserThrottle):
        monkeypatch.setattr(throttle, "allow_request", lambda self, request, view: True)


@pytest.fixture
def client(api, curator):
    """The anonymous client for the registry's lists, a curator's for the change log (with a few changes)."""
    for organization in Organization.objects.order_by("pk")[:4]:
        organization.name += " (renamed)"
        organization.save()
    return lambda prefix: curator if prefix == "changes" else api


def every_record(client, url: str, params: dict) -> list[dict]:
    body = client.get(url, {**params, "limit": 1000}).json()
    assert body["next"] is None, "the test lists fit one offset page"
    return body["results"]


def walk(client, url: str, params: dict, limit: int, backward: bool = False) -> list[list[dict]]:
    """Every page from ``cursor=start`` following ``next`` (or from ``end`` following ``previous``)."""
    pages, seen = [], set()
    response = client.get(url, {**params, "limit": limit, "cursor": "end" if backward else "start"})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] is None and body["count_exact"] is False
        assert len(body["results"]) <= limit
        pages.append(body["results"])
        link = body["previous" if backward else "next"]
        if link is None:
            break
        assert link not in seen, "a cursor link repeats: the walk would never end"
        seen.add(link)
        response = client.get(link)
    return pages[::-1] if backward else pages


def ids(records) -> list:
    return [record.get("id", record.get("url")) for record in records]


def flat(pages) -> list:
    return [record for page in pages for record in page]


@pytest.mark.parametrize("prefix", [*PREFIXES, "changes"])
def test_walking_by_cursor_reads_every_record_once_in_order(client, prefix):
    url = f"{API}/{prefix}/"
    records = every_record(client(prefix), url, {})
    assert len(records) >= 2, "need several pages"
    limit = max(1, len(records) // 3)
    forward = walk(client(prefix), url, {}, limit)
    assert ids(flat(forward)) == ids(records)
    assert all(len(page) == limit for page in forward[:-1]) and forward[-1]
    backward = walk(client(prefix), url, {}, limit, backward=True)
    assert ids(flat(backward)) == ids(records)
    assert all(len(page) == limit for page in backward[1:]) and backward[0]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_ordering_pages_by_cursor_as_by_offset(api, prefix):
    """Ascending and descending, nullable fields included (NULLs where the database sorts them)."""
    url = f"{API}/{prefix}/"
    fields = ORDERING_FIELDS[prefix]
    for field in fields:
        other = next(name for name in fields if name != field)
        for ordering in (field, f"-{field}", f"-{field},{other}"):
            params = {"ordering": ordering}
            records = every_record(api, url, params)
            forward = flat(walk(api, url, params, limit=max(1, len(records) // 4)))
            assert ids(forward) == ids(records), ordering


def test_search_results_page_by_rank(api):
    params = {"q": "a"}
    records = every_record(api, f"{API}/agreements/", params)
    assert len({record["id"] for record in records}) > 3
    assert ids(flat(walk(api, f"{API}/agreements/", params, limit=2))) == ids(records)
    assert ids(flat(walk(api, f"{API}/organizations/", params, limit=2))) == ids(
        every_record(api, f"{API}/organizations/", params)
    )


def test_filters_apply_to_cursor_pages(api):
    params = {"signed_on__gte": "2018-01-01", "kind__n": "accords"}
    records = every_record(api, f"{API}/agreements/", params)
    assert 3 <= len(records) < Agreement.objects.count()
    assert ids(flat(walk(api, f"{API}/agreements/", params, limit=2))) == ids(records)


def test_a_record_inserted_before_the_position_shifts_no_page(api):
    """Offset pages shift when a record sorts before them; cursor pages continue where they left off."""
    url = f"{API}/organizations/"
    first = api.get(url, {"cursor": "start", "limit": 3}).json()
    offset_next = api.get(url, {"limit": 3}).json()["next"]
    following = api.get(first["next"]).json()["results"]
    Organization.objects.create(name="!!! Sorts first", slug="sorts-first", kind="company")
    assert api.get(first["next"]).json()["results"] == following
    assert api.get(offset_next).json()["results"][0] == first["results"][-1]  # shifted by one: seen twice


def test_a_deleted_position_still_pages(api):
    made = [Organization.objects.create(name=f"!!! {i}", slug=f"first-{i}", kind="company") for i in range(3)]
    url = f"{API}/organizations/"
    first = api.get(url, {"cursor": "start", "limit": 2}).json()
    assert ids(first["results"]) == [made[0].pk, made[1].pk]
    following = api.get(first["next"]).json()["results"]
    assert following[0]["id"] == made[2].pk
    made[1].delete()
    assert api.get(first["next"]).json()["results"] == following


def test_links_keep_the_query_and_replace_the_cursor(api):
    first = api.get(f"{API}/agreements/", {"cursor": "start", "limit": 2, "kind__n": "accords"}).json()
    assert first["previous"] is None
    following = api.get(first["next"]).json()
    assert "kind__n=accords" in first["next"] and "limit=2" in first["next"]
    assert first["next"].count("cursor=") == 1 and "offset" not in first["next"]
    back = api.get(following["previous"]).json()
    assert back["results"] == first["results"]
    assert back["next"] == first["next"]


def test_the_first_and_the_last_page(api):
    url = f"{API}/sources/"
    everything = every_record(api, url, {})
    first = api.get(url, {"cursor": "start", "limit": 2}).json()
    assert first["results"] == everything[:2] and first["previous"] is None and first["next"]
    last = api.get(url, {"cursor": "end", "limit": 2}).json()
    assert last["results"] == everything[-2:] and last["next"] is None and last["previous"]
    nothing = api.get(url, {"cursor": "start", "q": "no-such-words-anywhere"}).json()
    assert nothing == {"count": None, "count_exact": False, "next": None, "previous": None, "results": []}
    assert api.get(url, {"cursor": "end", "q": "no-such-words-anywhere"}).json() == nothing


def test_an_empty_page_beyond_either_end_links_back(api):
    url = f"{API}/sources/"
    everything = every_record(api, url, {})
    last = api.get(url, {"cursor": "end", "limit": 1}).json()
    after_last = api.get(url, {"cursor": flipped(last["previous"]), "limit": 1}).json()
    assert after_last["results"] == [] and after_last["next"] is None
    assert api.get(after_last["previous"]).json()["results"] == everything[-1:]  # cursor=end
    first = api.get(url, {"cursor": "start", "limit": 1}).json()
    before_first = api.get(url, {"cursor": flipped(first["next"]), "limit": 1}).json()
    assert before_first["results"] == [] and before_first["previous"] is None
    assert api.get(before_first["next"]).json()["results"] == everything[:1]  # cursor=start


def flipped(link: str) -> str:
    """The link's cursor turned around: after its record instead of before it, or the reverse."""
    data = decode(token_of(link))
    return encode({**data, "d": "after" if data["d"] == "before" else "before"})


def token_of(link: str) -> str:
    return link.split("cursor=")[1].split("&")[0]


def decode(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())


def encode(data: dict) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# --- bad cursors -------------------------------------------------------------------------------------------


def issued(api) -> str:
    return token_of(api.get(f"{API}/agreements/", {"cursor": "start", "limit": 1}).json()["next"])


def tampered(api, **changes) -> str:
    return encode({**decode(issued(api)), **changes})


@pytest.mark.parametrize(
    "make",
    [
        lambda api: "garbage!",
        lambda api: "not-base64-json",
        lambda api: base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        lambda api: encode({"o": ["signed_on", "slug", "id"]}),  # no key
        lambda api: tampered(api, d="sideways"),
        lambda api: tampered(api, k=["2018-13-45", "x", 1]),  # not a date
        lambda api: tampered(api, k=["2018-01-01", "x", 0]),  # not an id
        lambda api: tampered(api, k=["2018-01-01", "x", 2**63]),  # out of the id range
        lambda api: tampered(api, k=["2018-01-01", "x", "1"]),  # an id as text
        lambda api: tampered(api, k=["2018-01-01", None, 1]),  # slug is never null
        lambda api: tampered(api, k=["2018-01-01", "x"]),  # a key too short
        lambda api: tampered(api, k=["2018-01-01", "x" * 101, 1]),  # longer than a slug can be
        lambda api: tampered(api, extra=1),
        lambda api: issued(api) + "==",  # not canonical
        lambda api: issued(api)[:-3],  # truncated
        lambda api: "A" * (MAX_LENGTH + 1),
    ],
)
def test_a_malformed_or_tampered_cursor_is_a_400_naming_cursor(api, make):
    response = api.get(f"{API}/agreements/", {"cursor": make(api)})
    assert response.status_code == 400, response.content
    assert [error["field"] for error in response.json()["errors"]] == ["cursor"]


def test_a_well_formed_position_the_api_did_not_issue_is_still_a_position(api):
    """Unsigned on purpose: any valid key is a position a client could page to (documented)."""
    response = api.get(f"{API}/agreements/", {"cursor": tampered(api, k=["2019-01-01", "a", 1])})
    assert response.status_code == 200
    assert all(record["signed_on"]["start"] >= "2019-01-01" for record in response.json()["results"])


def test_a_cursor_of_another_ordering_is_a_400(api):
    response = api.get(f"{API}/agreements/", {"cursor": issued(api), "ordering": "-signed_on"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"
    assert "ordering" in response.json()["detail"]
    response = api.get(f"{API}/agreements/", {"cursor": issued(api), "q": "lunar"})  # q ranks first
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "cursor"


def test_cursor_and_offset_together_is_a_400(api):
    response = api.get(f"{API}/agreements/", {"cursor": "start", "offset": 3})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_a_blank_cursor_is_a_400(api):
    response = api.get(f"{API}/agreements/?cursor=")
    assert response.status_code == 400 and response.json()["errors"][0] == {
        "field": "cursor",
        "code": "blank",
        "detail": "Give a value, or leave the parameter out.",
    }


def test_cursor_is_a_list_parameter_only(api):
    slug = Agreement.objects.first().slug
    response = api.get(f"{API}/agreements/{slug}/", {"cursor": "start"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "cursor"


def test_offset_pages_are_unchanged(api):
    body = api.get(f"{API}/agreements/", {"limit": 2, "offset": 2}).json()
    assert body["count"] == Agreement.objects.count() and body["count_exact"] is True
    assert "offset=4" in body["next"] and "cursor" not in body["next"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite sorts NULLs first")
def test_nulls_first_on_sqlite(api):
    _nulls_region(api, first=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL sorts NULLs last")
def test_nulls_last_on_postgresql(api):
    _nulls_region(api, first=False)


def _nulls_region(api, first: bool):
    """A nullable leading field: a page may span values and NULLs, either way round."""
    for i in range(5):
        dated = Organization(name=f"Dated {i}", slug=f"dated-{i}", kind="company")
        dated.set_partial_date("founded_on", PartialDate.parse(f"19{60 + i % 3}"))  # ties broken by id
        dated.save()
    records = every_record(api, f"{API}/organizations/", {"ordering": "founded_on"})
    founded = [record["founded_on"] for record in records]
    assert None in founded and any(founded)
    nulls = [value is None for value in founded]
    assert nulls == sorted(nulls, reverse=first)
    for limit in (1, 2, 3, 4):
        pages = walk(api, f"{API}/organizations/", {"ordering": "founded_on"}, limit)
        assert ids(flat(pages)) == ids(records)
        pages = walk(api, f"{API}/organizations/", {"ordering": "-founded_on"}, limit, backward=True)
        assert ids(flat(pages)) == ids(every_record(api, f"{API}/organizations/", {"ordering": "-founded_on"}))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans the keyset statement")
def test_the_keys_values_are_unseen_by_the_planner(api):
    """Each value of a cursor's key is compared as ``(SELECT value)`` (``api.core.cursors.Unplanned``), so the
    keyset statement keeps its generic plan: seen, a key near the end of 100k agreements, estimated at a row
    or two, had PostgreSQL plan the statement again on every request (1.5 ms, as long as running it)."""
    queryset = Agreement.objects.order_by("signed_on", "slug", "id")
    terms = ordering_terms(queryset)
    last = queryset.values_list("signed_on", "slug", "id").last()
    sql, params = beyond(queryset, terms, cursor_at(terms, last, backward=False), 3).query.sql_with_params()
    assert "(SELECT %s)" in sql and not re.search(r"[<>=] %s", sql), sql
    assert set(last) <= set(params)
