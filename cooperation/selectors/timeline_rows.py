"""The timeline's events as rows in SQL: one UNION ALL of the dated columns, filtered, ordered and paged.

Each event source is one branch of the union: an agreement's four dates, a party's withdrawal, a
milestone claim that leads an event (``timeline_claims.event_leads``) and a role's two dates. Every
branch selects the same four columns, ``(start, end, rank, pk)``: the first and last day the
date covers, the kind's rank (``EventKind`` order) and the record's id. The kind determines the
record's table, so these four columns identify an event and are also its sort key; the database
filters, orders and cuts the page (LIMIT/OFFSET) on the date indexes of each table, and counts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.db import connections, router
from django.db.models import Exists, F, OuterRef, QuerySet, Value
from django.db.models import IntegerField as IntegerOutput

from cooperation.models import Agreement, AgreementParty, Milestone, MissionParticipant, PersonRole
from cooperation.row_counts import TABLE as ROW_COUNTS
from cooperation.selectors.timeline_claims import event_leads
from cooperation.selectors.timeline_kinds import AGREEMENT_DATES, KIND_RANK, ROLE_DATES, EventKind
from cooperation.selectors.timeline_load import prepared_cursor

COLUMNS = ("ev_start", "ev_end", "ev_rank", "ev_pk")


@dataclass(frozen=True)
class EventRow:
    start: dt.date
    end: dt.date
    kind: str
    pk: int


def _row(queryset: QuerySet, stem: str, rank: int) -> QuerySet:
    """``queryset``'s records dated by ``stem``, as the union's four columns."""
    queryset = queryset.order_by().filter(**{f"{stem}__isnull": False})
    return queryset.annotate(
        ev_start=F(stem), ev_end=F(f"{stem}_end"), ev_rank=Value(rank, output_field=IntegerOutput()), ev_pk=F("pk")
    ).values(*COLUMNS)


# The most days a partial date's last day lies after its first (a year's: 2024-01-01 to 2024-12-31); a check
# constraint on every dated column holds ``*_end`` to its date and precision.
LONGEST_SPAN = dt.timedelta(days=365)


def _earliest_start(day: dt.date) -> dt.date:
    """The first day of the earliest date that can still cover ``day`` (never before year 1)."""
    return day - LONGEST_SPAN if day - dt.date.min >= LONGEST_SPAN else dt.date.min


def _dated(queryset: QuerySet, stem: str, query) -> QuerySet:
    """Bounds by range overlap: the last day covered on or after ``date_from``, the first on or before ``date_to``.

    ``date_from`` also bounds the first day (no date spans more than ``LONGEST_SPAN``), which changes no result
    but lets the branch's index scan start near the bound instead of at the first date of all.
    """
    if query.date_from:
        queryset = queryset.filter(
            **{f"{stem}_end__gte": query.date_from.start, f"{stem}__gte": _earliest_start(query.date_from.start)}
        )
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


def _milestone_branch(query, ranks) -> tuple[QuerySet, QuerySet]:
    """The leads of milestone events, and what to count them by.

    By default each group of claims (mission and milestone kind) shows exactly one event, so without
    date bounds (which apply to the lead's date) the events are counted as the groups, on an index.
    """
    claims = Milestone.objects.order_by()
    if query.mission_ids:
        claims = claims.filter(mission__in=query.mission_ids)
    if query.organization_ids:
        participants = MissionParticipant.objects.filter(
            mission=OuterRef("mission"), organization__in=query.organization_ids
        )
        claims = claims.filter(Exists(participants))
    leads = _row(
        event_leads(_dated(claims, "date", query), query.include_superseded), "date", ranks[EventKind.MILESTONE]
    )
    if query.include_superseded or query.date_from or query.date_to:
        return leads, leads
    return leads, claims.values("mission", "kind").distinct()


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


def _branches(query) -> tuple[list[QuerySet], dict[int, QuerySet]]:
    """Every branch ``query`` can match, and for some of them what to count instead (by index)."""
    branches: list[QuerySet] = []
    counted: dict[int, QuerySet] = {}
    if not query.mission_ids:
        branches += _agreement_branches(query, KIND_RANK)
        if query.wants(EventKind.WITHDRAWN):
            branches.append(_withdrawal_branch(query, KIND_RANK))
    if query.wants(EventKind.MILESTONE) and not query.agreement_ids:
        leads, counted[len(branches)] = _milestone_branch(query, KIND_RANK)
        branches.append(leads)
    if not query.agreement_ids and not query.mission_ids:
        branches += _role_branches(query, KIND_RANK)
    return branches, counted


@lru_cache(maxsize=512)
def event_kinds(query) -> frozenset[str]:
    """The kinds of the events ``query`` can match: those of its union's branches (the rest never have rows)."""
    branches, _ = _branches(query)
    return frozenset(EventKind.values[branch.query.annotations["ev_rank"].value] for branch in branches)


def _compiled(queryset: QuerySet, using: str) -> tuple[str, list]:
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    return sql, list(params)


@lru_cache(maxsize=512)
def count_statement(query, using: str, vendor: str) -> tuple[str, tuple] | None:
    """``SELECT`` the number of events: the sum of each branch's count; None when nothing can match.

    The branches with a kept count (``_counted_branches``) are counted by it, or scanned where it is not kept.
    A pure function of the query (its values included) and the database (alias and vendor), so it is
    compiled once.
    """
    branches = _counted_branches(query, using, vendor)
    if not branches:
        return None
    kept = [branch for branch in branches if branch.key]
    scanned = [branch for branch in branches if not branch.key]
    parts = [f"(SELECT COUNT(*) FROM ({branch.sql}) b{index})" for index, branch in enumerate(kept + scanned)]
    if kept:
        parts[: len(kept)] = [f"COALESCE({_kept_sql(kept)}, {' + '.join(parts[: len(kept)])})"]
    return f"SELECT {' + '.join(parts)}", _params(kept + scanned)


@lru_cache(maxsize=512)
def bounded_count_statement(query, using: str, vendor: str) -> tuple[str, tuple] | None:
    """``SELECT`` the number of events, but of no more than a bound (the one parameter ``count`` adds last).

    The union's branches (or what they are counted by) give one row per event, unordered, so the database
    stops reading after the bound: the cost of a bounded count is that of the bound, not of the registry.
    The branches with a kept count (``_counted_branches``) are not read at all: the others are read up to
    the bound less the kept counts (often not at all), and where a count is not kept, all are read.
    """
    branches = _counted_branches(query, using, vendor)
    if not branches:
        return None
    kept = [branch for branch in branches if branch.key]
    if not kept:
        return _bounded_union(branches, "%s"), _params(branches)
    scanned = [branch for branch in branches if not branch.key]
    rest = f"p.k + ({_bounded_union(scanned, 'GREATEST(p.lim - p.k, 0)')})" if scanned else "p.k"
    # OFFSET 0: ``p`` stays a subquery, its kept counts read once (pulled up, each reference would read them).
    sql = (
        f"SELECT CASE WHEN p.k IS NULL THEN ({_bounded_union(branches, 'p.lim')}) ELSE LEAST({rest}, p.lim) END "
        f"FROM (SELECT {_kept_sql(kept)} AS k, %s::bigint AS lim OFFSET 0) p"
    )
    return sql, _params(branches) + _params(scanned)


def _bounded_union(branches: list[CountedBranch], limit: str) -> str:
    parts = [f"SELECT 1 AS one FROM ({branch.sql}) b{index}" for index, branch in enumerate(branches)]
    return f"SELECT COUNT(*) FROM ({' UNION ALL '.join(parts)} LIMIT {limit}) counted"


def _params(branches: list[CountedBranch]) -> tuple:
    return tuple(param for branch in branches for param in branch.params)


def _kept_sql(branches: list[CountedBranch]) -> str:
    """A scalar subquery: the sum of the branches' kept counts, NULL if any is not kept (then none counts)."""
    keys = sorted({branch.key for branch in branches})
    listed = ", ".join(f"'{key}'" for key in keys)  # names of tables and columns: no quotes to escape
    return (
        f"(SELECT CASE WHEN COUNT(DISTINCT table_name) = {len(keys)} THEN SUM(n)::bigint END "
        f"FROM {ROW_COUNTS} WHERE table_name IN ({listed}))"
    )


# Each kind's kept count (migration 0017, PostgreSQL): the rows of its table where its date is set.
KEPT_KEYS = {
    **{kind: f"{Agreement._meta.db_table}.{stem}" for kind, stem in AGREEMENT_DATES.items()},
    EventKind.WITHDRAWN: f"{AgreementParty._meta.db_table}.withdrawn_on",
    **{kind: f"{PersonRole._meta.db_table}.{stem}" for kind, stem in ROLE_DATES.items()},
}


@dataclass(frozen=True)
class CountedBranch:
    """The SQL a branch is counted by, its parameters, and the key of its kept count (None: scanned)."""

    sql: str
    params: tuple
    key: str | None


def _counted_branches(query, using: str, vendor: str) -> list[CountedBranch]:
    """What each branch is counted by (the branch itself, or a cheaper query); none when nothing can match.

    On PostgreSQL, when no agreement, organization, mission or date filters a branch other than the
    milestones', its events are the rows of its table where its date is set, kept counted: ``KEPT_KEYS``.
    """
    branches, counted = _branches(query)
    unfiltered = not (
        query.agreement_ids or query.organization_ids or query.mission_ids or query.date_from or query.date_to
    )
    found = []
    for index, branch in enumerate(branches):
        sql, params = _compiled(counted.get(index, branch), using)
        kind = EventKind.values[branch.query.annotations["ev_rank"].value]
        key = KEPT_KEYS.get(kind) if vendor == "postgresql" and unfiltered else None
        found.append(CountedBranch(sql, tuple(params), key))
    return found


@lru_cache(maxsize=512)
def page_statement(query, using: str, vendor: str, bounded: bool) -> tuple[str, tuple] | None:
    """The rows in order; ``bounded``: each branch, then the whole, take a LIMIT (and OFFSET) parameter.

    The parameters for the LIMITs are not in the returned ones: ``fetch`` adds them.
    """
    branches, _ = _branches(query)
    if not branches:
        return None
    direction = "DESC" if query.descending else "ASC"
    branch_order = [F(column).desc() if query.descending else F(column).asc() for column in BRANCH_ORDER]
    parts, params = [], []
    for index, branch in enumerate(branches):
        sql, branch_params = _compiled(branch.order_by(*branch_order) if bounded else branch, using)
        parts.append(f"SELECT * FROM ({sql}{' LIMIT %s' if bounded else ''}) b{index}")
        params += [*branch_params, _STOP] if bounded else branch_params
    order = ", ".join(f"ev.{column} {direction}" for column in COLUMNS)
    columns = ", ".join(f"ev.{column}" for column in COLUMNS)
    sql = f"SELECT {columns} FROM ({' UNION ALL '.join(parts)}) ev ORDER BY {order}"
    return (f"{sql} LIMIT %s OFFSET %s" if bounded else sql), tuple(params)


LARGEST_LIMIT = 2**63 - 1  # a LIMIT is a bigint
BRANCH_ORDER = ("ev_start", "ev_end", "ev_pk")  # within a branch the kind is fixed
_STOP = object()  # where a branch's LIMIT goes in the parameters


def event_rows(query) -> EventRows:
    """The events matching ``query``, as rows to count or to page."""
    return EventRows(query)


class EventRows:
    """The rows of the union, counted or read a page at a time: one statement each.

    A page ``[start:stop]`` is the first ``stop`` rows of the union in order, less the first ``start``.
    Those are among the first ``stop`` rows of each branch in the same order (within a branch the kind
    is fixed, so its order is ``(first day, last day, id)``: the branch's timeline index). So each
    branch is cut to ``stop`` rows first, as its own ordered, limited subquery that an index scan
    answers, and only those are merged, sorted and cut again. (PostgreSQL 15 would not push an outer
    ORDER BY ... LIMIT into the branches of a UNION ALL whose branches have a WHERE clause: it would
    read and sort every row.) The work grows with ``stop``, as any OFFSET's does, not with the registry.
    """

    def __init__(self, query):
        self.query = query
        self.using = router.db_for_read(Agreement)

    def _execute(self, sql: str, params: tuple) -> list[tuple]:
        with prepared_cursor(self.using) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self, at_most: int | None = None) -> int:
        """The number of rows; with ``at_most``, that number if it is no more than ``at_most``, else
        ``at_most + 1`` (read as "more than ``at_most``"), at a cost bounded by ``at_most``."""
        vendor = connections[self.using].vendor
        if at_most is None:
            statement = count_statement(self.query, self.using, vendor)
            return self._execute(*statement)[0][0] if statement else 0
        statement = bounded_count_statement(self.query, self.using, vendor)
        limit = min(at_most + 1, LARGEST_LIMIT)  # at the largest offset, the bound is the total anyway
        return self._execute(statement[0], (*statement[1], limit))[0][0] if statement else 0

    def fetch(self, start: int = 0, stop: int | None = None) -> list[EventRow]:
        """The rows from ``start`` to ``stop`` (to the end when None), in order."""
        if stop is None and start:
            raise ValueError("an offset needs a stop")
        statement = self.page_sql(start, stop) if stop is not None else self._all_sql()
        if statement is None:
            return []
        sql, params = statement
        kinds = EventKind.values
        return [
            EventRow(_date(start_day), _date(end_day), kinds[rank], pk)
            for start_day, end_day, rank, pk in self._execute(sql, params)
        ]

    def page_sql(self, start: int, stop: int, literal_bounds: bool = False) -> tuple[str, tuple] | None:
        """The statement of the rows from ``start`` to ``stop``, in order, and its parameters; None when it
        has none (its four columns: ``COLUMNS``).

        ``literal_bounds``: the LIMITs and the OFFSET written into the SQL as numbers, not parameters. A
        prepared statement's generic plan cannot see a LIMIT parameter's value: it plans for a tenth of
        each branch's rows, and may then filter and sort every row of a branch (the milestone leads, a
        correlated test each) where an index scan in order would stop after ``stop`` of them.
        """
        statement = page_statement(self.query, self.using, connections[self.using].vendor, True)
        if statement is None or stop <= start:
            return None
        sql, params = statement
        params = (*(stop if param is _STOP else param for param in params), stop - start, start)
        if not literal_bounds:
            return sql, params
        bounds = {index for index, param in enumerate(statement[1]) if param is _STOP}
        bounds |= {len(params) - 2, len(params) - 1}
        return _with_literals(sql, params, bounds)

    def _all_sql(self) -> tuple[str, tuple] | None:
        return page_statement(self.query, self.using, connections[self.using].vendor, False)


def _with_literals(sql: str, params: tuple, literal: set[int]) -> tuple[str, tuple]:
    """``sql`` with the parameters at the indexes ``literal`` (integers) written in, and the others kept."""
    values = iter(enumerate(params))
    kept = []

    def placeholder(found) -> str:
        if found.group() == "%%":
            return "%%"
        index, value = next(values)
        if index in literal:
            return str(int(value))
        kept.append(value)
        return "%s"

    return _PLACEHOLDERS.sub(placeholder, sql), tuple(kept)


_PLACEHOLDERS = re.compile(r"%%|%s")


def _date(value) -> dt.date:
    """SQLite returns a raw date as text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


__all__ = ["EventRow", "EventRows", "event_kinds", "event_rows"]
