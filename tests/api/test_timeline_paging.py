"""/api/v1/timeline/ paged by the database: filters, order and pages against the whole feed.

The registry here has many events on the same dates (ties broken by kind, then record) and dates of
every precision, so a page boundary falls inside runs of equal dates.
"""

from __future__ import annotations

import random

import pytest
from django.db import connection

from cooperation.models import AgreementParty, Milestone
from cooperation.selectors.timeline import EventKind
from tests.support.factories import (
    add_party,
    make_agreement,
    make_milestone,
    make_mission,
    make_organization,
    make_participant,
    make_person_role,
    make_source,
)
from tests.support.query_counts import count_queries

URL = "/api/v1/timeline/"
DATES = ["2019", "2019-03", "2019-03-03", "2019-03-31", "2020", "2020-01-01", "2020-12", "2021-06-15"]
RANK = {kind: rank for rank, kind in enumerate(EventKind.values)}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answers_built")]  # (the statements themselves)


@pytest.fixture
def registry():
    rng = random.Random(1400)
    orgs = [make_organization() for _ in range(4)]
    for i in range(14):
        dates = {"signed_on": rng.choice(DATES[:4]), "valid_until": rng.choice([None, *DATES[4:]])}
        if i % 3 == 0:
            dates["authorized_on"] = "2018"
        agreement = make_agreement(dates=dates)
        for org in rng.sample(orgs, 2):
            add_party(agreement, org)
        if i % 4 == 0:
            add_party(agreement, orgs[3], role=AgreementParty.Role.AUTHORIZING_BODY)
        if i % 5 == 0:
            link = agreement.party_links.filter(role=AgreementParty.Role.PARTY).first()
            link.set_partial_date("withdrawn_on", rng.choice(DATES[4:]))
            link.full_clean_and_save()
    for i in range(6):
        make_person_role(organization=orgs[i % 4], started=rng.choice(DATES[:4]), ended=rng.choice(DATES[4:]))
    for i in range(6):
        mission = make_mission()
        make_participant(mission, orgs[i % 4])
        for stated in ("2018-01-01", "2018-06-01", "2018-09-09"):
            make_milestone(mission, make_source(), date=rng.choice(DATES), stated=stated)
    return orgs


def feed(api, **params) -> list[dict]:
    response = api.get(URL, {"limit": 1000, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["results"]


def walk(api, limit: int, **params) -> list[dict]:
    """Every page, following ``next`` links."""
    found, url, data = [], URL, {"limit": limit, **params}
    while url:
        response = api.get(url, data)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["results"]) <= limit
        found += body["results"]
        url, data = body["next"], None
    assert body["count"] == len(found)
    return found


def order_key(event: dict) -> tuple:
    return (event["date"]["start"], event["date"]["end"], RANK[event["kind"]], event["record"]["id"])


QUERIES = [
    {},
    {"ordering": "-date"},
    {"include_superseded": "true"},
    {"date_from": "2019-03-15", "date_to": "2020-06"},
    {"kind__in": "signed,milestone,withdrawn"},
]


@pytest.mark.parametrize("params", QUERIES, ids=str)
def test_pages_cover_the_feed_once_in_order(api, registry, params):
    everything = feed(api, **params)
    assert len(everything) > 20
    keys = [order_key(e) for e in everything]
    assert keys == sorted(keys, reverse=params.get("ordering") == "-date")
    assert len({e["id"] for e in everything}) == len(everything)
    for limit in (1, 7, 50):
        assert [e["id"] for e in walk(api, limit, **params)] == [e["id"] for e in everything]


def test_filters_select_exactly_the_matching_events(api, registry):
    everything = feed(api, include_superseded="true")
    for org in registry:
        matching = [e["id"] for e in everything if org.slug in [o["slug"] for o in e["organizations"]]]
        assert [e["id"] for e in feed(api, organization=org.slug, include_superseded="true")] == matching
    low, high = "2019-03-15", "2020-06-30"
    overlapping = [e["id"] for e in everything if e["date"]["end"] >= low and e["date"]["start"] <= high]
    assert [e["id"] for e in feed(api, date_from="2019-03-15", date_to="2020-06", include_superseded="true")] == (
        overlapping
    )
    kinds = {"signed", "role_ended"}
    by_kind = [e["id"] for e in everything if e["kind"] in kinds]
    assert [e["id"] for e in feed(api, kind__in="signed,role_ended", include_superseded="true")] == by_kind
    default = feed(api)
    assert {e["id"] for e in default} < {e["id"] for e in everything}
    assert all(e["is_current"] is not False for e in default)
    missions = {e["subject"]["id"] for e in everything if e["kind"] == "milestone"}
    assert len([e for e in default if e["kind"] == "milestone"]) == len(missions)  # one launch per mission


def test_queries_do_not_depend_on_the_page_or_its_depth(api, registry):
    if connection.vendor == "postgresql":
        # Savepoint, release, the kinds on the page, and one statement: the page's rows, their events' JSON and
        # the count (``api.sql.timeline``).
        for params in ({"limit": 1000}, {"limit": 40}, {"limit": 2, "offset": 40}):
            assert count_queries(api, URL, {**params, "include_superseded": "true"}) == 4
        assert count_queries(api, URL, {"limit": 5, "offset": 10**6}) == 4  # past the end: no kinds, the count
    else:
        # Savepoint, release, the rows (all on one page: no count needed), 11 to build the events (every kind
        # is there).
        assert count_queries(api, URL, {"limit": 1000, "include_superseded": "true"}) == 14
        # A full page is counted too.
        assert count_queries(api, URL, {"limit": 40, "include_superseded": "true"}) == 15
        assert count_queries(api, URL, {"limit": 2, "offset": 40}) <= 15
        assert count_queries(api, URL, {"limit": 5, "offset": 10**6}) == 3  # past the end: only the count
    assert Milestone.objects.count() == 18


def test_a_record_gone_between_the_rows_and_the_page_drops_its_event(registry):
    from cooperation.models import Agreement
    from cooperation.selectors.timeline import TimelineQuery, hydrate
    from cooperation.selectors.timeline_rows import event_rows

    page = event_rows(TimelineQuery(kinds=frozenset({"signed"}))).fetch(0, 5)
    gone = Agreement.objects.get(pk=page[0].pk)
    gone.party_links.all().delete()
    gone.delete()
    assert [event.id for event in hydrate(page)] == [f"agreement:{row.pk}:signed" for row in page[1:]]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"include_superseded": True},
        {"kinds": frozenset({"milestone"})},
        {"date_from": "2019-03-15", "date_to": "2020-06"},
    ],
    ids=str,
)
def test_a_bounded_count_is_exact_up_to_its_bound(registry, django_assert_num_queries, query):
    from cooperation.partial_dates import PartialDate
    from cooperation.selectors.timeline import TimelineQuery, timeline

    dates = {key: PartialDate.parse(value) for key, value in query.items() if key.startswith("date")}
    events = timeline(TimelineQuery(**{**query, **dates}))
    total = events.count()
    assert total > 3
    for bound in (0, 1, 3, total - 1, total, total + 1, 10**6):
        with django_assert_num_queries(1):
            assert events.count(at_most=bound) == min(total, bound + 1)


def test_the_count_stops_at_its_bound_and_says_so(api, registry, settings):
    total = len(feed(api))
    assert total > 10
    settings.API_COUNT_BOUND = 5
    first = api.get(URL, {"limit": 2}).json()
    assert (first["count"], first["count_exact"]) == (6, False)  # more than 5
    assert first["next"] and len(first["results"]) == 2
    deep = api.get(URL, {"limit": 3, "offset": 6}).json()  # counted to the page's end, and past it: more follow
    assert (deep["count"], deep["count_exact"]) == (10, False)
    assert deep["next"] and len(deep["results"]) == 3
    last = api.get(URL, {"limit": 3, "offset": total - 2}).json()  # the end is within reach: exact
    assert (last["count"], last["count_exact"], last["next"]) == (total, True, None)
    assert len(last["results"]) == 2
    assert api.get(URL, {"limit": 3, "offset": total + 5}).json()["results"] == []
    settings.API_COUNT_BOUND = 10**6
    assert api.get(URL, {"limit": 2}).json()["count_exact"] is True


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"include_superseded": True, "descending": True},
        {"kinds": frozenset({"milestone", "signed"})},
        {"date_from": "2019-03-15", "date_to": "2020-06"},
    ],
    ids=str,
)
def test_literal_bounds_read_the_same_rows(registry, query):
    """``page_sql(literal_bounds=True)`` (the first page's LIMITs and OFFSET written into the SQL) reads
    exactly the rows of the statement with them as parameters."""
    from cooperation.partial_dates import PartialDate
    from cooperation.selectors.timeline import TimelineQuery
    from cooperation.selectors.timeline_rows import event_rows

    dates = {key: PartialDate.parse(value) for key, value in query.items() if key.startswith("date")}
    rows = event_rows(TimelineQuery(**{**query, **dates}))
    for start, stop in ((0, 1), (0, 7), (3, 9), (0, 1000)):
        sql, params = rows.page_sql(start, stop)
        literal_sql, literal_params = rows.page_sql(start, stop, literal_bounds=True)
        assert f"LIMIT {stop - start} OFFSET {start}" in literal_sql
        assert len(literal_params) < len(params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            expected = cursor.fetchall()
            cursor.execute(literal_sql, literal_params)
            assert cursor.fetchall() == expected
        assert expected


def test_event_kinds_are_those_of_the_union_branches(db):
    from cooperation.selectors.timeline import TimelineQuery
    from cooperation.selectors.timeline_kinds import AGREEMENT_DATES, ROLE_DATES
    from cooperation.selectors.timeline_rows import event_kinds

    assert event_kinds(TimelineQuery()) == frozenset(EventKind.values)
    assert event_kinds(TimelineQuery(mission_ids=frozenset({1}))) == {EventKind.MILESTONE}
    assert event_kinds(TimelineQuery(agreement_ids=frozenset({1}))) == {*AGREEMENT_DATES, EventKind.WITHDRAWN}
    assert event_kinds(TimelineQuery(organization_ids=frozenset({1}))) == frozenset(EventKind.values)
    kinds = frozenset({EventKind.SIGNED, *ROLE_DATES})
    assert event_kinds(TimelineQuery(kinds=kinds)) == kinds
    assert event_kinds(TimelineQuery(kinds=kinds, mission_ids=frozenset({1}))) == frozenset()
