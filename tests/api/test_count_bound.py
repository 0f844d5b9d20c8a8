"""Bounded counts (``api.core.counting``): exact up to ``API_COUNT_BOUND`` matches, an honest estimate past it."""

from __future__ import annotations

import contextlib
from unittest import mock

import pytest
from cachetools import TTLCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.core import counting
from api.resources import RESOURCES
from api.sql.documents import Documents
from cooperation.models import AgreementParty, Citation
from tests.support.roles import token_client

API = "/api/v1"
ENVELOPE = ["count", "count_exact", "next", "previous", "results"]
on_postgresql = connection.vendor == "postgresql"
pytestmark = pytest.mark.usefixtures("seeded")


@contextlib.contextmanager
def drf_only():
    with mock.patch.object(Documents, "for_view", return_value=None):
        yield


def ways():
    """The documents PostgreSQL writes, and DRF's serializers (the only way on SQLite)."""
    return [contextlib.nullcontext, drf_only] if on_postgresql else [contextlib.nullcontext]


def get(api, url: str, params: dict, way) -> tuple[dict, int]:
    with way(), CaptureQueriesContext(connection) as queries:
        response = api.get(url, params)
    assert response.status_code == 200, response.content
    return response.json(), len(queries.captured_queries)


@pytest.mark.parametrize("prefix", sorted(r.prefix for r in RESOURCES.values()))
def test_every_list_envelope_has_the_same_keys(api, prefix):
    body = api.get(f"{API}/{prefix}/").json()
    assert list(body) == ENVELOPE and body["count_exact"] is True
    cursor = api.get(f"{API}/{prefix}/", {"cursor": "start"}).json()
    assert list(cursor) == ENVELOPE and cursor["count"] is None and cursor["count_exact"] is False


def test_the_other_envelopes_have_the_same_keys(api):
    for url, params in ((f"{API}/timeline/", {}), (f"{API}/search/", {"q": "lunar"})):
        body = api.get(url, params).json()
        assert list(body) == ENVELOPE and body["count_exact"] is True, url
    changes = token_client("reader")[1].get(f"{API}/changes/").json()
    assert list(changes) == ENVELOPE and changes["count_exact"] is True


@pytest.mark.parametrize("way", ways(), ids=lambda w: w.__name__)
def test_below_the_bound_the_count_is_exact_in_the_same_queries(api, settings, way):
    matching = AgreementParty.objects.filter(role="party").count()
    assert matching >= 3
    below, queries = get(api, f"{API}/parties/", {"role": "party", "limit": 2}, way)
    settings.API_COUNT_BOUND = matching
    at_bound, same_queries = get(api, f"{API}/parties/", {"role": "party", "limit": 2}, way)
    assert below == at_bound and below["count"] == matching and below["count_exact"] is True
    assert queries == same_queries


@pytest.mark.parametrize("way", ways(), ids=lambda w: w.__name__)
def test_past_the_bound_a_filtered_count_is_the_planners_estimate(api, settings, way):
    matches = AgreementParty.objects.filter(role="party")
    total = matches.count()
    _, queries = get(api, f"{API}/parties/", {"role": "party", "limit": 2}, way)
    settings.API_COUNT_BOUND = 2
    body, more_queries = get(api, f"{API}/parties/", {"role": "party", "limit": 2}, way)
    assert len(body["results"]) == 2 and body["next"]
    if not on_postgresql:  # SQLite counts every match
        assert body["count"] == total and body["count_exact"] is True and more_queries == queries
        return
    assert body["count_exact"] is False
    assert body["count"] == max(3, counting.planner_rows(matches)) >= 3
    assert more_queries == queries + 1  # the EXPLAIN, only past the bound


@pytest.mark.skipif(not on_postgresql, reason="SQLite counts every match: no estimate")
def test_a_planners_estimate_is_kept_for_a_while(api, settings, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(
        counting, "_estimates", TTLCache(maxsize=8, ttl=counting.ESTIMATE_SECONDS, timer=lambda: clock[0])
    )
    settings.API_COUNT_BOUND = 1
    since, other_day = ({"signed_on__gte": day, "limit": 1} for day in ("1900-01-01", "1900-01-02"))
    first, with_explain = get(api, f"{API}/agreements/", since, ways()[0])
    again, kept = get(api, f"{API}/agreements/", since, ways()[0])
    assert first["count_exact"] is False and again["count"] == first["count"]
    assert kept == with_explain - 1  # the same statement and values: no second EXPLAIN
    _, other = get(api, f"{API}/agreements/", other_day, ways()[0])
    assert other == with_explain  # other values: their own estimate
    clock[0] += counting.ESTIMATE_SECONDS + 1
    _, expired = get(api, f"{API}/agreements/", since, ways()[0])
    assert expired == with_explain


@pytest.mark.parametrize("way", ways(), ids=lambda w: w.__name__)
def test_past_the_bound_an_unfiltered_count_is_the_kept_row_count(api, settings, way):
    total = Citation.objects.count()
    assert total >= 4
    _, queries = get(api, f"{API}/citations/", {"limit": 1}, way)
    settings.API_COUNT_BOUND = 2
    if on_postgresql:  # the statistics of the test's own rows (ANALYZE sees them)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cooperation_citation")
    body, more_queries = get(api, f"{API}/citations/", {"limit": 1}, way)
    assert body["next"] and more_queries == queries  # the kept count (or the statistics) come with the page
    assert body["count_exact"] is True and body["count"] == total  # PostgreSQL's kept count; SQLite counts


@pytest.mark.parametrize("way", ways(), ids=lambda w: w.__name__)
@pytest.mark.parametrize("params", [{}, {"role": "party"}], ids=["unfiltered", "filtered"])
def test_a_page_past_the_bound_counts_to_its_end_and_links_exactly(api, settings, way, params):
    links = AgreementParty.objects.filter(**params)
    total = links.count()
    assert total >= 6
    settings.API_COUNT_BOUND = 1
    deep, _ = get(api, f"{API}/parties/", {**params, "limit": 2, "offset": 2}, way)
    assert deep["next"] and len(deep["results"]) == 2
    if on_postgresql and params:
        assert deep["count_exact"] is False and deep["count"] >= 5  # the page's end + 1 counted
    else:  # an unfiltered list: the table's kept row count (PostgreSQL), every row (SQLite)
        assert deep["count_exact"] is True and deep["count"] == total
    last, _ = get(api, f"{API}/parties/", {**params, "limit": 2, "offset": total - 2}, way)
    assert last["next"] is None and last["count"] == total and last["count_exact"] is True
    beyond, _ = get(api, f"{API}/parties/", {**params, "limit": 2, "offset": total + 5}, way)
    assert beyond["results"] == [] and beyond["count"] == total and beyond["count_exact"] is True


@pytest.mark.skipif(not on_postgresql, reason="SQLite writes no documents")
@pytest.mark.parametrize("params", [{"limit": 3}, {"role": "party", "limit": 2, "offset": 1}, {"offset": 10**5}])
def test_both_ways_count_alike_past_the_bound(api, settings, params):
    settings.API_COUNT_BOUND = 2
    fast, _ = get(api, f"{API}/parties/", params, contextlib.nullcontext)
    slow, _ = get(api, f"{API}/parties/", params, drf_only)
    assert fast == slow


def test_an_estimate_is_never_below_what_was_counted():
    """Statistics never gathered (-1) or stale (too low) give the cap + 1 records known to match."""
    links = AgreementParty.objects.all()
    assert counting.settle(links, 7, 6, -1) == (7, False)
    assert counting.settle(links, 7, 6, 2) == (7, False)
    assert counting.settle(links, 7, 6, 900) == (900, False)
    assert counting.settle(links, 6, 6, 900) == (6, True)


@pytest.mark.parametrize("way", ways(), ids=lambda w: w.__name__)
def test_a_search_counts_up_to_its_own_bound(api, settings, way):
    """With ``q`` the bound is ``API_SEARCH_COUNT_BOUND``: each text match is checked against the record's text."""
    settings.API_SEARCH_COUNT_BOUND = 10**6
    exact, _ = get(api, f"{API}/organizations/", {"q": "space", "limit": 1}, way)
    total = exact["count"]
    assert total >= 3 and exact["count_exact"] is True
    settings.API_SEARCH_COUNT_BOUND = 2
    bounded, _ = get(api, f"{API}/organizations/", {"q": "space", "limit": 1}, way)
    assert bounded["results"] == exact["results"] and bounded["next"]
    if on_postgresql:
        assert bounded["count_exact"] is False and bounded["count"] >= 3
    else:  # SQLite counts every match
        assert bounded["count_exact"] is True and bounded["count"] == total
    unsearched, _ = get(api, f"{API}/organizations/", {"limit": 1}, way)  # the list's own bound, not q's
    assert unsearched["count_exact"] is True
