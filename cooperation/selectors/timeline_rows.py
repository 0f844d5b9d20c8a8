"""The timeline's events as rows in SQL: one UNION ALL of the dated columns, filtered, ordered and paged.

Each event source is one branch of the union: an agreement's four dates, a party's withdrawal, a
milestone claim that leads an event (``timeline_claims.event_leads``) and a role's two dates. Every
branch selects the same four columns, ``(start, end, rank, pk)``: the first and last day the
date covers, the kind's rank (``EventKind`` order) and the record's id. The kind determines the
record's table, so these four columns identify an event and are also its sort key; the database
filters, orders and cuts the page (LIMIT/OFFSET) on the date indexes of each table, and counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet, Value
from django.db.models import IntegerField as IntegerOutput

from cooperation.models import Agreement, AgreementParty, Milestone, MissionParticipant, PersonRole
from cooperation.selectors.timeline_claims import event_leads
from cooperation.selectors.timeline_kinds import AGREEMENT_DATES, KIND_RANK, ROLE_DATES, EventKind

COLUMNS = ("ev_start", "ev_end", "ev_rank", "ev_pk")


@dataclass(frozen=True)
class EventRow:
    start: object
    end: object
    kind: str
    pk: int


def _row(queryset: QuerySet, stem: str, rank: int) -> QuerySet:
    """``queryset``'s records dated by ``stem``, as the union's four columns."""
    queryset = queryset.order_by().filter(**{f"{stem}__isnull": False})
    return queryset.annotate(
        ev_start=F(stem), ev_end=F(f"{stem}_end"), ev_rank=Value(rank, output_field=IntegerOutput()), ev_pk=F("pk")
    ).values(*COLUMNS)


def _dated(queryset: QuerySet, stem: str, query) -> QuerySet:
    """Bounds by range overlap: the last day covered on or after ``date_from``, the first on or before ``date_to``."""
    if query.date_from:
        queryset = queryset.filter(**{f"{stem}_end__gte": query.date_from.start})
    if query.date_to:
        queryset = queryset.filter(**{f"{stem}__lte": query.date_to.end})
    return queryset


def _agreement_branches(query, ranks) -> list[QuerySet]:
    branches = []
    for kind, stem in AGREEMENT_DATES.items():
        if not query.wants(kind):
            continue
        agreements = Agreement.objects.all()
        if query.agreement_ids:
            agreements = agreements.filter(pk__in=query.agreement_ids)
        if query.organization_ids:
            # Authorizations list the authorizing bodies with the parties; the other dates, the parties.
            links = AgreementParty.objects.filter(agreement=OuterRef("pk"), organization__in=query.organization_ids)
            if kind != EventKind.AUTHORIZED:
                links = links.filter(role=AgreementParty.Role.PARTY)
            agreements = agreements.filter(Exists(links))
        branches.append(_row(_dated(agreements, stem, query), stem, ranks[kind]))
    return branches


def _withdrawal_branch(query, ranks) -> QuerySet:
    links = AgreementParty.objects.all()
    if query.agreement_ids:
        links = links.filter(agreement__in=query.agreement_ids)
    if query.organization_ids:
        links = links.filter(organization__in=query.organization_ids)
    return _row(_dated(links, "withdrawn_on", query), "withdrawn_on", ranks[EventKind.WITHDRAWN])


def _milestone_branch(query, ranks) -> QuerySet:
    claims = Milestone.objects.order_by()
    if query.mission_ids:
        claims = claims.filter(mission__in=query.mission_ids)
    if query.organization_ids:
        participants = MissionParticipant.objects.filter(
            mission=OuterRef("mission"), organization__in=query.organization_ids
        )
        claims = claims.filter(Exists(participants))
    claims = event_leads(_dated(claims, "date", query), query.include_superseded)
    return _row(claims, "date", ranks[EventKind.MILESTONE])


def _role_branches(query, ranks) -> list[QuerySet]:
    branches = []
    for kind, stem in ROLE_DATES.items():
        if not query.wants(kind):
            continue
        roles = PersonRole.objects.all()
        if query.organization_ids:
            roles = roles.filter(organization__in=query.organization_ids)
        branches.append(_row(_dated(roles, stem, query), stem, ranks[kind]))
    return branches


def event_rows(query) -> QuerySet | None:
    """The union of every branch ``query`` can match, ordered; None when no branch can match."""
    ranks = KIND_RANK
    branches: list[QuerySet] = []
    if not query.mission_ids:
        branches += _agreement_branches(query, ranks)
        if query.wants(EventKind.WITHDRAWN):
            branches.append(_withdrawal_branch(query, ranks))
    if query.wants(EventKind.MILESTONE) and not query.agreement_ids:
        branches.append(_milestone_branch(query, ranks))
    if not query.agreement_ids and not query.mission_ids:
        branches += _role_branches(query, ranks)
    if not branches:
        return None
    union = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    order = [F(column).desc() if query.descending else F(column).asc() for column in COLUMNS]
    return union.order_by(*order)


def rows(queryset: QuerySet | None, start: int = 0, stop: int | None = None) -> Iterator[EventRow]:
    """The rows of ``queryset[start:stop]``: one query."""
    if queryset is None:
        return
    kinds = EventKind.values
    for row in queryset[start:stop]:
        yield EventRow(row["ev_start"], row["ev_end"], kinds[row["ev_rank"]], row["ev_pk"])


__all__ = ["EventRow", "event_rows", "rows"]
