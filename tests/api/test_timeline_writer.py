"""The timeline's writers write exactly what ``TimelineEventSerializer`` (DRF) would.

For every kind of event, each filter, both orders, ``include_superseded``, sparse fields and all three
languages, the response's events are compared, rendered by DRF's own JSON renderer, with the serializer's
output for the same page: the same values, types and key order. Both writers are held to it: Python's
``EventWriter`` (SQLite, the CSV export) and, on PostgreSQL, the statement that writes the page's JSON
(``api.sql.timeline.TimelineDocuments``).
"""

from __future__ import annotations

import orjson
import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from api.renderers.json import ORJSONRenderer
from api.sql import timeline as timeline_sql
from api.sql.timeline import TimelineDocuments
from api.views.timeline import TimelineEventSerializer, TimelineView
from cooperation.localization import LOCALES
from cooperation.selectors.timeline import EventKind, timeline
from tests.support.query_counts import count_queries
from tests.support.timeline_records import more_of_everything

pytestmark = pytest.mark.usefixtures("seeded", "answers_built")  # (the statements themselves: nothing kept)

URL = "/api/v1/timeline/"
QUERIES = [
    {},
    {"include_superseded": "true"},
    {"include_superseded": "true", "ordering": "-date"},
    {"organization": "roscosmos"},
    {"organization": "roscosmos", "include_superseded": "true", "ordering": "-date"},
    {"mission": "change-7", "include_superseded": "true"},
    {"agreement": "russia-china-ilrs-mou-2021"},
    {"date_from": "2015", "date_to": "2020-06"},
    {"kind__in": "signed,withdrawn,role_started"},
    {"fields": "id,title,organizations,citations"},
    {"omit": "claims,subject", "include_superseded": "true"},
    {"limit": "3", "offset": "4"},
]


def drf_results(params: dict, language: str) -> list:
    """What DRF's serializer writes for the page ``params`` ask for."""
    request = Request(RequestFactory().get(URL, params))
    with translation.override(LOCALES[language]):
        events = timeline(TimelineView.parse_query(request))
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 1000))
        _, page = events.page(offset, limit)
        serializer = TimelineEventSerializer(page, many=True, context={"request": request})
        return serializer.data


ON_POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL writes the JSON")


@pytest.fixture(params=[pytest.param("postgresql", marks=ON_POSTGRESQL), "python"])
def writer(request, monkeypatch):
    """Which writer answers: PostgreSQL's statement, or Python's ``EventWriter`` (on any database)."""
    if request.param == "python":
        monkeypatch.setattr(TimelineDocuments, "for_request", classmethod(lambda cls, *args: None))
    return request.param


@pytest.mark.parametrize("language", ["en", "ru", "zh"])
@pytest.mark.parametrize("params", QUERIES, ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()))
def test_written_events_are_the_serializers(api, writer, params, language):
    more_of_everything(3)
    query = {"limit": "1000", **params, "lang": language}
    response = api.get(URL, query)
    assert response.status_code == 200, response.content
    results = orjson.loads(response.content)["results"]
    expected = drf_results({k: v for k, v in query.items() if k != "lang"}, language)
    assert results, "the page is not empty"
    assert JSONRenderer().render(results) == JSONRenderer().render(expected)
    assert ORJSONRenderer().render(results) == JSONRenderer().render(expected)


def test_every_kind_is_compared(api):
    more_of_everything(3)
    kinds = {event["kind"] for event in drf_results({"include_superseded": "true", "limit": "1000"}, "ru")}
    assert kinds == set(EventKind.values)


def test_csv_matches_the_serializer(api):
    response = api.get(URL, {"format": "csv", "include_superseded": "true", "lang": "zh"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    expected = drf_results({"include_superseded": "true"}, "zh")
    assert len(body.strip().splitlines()) >= len(expected) + 1
    for event in expected:
        assert event["id"] in body and event["title"] in body


@ON_POSTGRESQL
def test_postgresql_writes_a_page_in_one_statement(api):
    more_of_everything(3)
    query = {"include_superseded": "true", "lang": "ru"}
    # Savepoint, release, the kinds on the page, and the page's rows with their events and their count, full
    # page or not; a query of one kind needs no kinds.
    assert count_queries(api, URL, {**query, "limit": 1000}) == 4
    assert count_queries(api, URL, {**query, "limit": 5}) == 4
    assert count_queries(api, URL, {**query, "limit": 5, "offset": 10**6}) == 4
    assert count_queries(api, URL, {**query, "organization": "roscosmos", "limit": 1000}) == 5  # + the slug
    assert count_queries(api, URL, {**query, "kind__in": "signed", "limit": 5}) == 3
    request = Request(RequestFactory().get(URL))
    assert TimelineDocuments.for_request(request, ["id", "title"], "default") is not None


@pytest.fixture
def statements(monkeypatch) -> list[tuple[set[str], bool]]:
    """Each page statement run: the kinds it has branches for, and whether it wrote the page."""
    run = []
    original = TimelineDocuments.counted_page

    def counted_page(self, *args):
        page = original(self, *args)
        run.append((set(self.kinds), page is not None))
        return page

    monkeypatch.setattr(TimelineDocuments, "counted_page", counted_page)
    return run


def assert_written_as_drf(response, query: dict) -> set[str]:
    """The response's events are the serializer's; their kinds."""
    assert response.status_code == 200, response.content
    results = orjson.loads(response.content)["results"]
    expected = drf_results(query, "en")
    assert results and JSONRenderer().render(results) == JSONRenderer().render(expected)
    return {event["kind"] for event in expected}


@ON_POSTGRESQL
def test_a_page_of_fewer_kinds_is_written_by_their_branches_alone(api, statements):
    more_of_everything(3)
    query = {"include_superseded": "true", "limit": "2", "offset": "3"}
    kinds = assert_written_as_drf(api.get(URL, query), query)
    assert len(kinds) < len(EventKind.values)
    assert statements == [(kinds, True)]
    query["limit"] = "1000"
    assert_written_as_drf(api.get(URL, query), query)
    assert statements[1:] == [(set(EventKind.values), True)]


@ON_POSTGRESQL
def test_a_page_whose_kinds_changed_is_written_by_every_branch(api, statements, monkeypatch):
    """The registry may change between the two statements: a page holding a kind the narrower statement has no
    branch for is written again, by all the query's branches."""
    more_of_everything(3)
    query = {"include_superseded": "true", "limit": "2", "offset": "3"}
    page_kinds = assert_written_as_drf(api.get(URL, query), query)
    stale = frozenset(set(EventKind.values) - page_kinds)
    monkeypatch.setattr("api.sql.timeline._page_kinds", lambda *args: stale)
    monkeypatch.setattr("api.sql.timeline._HELD", {})  # no kinds kept from the first request
    statements.clear()
    assert_written_as_drf(api.get(URL, query), query)
    assert statements == [(set(stale), False), (set(EventKind.values), True)]


@ON_POSTGRESQL
def test_a_page_asked_again_is_written_by_the_kinds_it_held(api, statements, monkeypatch):
    """The kinds a page statement found are kept: the same page again needs no kinds statement, and kept kinds
    the page no longer matches (the registry changed since) give way to every branch, as a stale first one."""
    more_of_everything(3)
    query = {"include_superseded": "true", "limit": "2", "offset": "3"}
    kinds = assert_written_as_drf(api.get(URL, query), query)
    assert count_queries(api, URL, query) == 3  # savepoint, release, the page: no kinds statement
    assert statements == [(kinds, True), (kinds, True)]
    stale = frozenset(set(EventKind.values) - kinds)
    monkeypatch.setattr("api.sql.timeline._HELD", {key: stale for key in timeline_sql._HELD})
    statements.clear()
    assert_written_as_drf(api.get(URL, query), query)
    assert statements == [(set(stale), False), (set(EventKind.values), True)]
    statements.clear()
    assert_written_as_drf(api.get(URL, query), query)
    assert statements == [(kinds, True)]  # the page statement kept what it found


def test_pages_past_the_end_and_empty_pages(api, writer):
    past = api.get(URL, {"offset": 10**6})
    assert past.status_code == 200
    assert past.json()["results"] == [] and past.json()["count"] > 0
    empty = api.get(URL, {"date_from": "2990", "date_to": "2991"})
    assert empty.status_code == 200
    assert empty.json() == {"count": 0, "count_exact": True, "next": None, "previous": None, "results": []}
