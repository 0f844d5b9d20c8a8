"""The graph's adjacency table (PostgreSQL: ``api.sql.graph.ADJACENCY``) follows every write of the edges' records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from api.sql.graph import ADJACENCY, CARRIED, KINDS
from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    Signatory,
)
from cooperation.selectors.graph import EDGE_RANK

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the adjacency is kept on PostgreSQL"),
    pytest.mark.usefixtures("seeded"),
]


def rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(cursor.fetchall(), key=repr)


def kept() -> list[tuple]:
    columns = "near_type, near_id, rank, far_type, far_id, tid, forward, v1, v2, v3, v4, v5, v6"
    return rows(f"SELECT {columns} FROM {ADJACENCY}")


def expected() -> list[tuple]:
    """Every edge of the linking kinds from both ends, read from their records as ``KINDS`` describe them."""
    selects = []
    for kind in KINDS.values():
        if kind.own:
            continue
        carried = ", ".join(f"{kind.carry.get(name, 'NULL')}::{type_}" for name, type_ in CARRIED)
        for forward, (near, far) in ((True, (kind.source, kind.target)), (False, (kind.target, kind.source))):
            selects.append(
                f"SELECT '{near[0]}'::text, t.{near[1]}, {EDGE_RANK[kind.name]}::smallint, '{far[0]}'::text, "
                f"t.{far[1]}, t.id, {forward}, {carried} FROM {kind.table} t"
            )
    return rows(" UNION ALL ".join(selects))


def test_it_holds_every_edge_from_both_ends():
    found = kept()
    assert found == expected()
    assert {row[2] for row in found} == {rank for name, rank in EDGE_RANK.items() if not KINDS[name].own}


def test_it_follows_saves_updates_bulk_creates_and_deletes():
    agreement, other = Agreement.objects.order_by("pk")[:2]
    organization, mission = Organization.objects.first(), Mission.objects.first()
    party = AgreementParty.objects.create(agreement=agreement, organization=organization, role="authorizing_body")
    assert kept() == expected()
    party.role = "party"
    party.save()
    withdrawn = {"withdrawn_on": dt.date(2020, 5, 1), "withdrawn_on_precision": "month"}
    AgreementParty.objects.filter(pk=party.pk).update(**withdrawn, withdrawn_on_end=dt.date(2020, 5, 31))
    AgreementParty.objects.filter(pk=party.pk).update(organization=Organization.objects.order_by("-pk").first())
    assert kept() == expected()
    last, before = Organization.objects.order_by("-pk")[:2]
    signing = [Signatory(agreement=agreement, person=p, on_behalf_of=last, title="T") for p in Person.objects.all()[:3]]
    Signatory.objects.bulk_create(signing)
    Signatory.objects.filter(agreement=agreement, on_behalf_of=last).update(title="Director", on_behalf_of=before)
    AgreementRelation.objects.create(from_agreement=other, to_agreement=agreement, kind="amends")
    AgreementMission.objects.create(agreement=agreement, mission=mission, role="cooperation")
    participant = MissionParticipant.objects.create(mission=mission, organization=organization, role="operator")
    participant.joined_on, participant.joined_on_precision = dt.date(2001, 2, 3), "day"
    participant.save()
    assert kept() == expected()
    Signatory.objects.filter(agreement=agreement).delete()
    participant.delete()
    AgreementRelation.objects.filter(to_agreement=agreement).update(to_agreement=other, from_agreement=agreement)
    assert kept() == expected()
    other.relations_to.all().delete()
    agreement.delete()  # its parties, signatories, relations and mission links with it
    assert not [row for row in kept() if agreement.pk in (row[1], row[4]) and row[0] == "agreement"]
    assert kept() == expected()


def test_it_follows_a_truncate():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # (the seed's deferred checks would forbid a truncate)
        cursor.execute(f"TRUNCATE {AgreementMission._meta.db_table} CASCADE")  # (citations with it)
    assert not [row for row in kept() if row[2] == EDGE_RANK["agreement_mission"]]
    assert kept() == expected()
