"""The baseline WSGI app serves the benchmark page exactly as the API does (PostgreSQL only)."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import nullcontext
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q

from bench.baseline import BaselineApp
from bench.parity import check_parity, differences
from bench.scenarios import SINCE
from cooperation.corpus import CorpusBuilder, CorpusSize
from cooperation.models import Agreement, AgreementParty, Organization, Signatory
from cooperation.partial_dates import PartialDate

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the baseline's SQL (json_build_object, json_agg) is PostgreSQL's"
)


def call_baseline(app: BaselineApp, query: dict | str, host: str = "testserver") -> tuple[str, dict]:
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        PATH_INFO="/api/v1/agreements/",
        QUERY_STRING=query if isinstance(query, str) else urlencode(query),
        HTTP_HOST=host,
    )
    answer: dict = {}
    body = b"".join(app(environ, lambda status, headers: answer.update(status=status, headers=dict(headers))))
    assert answer["headers"]["Content-Type"] == "application/json"
    return answer["status"], json.loads(body)


@pytest.fixture
def baseline(db) -> BaselineApp:
    """The baseline on the test's own connection, so it sees the test's uncommitted rows."""
    connection.ensure_connection()
    return BaselineApp(lambda: nullcontext(connection.connection))


@pytest.fixture
def corpus(db) -> str:
    """A tiny corpus, with one agreement on the benchmark page given every optional field; the busiest party."""
    CorpusBuilder(CorpusSize(80), seed=7).build()
    since = Q(party_links__role=AgreementParty.Role.PARTY, party_links__agreement__signed_on_end__gte=SINCE)
    party = Organization.objects.annotate(n=Count("party_links", filter=since)).order_by("-n", "slug").first()
    assert party.n >= 4, "too few agreements for several pages"
    agreement = Agreement.objects.filter(party_links__organization=party, signed_on_end__gte=SINCE).first()
    assert agreement is not None
    agreement.set_partial_date("authorized_on", PartialDate.parse("1999-05"))
    agreement.set_partial_date("entered_into_force_on", agreement.get_partial_date("signed_on"))
    agreement.short_title = "Short «title»"
    agreement.topics = ["navigation", "Луна"]
    agreement.forum = Organization.objects.filter(kind=Organization.Kind.FORUM).first()
    agreement.signed_place = "Tokyo"
    agreement.save()
    Agreement.objects.filter(pk=agreement.pk).update(created=dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    outsider = Organization.objects.exclude(party_links__agreement=agreement).first()
    AgreementParty.objects.create(
        agreement=agreement, organization=outsider, role=AgreementParty.Role.AUTHORIZING_BODY, note="authorizes"
    )
    AgreementParty.objects.filter(agreement=agreement, organization=party).update(
        withdrawn_on="2024-01-01", withdrawn_on_precision="year", withdrawn_on_end="2024-12-31"
    )
    Signatory.objects.filter(agreement=agreement).update(note="Подписано в Токио")
    return party.slug


@postgres_only
@pytest.mark.parametrize(
    "extra",
    [{}, {"limit": 2}, {"limit": 2, "offset": 2}, {"limit": 1, "offset": 1}],
    ids=["benchmark page", "first of several", "middle page", "offset below limit"],
)
def test_baseline_and_api_serve_the_same_page(client, baseline, corpus, extra):
    query = {"party": corpus, "signed_on__gte": SINCE, **extra}
    cache.clear()  # throttle counters
    ours = client.get("/api/v1/agreements/", query)
    assert ours.status_code == 200, ours.content
    status, theirs = call_baseline(baseline, query)
    assert status == "200 OK"
    assert differences(ours.json(), theirs) == []
    check_parity(ours.json(), theirs)  # non-empty, with nested parties and signatories


@postgres_only
@pytest.mark.parametrize("extra", [{"limit": 1}, {"limit": 1, "offset": 2}, {"limit": 2, "offset": 100}])
def test_past_the_count_bound_both_estimate_alike(client, settings, corpus, extra):
    """With a bound of 1 both count one match past the bound (or past the page) and estimate from there on."""
    settings.API_COUNT_BOUND = 1
    connection.ensure_connection()
    baseline = BaselineApp(lambda: nullcontext(connection.connection), bound=1)
    query = {"party": corpus, "signed_on__gte": SINCE, **extra}
    cache.clear()
    ours = client.get("/api/v1/agreements/", query).json()
    status, theirs = call_baseline(baseline, query)
    assert status == "200 OK"
    matches = Agreement.objects.filter(
        party_links__organization__slug=corpus, party_links__role="party", signed_on_end__gte=SINCE
    ).count()
    page_end = extra.get("offset", 0) + extra["limit"]
    exact = matches <= max(1, page_end)
    assert theirs["count_exact"] is ours["count_exact"] is exact
    assert theirs["count"] >= (matches if exact else max(1, page_end) + 1)
    assert (theirs["next"] is None) is (page_end >= matches)
    assert differences({**ours, "count": None}, {**theirs, "count": None}) == []  # the estimates' queries differ


@postgres_only
def test_the_enriched_record_exercises_every_field(client, baseline, corpus):
    status, page = call_baseline(baseline, {"party": corpus, "signed_on__gte": SINCE, "limit": 1000})
    assert status == "200 OK"
    record = next(r for r in page["results"] if r["short_title"])
    assert record["forum"]["slug"] and record["authorized_on"]["value"] == "1999-05"
    assert record["created"] == "2020-01-02T03:04:05Z"
    assert record["topics"] == ["navigation", "Луна"]
    assert record["parties"][0]["role"] == "authorizing_body"
    assert any(p["withdrawn_on"] == {"value": "2024", "precision": "year", "start": "2024-01-01", "end": "2024-12-31"}
               for p in record["parties"])  # fmt: skip
    assert {s["note"] for s in record["signatories"]} == {"Подписано в Токио"}
    cache.clear()
    assert client.get("/api/v1/agreements/", {"party": corpus, "signed_on__gte": SINCE, "limit": 1000}).json() == page


@postgres_only
def test_a_changed_record_is_caught(client, baseline, corpus):
    query = {"party": corpus, "signed_on__gte": SINCE}
    _, before = call_baseline(baseline, query)
    Signatory.objects.filter(agreement_id=before["results"][0]["id"]).update(title="Changed after the API answered")
    _, after = call_baseline(baseline, query)
    problems = differences(before, after)
    assert problems and all(".signatories[" in p and p.endswith("'Changed after the API answered'") for p in problems)


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("ordering=title", "Unknown query parameter(s): ordering."),
        ("limit=0", "limit must be a whole number from 1 to 1000."),
        ("offset=-1", "offset must be a whole number from 0."),
        ("signed_on__gte=2000-13", "signed_on__gte is not a real date: month must be in 1..12"),
    ],
)
def test_baseline_refuses_what_it_cannot_serve(query, detail):
    def no_database():
        raise AssertionError("a refused request must not reach the database")

    status, body = call_baseline(BaselineApp(no_database), query)
    assert status == "400 Bad Request"
    assert body["detail"] == detail
