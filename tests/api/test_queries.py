"""Query counts are pinned per endpoint and do not grow with the page size.

Each count includes the SAVEPOINT and RELEASE of the request's atomic block
(``ATOMIC_REQUESTS``), then: COUNT, the page, and one query per prefetched relation.
On PostgreSQL, the lists the database writes itself (``api.sql.documents``) take
COUNT, the page's ids and the documents, however many relations they nest; filtered,
the ids and the total come from one statement.
"""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from api.resources import RESOURCES, registry_viewsets
from cooperation.models import AgreementParty
from tests.support.query_counts import count_queries

EXPANDABLE = {
    v.queryset.model: ",".join(v.serializer_class.Meta.expandable)
    for v in registry_viewsets()
    if getattr(v.serializer_class.Meta, "expandable", ())
}
BY_PREFIX = {r.prefix: model for model, r in RESOURCES.items()}
SEARCHABLE = {RESOURCES[v.queryset.model].prefix for v in registry_viewsets() if v.search}

# prefix: (list, list with every expandable field, detail)
PINNED = {
    "organizations": (4, 6, 5),
    "persons": (5, 7, 6),
    "roles": (4, 5, 4),
    "agreements": (6, 11, 10),
    "parties": (4, 5, 4),
    "signatories": (4, 5, 4),
    "relations": (4, 5, 4),
    "agreement-missions": (4, 5, 4),
    "missions": (7, 9, 8),
    "participants": (4, 5, 4),
    "milestones": (5, 5, 4),
    "sources": (4, 4, 3),
    "citations": (4, 4, 3),
    "labels": (4, 4, 3),
}


SQL_DOCUMENTS = set(PINNED)  # lists PostgreSQL writes itself
SQL_DETAILS = SQL_DOCUMENTS  # details PostgreSQL writes itself
SQL_DOCUMENT_QUERIES = 3  # savepoint, the page's documents with the total (one statement), release


def expected_lists(prefix: str) -> tuple[int, int]:
    if connection.vendor == "postgresql" and prefix in SQL_DOCUMENTS:
        return SQL_DOCUMENT_QUERIES, SQL_DOCUMENT_QUERIES
    return PINNED[prefix][:2]


def test_every_resource_is_pinned():
    assert set(PINNED) == {r.prefix for r in RESOURCES.values()}


@pytest.mark.parametrize("prefix", PINNED)
def test_list_queries_do_not_grow_with_page_size(prefix, api, seeded):
    model = BY_PREFIX[prefix]
    assert model.objects.count() >= 2, "need a full small page"
    expected_list, expected_expanded = expected_lists(prefix)
    assert count_queries(api, f"/api/v1/{prefix}/?limit=1") == expected_list
    assert count_queries(api, f"/api/v1/{prefix}/?limit=100") == expected_list
    expand = EXPANDABLE.get(model)
    if expand:
        assert count_queries(api, f"/api/v1/{prefix}/?limit=1&expand={expand}") == expected_expanded
        assert count_queries(api, f"/api/v1/{prefix}/?limit=100&expand={expand}") == expected_expanded


def expected_cursor_pages(prefix: str) -> int:
    """A cursor page is an offset page without its COUNT (on the documents path, one statement either way)."""
    if connection.vendor == "postgresql" and prefix in SQL_DOCUMENTS:
        return SQL_DOCUMENT_QUERIES
    return PINNED[prefix][0] - 1


@pytest.mark.parametrize("prefix", PINNED)
def test_cursor_pages_cost_the_same_at_any_position(prefix, api, seeded):
    expected = expected_cursor_pages(prefix)
    plain = APIClient()  # the schema-checked client would add its own full request to the count
    deep = plain.get(f"/api/v1/{prefix}/?cursor=end&limit=1").json()["previous"]
    assert deep, "need a position before the last record"
    for url in (f"/api/v1/{prefix}/?cursor=start&limit=1", f"/api/v1/{prefix}/?cursor=end&limit=100", deep):
        assert count_queries(plain, url) == expected, url


@pytest.mark.parametrize("prefix", PINNED)
def test_detail_queries_are_pinned(prefix, api, seeded):
    model = BY_PREFIX[prefix]
    resource = RESOURCES[model]
    written_by_postgresql = connection.vendor == "postgresql" and prefix in SQL_DETAILS
    expected = SQL_DOCUMENT_QUERIES if written_by_postgresql else PINNED[prefix][2]
    for obj in model.objects.order_by("pk")[:3]:  # records with more and fewer relations alike
        key = obj.slug if resource.has_slug else obj.pk
        assert count_queries(api, f"/api/v1/{prefix}/{key}/") == expected


def test_sparse_fields_drop_the_prefetches_they_do_not_need(seeded):
    plain = APIClient()  # the schema-checked client would add its own full request to the count
    full = count_queries(plain, "/api/v1/agreements/?limit=100")
    sparse = count_queries(plain, "/api/v1/agreements/?limit=100&fields=id,slug,title")
    if connection.vendor == "postgresql":
        assert sparse == full == SQL_DOCUMENT_QUERIES  # the nesting is inside the one documents query
    else:
        assert sparse == full - 2  # no parties, no signatories prefetch


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the documents path is PostgreSQL's")
@pytest.mark.parametrize("prefix", sorted(SQL_DOCUMENTS & SEARCHABLE))
def test_filtered_document_lists_take_the_total_with_the_page(prefix, api, seeded):
    for limit in (1, 100):
        assert count_queries(api, f"/api/v1/{prefix}/?limit={limit}&q=ro") == SQL_DOCUMENT_QUERIES


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the documents path is PostgreSQL's")
def test_related_records_named_by_filters_are_checked_in_the_pages_statement(api, seeded):
    """``party=slug`` costs no query of its own: its existence check rides in the page's statement."""
    party = AgreementParty.objects.select_related("organization").first().organization
    for query in (f"party={party.slug}", f"party_id={party.pk}", f"party={party.slug}&signed_on__gte=2000"):
        for limit in (1, 100):
            assert count_queries(api, f"/api/v1/agreements/?{query}&limit={limit}") == SQL_DOCUMENT_QUERIES, query
