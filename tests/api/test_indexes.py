"""Every ordering field is indexed, and ``q`` is an index scan on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from api.core.filter_backends import SearchBackend
from api.resources import registry_viewsets


def leading_index_columns(model) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    indexes = [c for c in constraints.values() if c["index"] or c["unique"] or c["primary_key"]]
    return {c["columns"][0] for c in indexes if c["columns"]}


@pytest.mark.django_db
@pytest.mark.parametrize("viewset", registry_viewsets(), ids=lambda v: v.queryset.model.__name__)
def test_every_ordering_field_leads_an_index(viewset):
    model = viewset.queryset.model
    indexed = leading_index_columns(model)
    columns = {name: model._meta.get_field(name).column for name in viewset.ordering_fields}
    unindexed = sorted(name for name, column in columns.items() if column not in indexed)
    assert not unindexed, f"{model.__name__}: ordering by {unindexed} would sort the whole table"


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    "viewset",
    [v for v in registry_viewsets() if SearchBackend in v.filter_backends],
    ids=lambda v: v.queryset.model.__name__,
)
def test_q_can_use_a_trigram_index(viewset, rf):
    model = viewset.queryset.model
    request = rf.get("/", {"q": "lunar"})
    request.query_params = request.GET
    queryset = SearchBackend().filter_queryset(request, model.objects.all(), viewset())
    with connection.cursor() as cursor:
        # On a tiny test table the planner would scan anyway; with only bitmap scans allowed,
        # the plan shows whether an index can answer the LIKE at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = queryset.order_by().explain()
    assert f"{model._meta.db_table}_search_trgm" in plan, plan


@postgresql_only
@pytest.mark.django_db
def test_the_planner_is_told_random_reads_are_cheap():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == pytest.approx(1.1)


@postgresql_only
@pytest.mark.django_db
def test_jit_compilation_is_off():
    """The full CSV export's query crossed JIT's cost threshold and spent 0.36 s compiling each run."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@postgresql_only
@pytest.mark.django_db
def test_synchronized_scans_are_off():
    """Global search's capped scans must read the same rows on every request (cooperation.selectors.global_search)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronize_seqscans")
        assert cursor.fetchone()[0] == "off"
