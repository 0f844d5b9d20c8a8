"""A ranked ``?q=`` page of agreements read tier by tier (PostgreSQL: ``api.core.ranked_search``) is the page the
one ordered scan of every match gives, with the same count; the narrow tables it reads follow ``search_text``."""

import pytest
from django.db import connection
from django.test import override_settings

import api.core.pagination as api_pagination
from api.core.ranked_search import SENTINEL
from cooperation.models import Agreement
from cooperation.search_text import NAME_LINES

pytestmark = [
    pytest.mark.usefixtures("seeded"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="name lines are kept on PostgreSQL"),
]
LINES, NAMES, RECORD = NAME_LINES[Agreement._meta.db_table]
# Every tier, several times: a whole name, a name's start, inside a name (and inside a word), elsewhere.
NAMED = ["lunar", "lunar base", "lunar", "the lunar gateway", "sublunar", "lunar relay", "lunarx", "solar"]


def name_agreements():
    agreements = list(Agreement.objects.order_by("pk"))
    assert len(agreements) >= len(NAMED)
    for agreement, name in zip(agreements, NAMED * len(agreements), strict=False):
        Agreement.objects.filter(pk=agreement.pk).update(search_text=f"\nfirst {agreement.pk}\n{name}\n")


def rows(sql: str, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def both_ways(client, monkeypatch, url: str) -> tuple[bytes, bytes]:
    tiered = client.get(url)
    with monkeypatch.context() as patch:
        patch.setattr(api_pagination, "tiered_page", lambda *args, **kwargs: None)
        scanned = client.get(url)
    assert tiered.status_code == scanned.status_code == 200, (tiered.content, scanned.content)
    return tiered.content, scanned.content


@pytest.mark.parametrize("q", ["lunar", "Lunar base", "lunar gateway", "sublunar", "unar", "first", "solar", "nothing"])
@pytest.mark.parametrize("page", ["", "&limit=2", "&limit=2&offset=3", "&offset=5", "&offset=100", "&limit=1000"])
def test_the_tiered_page_is_the_scanned_page(api, monkeypatch, q, page):
    name_agreements()
    tiered, scanned = both_ways(api, monkeypatch, f"/api/v1/agreements/?q={q}{page}")
    assert tiered == scanned


@override_settings(API_COUNT_BOUND=2)
def test_past_the_bound_the_count_is_the_same_estimate(api, monkeypatch):
    name_agreements()
    for page in ("", "&limit=1", "&offset=1&limit=1", "&offset=4"):
        tiered, scanned = both_ways(api, monkeypatch, f"/api/v1/agreements/?q=lunar{page}")
        assert tiered == scanned


def test_exact_then_prefix_then_substring(api):
    name_agreements()
    results = api.get("/api/v1/agreements/?q=lunar&fields=id,slug").json()["results"]
    tiers = [
        next(name for name in NAMED if f"\n{name}\n" in Agreement.objects.get(pk=r["id"]).search_text) for r in results
    ]
    ranks = [3 if name == "lunar" else 2 if name.startswith("lunar") else 1 for name in tiers]
    assert ranks == sorted(ranks, reverse=True) and set(ranks) == {1, 2, 3}


def test_other_filters_and_orderings_keep_the_one_scan(api, monkeypatch):
    name_agreements()
    real, used = api_pagination.tiered_page, []
    monkeypatch.setattr(api_pagination, "tiered_page", lambda *args: used.append(real(*args)) or used[-1])
    for url in ("?q=lunar", "?q=lunar&ordering=slug", "?q=lunar&signed_on__gte=1900", "?q=lunar&limit=3"):
        assert api.get(f"/api/v1/agreements/{url}").status_code == 200
    assert [statements is not None for statements in used] == [True, False, False, True]


def test_the_narrow_tables_follow_search_text(api):
    """Triggers keep them in the same transaction: inserts (``bulk_create`` too), updates, deletes."""
    name_agreements()
    agreement = Agreement.objects.order_by("pk").first()

    def kept():
        lines = sorted(line for (line,) in rows(f"SELECT line FROM {LINES} WHERE {RECORD} = %s", [agreement.pk]))
        names = rows(f"SELECT search_text FROM {NAMES} WHERE {RECORD} = %s", [agreement.pk])
        return lines, names

    assert kept() == (sorted([f"first {agreement.pk}", NAMED[0]]), [(f"\nfirst {agreement.pk}\n{NAMED[0]}\n",)])
    agreement.refresh_search_text()  # as the signals do: from its names and labels
    agreement.refresh_from_db()
    assert kept() == ([line for line in sorted(agreement.search_text.split("\n")) if line], [(agreement.search_text,)])
    whole = rows(
        f"SELECT count(*) FROM {Agreement._meta.db_table} a WHERE search_text <> ''"
        f" AND NOT EXISTS (SELECT 1 FROM {NAMES} n WHERE n.{RECORD} = a.id AND n.search_text = a.search_text)"
    )
    assert whole == [(0,)]
    agreement.delete()
    assert kept() == ([], [])


def test_the_query_stands_in_the_cached_sql_as_letters():
    assert SENTINEL.isalpha() and SENTINEL.islower()
