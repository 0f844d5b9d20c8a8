"""Kept counts of the timeline's dated columns (migration 0017) and the timeline counts read from them."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from cooperation.models import Agreement, AgreementParty, PersonRole
from cooperation.row_counts import TABLE
from cooperation.selectors.timeline import TimelineQuery
from cooperation.selectors.timeline_rows import KEPT_KEYS, bounded_count_statement, count_statement, event_rows
from tests.support.factories import (
    add_party,
    make_agreement,
    make_milestone,
    make_mission,
    make_organization,
    make_person_role,
    partial_date_columns,
)

pytestmark = [
    pytest.mark.usefixtures("seeded"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers keep the counts on PostgreSQL only"),
]
URL = "/api/v1/timeline/"
DATED = {
    Agreement: ("authorized_on", "signed_on", "entered_into_force_on", "valid_until"),
    AgreementParty: ("withdrawn_on",),
    PersonRole: ("started_on", "ended_on"),
}


def kept(key: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUM(n)::bigint FROM {TABLE} WHERE table_name = %s", [key])
        return cursor.fetchone()[0]


def assert_kept_exact():
    for model, columns in DATED.items():
        for column in columns:
            counted = model.objects.filter(**{f"{column}__isnull": False}).count()
            assert kept(f"{model._meta.db_table}.{column}") == counted, column


def test_every_kind_but_the_milestones_has_its_kept_count():
    assert set(KEPT_KEYS.values()) == {f"{model._meta.db_table}.{c}" for model, cs in DATED.items() for c in cs}
    assert kept("cooperation_agreement.signed_on") > 0
    assert_kept_exact()


def test_inserts_updates_and_deletes_keep_the_counts():
    signed = kept("cooperation_agreement.signed_on")
    agreement = make_agreement(dates={"valid_until": "2030"})
    assert kept("cooperation_agreement.signed_on") == signed + 1
    Agreement.objects.bulk_create(
        [Agreement(slug=f"bulk-{i}", title="Bulk", kind="agreement", status="signed") for i in range(3)]
    )  # no dates: no deltas
    assert_kept_exact()
    Agreement.objects.filter(slug__startswith="bulk-").update(**partial_date_columns("signed_on", "2019-05"))
    assert kept("cooperation_agreement.signed_on") == signed + 4
    Agreement.objects.filter(pk=agreement.pk).update(**partial_date_columns("valid_until", None))
    assert_kept_exact()
    agreement.title = "Renamed"  # a save that changes no date
    agreement.save()
    assert_kept_exact()
    organization = make_organization()
    party = add_party(agreement, organization)
    AgreementParty.objects.filter(pk=party.pk).update(**partial_date_columns("withdrawn_on", "2031"))
    role = make_person_role(organization=organization, started="2010", ended="2012")
    PersonRole.objects.filter(pk=role.pk).update(**partial_date_columns("ended_on", None))
    assert_kept_exact()
    agreement.delete()  # its party too
    Agreement.objects.filter(slug__startswith="bulk-").delete()
    role.delete()
    assert kept("cooperation_agreement.signed_on") == signed
    assert_kept_exact()


def test_a_rolled_back_write_leaves_the_counts():
    signed = kept("cooperation_agreement.signed_on")
    with pytest.raises(RuntimeError), transaction.atomic():
        make_agreement()
        Agreement.objects.update(**partial_date_columns("valid_until", "2040"))
        raise RuntimeError
    assert kept("cooperation_agreement.signed_on") == signed
    assert_kept_exact()


def test_folding_keeps_each_sum():
    for i in range(3):
        make_agreement(dates={"valid_until": f"{2030 + i}"})
    with connection.cursor() as cursor:
        for column in DATED[Agreement]:
            cursor.execute(f"SELECT {TABLE}_fold(%s)", [f"cooperation_agreement.{column}"])
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE table_name = 'cooperation_agreement.valid_until'")
        assert cursor.fetchone()[0] == 1
    assert_kept_exact()


def test_a_truncate_resets_the_counts():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # (the seed's deferred checks, else TRUNCATE refuses)
        cursor.execute("TRUNCATE cooperation_personrole CASCADE")  # (and the citations of roles)
    assert kept("cooperation_personrole.started_on") == 0 == kept("cooperation_personrole.ended_on")
    make_person_role(started="2001")
    assert kept("cooperation_personrole.started_on") == 1
    assert_kept_exact()


def scanned_total(query: TimelineQuery) -> int:
    return len(event_rows(query).fetch())


QUERIES = [{}, {"kinds": frozenset({"signed", "milestone"})}, {"kinds": frozenset({"signed", "role_started"})}]


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_the_counts_read_the_kept_counts_and_match_a_scan(query, django_assert_num_queries):
    mission = make_mission()
    make_milestone(mission)
    query = TimelineQuery(**query)
    assert TABLE in bounded_count_statement(query, "default", "postgresql")[0]
    assert TABLE in count_statement(query, "default", "postgresql")[0]
    rows = event_rows(query)
    total = scanned_total(query)
    assert total > 5
    with django_assert_num_queries(1):
        assert rows.count() == total
    for bound in (0, 1, 3, total - 1, total, total + 1, 10**6, 2**63 - 2):
        assert rows.count(at_most=bound) == min(total, bound + 1), bound


def test_a_filtered_timeline_is_scanned():
    party = AgreementParty.objects.order_by("pk").first()
    query = TimelineQuery(organization_ids=frozenset({party.organization_id}))
    assert TABLE not in bounded_count_statement(query, "default", "postgresql")[0]
    assert TABLE not in bounded_count_statement(TimelineQuery(), "default", "sqlite")[0]


def test_a_wrong_kept_count_shows_it_is_read():
    total = scanned_total(TimelineQuery())
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} VALUES ('cooperation_agreement.signed_on', 1000)")
    assert event_rows(TimelineQuery()).count() == total + 1000
    assert event_rows(TimelineQuery()).count(at_most=total + 10) == total + 11


def test_a_count_not_kept_falls_back_to_the_scan():
    query = TimelineQuery()
    total = scanned_total(query)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE table_name = 'cooperation_personrole.ended_on'")
    rows = event_rows(query)
    assert rows.count() == total
    for bound in (0, 3, total - 1, total, 10**6):
        assert rows.count(at_most=bound) == min(total, bound + 1), bound


def test_the_page_past_the_bound_is_counted_by_the_kept_counts(api, settings):
    total = scanned_total(TimelineQuery())
    assert total > 10
    settings.API_COUNT_BOUND = 5
    first = api.get(URL, {"limit": 2}).json()
    assert (first["count"], first["count_exact"]) == (6, False)
    deep = api.get(URL, {"limit": 3, "offset": 6}).json()
    assert (deep["count"], deep["count_exact"]) == (10, False)
    last = api.get(URL, {"limit": 3, "offset": total - 2}).json()
    assert (last["count"], last["count_exact"], len(last["results"])) == (total, True, 2)
    settings.API_COUNT_BOUND = 10**6
    assert api.get(URL, {"limit": 2}).json()["count"] == total
    signed = api.get(URL, {"limit": 2, "kind__in": "signed"}).json()
    assert signed["count"] == Agreement.objects.filter(signed_on__isnull=False).count()
