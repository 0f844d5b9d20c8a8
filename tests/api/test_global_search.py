"""``GET /api/v1/search/?q=``: one ranked search across organizations, persons, agreements, missions and sources.

Every response is also checked against ``openapi.yaml`` by the ``api`` client.
"""

from pathlib import Path

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cooperation.models import Agreement, Label, Mission, Organization, Person, Source
from cooperation.search_text import normalize
from cooperation.selectors import bounded_search, global_search
from cooperation.selectors.global_search import TYPE_NAMES

pytestmark = pytest.mark.usefixtures("seeded", "answers_built")  # (the statements themselves: nothing kept)

URL = "/api/v1/search/"
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm and full-text search")
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")


def results(client, **params) -> list[dict]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def keys(hits) -> list[tuple[str, str]]:
    return [(hit["type"], hit["slug"]) for hit in hits]


def error_fields(response) -> list[str]:
    assert response.status_code == 400, response.content
    return [error["field"] for error in response.json()["errors"]]


# --- finding records in every language ------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Рогозин", ("person", "dmitry-rogozin")),
        ("рогозин", ("person", "dmitry-rogozin")),  # case-folded beyond ASCII, on SQLite too
        ("嫦娥", ("mission", "change-7")),
        ("Luna-Resurs", ("mission", "luna-26")),  # an alias
        ("luna resurs", ("mission", "luna-26")),  # punctuation-insensitive
        ("Chang'e 7", ("mission", "change-7")),
        ("Роскосмос", ("organization", "roscosmos")),
        ("Federal Space Agency", ("organization", "roscosmos")),  # a former name
        ("吴艳华", ("person", "wu-yanhua")),
        ("ILRS memorandum", ("agreement", "russia-china-ilrs-mou-2021")),
        ("Parabolic", ("source", "parabolicarc-2018-03-07")),
    ],
)
def test_finds_records_by_names_and_labels_in_every_language(api, q, expected):
    hits = results(api, q=q)
    assert keys(hits)[0] == expected


def test_result_shape(api):
    hit = results(api, q="Рогозин")[0]
    assert list(hit) == ["type", "id", "url", "slug", "display", "score", "snippet"]
    assert hit["url"].endswith("/api/v1/persons/dmitry-rogozin/")
    assert hit["id"] == Person.objects.get(slug="dmitry-rogozin").pk
    assert hit["display"] == "Dmitry Rogozin"
    assert hit["score"] == 1.0  # inside a name
    assert hit["snippet"] == "Дмитрий <mark>Рогозин</mark>"  # the matching label, in its own language


def test_summaries_and_descriptions_match_after_names(api):
    # "memorandum" starts two agreement titles; other records only mention one in their summary or description.
    hits = results(api, q="memorandum")
    by_score = [hit["score"] for hit in hits]
    assert by_score[:2] == [2.0, 2.0]
    assert {hit["type"] for hit in hits[:2]} == {"agreement"}
    described = [hit for hit in hits if hit["score"] == 0.5]
    assert ("person", "dmitry-rogozin") in keys(described)  # "...signed the 2021 lunar station memorandum."
    assert all("<mark>memorandum</mark>" in hit["snippet"].lower() for hit in hits)


def test_a_description_only_match(api):
    hits = results(api, q="interoperable", type__in="mission")
    assert keys(hits) == [("mission", "beidou"), ("mission", "glonass")]
    assert all(hit["score"] == 0.5 for hit in hits)
    assert "<mark>interoperable</mark>" in hits[0]["snippet"]


# --- ranking ----------------------------------------------------------------------------------------


def test_exact_names_rank_first(api):
    iss = results(api, q="ISS")
    assert keys(iss)[0] == ("mission", "iss")
    assert iss[0]["score"] == 3.0 and iss[0]["snippet"] == "<mark>ISS</mark>"
    assert len(iss) > 1  # "mission" contains "iss": substring and description matches follow
    nasa = results(api, q="NASA")
    assert keys(nasa)[0] == ("organization", "nasa")
    assert nasa[0]["score"] == 3.0
    assert len(nasa) > 1 and all(hit["score"] < 3.0 for hit in nasa[1:])


def test_exact_then_prefix_then_substring_then_description_ties_by_type_then_name(api):
    Organization.objects.create(name="Probe", slug="probe", kind="company")  # exact
    Source.objects.create(title="Probe", slug="probe-source", kind="news", tier="commentary")  # exact, later type
    Organization.objects.create(name="Probe Watchers", slug="probe-watchers", kind="company")  # prefix
    for name in ("Zeta Probe", "Alpha Probe", "Mid Probe"):  # substring, in name order
        Mission.objects.create(name=name, slug=name.lower().replace(" ", "-"), kind="orbiter", status="planned")
    Person.objects.create(name="Anonymous", slug="anonymous", description="Built a probe.")  # description only
    hits = results(api, q="probe")
    assert keys(hits) == [
        ("organization", "probe"),
        ("source", "probe-source"),
        ("organization", "probe-watchers"),
        ("mission", "alpha-probe"),
        ("mission", "mid-probe"),
        ("mission", "zeta-probe"),
        ("person", "anonymous"),
    ]
    assert [hit["score"] for hit in hits] == [3.0, 3.0, 2.0, 1.0, 1.0, 1.0, 0.5]


def test_results_are_ordered_by_score_then_type(api):
    hits = results(api, q="a", limit=1000)
    order = [(-hit["score"], TYPE_NAMES.index(hit["type"])) for hit in hits]
    assert order == sorted(order)
    assert len({hit["type"] for hit in hits}) == len(TYPE_NAMES)


# --- type__in -----------------------------------------------------------------------------------------


def test_type_filter(api):
    everything = results(api, q="china", limit=1000)
    assert {hit["type"] for hit in everything} == set(TYPE_NAMES)
    only = results(api, q="china", type__in="source,organization", limit=1000)
    assert {hit["type"] for hit in only} == {"organization", "source"}
    assert keys(only) == [k for k in keys(everything) if k[0] in ("organization", "source")]
    repeated = api.get(f"{URL}?q=china&type__in=organization&type__in=source&limit=1000")
    assert keys(repeated.json()["results"]) == keys(only)


@pytest.mark.parametrize("value", ["planet", "organization,planet", "Organization"])
def test_type_filter_is_validated(api, value):
    response = api.get(URL, {"q": "roscosmos", "type__in": value})
    assert error_fields(response) == ["type__in"]
    assert "organization, person, agreement, mission, source" in response.json()["detail"]


@pytest.mark.parametrize("value", ["", ",", "organization,"])
def test_type_filter_without_a_type_is_blank(api, value):
    response = api.get(URL, {"q": "roscosmos", "type__in": value})
    assert error_fields(response) == ["type__in"]
    assert response.json()["errors"][0]["code"] == "blank"


# --- snippets ------------------------------------------------------------------------------------------


def test_snippet_marks_the_match_and_escapes_html(api):
    Organization.objects.create(name="Tom & Jerry <b>Space</b> Agency", slug="tom-jerry", kind="company")
    hit = results(api, q="jerry")[0]
    assert hit["slug"] == "tom-jerry"
    assert hit["snippet"] == "Tom &amp; <mark>Jerry</mark> &lt;b&gt;Space&lt;/b&gt; Agency"


def test_snippet_of_a_description_is_a_window_escaped_and_marked(api):
    before = "Worked on many things <i>before</i>, " * 5
    after = " and then <script>alert(1)</script> much more, " * 5
    Person.objects.create(name="Jane Roe", slug="jane-roe", description=f"{before}the zebra-crossing project{after}")
    hit = results(api, q="Zebra Crossing")[0]
    assert (hit["slug"], hit["score"]) == ("jane-roe", 0.5)
    snippet = hit["snippet"]
    assert "the <mark>zebra-crossing</mark> project" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<script>" not in snippet and "<i>" not in snippet
    assert "&lt;" in snippet
    assert len(snippet) < 250


def test_snippet_marks_a_label_in_its_own_script(api):
    hit = results(api, q="嫦娥")[0]
    assert hit["snippet"] == "<mark>嫦娥</mark>七号"
    hit = results(api, q="luna resurs")[0]
    assert "<mark>" in hit["snippet"] and "resurs" in hit["snippet"].lower()


def test_snippet_marks_a_match_across_an_apostrophe(api):
    Label.objects.create(
        mission=Mission.objects.get(slug="change-7"),
        language="en",
        text="Chang’e Seven",
        kind="alias",
        source=Source.objects.first(),
    )
    hit = results(api, q="change seven")[0]
    assert hit["snippet"] == "<mark>Chang’e Seven</mark>"


# --- parameters and pagination ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", "q=---", "q=" + "x" * 201])
def test_q_is_required_and_must_have_a_letter_or_digit(api, query):
    assert error_fields(api.get(f"{URL}?{query}")) == ["q"]


def test_unknown_parameter_is_a_400(api):
    assert error_fields(api.get(URL, {"q": "nasa", "type": "organization"})) == ["type"]
    assert error_fields(api.get(URL, {"q": "nasa", "ordering": "name"})) == ["ordering"]


def test_pagination(api):
    everything = api.get(URL, {"q": "a", "limit": 1000}).json()
    assert everything["count"] == len(everything["results"]) > 10
    assert everything["count_exact"] is True
    assert everything["next"] is None and everything["previous"] is None
    paged, url = [], f"{URL}?q=a&limit=4"
    while url:
        page = api.get(url).json()
        assert page["count"] == everything["count"]
        assert len(page["results"]) <= 4
        paged += page["results"]
        url = page["next"]
    assert paged == everything["results"]
    middle = api.get(URL, {"q": "a", "limit": 3, "offset": 5}).json()
    assert middle["results"] == everything["results"][5:8]
    assert "offset=2" in middle["previous"] and "offset=8" in middle["next"]
    past_the_end = api.get(URL, {"q": "a", "offset": 5000}).json()
    assert past_the_end["results"] == [] and past_the_end["count"] == everything["count"]


@pytest.mark.parametrize(("param", "value"), [("limit", "0"), ("limit", "1001"), ("offset", "-1"), ("limit", "x")])
def test_pagination_values_are_validated(api, param, value):
    assert error_fields(api.get(URL, {"q": "nasa", param: value})) == [param]


def test_nothing_found_is_an_empty_page(api):
    body = api.get(URL, {"q": "zzzz-no-such-name"}).json()
    assert body == {"count": 0, "count_exact": True, "next": None, "previous": None, "results": []}


def test_sparse_results(api):
    hits = results(api, q="nasa", fields="type,slug")
    assert hits[0] == {"type": "organization", "slug": "nasa"}
    assert "snippet" not in results(api, q="nasa", omit="snippet")[0]
    assert error_fields(api.get(URL, {"q": "nasa", "fields": "name"})) == ["fields"]
    assert error_fields(api.get(URL, {"q": "nasa", "expand": "labels"})) == ["expand"]


def test_root_lists_search(api):
    assert api.get("/api/v1/").json()["search"].endswith("/api/v1/search/")


# --- queries ---------------------------------------------------------------------------------------------


def data_queries(client, **params) -> int:
    """Queries of one request, leaving out the request's own SAVEPOINT and RELEASE (ATOMIC_REQUESTS)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return sum(1 for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"].upper())


def statements_per_request(types=TYPE_NAMES) -> int:
    """PostgreSQL: one statement for every type; SQLite: one query per type."""
    return 1 if connection.vendor == "postgresql" else len(types)


def test_a_constant_number_of_queries_whatever_the_number_of_results(api):
    for i in range(60):
        Mission.objects.create(name=f"Bulk Probe {i}", slug=f"bulk-probe-{i}", kind="orbiter", status="planned")
    assert data_queries(api, q="Рогозин") == statements_per_request()
    assert data_queries(api, q="zzzz-no-such-name") == statements_per_request()
    assert data_queries(api, q="probe", limit=1000) == statements_per_request()
    assert data_queries(api, q="a", limit=1000) == statements_per_request()
    assert data_queries(api, q="a", limit=5, offset=40) == statements_per_request()
    assert data_queries(api, q="probe", type__in="mission,organization") == statements_per_request(("m", "o"))
    assert len(results(api, q="bulk probe", limit=1000)) == 60


# --- PostgreSQL and SQLite ---------------------------------------------------------------------------


@postgres_only
@pytest.mark.parametrize("q", ["Rogozn", "Rogozine", "Dmitriy Rogozin"])  # a typo, French, a transliteration
def test_near_misses_match_on_postgresql(api, q):
    hits = results(api, q=q)
    rogozin = next(hit for hit in hits if hit["slug"] == "dmitry-rogozin")
    assert 0 < rogozin["score"] < 0.5  # ranked below every real match
    assert "Rogozin</mark>" in rogozin["snippet"]
    if q != "Rogozine":  # English stemming finds "Rogozin" in an agreement's summary: a real match, first
        assert hits[0] == rogozin


@postgres_only
def test_full_text_matches_word_forms_and_word_order_on_postgresql(api):
    hits = results(api, q="memorandum deep space", type__in="agreement")
    assert ("agreement", "russia-china-lunar-deep-space-mou-2018") in keys(hits)
    hits = results(api, q="agreements", type__in="person")  # English stemming: "...signed the March 2018 agreement"
    assert ("person", "igor-komarov") in keys(hits)
    assert "<mark>agreement</mark>" in next(h["snippet"] for h in hits if h["slug"] == "igor-komarov")


@sqlite_only
def test_the_sqlite_fallback_is_a_plain_substring_match(api):
    assert results(api, q="Rogozn") == []
    assert ("person", "igor-komarov") not in keys(results(api, q="agreements", type__in="person"))


# --- bounded work on PostgreSQL --------------------------------------------------------------------------


def reference(q: str, types=TYPE_NAMES) -> list[tuple[str, str, float]]:
    """Every match scored (``scored_matches``, the definition of the ranking), merged as ``search`` merges types."""
    rows = []
    for name in types:
        spec = global_search.SEARCH_TYPES[name]
        found = global_search.scored_matches(spec, normalize(q), postgres=connection.vendor == "postgresql")
        rows += [(-obj.search_score, TYPE_NAMES.index(name), i, name, obj.slug) for i, obj in enumerate(found)]
    return [(name, slug, round(-score, 3)) for score, _, _, name, slug in sorted(rows)]


@pytest.mark.parametrize(
    "q", ["a", "lunar", "Рогозин", "memorandum deep space", "agreements", "Rogozn", "Dmitriy Rogozin", "Chang'e 7"]
)
def test_every_match_ranks_as_if_all_were_scored(api, q):
    """While no way of matching reaches the cap, the bounded statement is exactly the full ranking."""
    body = api.get(URL, {"q": q, "limit": 1000}).json()
    assert body["count_exact"] is True
    expected = reference(q)
    assert [(hit["type"], hit["slug"], hit["score"]) for hit in body["results"]] == expected
    assert body["count"] == len(expected)


@postgres_only
def test_a_common_word_reads_at_most_the_cap_and_says_the_count_is_a_lower_bound(api, monkeypatch):
    for i in range(8):
        Mission.objects.create(name=f"Common Probe {i}", slug=f"common-probe-{i}", kind="orbiter", status="planned")
    full = reference("probe")
    monkeypatch.setattr(global_search, "MAX_MATCHES", 3)
    body = api.get(URL, {"q": "probe", "limit": 1000}).json()
    assert body["count_exact"] is False
    assert len(body["results"]) == body["count"] < len(full)
    found = [(hit["type"], hit["slug"], hit["score"]) for hit in body["results"]]
    assert set(found) <= set(full)
    assert [(-s, TYPE_NAMES.index(t)) for t, _, s in found] == sorted((-s, TYPE_NAMES.index(t)) for t, _, s in found)
    assert api.get(URL, {"q": "probe", "limit": 1000}).json() == body  # the same records on every request
    assert data_queries(api, q="probe") == statements_per_request()
    exact = api.get(URL, {"q": "Common Probe 3"}).json()  # a whole name is found whatever the cap
    assert exact["results"][0]["slug"] == "common-probe-3" and exact["results"][0]["score"] == 3.0


def test_the_documented_cap_is_the_cap():
    """The committed schema's help and the README state the cap a common word reads (``MAX_MATCHES``)."""
    root = Path(__file__).resolve().parents[2]
    schema = " ".join((root / "openapi.yaml").read_text().split())
    readme = (root / "README.md").read_text()
    assert f"reads at most {global_search.MAX_MATCHES} records of each type" in schema
    assert f"reads at most {global_search.MAX_MATCHES}\n  records per type (`MAX_MATCHES`)" in readme


@postgres_only
def test_every_way_of_matching_is_an_index_scan(api):
    assert api.get(URL, {"q": "lunar station"}).status_code == 200
    statements = [bounded_search.composed(global_search.GlobalSearchQuery("lunar station"), "default")]
    with connection.cursor() as cursor:
        # On tiny test tables the planner would scan anyway; with scans forbidden, the plan
        # shows whether an index can answer each way at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + statements[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for spec in global_search.SEARCH_TYPES.values():
        table = spec.model._meta.db_table
        wanted = [f"{table}_search_trgm", f"{table}_name_lines", f"{table}_names_fts"]
        if spec.text_field:
            wanted += [f"{table}_text_fts", f"{table}_text_trgm"]
        assert all(index in plan for index in wanted), (wanted, plan)
        assert "Seq Scan on " + table not in plan, plan


@pytest.fixture
def large_tables(monkeypatch):
    """Searches as on tables above ``GENERIC_ROWS`` with no shape learned: a plan made for each search, kept
    once it repeats."""
    monkeypatch.setattr(bounded_search, "GENERIC_ROWS", -1)
    monkeypatch.setattr(bounded_search, "learned", lambda key: None)


@postgres_only
@pytest.mark.usefixtures("large_tables")
def test_a_search_repeated_on_a_connection_runs_its_prepared_plan_and_sees_every_write(api):
    """The plan is kept, not the results: each request reads the rows (one statement either way)."""
    params = {"q": "lunar", "limit": 1000}
    first = api.get(URL, params).json()
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(URL, params).json() == first
        statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
        assert len(statements) == 1
    assert statements[0].startswith("EXECUTE global_search_")
    probe = Mission.objects.create(name="Lunar Probe Z", slug="lunar-probe-z", kind="orbiter", status="planned")
    created = api.get(URL, params).json()
    assert created["count"] == first["count"] + 1 and ("mission", "lunar-probe-z") in keys(created["results"])
    probe.name, probe.slug = "Solar Probe Z", "solar-probe-z"  # (the slug is searched too)
    probe.save()
    assert api.get(URL, params).json()["count"] == first["count"]
    assert ("mission", "solar-probe-z") in keys(results(api, q="solar probe"))
    probe.delete()
    assert api.get(URL, params).json() == first


@postgres_only
@pytest.mark.parametrize("how", ["DEALLOCATE ALL", "ROLLBACK"])
@pytest.mark.parametrize("generic", [False, True])
def test_plans_the_driver_deallocated_are_made_again(api, monkeypatch, how, generic):
    """psycopg deallocates every prepared statement of a session after a ROLLBACK (or DROP, ALTER): the kept plans
    go with them, and are prepared again, with the same answer (a plan per search, or the tables' generic plan)."""
    monkeypatch.setattr(bounded_search, "GENERIC_ROWS", 10**9 if generic else -1)
    monkeypatch.setattr(bounded_search, "learned", lambda key: None)
    params = {"q": "lunar", "limit": 1000}
    first = api.get(URL, params).json()
    for _ in range(bounded_search.PREPARE_AFTER):
        assert api.get(URL, params).json() == first
    if how == "ROLLBACK":
        connection.ensure_connection()
        with connection.connection.cursor() as raw:
            raw.execute("SELECT 1", prepare=True)  # psycopg holds a prepared statement, so it clears on ROLLBACK
        with pytest.raises(IntegrityError), transaction.atomic():
            Mission.objects.create(name="Duplicate", slug="lunar-probe-y", kind="orbiter", status="planned")
            Mission.objects.create(name="Duplicate", slug="lunar-probe-y", kind="orbiter", status="planned")
    else:
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
    for _ in range(bounded_search.PREPARE_AFTER + 1):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(URL, params).json() == first
    assert any("EXECUTE global_search_" in q["sql"] for q in ctx.captured_queries)
    assert len(search_plans()) == 1


@postgres_only
@pytest.mark.usefixtures("large_tables")
def test_the_plans_kept_on_a_connection_are_bounded(api, monkeypatch):
    monkeypatch.setattr(bounded_search, "PLANS_PER_CONNECTION", 2)
    for q in ["lunar", "station", "deep space", "relay", "lunar"]:
        for _ in range(bounded_search.PREPARE_AFTER + 1):
            results(api, q=q)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_prepared_statements WHERE name LIKE 'global\\_search\\_%'")
        assert cursor.fetchone()[0] == 2


def search_plans() -> list[tuple[str, int, int]]:
    """The connection's prepared searches: name, generic plans run, custom plans run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'global\\_search\\_%' ORDER BY name"
        )
        return cursor.fetchall()


@postgres_only
def test_on_small_tables_every_search_of_a_statement_runs_one_generic_plan_and_sees_every_write(api):
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection.connection.global_search_plans = None  # (a new connection: its tables' sizes are read again)
    words = ["lunar", "station", "relay", "memorandum", "roscosmos"]  # one statement: one word, near misses sought
    first = {q: api.get(URL, {"q": q, "limit": 1000}).json() for q in words}
    for q in words:
        assert api.get(URL, {"q": q, "limit": 1000}).json() == first[q]
    ((name, generic_plans, custom_plans),) = search_plans()
    assert (generic_plans, custom_plans) == (2 * len(words) - 1, 0)  # (the connection's first search: unprepared)
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "auto"  # as it was, for what else the transaction runs
    Mission.objects.create(name="Lunar Probe Z", slug="lunar-probe-z", kind="orbiter", status="planned")
    created = api.get(URL, {"q": "lunar", "limit": 1000}).json()
    assert created["count"] == first["lunar"]["count"] + 1 and ("mission", "lunar-probe-z") in keys(created["results"])
    assert search_plans() == [(name, 2 * len(words), 0)]


@postgres_only
@pytest.mark.parametrize("rows", [0, 1])
def test_tables_above_the_bound_plan_each_search(api, monkeypatch, rows):
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection.connection.global_search_plans = None
    api.get(URL, {"q": "lunar"})  # the sizes, read with the first search
    sizes = connection.connection.global_search_plans.rows
    assert sizes["agreement"] == Agreement.objects.count() or sizes["agreement"] == 0  # (0: never analyzed)
    monkeypatch.setattr(bounded_search, "GENERIC_ROWS", sum(sizes.values()) - rows)
    monkeypatch.setattr(bounded_search, "learned", lambda key: None)
    for q in ["station", "relay"]:
        api.get(URL, {"q": q})
    assert [plans[1] for plans in search_plans()] == ([2] if rows == 0 else [])


@postgres_only
@pytest.mark.parametrize("q", ["lunar", "Chang'e 7", "100% back\\slash", "50%_x", "Рогозин", "深空", "a", "Rogozn"])
@pytest.mark.parametrize("params", [{}, {"type__in": "person,source"}, {"limit": 3, "offset": 2}, {"limit": 1000}])
def test_a_generic_plan_answers_as_the_plan_made_for_the_search(api, monkeypatch, q, params):
    monkeypatch.setattr(global_search, "MAX_MATCHES", 4)  # (capped ways too)
    made = api.get(URL, {"q": q, **params}).content
    monkeypatch.setattr(bounded_search, "GENERIC_ROWS", 10**9)
    for _ in range(2):
        assert api.get(URL, {"q": q, **params}).content == made
    assert any(plans[1] for plans in search_plans())


def learned_shape(q: str, types=TYPE_NAMES):
    query = global_search.GlobalSearchQuery(q, types)
    return bounded_search.learned(("default", tuple(t for t in TYPE_NAMES if t in types), query.normalized))


def generic_runs(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "force_generic_plan" in q["sql"]]


def make_probes(count: int, **fields) -> None:
    for i in range(count):
        Mission.objects.create(
            slug=f"common-probe-{i}", kind="orbiter", status="planned", **fields, name=f"Common Probe {i}"
        )


@postgres_only
@pytest.mark.parametrize("q", ["lunar", "probe", "Chang'e 7", "100% back\\slash", "Рогозин", "深空", "a", "Rogozn"])
@pytest.mark.parametrize("params", [{}, {"type__in": "mission,source"}, {"limit": 3, "offset": 2}, {"limit": 1000}])
def test_a_search_seen_before_runs_its_learned_shape_and_answers_as_the_plan_made_for_it(api, monkeypatch, q, params):
    make_probes(5)
    monkeypatch.setattr(global_search, "MAX_MATCHES", 4)  # (full substring ways: "probe", "a", "lunar")
    monkeypatch.setattr(bounded_search, "GENERIC_ROWS", -1)
    with CaptureQueriesContext(connection) as ctx:
        made = api.get(URL, {"q": q, **params}).content
    assert generic_runs(ctx) == []
    scanned = learned_shape(q, params.get("type__in", ",".join(TYPE_NAMES)).split(","))
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(URL, {"q": q, **params}).content == made
        assert len(generic_runs(ctx)) == (scanned is not None)
    if scanned is not None:
        prepared = [q["sql"] for q in ctx.captured_queries if "PREPARE" in q["sql"]] or ["(prepared before)"]
        assert prepared[0] == "(prepared before)" or prepared[0].count("strpos(search_text") == len(scanned)


@postgres_only
def test_a_common_word_learns_the_types_it_fills_and_their_scans(api, monkeypatch):
    make_probes(5)
    monkeypatch.setattr(global_search, "MAX_MATCHES", 4)
    monkeypatch.setattr(bounded_search, "GENERIC_ROWS", -1)
    assert learned_shape("probe") is None  # (never seen)
    api.get(URL, {"q": "probe"})
    assert learned_shape("probe") == ("mission",)
    with CaptureQueriesContext(connection) as ctx:
        api.get(URL, {"q": "probe"})
    (batch,) = [q["sql"] for q in ctx.captured_queries if "PREPARE" in q["sql"]]
    definition = batch.split("PREPARE ", 1)[1]
    assert definition.count("strpos(search_text, $") == 1 and '"cooperation_mission" WHERE strpos' in definition
    api.get(URL, {"q": "qqqzzz"})
    assert learned_shape("qqqzzz") == ()  # nothing full: every way reads its index


@postgres_only
def test_a_search_whose_summaries_fill_the_cap_is_planned_each_time(api, monkeypatch):
    """A way past the names (here the missions' descriptions) that reached the cap would read every match
    under a generic plan: such a search is not learned."""
    for i in range(5):
        Mission.objects.create(
            name=f"Quiet Lander {i}", slug=f"quiet-{i}", kind="lander", status="planned", description="A zyxw moon."
        )
    monkeypatch.setattr(global_search, "MAX_MATCHES", 4)
    monkeypatch.setattr(bounded_search, "GENERIC_ROWS", -1)
    first = api.get(URL, {"q": "zyxw"}).json()
    assert first["count_exact"] is False and learned_shape("zyxw") is None
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(URL, {"q": "zyxw"}).json() == first
    assert generic_runs(ctx) == []


@postgres_only
def test_a_learned_shape_that_no_longer_fits_answers_the_same_and_is_learned_again(api, monkeypatch):
    make_probes(5)
    monkeypatch.setattr(global_search, "MAX_MATCHES", 4)
    monkeypatch.setattr(bounded_search, "GENERIC_ROWS", -1)
    api.get(URL, {"q": "probe"})
    assert learned_shape("probe") == ("mission",)
    Mission.objects.filter(slug__in=["common-probe-0", "common-probe-1", "common-probe-2"]).delete()
    for mission in Mission.objects.filter(slug__startswith="common-probe"):
        mission.description = "A probe, a probe."
        mission.save()
    with CaptureQueriesContext(connection) as ctx:
        scanned = api.get(URL, {"q": "probe", "limit": 1000}).content
    assert len(generic_runs(ctx)) == 1  # (the shape it had)
    assert learned_shape("probe") == ()  # (the substring way is no longer full)
    bounded_search.forget_shapes()
    assert api.get(URL, {"q": "probe", "limit": 1000}).content == scanned


@pytest.mark.parametrize("shape", [{}, {"fields": "slug,url,score"}, {"omit": "snippet,display"}])
def test_hits_are_represented_as_their_fields_would(rf, shape):
    """The serializer's own ``to_representation`` gives what DRF's fields give, in their order."""
    from rest_framework import serializers
    from rest_framework.request import Request

    from api.views.global_search import VALUES, SearchResultSerializer

    assert list(VALUES) == list(SearchResultSerializer().fields)
    page = global_search.search(global_search.GlobalSearchQuery("a", limit=1000))
    assert {hit.type for hit in page.hits} == set(TYPE_NAMES)
    serializer = SearchResultSerializer(context={"request": Request(rf.get(URL, {"q": "a", **shape}))})
    for hit in page.hits:
        fast = serializer.to_representation(hit)
        assert list(fast.items()) == list(serializers.Serializer.to_representation(serializer, hit).items())


@postgres_only
def test_once_a_types_substring_way_is_full_its_other_ways_are_skipped(api, monkeypatch):
    for i in range(3):
        Mission.objects.create(name=f"Common Probe {i}", slug=f"common-probe-{i}", kind="orbiter", status="planned")
    Mission.objects.create(
        name="Quiet Lander", slug="quiet-lander", kind="lander", status="planned", description="A probe of the poles."
    )
    params = {"q": "probe", "type__in": "mission", "limit": 1000}
    monkeypatch.setattr(global_search, "MAX_MATCHES", 10)  # below the cap: every way runs
    body = api.get(URL, params).json()
    assert body["count_exact"] is True and ("mission", "quiet-lander") in keys(body["results"])
    monkeypatch.setattr(global_search, "MAX_MATCHES", 3)  # the names containing "probe" fill the cap
    body = api.get(URL, params).json()
    assert body["count_exact"] is False and ("mission", "quiet-lander") not in keys(body["results"])
    assert api.get(URL, {**params, "q": "Common Probe 2"}).json()["results"][0]["score"] == 3.0


@postgres_only
@pytest.mark.usefixtures("large_tables")
def test_after_a_failed_prepare_the_connection_runs_searches_unprepared(monkeypatch):
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "global_search_plans", None, raising=False)  # its own registry
    query = global_search.GlobalSearchQuery("lunar relay")
    bounded_search.bounded_page(query, "default")  # seen once: the next run prepares it
    with monkeypatch.context() as patch:
        patch.setattr(bounded_search, "compose", lambda connection, sql, params: "SELECT 1 / 0")
        with pytest.raises(DatabaseError), transaction.atomic():
            bounded_search.bounded_page(query, "default")
    expected = bounded_search.bounded_page(query, "default")
    with CaptureQueriesContext(connection) as ctx:
        assert bounded_search.bounded_page(query, "default")[1:] == expected[1:]
    assert [q["sql"] for q in ctx.captured_queries if "PREPARE" in q["sql"] or "EXECUTE" in q["sql"]] == []


@postgres_only
@pytest.mark.parametrize("q", ["lunar", "Chang'e 7", "100% back\\slash", "50%_x", "Рогозин", "深空", "o'neil d'arcy"])
@pytest.mark.parametrize("types", [TYPE_NAMES, ("agreement",), ("person", "source")])
def test_the_statement_is_written_as_psycopg_writes_it(q, types):
    """``compose`` (pieces kept per statement) gives the text psycopg's ``compose_sql`` gives."""
    connection.ensure_connection()
    for offset, limit in ((0, 50), (40, 1000)):
        request = global_search.GlobalSearchQuery(q, types, offset, limit)
        sql, params = bounded_search.statement_and_parameters(request, "default")
        assert bounded_search.compose(connection, sql, params) == connection.ops.compose_sql(sql, params)


def test_snippets_are_the_same_whether_a_records_names_are_kept_or_not(api):
    """Names kept per process (``_names``'s LRU) give the snippets computed afresh."""
    first = api.get(URL, {"q": "lunar", "limit": 1000}).content
    global_search.forget_names()
    bounded_search.forget_shown()
    assert api.get(URL, {"q": "lunar", "limit": 1000}).content == first


@postgres_only
def test_hits_kept_by_content_show_a_changed_record_as_it_is_now(api):
    """Hits are kept by their columns' content (``_shown``): a record changed since is never shown stale."""
    params = {"q": "Roscosmos", "type__in": "organization", "limit": 1}
    before = results(api, **params)[0]
    Organization.objects.filter(slug="roscosmos").update(short_name="RKA", description="Changed.")
    after = results(api, **params)[0]
    assert after["display"] != before["display"] and after["display"].endswith("(RKA)")
    assert after["display"] == str(Organization.objects.get(slug="roscosmos"))
