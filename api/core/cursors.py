"""Opaque list cursors: a position in a list's ordering, and the rows on either side of it (keyset).

A cursor names the record a page starts after (``next``) or ends before (``previous``):
the values of the list's ordering fields for that record, with its id as the last,
unique, key. The rows after it are found by comparing those columns, so a page costs
the same at any depth (the leading field is indexed: every ordering field is), and a
record inserted or deleted elsewhere shifts no page.

The token is URL-safe base64 of compact JSON, ``{"o": ordering, "k": key, "d": "after"|"before"}``.
It is not signed: it holds nothing secret, and any well-formed position is one a client
could reach by paging. It is validated strictly instead: anything that does not decode to
the canonical cursor of a key of this very ordering, typed as its fields are, is a 400
naming ``cursor``. ``start`` and ``end`` are the first and the last page.

NULLs sort where the database puts them (PostgreSQL: after every value in ascending
order; SQLite: before), so a nullable field's NULLs are a region of their own. When the
rows after a position span two regions (values, then NULLs), PostgreSQL takes each
region's first rows by its own index range and merges them (``UNION ALL`` of two short
sorted scans); an ``OR`` would have it read the list from its beginning.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models
from django.db.models import Func, Q, Value

from api.core.exceptions import ApiError
from api.core.fields import MAX_ID
from api.sql.expressions import RowAfter

PARAM = "cursor"
START, END = "start", "end"
AFTER, BEFORE = "after", "before"
MAX_LENGTH = 4096  # characters of a token: the longest key (a 400-character title) fits several times
HELP = (
    "Keyset pagination, stable under inserts and as fast on the last page as on the first. "
    f"`cursor={START}` is the first page, `cursor={END}` the last; then follow `next` and `previous`, "
    "which carry an opaque cursor (never build one). In cursor mode `count` is null, `offset` is not "
    "allowed, and the ordering must stay the one the cursor was issued for. A cursor that is not one the "
    "API issued, or that was issued for another ordering, is a 400."
)


def invalid(detail: str) -> ApiError:
    return ApiError(400, "invalid_parameter", detail, [{"field": PARAM, "code": "invalid", "detail": detail}])


@dataclass(frozen=True)
class Term:
    """One ordering term: a model field (or an annotation, such as ``q``'s rank) and its direction."""

    name: str
    descending: bool
    field: models.Field | None  # None: an annotation (never NULL)

    @property
    def nullable(self) -> bool:
        return self.field is not None and self.field.null

    def value_of(self, obj) -> object:
        return getattr(obj, self.field.attname if self.field is not None else self.name)

    def decode(self, raw) -> object:
        """The typed value of ``raw``, or ValueError."""
        if raw is None:
            if not self.nullable:
                raise ValueError(f"{self.name} cannot be null")
            return None
        if self.field is None or isinstance(self.field, models.FloatField):
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
                raise ValueError(f"{self.name} must be a number")
            return float(raw)
        if isinstance(self.field, models.AutoField | models.BigAutoField) or self.field.primary_key:
            if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ID:
                raise ValueError(f"{self.name} must be an id")
            return raw
        if isinstance(self.field, models.IntegerField):
            if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) > MAX_ID:
                raise ValueError(f"{self.name} must be a whole number")
            return raw
        if not isinstance(raw, str):
            raise ValueError(f"{self.name} must be text")
        try:
            value = self.field.to_python(raw)
        except ValidationError as error:
            raise ValueError(f"{self.name}: {error.messages[0]}") from None
        if isinstance(self.field, models.DateTimeField) and (value is None or value.tzinfo is None):
            raise ValueError(f"{self.name} must be a timestamp with its offset")
        if isinstance(value, str) and self.field.max_length and len(value) > self.field.max_length:
            raise ValueError(f"{self.name} is too long")
        return value


def ordering_terms(queryset: models.QuerySet) -> list[Term]:
    """The queryset's ordering (as ``StrictOrderingFilter`` set it: field names, then ``id``) as terms.

    An ordering this module cannot key (an expression, a field across a relation, a
    relation itself, which orders by the related model's own ordering) is a 400.
    """
    terms = []
    for item in queryset.query.order_by:
        if not isinstance(item, str) or item == "?":
            raise invalid("This list's ordering cannot be paged by cursor; use offset.")
        name, descending = item.lstrip("-"), item.startswith("-")
        if name == "pk":
            name = queryset.model._meta.pk.name
        if name in queryset.query.annotations:
            terms.append(Term(name, descending, None))
            continue
        try:
            field = queryset.model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is None or not field.concrete or field.is_relation or "__" in name:
            raise invalid(f"Cursor pagination cannot order by {name}; use offset.")
        terms.append(Term(name, descending, field))
    if not any(term.field is not None and term.field.primary_key for term in terms):
        raise invalid("This list's ordering has no unique key to page by; use offset.")
    return terms


@dataclass(frozen=True)
class Cursor:
    """A position: the first or last page, or after/before a key of an ordering."""

    ordering: tuple[str, ...]
    key: tuple | None = None  # the ordering fields' values (typed); None: the start, or (backward) the end
    backward: bool = False

    @property
    def token(self) -> str:
        if self.key is None:
            return END if self.backward else START
        return encode(self.ordering, self.key, self.backward)

    @classmethod
    def parse(cls, raw: str, terms: list[Term]) -> Cursor:
        ordering = tuple(_spelled(term) for term in terms)
        if raw in (START, END):
            return cls(ordering, None, raw == END)
        problem = "not a cursor this API issued; follow a page's next or previous link, or use start or end"
        if len(raw) > MAX_LENGTH:
            raise invalid(f"cursor is too long: {problem}.")
        try:
            data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8"))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise invalid(f"cursor is malformed: {problem}.") from None
        if not isinstance(data, dict) or set(data) != {"o", "k", "d"} or data["d"] not in (AFTER, BEFORE):
            raise invalid(f"cursor is malformed: {problem}.")
        if data["o"] != list(ordering):
            issued = ",".join(map(str, data["o"])) if isinstance(data["o"], list) else "?"
            raise invalid(
                f"cursor was issued for ordering={issued}, not {','.join(ordering)}: "
                "keep the ordering (and q) of the page the cursor came from."
            )
        if not isinstance(data["k"], list) or len(data["k"]) != len(terms):
            raise invalid(f"cursor is malformed: {problem}.")
        try:
            key = tuple(term.decode(raw_value) for term, raw_value in zip(terms, data["k"], strict=True))
        except ValueError as error:
            raise invalid(f"cursor is malformed ({error}): {problem}.") from None
        cursor = cls(ordering, key, data["d"] == BEFORE)
        if cursor.token != raw:
            raise invalid(f"cursor is not in its canonical form: {problem}.")
        return cursor


def _spelled(term: Term) -> str:
    return f"-{term.name}" if term.descending else term.name


def encode(ordering: tuple[str, ...], key: tuple, backward: bool) -> str:
    """The token of a position (dates and timestamps as ISO 8601 text)."""
    values = [value.isoformat() if isinstance(value, dt.date) else value for value in key]
    data = {"o": list(ordering), "k": values, "d": BEFORE if backward else AFTER}
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def cursor_at(terms: list[Term], values: tuple, backward: bool) -> Cursor:
    """The cursor after (or, ``backward``, before) the row whose ordering values are ``values``."""
    return Cursor(tuple(_spelled(term) for term in terms), tuple(values), backward)


# --- the rows on one side of a position ------------------------------------------------------------


def _nulls_first(term: Term, backward: bool, connection) -> bool:
    """Whether NULLs of ``term`` come before its values in the direction of travel."""
    largest = connection.features.nulls_order_largest  # PostgreSQL: NULL sorts as the largest value
    ascending = term.descending == backward
    return ascending != largest


class Unplanned(Func):
    """A key value the planner does not see: ``(SELECT value)``, an InitPlan PostgreSQL reads when it runs.

    A keyset page is one statement per ordering, its key values parameters. Seeing them, the planner
    estimated a page near the list's end at a row or two and found a plan made for those values
    cheaper than the statement's generic plan, so it planned the statement again for every
    cursor (planning cost more than running it). Unseen, the values are estimated as a
    generic plan estimates them, so PostgreSQL keeps the prepared statement's generic plan: the
    ordering's index, bounded by the leading value, read for the page's rows.
    """

    template = "(SELECT %(expressions)s)"
    arity = 1


def _value(term: Term, value, connection):
    """``value`` as the statement compares it: unseen by PostgreSQL's planner (``Unplanned``)."""
    if connection.vendor != "postgresql":
        return value
    field = term.field if term.field is not None else models.FloatField()
    return Unplanned(Value(value, output_field=field), output_field=field)


def _beyond(term: Term, value, backward: bool, connection) -> tuple[Q | None, Q | None]:
    """Rows strictly beyond ``value`` on this term: (in the value's own region, in the other region).

    The regions are the non-NULL values and the NULLs; either part may be None (no rows).
    """
    name = term.name
    if value is None:
        if term.nullable and _nulls_first(term, backward, connection):
            return None, Q(**{f"{name}__isnull": False})  # NULLs first: every value comes after them
        return None, None  # NULLs last: nothing is beyond them on this term
    lookup = "lt" if term.descending != backward else "gt"
    other = None
    if term.nullable and not _nulls_first(term, backward, connection):
        other = Q(**{f"{name}__isnull": True})
    return Q(**{f"{name}__{lookup}": _value(term, value, connection)}), other


def _equal(term: Term, value, connection) -> Q:
    if value is None:
        return Q(**{f"{term.name}__isnull": True})
    return Q(**{term.name: _value(term, value, connection)})


def _after_rest(terms: list[Term], key: tuple, backward: bool, connection) -> Q:
    """Rows beyond the key on ``terms`` (ties on the leading terms broken by the next): one ``Q``."""
    condition = None
    for i in reversed(range(len(terms))):
        same, other = _beyond(terms[i], key[i], backward, connection)
        beyond = _or(same, other)
        if condition is not None:
            beyond = _or(beyond, _equal(terms[i], key[i], connection) & condition)
        condition = beyond if beyond is not None else Q(pk__in=[])
    return condition


def _row_beyond(terms: list[Term], key: tuple, backward: bool, connection) -> Q | None:
    """``ROW(columns) > ROW(values)`` (``<`` travelling down) for the key, where it means what ``_after_rest``
    writes: on PostgreSQL, with every term in the lead's direction, no value of the key NULL and no term after
    the lead nullable; else None. PostgreSQL's btree serves the row comparison as its index condition."""
    lead = terms[0]
    if connection.vendor != "postgresql" or any(value is None for value in key):
        return None
    if any(term.descending != lead.descending or term.nullable for term in terms[1:]):
        return None
    columns = [models.F(term.name) for term in terms]
    values = [_value(term, value, connection) for term, value in zip(terms, key, strict=True)]
    return Q(RowAfter(columns, values, before=lead.descending != backward))


def _or(a: Q | None, b: Q | None) -> Q | None:
    if a is None or b is None:
        return a if b is None else b
    return a | b


def beyond(
    queryset: models.QuerySet, terms: list[Term], cursor: Cursor, limit: int, values: tuple[str, ...] | None = None
) -> models.QuerySet:
    """The first ``limit`` rows beyond the cursor, in the direction of travel (backward: reversed ordering).

    Index-friendly: the leading term's own region is bounded by a plain range
    (``signed_on >= v``) the index serves. On PostgreSQL a region of NULLs is taken apart,
    ordered by the other terms only (its leading value is the same throughout), and the
    two regions' first rows merged: ``pk IN (first of one UNION ALL first of the other)``.

    With ``values`` (field names) the rows are those columns only, and two regions are merged
    as ``(first of one UNION ALL first of the other) ORDER BY ... LIMIT``: the same rows, without
    the ``pk IN`` subquery, whose every condition the ORM would resolve again (most of a cursor
    page's Python time).
    """
    ordered = queryset.reverse() if cursor.backward else queryset
    if values is not None:
        ordered = ordered.values_list(*values)
    if cursor.key is None:
        return ordered[:limit]
    connection = connections[queryset.db]
    lead, key = terms[0], cursor.key
    same, other = _beyond(lead, key[0], cursor.backward, connection)
    region = _row_beyond(terms, key, cursor.backward, connection)
    if region is None:
        rest = _after_rest(terms[1:], key[1:], cursor.backward, connection) if len(terms) > 1 else Q(pk__in=[])
        region = _or(same, _equal(lead, key[0], connection) & rest)
    if key[0] is not None:
        # The bound the index serves; the exact condition then only filters the rows at the boundary.
        bound = _value(lead, key[0], connection)
        region = Q(**{f"{lead.name}__{'lte' if lead.descending != cursor.backward else 'gte'}": bound}) & region
        if other is None:
            return ordered.filter(region)[:limit]
    if not connection.features.supports_slicing_ordering_in_compound:
        return ordered.filter(_or(region, other))[:limit]
    # (from ``queryset``: ``order_by`` on the reversed queryset would be reversed again)
    travel = [f"-{term.name}" if term.descending != cursor.backward else term.name for term in terms]
    nulls = travel[1:]  # the order within the NULLs of the leading term
    parts = [(region, nulls if key[0] is None else travel)]
    if other is not None:
        parts.append((other, travel if key[0] is None else nulls))
    rows = queryset.prefetch_related(None).values_list(*(values if values is not None else ("pk",)))
    firsts = [rows.filter(part).order_by(*by)[:limit] for part, by in parts]
    if values is not None:
        # (one region: its rows are in the order of travel already, the leading term being the same throughout)
        return firsts[0].union(*firsts[1:], all=True).order_by(*travel)[:limit] if len(firsts) > 1 else firsts[0]
    ids = firsts[0].union(*firsts[1:], all=True) if len(firsts) > 1 else firsts[0]
    return ordered.filter(pk__in=ids)[:limit]
