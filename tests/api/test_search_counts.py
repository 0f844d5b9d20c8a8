"""A ranked search's count kept per process for the names' version (migration 0018, ``api.core.search_counts``)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from api.core import search_counts
from cooperation.models import Agreement
from cooperation.row_counts import TABLE
from tests.support.factories import make_agreement

pytestmark = [
    pytest.mark.usefixtures("committed_seed"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the names' version is kept on PostgreSQL only"),
]
URL = "/api/v1/agreements/"


KEY = "cooperation_agreement_names.version"


def version() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUM(n)::bigint FROM {TABLE} WHERE table_name = %s", [KEY])
        return cursor.fetchone()[0]


def searched(api, q: str, **params) -> dict:
    response = api.get(URL, {"q": q, "limit": 2, **params})
    assert response.status_code == 200, response.content
    return response.json()


def matching(q: str) -> int:
    return Agreement.objects.filter(search_text__contains=q).count()


def kept_entries() -> list[tuple]:
    return list(search_counts._kept.items())


def test_every_change_to_the_names_raises_the_version():
    seen = [version()]
    agreement = make_agreement(title="Versioned Accord")
    seen.append(version())
    agreement.title = "Versioned Accord Renamed"
    agreement.save()
    seen.append(version())
    Agreement.objects.bulk_create([Agreement(slug=f"bulk-{i}", title="Bulk", kind="agreement") for i in range(3)])
    seen.append(version())
    Agreement.objects.filter(slug__startswith="bulk-").delete()
    seen.append(version())
    with pytest.raises(RuntimeError), transaction.atomic():
        make_agreement(title="Rolled Back Accord")
        raise RuntimeError
    seen.append(version())  # (a rolled-back change is no change)
    assert all(a < b for a, b in itertools.pairwise(seen[:5])), seen
    assert seen[-1] == seen[-2]


def test_a_search_asked_again_reads_its_kept_count_until_the_names_change(api):
    q = "lunar"
    first = searched(api, q)  # (more matches than the page shows: counted)
    assert first["count"] == matching(q) and first["count_exact"] is True
    ((key, (counted_at, total)),) = kept_entries()
    assert (counted_at, total) == (version(), first["count"])
    search_counts._kept[key] = (counted_at, 77)  # (a kept total the statement would use as it is)
    assert searched(api, q)["count"] == 77
    make_agreement(title="Another Lunar Accord")  # a new version: counted again
    again = searched(api, q)
    assert again["count"] == matching(q) == first["count"] + 1
    assert search_counts._kept[key] == (version(), again["count"])


@pytest.mark.parametrize("change", ["rename", "delete", "bulk"])
def test_every_committed_change_shows_in_the_next_count(api, change):
    q = "lunar"
    before = searched(api, q)["count"]
    assert searched(api, q)["count"] == before  # (now kept)
    agreement = Agreement.objects.filter(search_text__contains=q).order_by("id").first()
    if change == "rename":
        agreement.title, agreement.short_title = "Solar Accord", ""
        Agreement.objects.filter(pk=agreement.pk).update(title="Solar Accord", short_title="")
        expected = matching(q)
    elif change == "delete":
        agreement.delete()
        expected = before - 1
    else:
        Agreement.objects.bulk_create(
            [
                Agreement(
                    slug=f"lunar-{i}",
                    title="Lunar Bulk",
                    kind="agreement",
                    status="signed",
                    search_text="\nlunar bulk\n",
                )
                for i in range(4)
            ]
        )
        expected = before + 4
    assert matching(q) == expected
    assert searched(api, q)["count"] == expected


def test_a_transaction_that_wrote_counts_its_own_changes_and_keeps_nothing(api):
    q = "lunar"
    before = searched(api, q)["count"]
    kept_before = kept_entries()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_agreement(title="Lunar Uncommitted Accord")
        assert searched(api, q)["count"] == before + 1
        assert kept_entries() == kept_before  # (its version is not one another snapshot can see)
        raise RuntimeError
    assert searched(api, q)["count"] == before


def test_only_a_page_whose_total_is_the_count_keeps_it(api, settings):
    settings.API_SEARCH_COUNT_BOUND = 3
    q = "lunar"
    assert matching(q) > 3
    body = searched(api, q, limit=2)  # (offset + limit below the bound: the total is the count's)
    assert body["count_exact"] is False and len(kept_entries()) == 1
    search_counts.forget()
    searched(api, q, limit=2, offset=2)  # (a page reaching the bound is counted to its own end)
    assert kept_entries() == []


def test_a_kept_count_costs_no_extra_statement(api):
    searched(api, "lunar")
    with CaptureQueriesContext(connection) as ctx:
        searched(api, "lunar")
    assert len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"].upper()]) == 1
