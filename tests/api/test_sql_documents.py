"""Records written by PostgreSQL (api.sql.documents) are exactly what the serializers write, in every language."""

from __future__ import annotations

import contextlib
import csv
import io
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIClient

from api.renderers.json import RawJSON
from api.resources import RESOURCES, registry_viewsets
from api.sql.csv_cells import CsvCells
from api.sql.documents import Documents
from api.views.agreements import AgreementViewSet
from cooperation.corpus import CorpusBuilder, CorpusSize
from cooperation.history.models import ChangeRecord
from cooperation.localization import LANGUAGES, refresh_localized_names
from cooperation.models import Agreement, Label, Mission, Organization, Person, Source
from cooperation.seeding import seed
from tests.support.roles import token_client
from tests.support.row_snapshots import restore

API = "/api/v1"
PREFIXES = sorted(r.prefix for r in RESOURCES.values())
EXPANDABLE = {v.queryset.model: v.serializer_class.Meta.expandable for v in registry_viewsets()}

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL writes the documents; SQLite never"),
]


def build_corpus() -> None:
    """The seed data plus a small generated corpus: every precision, nulls, several parties each;
    and labels of every kind a display reads, ties between labels of one kind included."""
    seed()
    CorpusBuilder(CorpusSize(60), seed=11).build()
    source = Source.objects.first()
    kinds = [Label.Kind.OFFICIAL, Label.Kind.SHORT, Label.Kind.TRANSLITERATION, Label.Kind.NAME, Label.Kind.SHORT]
    labels = []
    for model in (Organization, Person, Agreement, Mission):
        arc = model._meta.model_name
        for index, record in enumerate(model.objects.order_by("pk")[:40]):
            for offset, kind in enumerate(kinds[: index % 6]):
                for language in ("ru", "zh"):
                    text = f"{language}-{kind}-{offset}-{record.pk}"
                    labels.append(Label(**{arc: record}, language=language, kind=kind, text=text, source=source))
    Label.objects.bulk_create(labels)  # (bulk: no signals; their subjects' derived names are refreshed here)
    for model in (Organization, Person, Agreement, Mission):
        for record in model.objects.filter(labels__isnull=False).distinct():
            refresh_localized_names(record)


@pytest.fixture
def corpus(db, django_db_blocker):
    """The seed and the corpus: built once per process, restored for each test."""
    restore(build_corpus, django_db_blocker)


@contextlib.contextmanager
def drf_only():
    with (
        mock.patch.object(Documents, "for_view", return_value=None),
        mock.patch.object(Documents, "for_detail", return_value=None),
        mock.patch.object(CsvCells, "for_serializer", return_value=None),
    ):
        yield


@pytest.fixture(params=LANGUAGES)
def language(request) -> str:
    return request.param


def both_ways(api, url: str, params: dict | None = None, language: str = "en"):
    params = {**(params or {}), "lang": language}
    fast = api.get(url, params)
    with drf_only(), api.unchecked():  # compared whole with the checked fast response
        slow = api.get(url, params)
    assert fast.status_code == slow.status_code == 200, (fast.content[:300], slow.content[:300])
    return fast, slow


def variants(prefix: str) -> list[dict]:
    model = next(model for model, resource in RESOURCES.items() if resource.prefix == prefix)
    expand = EXPANDABLE.get(model, ())
    out = [{"limit": 1000}, {"limit": 7, "offset": 3}, {"ordering": "-last_updated", "limit": 1000}]
    if expand:
        out.append({"limit": 1000, "expand": ",".join(expand)})
    return out


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_list_reads_the_same_either_way(api, corpus, prefix, language):
    for params in variants(prefix):
        fast, slow = both_ways(api, f"{API}/{prefix}/", params, language)
        assert fast.json() == slow.json(), params
        assert fast.json()["results"], params


def test_the_heavy_lists_are_written_by_postgresql(api, corpus, language):
    """The compiler must keep covering the agreements list (the benchmark's page) and its shapes, in every language."""
    cases = [
        (f"{API}/agreements/", {}),
        (f"{API}/agreements/", {"expand": ",".join(EXPANDABLE[Agreement])}),
        (f"{API}/agreements/", {"fields": "slug,parties,signatories"}),
        (f"{API}/agreements/", {"q": "lunar", "party": "roscosmos"}),
        (f"{API}/sources/", {}),
        (f"{API}/persons/", {}),
    ]
    for url, params in cases:
        with mock.patch.object(Documents, "page", autospec=True, side_effect=Documents.page) as page:
            assert api.get(url, {**params, "lang": language}).status_code == 200
        assert page.called, (url, params)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "lunar"},
        {"party": "roscosmos", "signed_on__gte": "2000"},
        {"fields": "slug,parties", "ordering": "-signed_on"},
        {"omit": "summary,topics", "offset": 2},
        {"kind": "memorandum", "party__n": "nasa"},
    ],
    ids=str,
)
def test_filters_search_and_shapes_agree(api, corpus, params, language):
    fast, slow = both_ways(api, f"{API}/agreements/", {**params, "limit": 1000}, language)
    assert fast.json() == slow.json()


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_csv_export_is_the_same_either_way(api, corpus, prefix, language):
    for params in variants(prefix):
        params = {key: value for key, value in params.items() if key not in ("limit", "offset")}
        fast, slow = both_ways(api, f"{API}/{prefix}/", {**params, "format": "csv"}, language)
        fast_rows, slow_rows = csv_rows(fast), csv_rows(slow)
        assert fast_rows == slow_rows, params
        assert len(fast_rows) > 1, params


def test_the_agreements_export_is_written_by_postgresql(api, corpus):
    with mock.patch.object(CsvCells, "rows", autospec=True, side_effect=CsvCells.rows) as rows:
        response = api.get(f"{API}/agreements/", {"format": "csv", "q": "lunar"})
        assert len(csv_rows(response)) > 1
    assert rows.called


def test_an_empty_export_is_empty_either_way(api, corpus):
    fast, slow = both_ways(api, f"{API}/agreements/", {"format": "csv", "q": "no-such-words-anywhere"})
    assert csv_rows(fast) == csv_rows(slow) == []


def documents_of_agreements(api) -> Documents:
    request = api.get(f"{API}/agreements/", {"limit": 1}).wsgi_request
    view = AgreementViewSet(request=Request(request), action="list", format_kwarg=None, kwargs={})
    return Documents.for_serializer(view.get_serializer(many=True).child, view.request)


def test_a_page_comes_back_in_its_queries_order_with_its_total(api, corpus):
    documents = documents_of_agreements(api)
    matching = Agreement.objects.filter(kind="memorandum")
    newest = matching.order_by("-id")
    ids = newest.values_list("pk", flat=True)
    total, statistic, page, _, kept = documents.page(ids[1:4].query, count=matching.values("pk").query)
    assert [doc["id"] for doc in orjson.loads(page.text)] == list(ids[1:4])
    assert total == matching.count() > 4 and statistic is None and not kept
    total, _, page, _, _ = documents.page(ids[:100].query, rows=(2, 3))  # the page is a slice of the matches
    assert [doc["id"] for doc in orjson.loads(page.text)] == list(ids[2:5])
    assert total == matching.count()
    past_the_end = documents.page(ids[:3].query, rows=(10**6, 5))  # counted
    assert past_the_end == (3, None, RawJSON("[]"), [], False)
    table = connection.ops.quote_name(Agreement._meta.db_table)
    _, statistic, _, _, _ = documents.page(ids[:1].query, count=matching.values("pk").query, table=table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        assert statistic == cursor.fetchone()[0]


@pytest.mark.parametrize("bound", [10_000, 3], ids=["below the bound", "past the bound"])
def test_offset_pages_at_the_lists_edges_read_the_same_either_way_in_one_query(api, corpus, settings, bound):
    """An unfiltered page reads one row past itself: a page that is not full, or one past the bound with a
    record after it, tells the total without counting; the others count. Every case agrees with DRF's path."""
    settings.API_COUNT_BOUND = bound
    total, limit = Agreement.objects.count(), 4
    for offset in (0, 1, total - limit - 1, total - limit, total - 1, total, total + 3):
        params = {"limit": limit, "offset": offset}
        with CaptureQueriesContext(connection) as queries:
            fast = api.get(f"{API}/agreements/", params)
        statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
        assert len(statements) == 1, params  # the table's statistics come with the page, the count in it
        with drf_only():
            slow = api.get(f"{API}/agreements/", params)
        assert fast.json() == slow.json(), params
        body = fast.json()
        assert (body["next"] is None) == (offset + limit >= total), params
        if offset + limit >= total or bound > total:
            assert body["count"] == total and body["count_exact"] is True, params


def test_a_page_that_tells_its_total_runs_no_count(api, corpus):
    """With ``window``, the count is a branch PostgreSQL takes only when the page's rows do not settle it."""
    documents = documents_of_agreements(api)
    ids = Agreement.objects.order_by("id").values_list("pk", flat=True)
    total = ids.count()
    failing = Agreement.objects.extra(where=["1 / (id - id) = 1"]).values("pk").query  # division by zero if run
    found, _, page, _, _ = documents.page(ids[total - 3 : total + 2].query, count=failing, window=(total - 3, 4, 4))
    assert found == total and [doc["id"] for doc in orjson.loads(page.text)] == list(ids[total - 3 :])
    found, _, page, _, _ = documents.page(ids[2:7].query, count=failing, window=(2, 4, 5))  # past the bound: full + 1
    assert found == 7 and [doc["id"] for doc in orjson.loads(page.text)] == list(ids[2:6])
    counted = Agreement.objects.values("pk").query
    assert documents.page(ids[2:7].query, count=counted, window=(2, 4, 4))[0] == total  # full, below the bound
    assert documents.page(ids[total + 1 : total + 6].query, count=counted, window=(total + 1, 4, 4))[0] == total
    table = Agreement._meta.db_table  # its exact row count is kept: the count is never run
    assert documents.page(ids[2:7].query, count=failing, window=(2, 4, 4), counted=table)[::4] == (total, True)
    last = Agreement.objects.order_by("-id").values_list("pk", flat=True)[:3]  # a page read from the end
    found, _, page, _, kept = documents.page(last.query, counted=table, reverse=True)
    assert (found, kept) == (total, True) and [doc["id"] for doc in orjson.loads(page.text)] == list(last)[::-1]


def test_the_compiled_documents_carry_their_constants_in_the_text(api, corpus):
    """Only a request's own values are parameters: the keys, formats and URLs are literals."""
    documents = documents_of_agreements(api)
    assert documents.params == ()
    assert "'signatories'::text" in documents.sql and "'YYYY-MM-DD'::text" in documents.sql


@pytest.mark.parametrize("params", [{"offset": 100000}, {"q": "no-such-words-anywhere"}, {"offset": 3, "limit": 2}])
def test_pages_past_the_end_and_empty_results_count_the_same(api, corpus, params):
    fast, slow = both_ways(api, f"{API}/agreements/", params)
    assert fast.json() == slow.json()
    assert fast.json()["count"] == slow.json()["count"]


def cursor_walk(api, url: str, params: dict, steps: int = 3) -> None:
    """Pages from ``params``' cursor on, following next (or previous): the same JSON both ways, links included."""
    fast, slow = both_ways(api, url, params)
    for _ in range(steps):
        body = fast.json()
        assert body == slow.json(), params
        assert body["count"] is None
        link = body["next"] if params["cursor"] != "end" else body["previous"]
        if link is None:
            return
        parts = urlsplit(link)  # its query as parameters: both_ways adds lang to them
        fast, slow = both_ways(api, parts.path, dict(parse_qsl(parts.query)))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_cursor_pages_read_the_same_either_way(api, corpus, prefix):
    url = f"{API}/{prefix}/"
    for params in (
        {"cursor": "start", "limit": 7},
        {"cursor": "end", "limit": 7},
        {"cursor": "start", "ordering": "-last_updated", "limit": 5},
    ):
        cursor_walk(api, url, params)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "lunar"},
        {"party": "roscosmos", "signed_on__gte": "2000"},
        {"fields": "slug,parties", "ordering": "-signed_on"},
        {"ordering": "entered_into_force_on"},  # mostly NULL: pages across values and NULLs
        {"ordering": "-entered_into_force_on,title"},
        {"kind": "memorandum", "party__n": "nasa"},
    ],
    ids=str,
)
def test_cursor_pages_of_agreements_agree(api, corpus, params):
    for cursor in ("start", "end"):
        cursor_walk(api, f"{API}/agreements/", {**params, "cursor": cursor, "limit": 4}, steps=4)


def test_cursor_pages_are_written_by_postgresql(api, corpus):
    with mock.patch.object(Documents, "keyset_page", autospec=True, side_effect=Documents.keyset_page) as page:
        body = api.get(f"{API}/agreements/", {"cursor": "start", "limit": 3}).json()
        assert api.get(body["next"]).status_code == 200
    assert page.call_count == 2


# --- details ---------------------------------------------------------------------------------------


def detail_urls(prefix: str, count: int = 6) -> list[str]:
    """A few records of the resource: the first, the last, and some between (some labelled, in the corpus)."""
    model = next(model for model, resource in RESOURCES.items() if resource.prefix == prefix)
    key = RESOURCES[model].lookup_field
    keys = list(model.objects.order_by("pk").values_list(key, flat=True))
    step = max(1, len(keys) // count)
    return [f"{API}/{prefix}/{value}/" for value in [*keys[::step][:count], keys[-1]]]


def detail_variants(prefix: str) -> list[dict]:
    model = next(model for model, resource in RESOURCES.items() if resource.prefix == prefix)
    expand = EXPANDABLE.get(model, ())
    out = [{}, {"fields": "id,display"}, {"omit": "url,created"}]
    if expand:
        out.append({"expand": expand[0], "omit": expand[-1]})
    return out


def fast_detail_used(api, url: str, params: dict) -> bool:
    with mock.patch.object(Documents, "record", autospec=True, side_effect=Documents.record) as record:
        api.get(url, params)
    return record.called


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_detail_reads_the_same_either_way(api, corpus, prefix, language):
    """Body and ETag alike, shaped or not; the tag of a shaped read is the full record's."""
    for url in detail_urls(prefix):
        for params in detail_variants(prefix):
            fast, slow = both_ways(api, url, params, language)
            assert fast.json() == slow.json(), (url, params)
            assert fast["ETag"] == slow["ETag"], (url, params)
            assert fast["Content-Language"] == slow["Content-Language"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_details_are_written_by_postgresql_when_they_compile(api, corpus, prefix):
    """Every resource but the ones named here takes the fast path for its details."""
    url = detail_urls(prefix, 1)[0]
    assert fast_detail_used(api, url, {}) == (prefix not in DRF_DETAILS), prefix


# resources whose detail serializer the compiler cannot write yet
DRF_DETAILS: set[str] = set()


def test_a_detail_answers_304_and_404_as_drf_does(api, corpus):
    url = detail_urls("agreements", 1)[0]
    fast = api.get(url)
    with drf_only():
        slow = api.get(url)
    tag = fast["ETag"]
    assert tag == slow["ETag"]
    for headers in ({"HTTP_IF_NONE_MATCH": tag}, {"HTTP_IF_NONE_MATCH": f"W/{tag}"}, {"HTTP_IF_NONE_MATCH": "*"}):
        assert api.get(url, **headers).status_code == 304
        with drf_only():
            assert api.get(url, **headers).status_code == 304
    assert api.get(url, {"fields": "id"}, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    for missing in (f"{API}/agreements/no-such-agreement/", f"{API}/citations/999999999/", f"{API}/citations/0/"):
        fast = api.get(missing)
        with drf_only():
            slow = api.get(missing)
        assert fast.status_code == slow.status_code == 404
        assert fast.json() == slow.json()


def test_a_detail_rejects_unknown_shapes_as_drf_does(api, corpus):
    url = detail_urls("agreements", 1)[0]
    for params in ({"fields": "nope"}, {"expand": "parties"}, {"omit": "x,y"}):
        fast = api.get(url, params)
        with drf_only():
            slow = api.get(url, params)
        assert fast.status_code == slow.status_code == 400
        assert fast.json() == slow.json()


@pytest.mark.parametrize("prefix", sorted(set(PREFIXES) - DRF_DETAILS))
def test_a_detail_costs_one_query_whatever_the_record(corpus, prefix):
    """One statement, shaped or not, however many nested rows the record has."""
    plain = APIClient()  # the schema-checked client would add its own full request to the count
    for url in detail_urls(prefix, 3):
        for params in ({}, {"fields": "id"}):
            with CaptureQueriesContext(connection) as queries:
                assert plain.get(url, params).status_code == 200
            statements = [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]  # ATOMIC_REQUESTS
            assert len(statements) == 1, [sql[:150] for sql in statements]


def test_the_claims_compared_cover_every_standing(api, corpus):
    """The parity above means something for claims: the data holds achieved, planned and superseded claims,
    current and not, and a mission whose current and full claim lists differ."""
    claims = api.get(f"{API}/milestones/", {"limit": 1000}).json()["results"]
    assert {claim["claim_status"] for claim in claims} == {"achieved", "planned", "superseded"}
    assert {claim["is_current"] for claim in claims} == {True, False}
    assert any(claim["claim_status"] == "achieved" and not claim["is_current"] for claim in claims)
    missions = api.get(f"{API}/missions/", {"limit": 1000, "expand": "milestones"}).json()["results"]
    assert any(len(mission["current_milestones"]) < len(mission["milestones"]) for mission in missions)


# --- the change log -------------------------------------------------------------------------------------


@pytest.fixture
def changes(corpus):
    """Creations, updates and deletions by a token's user, a script's change (no user) and a dated change."""
    _, client = token_client("editor")
    _, curator = token_client("curator")
    new = {"slug": "esa", "name": "European Space Agency", "kind": "space_agency", "countries": ["FR"]}
    assert client.post(f"{API}/organizations/", new, format="json").status_code == 201
    esa = client.get(f"{API}/organizations/esa/")
    patch = {"short_name": "ESA", "founded_on": "1975-05"}
    assert client.patch(f"{API}/organizations/esa/", patch, format="json", HTTP_IF_MATCH=esa["ETag"]).status_code == 200
    assert (
        client.post(f"{API}/organizations/", {**new, "slug": "gone", "name": "Gone"}, format="json").status_code == 201
    )
    gone = f"{API}/organizations/gone/"
    assert curator.delete(gone, HTTP_IF_MATCH=curator.get(gone)["ETag"]).status_code == 204
    mission = Mission.objects.first()
    mission.description = "changed by a script"
    mission.save()
    assert ChangeRecord.objects.filter(user__isnull=True).exists()
    assert ChangeRecord.objects.filter(action="deleted").exists()
    return curator


def test_the_change_log_reads_the_same_either_way(changes, language):
    for params in ({"limit": 1000}, {"limit": 3, "offset": 1}, {"action": "updated"}, {"fields": "id,changes,user"}):
        fast, slow = both_ways(changes, f"{API}/changes/", params, language)
        assert fast.json() == slow.json(), params
        assert fast.json()["results"], params
    for change in ChangeRecord.objects.order_by("pk"):
        fast, slow = both_ways(changes, f"{API}/changes/{change.pk}/", {}, language)
        assert fast.json() == slow.json()
        assert fast["ETag"] == slow["ETag"]


def test_the_change_log_is_written_by_postgresql(changes):
    with mock.patch.object(Documents, "page", autospec=True, side_effect=Documents.page) as page:
        assert changes.get(f"{API}/changes/").status_code == 200
    assert page.called
    change = ChangeRecord.objects.first()
    with mock.patch.object(Documents, "record", autospec=True, side_effect=Documents.record) as record:
        assert changes.get(f"{API}/changes/{change.pk}/").status_code == 200
    assert record.called


def test_the_change_log_keeps_its_permission_on_the_fast_path(changes, api):
    change = ChangeRecord.objects.first()
    _, no_role = token_client("none")
    for url in (f"{API}/changes/", f"{API}/changes/{change.pk}/"):
        assert api.get(url).status_code == 401
        assert no_role.get(url).status_code == 403


@pytest.mark.parametrize(
    "moment",
    ["2024-02-29T23:59:59+00:00", "2024-03-01T00:00:00.000001+00:00", "1999-12-31T21:30:00.5+03:00"],
)
def test_timestamps_read_the_same_either_way(api, corpus, moment):
    """Microseconds written only when non-zero, in UTC, as DRF does: whole seconds and one microsecond too."""
    agreement = Agreement.objects.order_by("pk").first()
    Agreement.objects.filter(pk=agreement.pk).update(created=moment, last_updated=moment)
    fast, slow = both_ways(api, f"{API}/agreements/{agreement.slug}/")
    assert fast.json()["created"] == slow.json()["created"]
    assert fast.json() == slow.json()
    listed, drf_listed = both_ways(api, f"{API}/agreements/", {"ordering": "last_updated", "limit": 1})
    assert listed.json() == drf_listed.json()
    assert listed.json()["results"][0]["slug"] == agreement.slug
