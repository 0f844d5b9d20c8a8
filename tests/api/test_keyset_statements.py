"""``api.core.keyset_statements``: a cursor page's id statement, compiled once per shape, is the statement
``beyond`` would have compiled for that very cursor, parameter for parameter."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test import RequestFactory
from rest_framework.request import Request

from api.core import keyset_statements
from api.core.cursors import beyond, cursor_at, ordering_terms
from cooperation.models import Agreement, Organization
from cooperation.partial_dates import PartialDate

pytestmark = pytest.mark.usefixtures("seeded")
HELD = connection.vendor == "postgresql"  # shapes are kept on PostgreSQL only


@pytest.fixture(autouse=True)
def _empty():
    keyset_statements._held.clear()
    yield
    keyset_statements._held.clear()


def request_for(path: str, **params) -> Request:
    return Request(RequestFactory().get(path, {**params, "cursor": "x"}))


def statements(queryset, request, keys, backward=False, limit=4):
    """(cached, compiled afresh) statements for each key, in turn."""
    terms = ordering_terms(queryset)
    values = ("pk", *(term.name for term in terms))
    for key in keys:
        cursor = cursor_at(terms, key, backward)
        cached = keyset_statements.ids_statement(queryset, request, terms, cursor, limit, values)
        yield cached, beyond(queryset, terms, cursor, limit, values).query.sql_with_params()


def test_every_cursor_of_a_shape_gets_its_own_key_values():
    queryset = Agreement.objects.order_by("signed_on", "slug", "id")
    keys = list(queryset.exclude(signed_on=None).values_list("signed_on", "slug", "id")[:5])
    request = request_for("/api/v1/agreements/")
    for backward in (False, True):
        for cached, fresh in statements(queryset, request, keys, backward):
            assert cached == fresh
    assert len(keyset_statements._held) == HELD * 2  # one shape per direction


def test_a_null_key_value_is_a_shape_of_its_own():
    for i in range(3):
        dated = Organization(name=f"Dated {i}", slug=f"dated-{i}", kind="company")
        dated.set_partial_date("founded_on", PartialDate.parse(f"196{i}"))
        dated.save()
    queryset = Organization.objects.order_by("founded_on", "id")
    keys = list(queryset.values_list("founded_on", "id"))
    assert any(key[0] is None for key in keys) and any(key[0] is not None for key in keys)
    for cached, fresh in statements(queryset, request_for("/api/v1/organizations/", ordering="founded_on"), keys):
        assert cached == fresh
    assert len(keyset_statements._held) == HELD * 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="kept on PostgreSQL only (SQLite's dates are text)")
def test_later_cursors_of_a_shape_build_no_queryset():
    queryset = Agreement.objects.order_by("signed_on", "slug", "id")
    keys = list(queryset.exclude(signed_on=None).values_list("signed_on", "slug", "id")[:3])
    request = request_for("/api/v1/agreements/")
    with mock.patch.object(keyset_statements, "beyond", wraps=beyond) as built:
        terms = ordering_terms(queryset)
        for key in keys:
            keyset_statements.ids_statement(
                queryset, request, terms, cursor_at(terms, key, False), 4, ("pk", "signed_on", "slug", "id")
            )
    assert built.call_count == 2  # the first cursor's shape, compiled with each set of markers; then none


def test_a_filter_value_equal_to_a_marker_is_left_alone(monkeypatch):
    """A filter's parameter that happens to equal a key's marker is the same in both compilations: kept."""
    queryset = Agreement.objects.exclude(signed_on=None).order_by("signed_on", "slug", "id")
    keys = list(queryset.values_list("signed_on", "slug", "id")[:3])
    marker = keyset_statements._marker(ordering_terms(queryset)[1], 1, 0)
    filtered = queryset.exclude(slug=marker)
    for cached, fresh in statements(filtered, request_for("/api/v1/agreements/", slug=marker), keys):
        assert cached == fresh
        assert marker in cached[1]


def test_other_filters_are_other_shapes():
    queryset = Agreement.objects.order_by("signed_on", "slug", "id")
    key = queryset.exclude(signed_on=None).values_list("signed_on", "slug", "id")[0]
    for kind in ("treaty", "memorandum"):
        narrowed = queryset.filter(kind=kind)
        for cached, fresh in statements(narrowed, request_for("/api/v1/agreements/", kind=kind), [key]):
            assert cached == fresh
    assert len(keyset_statements._held) == HELD * 2
