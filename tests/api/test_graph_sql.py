"""A scoped graph written by PostgreSQL (``api.sql.graph``) is exactly the one the Python path builds and DRF writes."""

from __future__ import annotations

import datetime as dt
import itertools
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.core.throttling import AnonThrottle, UserThrottle
from api.renderers.json import RawJSON
from api.sql.graph import graph_document
from cooperation.corpus import CorpusBuilder, CorpusSize
from cooperation.localization import refresh_localized_names
from cooperation.models import Agreement, AgreementParty, Label, Mission, Organization, Person, Source
from cooperation.seeding import seed
from tests.support.row_snapshots import restore

URL = "/api/v1/graph/"
LANGUAGES = ("en", "ru", "zh-hans")

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL writes the graph; SQLite never"),
    pytest.mark.usefixtures("answers_built"),  # (the statement itself: nothing kept)
]


@pytest.fixture(autouse=True)
def _unthrottled(monkeypatch):
    """Each case is asked twice in three languages: far more requests than a minute's allowance."""
    for throttle in (AnonThrottle, UserThrottle):
        monkeypatch.setattr(throttle, "allow_request", lambda self, request, view: True)


def build_corpus() -> None:
    """The seed plus a generated corpus (every date precision, withdrawn parties, relations, participants),
    and labels of every kind a display reads in Russian and Chinese."""
    seed()
    CorpusBuilder(CorpusSize(80), seed=5).build()
    source = Source.objects.first()
    kinds = [Label.Kind.OFFICIAL, Label.Kind.SHORT, Label.Kind.TRANSLITERATION, Label.Kind.NAME]
    labels = []
    for model in (Organization, Person, Agreement, Mission):
        arc = model._meta.model_name
        for index, record in enumerate(model.objects.order_by("pk")[:30]):
            for offset, kind in enumerate(kinds[: index % 5]):
                for language in ("ru", "zh"):
                    text = f"{language}-{kind}-{offset}-{record.pk}"
                    labels.append(Label(**{arc: record}, language=language, kind=kind, text=text, source=source))
    Label.objects.bulk_create(labels)
    for model in (Organization, Person, Agreement, Mission):
        for record in model.objects.filter(labels__isnull=False).distinct():
            refresh_localized_names(record)


@pytest.fixture
def corpus(db, django_db_blocker):
    """The seed and the corpus: built once per process, restored for each test."""
    restore(build_corpus, django_db_blocker)


def both_paths(client, query: str, language: str):
    """(PostgreSQL's response, the Python path's) to the same request."""
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    written = []

    def recording(graph_query, request):
        written.append(graph_document(graph_query, request))
        return written[-1]

    with mock.patch("api.views.graph.graph_document", recording):
        fast = client.get(f"{URL}?{query}", **headers)
    assert [type(document) for document in written] == [RawJSON]  # PostgreSQL wrote it
    with mock.patch("api.views.graph.graph_document", return_value=None), client.unchecked():  # compared whole
        slow = client.get(f"{URL}?{query}", **headers)
    assert fast.status_code == slow.status_code == 200, (fast.content[:300], slow.content[:300])
    return fast, slow


def busiest(model, through: str) -> list[str]:
    from django.db.models import Count

    return list(model.objects.annotate(n=Count(through)).order_by("-n", "slug").values_list("slug", flat=True)[:2])


def queries(corpus_scopes):
    depths = ("depth=1", "depth=2", "depth=3")
    extras = (
        "",
        "&max_nodes=7",
        "&max_nodes=60",
        "&types=organization,agreement",
        "&types=organization,mission,person",
        "&date_from=2010",
        "&date_to=2005-06",
        "&date_from=1998-03-04&date_to=2016",
    )
    for scope, depth, extra in itertools.product(corpus_scopes, depths, extras):
        if "types=" in extra and scope.split("=")[0] not in extra:
            continue
        yield f"{scope}&{depth}{extra}"


def test_postgresql_writes_the_graph_the_python_path_builds(api, corpus):
    scopes = [f"organization={slug}" for slug in busiest(Organization, "party_links")]
    scopes += [f"agreement={slug}" for slug in busiest(Agreement, "party_links")[:1]]
    scopes += [f"mission={slug}" for slug in busiest(Mission, "participant_links")[:1]]
    scopes += ["organization=cnsa", "agreement=russia-china-ilrs-mou-2021"]
    compared = 0
    for query in queries(scopes):
        for language in LANGUAGES:
            fast, slow = both_paths(api, query, language)
            assert fast.json() == slow.json(), (query, language)
            compared += 1
    assert compared > 100


def test_the_bound_and_truncation_match(api, corpus):
    hub = busiest(Organization, "party_links")[0]
    size = api.get(f"{URL}?organization={hub}&depth=2").json()["node_count"]
    for bound in (1, 2, size - 1, size, size + 1):
        if not 1 <= bound <= 500:
            continue
        fast, slow = both_paths(api, f"organization={hub}&depth=2&max_nodes={bound}", "en")
        assert fast.json() == slow.json()
        assert fast.json()["truncated"] is (bound < size)


def test_a_withdrawn_party_follows_the_period(api, corpus):
    party = AgreementParty.objects.filter(role="party").select_related("organization").first()
    party.withdrawn_on, party.withdrawn_on_precision = dt.date(2001, 5, 1), "month"
    party.save()
    query = f"organization={party.organization.slug}&depth=2&date_from=2000&date_to=2030"
    fast, slow = both_paths(api, query, "ru")
    assert fast.json() == slow.json()
    edges = {e["id"]: e for e in fast.json()["edges"]}
    assert edges[f"parties:{party.pk}"]["attributes"]["withdrawn_on"] == "2001-05"


@pytest.mark.parametrize("query", ["organization=cnsa&depth=1", "organization=cnsa&depth=3", "mission=ilrs&depth=2"])
def test_one_statement_writes_it(api, corpus, query):
    """The graph's statement, the scope's lookup in it (with the request's SAVEPOINT and RELEASE), whatever its size."""
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(f"{URL}?{query}").status_code == 200
    assert len(ctx.captured_queries) == 3


def test_the_statement_finds_the_scope_by_its_slug(api, corpus, rf):
    """A slug that names nothing makes no document (the view answers the form's 400); an id seeds as the slug does."""
    from cooperation.selectors.graph import GraphQuery

    request = rf.get(URL)
    assert graph_document(GraphQuery(scope=("organization", "no-such-org"), depth=2), request) is None
    cnsa = Organization.objects.get(slug="cnsa")
    by_slug = graph_document(GraphQuery(scope=("organization", "cnsa"), depth=2), request)
    by_id = graph_document(GraphQuery(scope=("organization", cnsa.pk), depth=2), request)
    assert by_slug is not None and by_slug == by_id
    response = api.get(f"{URL}?organization=no-such-org&depth=2")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "organization", "code": "does_not_exist", "detail": "No organization with slug 'no-such-org'."}
    ]


@pytest.mark.parametrize(
    "scope", ["organization=cnsa&depth=3", "organization=roscosmos&depth=2", "mission=ilrs&depth=3"]
)
def test_bounds_that_cut_inside_a_level_match(api, corpus, scope):
    """The statement looks up only the candidates that can still fit (ranked by the node they are reached from
    and the edge's kind): bounds that cut a level anywhere, ties included, place the nodes the Python path does."""
    size = api.get(f"{URL}?{scope}").json()["node_count"]
    bounds = sorted({1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, size - 1, size} & set(range(1, size + 1)))
    assert len(bounds) > 5
    for bound in bounds:
        for language in ("en", "zh-hans"):
            fast, slow = both_paths(api, f"{scope}&max_nodes={bound}", language)
            assert fast.json() == slow.json(), (scope, bound, language)
