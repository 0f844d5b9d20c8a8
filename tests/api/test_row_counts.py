"""Kept row counts (``cooperation.row_counts``, migration 0016) and the deep pages they let PostgreSQL read
from a table's end (``LimitOffsetPagination.page_from_the_end``)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from api.core import pagination
from api.sql.documents import Documents
from cooperation.models import Agreement, AgreementParty, Citation, Organization
from cooperation.partial_dates import PartialDate
from cooperation.row_counts import TABLE, row_count

pytestmark = [
    pytest.mark.usefixtures("seeded"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers keep the counts on PostgreSQL only"),
]
API = "/api/v1"
COUNTED = (Agreement, AgreementParty, Citation, Organization)


def assert_counts_exact():
    for model in COUNTED:
        assert row_count(model, "default") == model.objects.count(), model


def deltas(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE table_name = %s", [model._meta.db_table])
        return cursor.fetchone()[0]


def test_the_seeded_tables_are_counted():
    assert Agreement.objects.exists()
    assert_counts_exact()


def test_saves_bulk_inserts_and_deletes_keep_the_counts():
    organization = Organization.objects.create(name="Counted", slug="counted", kind="company")
    Organization.objects.bulk_create(
        [Organization(name=f"Bulk {i}", slug=f"bulk-{i}", kind="company") for i in range(5)]
    )
    assert_counts_exact()
    Organization.objects.filter(slug__startswith="bulk-").delete()
    organization.delete()
    assert_counts_exact()
    Agreement.objects.order_by("pk").first().delete()  # cascades to its parties, signatories, citations...
    assert_counts_exact()


def test_a_rolled_back_write_leaves_the_count():
    before = row_count(Organization, "default")
    with pytest.raises(RuntimeError), transaction.atomic():
        Organization.objects.create(name="Gone", slug="gone", kind="company")
        raise RuntimeError
    assert row_count(Organization, "default") == before == Organization.objects.count()


def test_folding_keeps_the_sum_in_one_row():
    for i in range(3):
        Organization.objects.create(name=f"Fold {i}", slug=f"fold-{i}", kind="company")
    assert deltas(Organization) > 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {TABLE}_fold(%s)", [Organization._meta.db_table])
    assert deltas(Organization) == 1
    assert_counts_exact()


def test_a_truncate_resets_the_count():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # (the seed's deferred checks, else TRUNCATE refuses)
        cursor.execute("TRUNCATE cooperation_label")
    from cooperation.models import Label

    assert row_count(Label, "default") == 0 == Label.objects.count()


def test_an_uncounted_table_has_no_count():
    from django.contrib.auth.models import User

    assert row_count(User, "default") is None


def pages(api, url, params, total, limit):
    return [api.get(url, {**params, "limit": limit, "offset": offset}).json() for offset in range(0, total + 1, limit)]


@pytest.mark.parametrize(
    ("prefix", "params"),
    [("agreements", {}), ("organizations", {"ordering": "founded_on"}), ("organizations", {"ordering": "-founded_on"})],
)
def test_pages_from_the_end_are_the_pages_drf_reads(api, monkeypatch, prefix, params):
    for i in range(3):  # a nullable ordering field, with some values: a page may span values and NULLs
        dated = Organization(name=f"Dated {i}", slug=f"dated-{i}", kind="company")
        dated.set_partial_date("founded_on", PartialDate.parse(f"196{i}"))
        dated.save()
    monkeypatch.setattr(pagination, "FROM_THE_END", 1)
    read_backwards, original = [], pagination.LimitOffsetPagination.page_from_the_end

    def spy(self, *args):
        page = original(self, *args)
        read_backwards.append(page is not None)
        return page

    monkeypatch.setattr(pagination.LimitOffsetPagination, "page_from_the_end", spy)
    url, total = f"{API}/{prefix}/", api.get(f"{API}/{prefix}/").json()["count"]
    fast = pages(api, url, params, total, 3)
    assert sum(read_backwards) == len([offset for offset in range(3, total + 1, 3) if total // 2 < offset < total])
    with mock.patch.object(Documents, "for_view", return_value=None):
        slow = pages(api, url, params, total, 3)
    assert fast == slow
    assert [record["id"] for page in fast for record in page["results"]] == [
        record["id"] for record in api.get(url, {**params, "limit": 1000}).json()["results"]
    ]
    assert all(page["count"] == total and page["count_exact"] for page in fast)


def test_a_deep_page_costs_the_same_statements_at_any_depth(api, monkeypatch):
    """From ``FROM_THE_END`` on, a page of a whole table reads the kept count first (one small statement),
    then its page: two statements, whether it lies in the first half (read forwards) or the second."""
    monkeypatch.setattr(pagination, "FROM_THE_END", 1)
    total = Agreement.objects.count()
    assert total >= 6
    for offset in (1, total // 2 - 1, total // 2 + 1, total - 1):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"{API}/agreements/", {"offset": offset, "limit": 2}).json()
        statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
        assert len(statements) == 2, (offset, statements)
        assert body["count"] == total and body["count_exact"] is True
