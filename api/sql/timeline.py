"""Timeline pages written by PostgreSQL: the page's rows and their events' JSON in one statement.

``TimelineEventSerializer`` (and ``EventWriter``, its fast Python twin) build each event from model
instances loaded for the page: about ten statements and most of a request's CPU. On PostgreSQL
``TimelineDocuments`` instead compiles, once per shape (``fields``/``omit``), site and language, one
``json_build_object`` per event kind (the displays, names and templates of ``api.sql.expressions``,
the titles' templates translated at compile time) and runs it over the page's rows
(``EventRows.page_sql``) as a CTE: the rows, their events and the number of rows come back together,
from one snapshot. Python wraps the envelope. The CSV export and SQLite keep the Python path;
``tests/api/test_timeline_writer.py`` holds both paths to the serializer's output.
"""

from __future__ import annotations

import datetime as dt
import re

import psycopg
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import connections, models
from django.db.models import Case, Exists, F, Func, JSONField, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Collate
from django.utils.translation import gettext

from api.core.resource_urls import list_url, resource_for
from api.renderers.json import RawJSON
from api.sql.compiler import Compiler
from api.sql.documents import server_bound_cursor
from api.sql.expressions import (
    EMPTY_LIST,
    FALSE,
    NULL_JSON,
    TRUE,
    Concat,
    JSONAgg,
    JSONBuildObject,
    RowAfter,
    Unsupported,
    at_path,
    choice,
    display,
    equals,
    filled,
    is_current_claim,
    is_unset,
    localized_name_text,
    names_part,
    partial_date,
    partial_date_text,
    short_name_text,
    text,
)
from cooperation import localization as l10n
from cooperation.models import (
    Agreement,
    AgreementParty,
    Citation,
    Milestone,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Source,
)
from cooperation.models.missions import PRECISION_RANK
from cooperation.selectors import timeline as tl
from cooperation.selectors.timeline_kinds import AGREEMENT_DATES, KIND_RANK, ROLE_DATES, EventKind
from cooperation.selectors.timeline_rows import COLUMNS, LARGEST_LIMIT, bounded_count_statement

ROWS = "_rows"  # the CTE of the page's rows: the union's columns and the position ``_n``
PARTY, AUTHORITY = AgreementParty.Role.PARTY, AgreementParty.Role.AUTHORIZING_BODY


def _aggregate(queryset, aggregate):
    """A correlated subquery: ``aggregate`` over ``queryset``'s rows (one row, even of none)."""
    rows = queryset.order_by().annotate(_one=Value(1)).values("_one").annotate(_agg=aggregate).values("_agg")
    return Subquery(rows, output_field=aggregate.output_field)


def _json_list(queryset, document, order_by):
    return Func(_aggregate(queryset, JSONAgg(document, order_by=order_by)), EMPTY_LIST, function="COALESCE")


def _by_name():
    """Organizations as ``_by_name`` sorts them: by name (code points, as Python compares), then id."""
    return [Collate(F("name"), "C"), F("pk")]


def _organizations(**link) -> models.QuerySet:
    """The organizations some link of the outer record's points at (each once)."""
    model = MissionParticipant if "mission" in link else AgreementParty
    return Organization.objects.filter(Exists(model.objects.filter(organization=OuterRef("pk"), **link)))


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''").replace("%", "%%") + "'"


def _pieces(template: str) -> list[tuple[bool, str]]:
    pieces, position = [], 0
    for found in re.finditer(r"\{(\w+)\}", template):
        if found.start() > position:
            pieces.append((False, template[position : found.start()]))
        pieces.append((True, found.group(1)))
        position = found.end()
    if position < len(template):
        pieces.append((False, template[position:]))
    return pieces


def _fill_sql(template: str, **values: str) -> str:
    """The translated ``template`` as SQL text: literals and the SQL of ``values`` concatenated."""
    parts = [values[piece] if is_name else _sql_literal(piece) for is_name, piece in _pieces(gettext(template))]
    return f"({' || '.join(parts)})"


def _separator(template: str, first: str, second: str) -> str:
    """The text between the two placeholders of a list template ("{list}, {item}" -> ", ")."""
    translated = gettext(template)
    if not (translated.startswith("{" + first + "}") and translated.endswith("{" + second + "}")):
        raise Unsupported(f"list template {translated!r}")
    middle = translated[len(first) + 2 : len(translated) - len(second) - 2]
    if "{" in middle:
        raise Unsupported(f"list template {translated!r}")
    return middle


def named_title(names: str, agreement: str, templates: tuple[str, str, str], placeholders: tuple[str, str]) -> str:
    """SQL for a title naming organizations (``_names``), from the SQL of their short names (a ``text[]`` in
    order) and of the agreement's name: the first template with no names, else the second's (one name) or
    the third's (several, joined as ``LIST_ITEM``/``LIST_LAST`` join them)."""
    none, one, several = templates
    single, plural = placeholders
    item, last = _separator(tl.LIST_ITEM, "list", "item"), _separator(tl.LIST_LAST, "list", "last")
    size = "CARDINALITY(_t.a)"
    joined = f"(ARRAY_TO_STRING(_t.a[1:{size} - 1], {_sql_literal(item)}) || {_sql_literal(last)} || _t.a[{size}])"
    return (
        f"(SELECT CASE WHEN COALESCE({size}, 0) = 0 THEN {_fill_sql(none, agreement='_t.n')} "
        f"WHEN {size} = 1 THEN {_fill_sql(one, agreement='_t.n', **{single: '_t.a[1]'})} "
        f"ELSE {_fill_sql(several, agreement='_t.n', **{plural: joined})} END "
        f"FROM (SELECT {names} AS a, {agreement} AS n OFFSET 0) _t)"
    )


class SameAs:
    """A field whose value is another's (``Writer``'s pairs)."""

    def __init__(self, name: str):
        self.name = name


class Outer:
    """A field's value written over columns of its branch: ``write`` takes the SQL of each column (by name)
    and returns the value's SQL. Fields naming the same column share it: it is computed once."""

    def __init__(self, write, **columns):
        self.write, self.columns = write, columns


class Writer:
    """The expressions of one language and site (``Compiler`` writes the URLs and brief forms)."""

    def __init__(self, request):
        self.compiler = Compiler(request)
        self.language = l10n.active_language()

    def record(self, model, prefix: str = ""):
        """``TimelineRecordField``: the record's type, then its brief form."""
        pairs = {"type": text(tl.RECORD_TYPES[model]), "id": F(at_path(prefix, "id"))}
        pairs["url"] = self.compiler.url(model, prefix)
        if resource_for(model).has_slug:
            pairs["slug"] = F(at_path(prefix, "slug"))
        pairs["display"] = display(model, prefix)
        return JSONBuildObject(pairs)

    def brief(self, model, prefix: str = ""):
        return self.compiler.brief(model, prefix, False)

    def agreement_name(self, prefix: str = ""):
        """``_agreement_name``: the short name in the language, less a leading "the "."""
        english = Case(
            When(equals(at_path(prefix, "short_title"), ""), then=F(at_path(prefix, "title"))),
            default=F(at_path(prefix, "short_title")),
            output_field=TextField(),
        )
        name = english
        if self.language != l10n.CANONICAL:
            found = Coalesce(names_part(prefix, self.language, "short"), names_part(prefix, self.language, "name"))
            name = Coalesce(found, english, output_field=TextField())
        return Func(
            name,
            template="(CASE WHEN LOWER(LEFT(%(expressions)s, 4)) = 'the ' THEN SUBSTR(%(expressions)s, 5) "
            "ELSE %(expressions)s END)",
            output_field=TextField(),
        )

    def organizations(self, queryset):
        return _json_list(queryset, self.brief(Organization), _by_name())

    def listed(self, queryset):
        """The organizations' brief forms (as JSON text), then their short names: one ``text[]``."""
        briefs = Cast(JSONAgg(self.brief(Organization), order_by=_by_name()), TextField())
        names = ArrayAgg(short_name_text("", self.language), order_by=_by_name())
        return _aggregate(queryset, Func(briefs, names, function="ARRAY_PREPEND", output_field=ArrayField(TextField())))

    def names(self, queryset):
        return _aggregate(queryset, ArrayAgg(short_name_text("", self.language), order_by=_by_name()))

    def citations(self, link: str, stem: str):
        """``_cited``: the citations of the date where there are some, else those of the whole record (by id)."""
        source = self.brief(Source, "source")
        document = JSONBuildObject({"source": source, "field": F("field"), "locator": F("locator")})
        rows = Citation.objects.filter(**{link: OuterRef("pk")}, field__in=[stem, ""])
        of_date = JSONAgg(document, order_by=[F("pk")], filter=Q(field=stem))
        of_record = JSONAgg(document, order_by=[F("pk")], filter=Q(field=""))
        found = _aggregate(rows, Func(of_date, of_record, function="COALESCE", output_field=JSONField()))
        return Func(found, EMPTY_LIST, function="COALESCE")

    @staticmethod
    def event(pairs: dict) -> dict:
        """A whole event: ``pairs``, and the fields only milestone events fill, empty."""
        empty = {
            "status": NULL_JSON,
            "milestone_kind": NULL_JSON,
            "is_current": NULL_JSON,
            "window_end": NULL_JSON,
            "claims": EMPTY_LIST,
        }
        return {**empty, **pairs}

    # --- one kind each ---

    def agreement(self, kind: str, stem: str) -> dict:
        links = {"agreement": OuterRef(OuterRef("pk"))}
        parties = _organizations(**links, role=PARTY)
        name = self.agreement_name()
        phrase = tl.AGREEMENT_PHRASES[kind]
        if kind == EventKind.AUTHORIZED:
            templates = (phrase, tl.AUTHORIZED_BY_ONE, tl.AUTHORIZED_BY_SEVERAL)
            title = Outer(
                lambda c: named_title(c["names"], c["name"], templates, ("body", "bodies")),
                names=self.names(_organizations(**links, role=AUTHORITY)),
                name=name,
            )
            organizations = self.organizations(_organizations(**links, role__in=[PARTY, AUTHORITY]))
        else:
            # The parties: their brief forms, then (for the title) their short names, from one subquery.
            listed = Outer(lambda c: f"COALESCE(({c['parties']})[1]::json, '[]'::json)", parties=self.listed(parties))
            organizations = listed
            title = filled(phrase, agreement=name)
            if kind == EventKind.SIGNED:
                templates = (phrase, tl.SIGNED_BY_ONE, tl.SIGNED_BY_SEVERAL)
                title = Outer(
                    lambda c: named_title(f"({c['parties']})[2:]", c["name"], templates, ("party", "parties")),
                    parties=listed.columns["parties"],
                    name=name,
                )
        return self.event(
            {
                "id": text("agreement:"),
                "_id_tail": text(f":{kind}"),
                "kind": text(kind),
                "date": partial_date(stem),
                "title": title,
                "subject": self.record(Agreement),
                "record": SameAs("subject"),
                "organizations": organizations,
                "citations": self.citations("agreement", stem),
            }
        )

    def withdrawal(self) -> dict:
        title = filled(
            tl.WITHDRAWS,
            party=short_name_text("organization", self.language),
            agreement=self.agreement_name("agreement"),
        )
        return self.event(
            {
                "id": text("party:"),
                "_id_tail": text(":withdrawn"),
                "kind": text(EventKind.WITHDRAWN),
                "date": partial_date("withdrawn_on"),
                "title": title,
                "subject": self.record(Agreement, "agreement"),
                "record": self.record(AgreementParty),
                "organizations": Func(self.brief(Organization, "organization"), function="JSON_BUILD_ARRAY"),
                "citations": self.citations("agreement_party", "withdrawn_on"),
            }
        )

    def role(self, kind: str, stem: str) -> dict:
        template = tl.ROLE_STARTED if kind == EventKind.ROLE_STARTED else tl.ROLE_ENDED
        title = filled(template, person=localized_name_text(Person, "person"), title=F("title"))
        return self.event(
            {
                "id": text("role:"),
                "_id_tail": text(":started" if kind == EventKind.ROLE_STARTED else ":ended"),
                "kind": text(kind),
                "date": partial_date(stem),
                "title": title,
                "subject": self.record(Person, "person"),
                "record": self.record(PersonRole),
                "organizations": Func(self.brief(Organization, "organization"), function="JSON_BUILD_ARRAY"),
                "citations": self.citations("person_role", stem),
            }
        )

    def milestone(self) -> dict:
        claims = _merged_claims()
        current = Exists(claims.filter(is_current_claim("")))
        achieved = Q(equals("status", Milestone.Status.ACHIEVED))
        status = Case(
            When(achieved, then=text(Milestone.ClaimStatus.ACHIEVED)),
            When(current, then=text(Milestone.ClaimStatus.PLANNED)),
            default=text(Milestone.ClaimStatus.SUPERSEDED),
            output_field=TextField(),
        )
        mission = localized_name_text(Mission, "mission")
        label = choice("kind", Milestone.Kind, False)
        when = Case(
            When(is_unset("window_end"), then=partial_date_text("date")),
            default=Concat(partial_date_text("date"), text("\N{EN DASH}"), partial_date_text("window_end")),
            output_field=TextField(),
        )
        title = Case(
            When(achieved, then=filled(tl.MILESTONE_ACHIEVED, mission=mission, milestone=label)),
            When(current, then=filled(tl.MILESTONE_PLANNED, mission=mission, milestone=label, when=when)),
            default=filled(tl.MILESTONE_SUPERSEDED, mission=mission, milestone=label, when=when),
            output_field=TextField(),
        )
        lead_first = [Case(When(pk=OuterRef("pk"), then=Value(0)), default=Value(1)), F("pk")]
        citation = JSONBuildObject(
            {"source": self.brief(Source, "source"), "field": text("date"), "locator": F("locator")}
        )
        return {
            "id": text("milestone:"),
            "_id_tail": text(""),
            "kind": text(EventKind.MILESTONE),
            "date": partial_date("date"),
            "title": title,
            "subject": self.record(Mission, "mission"),
            "record": self.record(Milestone),
            "organizations": self.organizations(_organizations(mission=OuterRef(OuterRef("mission_id")))),
            "status": status,
            "milestone_kind": F("kind"),
            "is_current": Case(When(current, then=TRUE), default=FALSE, output_field=models.BooleanField()),
            "window_end": partial_date("window_end"),
            "claims": _json_list(claims, self.record(Milestone), lead_first),
            "citations": _json_list(claims, citation, lead_first),
        }


def _rank_key(reference) -> list:
    """``timeline_claims._rank``: precision, then the statement's day, then the id (higher is better)."""
    whens = " ".join(f"WHEN '{precision}' THEN {rank}" for precision, rank in PRECISION_RANK.items())
    precision = Func(
        reference("date_precision"), template=f"(CASE %(expressions)s {whens} END)", output_field=models.IntegerField()
    )
    stated = Coalesce(reference("stated_on"), Value(tl_undated()), output_field=models.DateField())
    return [precision, stated, reference("pk")]


def tl_undated():
    import datetime as dt

    return dt.date.min


def _merged_claims() -> models.QuerySet:
    """The claims merged into the outer lead's event (``merge_claims``): those of its group and status whose
    date contains the lead's, and within which no claim is better than the lead."""
    same = {"mission_id": OuterRef("mission_id"), "kind": OuterRef("kind"), "status": OuterRef("status")}
    better = Milestone.objects.filter(**same, date__gte=OuterRef("date"), date_end__lte=OuterRef("date_end")).filter(
        RowAfter(_rank_key(F), _rank_key(lambda name: OuterRef(OuterRef(name))))
    )
    containing = Milestone.objects.filter(**same, date__lte=OuterRef("date"), date_end__gte=OuterRef("date_end"))
    return containing.filter(~Exists(better))


def _branch(model, rank: int, pairs: dict, fields: tuple[str, ...]) -> tuple[str, tuple]:
    """One kind's events: the position of each page row of ``rank`` and its event's document.

    The fields' values are columns of a subquery and the document is built from them: a value two
    fields share (an agreement is both the ``subject`` and the ``record`` of its events) is computed once.
    """
    table = connections["default"].ops.quote_name(model._meta.db_table)
    tail = pairs.pop("_id_tail")
    pairs["id"] = Concat(pairs["id"], Cast(F("pk"), TextField()), tail)
    columns: dict[str, tuple[str, object]] = {}  # a name -> its column and its expression

    def column(name: str, expression) -> str:
        if name not in columns:
            columns[name] = (f"_c{len(columns)}", expression)
        return f"_b.{columns[name][0]}"

    written = {}
    for name in fields:
        value = pairs[name]
        shared = value.name if isinstance(value, SameAs) else name
        value = pairs[shared]
        if isinstance(value, Outer):
            written[name] = value.write({key: column(key, found) for key, found in value.columns.items()})
        else:
            written[name] = column(shared, value)
    rows = f'(SELECT _n FROM {ROWS} WHERE ev_rank = {rank} AND ev_pk = {table}."id")'
    queryset = (
        model._default_manager.order_by()
        .extra(where=[f'{table}."id" IN (SELECT ev_pk FROM {ROWS} WHERE ev_rank = {rank})'])
        .annotate(_n=RawSQL(rows, []), **dict(columns.values()))
        .values_list("_n", *(name for name, _ in columns.values()))
    )
    sql, params = queryset.query.sql_with_params()
    document = ", ".join(f"'{name}', {written[name]}" for name in fields)
    names = ", ".join(["_n", *(name for name, _ in columns.values())])
    # OFFSET 0: the subquery stays one (flattened, each reference to a column would compute it again).
    return f"SELECT _b._n, JSON_BUILD_OBJECT({document}) FROM ({sql} OFFSET 0) _b({names})", tuple(params)


def _branches(request, fields: tuple[str, ...]) -> tuple[str, tuple]:
    """Every kind's branch, as one UNION ALL of ``(_n, _document)``."""
    writer = Writer(request)
    found = []
    for kind, stem in AGREEMENT_DATES.items():
        found.append(_branch(Agreement, KIND_RANK[kind], writer.agreement(kind, stem), fields))
    found.append(_branch(AgreementParty, KIND_RANK[EventKind.WITHDRAWN], writer.withdrawal(), fields))
    for kind, stem in ROLE_DATES.items():
        found.append(_branch(PersonRole, KIND_RANK[kind], writer.role(kind, stem), fields))
    found.append(_branch(Milestone, KIND_RANK[EventKind.MILESTONE], writer.milestone(), fields))
    return " UNION ALL ".join(f"({sql})" for sql, _ in found), tuple(p for _, params in found for p in params)


class TimelineDocuments:
    """Writes timeline pages for one shape, site and language (compiled once, kept)."""

    def __init__(self, sql: str, params: tuple):
        self.sql = _inlined(sql, params)  # constants only: a hundred parameters cost more to send than to plan
        self._statements: dict[tuple[str, str], str] = {}  # by the page's and the count's SQL: the whole, numbered

    @classmethod
    def for_request(cls, request, fields, using: str) -> TimelineDocuments | None:
        """The writer of this request's events (``fields``: the serializer's, after ``fields``/``omit``);
        None off PostgreSQL."""
        if connections[using].vendor != "postgresql":
            return None
        fields = tuple(fields)
        key = (fields, list_url(resource_for(Agreement), request), l10n.active_language(), using)
        if key in _UNSUPPORTED:
            return None
        compiled = _COMPILED.get(key)
        if compiled is None:
            try:
                compiled = cls(*_branches(request, fields))
            except Unsupported:
                _UNSUPPORTED.add(key)
                return None
            if len(_COMPILED) >= MAX_COMPILED:
                _COMPILED.clear()
            _COMPILED[key] = compiled
        return compiled

    def counted_page(self, rows, offset: int, limit: int, count_bound: int) -> tuple[int, bool, RawJSON]:
        """``Timeline.counted_page`` (``rows``: its ``EventRows``), the events written as JSON: the total (counted
        up to ``count_bound`` or the page's end), whether it is exact, and the page, from one statement."""
        at_most = max(count_bound, offset + limit)
        statement = rows.page_sql(offset, offset + limit)
        counted = bounded_count_statement(rows.query, rows.using, "postgresql")
        if statement is None or counted is None:
            return 0, True, RawJSON("[]")
        page_sql, page_params = statement
        count_sql, count_params = counted
        direction = " DESC" if rows.query.descending else ""
        order = "ORDER BY " + ", ".join(f"ev.{column}{direction}" for column in COLUMNS)
        sql = self._statements.get((page_sql, count_sql))
        if sql is None:
            sql = _numbered(
                f"WITH {ROWS} AS MATERIALIZED (SELECT ev.*, ROW_NUMBER() OVER ({order}) AS _n FROM ({page_sql}) ev) "
                f"SELECT (SELECT COUNT(*) FROM {ROWS}), ({count_sql}), "
                f"(SELECT JSON_AGG(_d._document ORDER BY _d._n)::text FROM ({self.sql}) _d(_n, _document))"
            )
            if len(self._statements) >= MAX_COMPILED:
                self._statements.clear()
            self._statements[(page_sql, count_sql)] = sql
        params = (*page_params, *count_params, min(at_most + 1, LARGEST_LIMIT))
        with server_bound_cursor(Agreement, psycopg.RawCursor) as cursor:
            cursor.execute(sql, params)
            found, total, documents = cursor.fetchone()
        if offset == 0 and found < limit:
            return found, True, RawJSON(documents or "[]")  # the whole feed is on the page
        return total, total <= at_most, RawJSON(documents or "[]")


def _numbered(sql: str) -> str:
    """``%s`` placeholders as ``$1``, ``$2``... (and ``%%`` as ``%``), for a ``psycopg.RawCursor``: psycopg
    parses the placeholders out of a long statement on every execution."""
    count = iter(range(1, 1 << 30))
    return _PLACEHOLDERS.sub(lambda found: "%" if found.group() == "%%" else f"${next(count)}", sql)


def _inlined(sql: str, params: tuple) -> str:
    """``sql`` with its parameters (constants the compiler chose: numbers, dates, choice values) written in as
    literals; ``%%`` stays (the statement is numbered later)."""
    values = iter(params)

    def literal(found) -> str:
        if found.group() == "%%":
            return "%%"
        value = next(values)
        if isinstance(value, bool) or value is None:
            raise Unsupported(f"parameter {value!r}")
        if isinstance(value, int):
            return str(int(value))
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return f"'{value.isoformat()}'::date"
        if isinstance(value, str) and "\\" not in value and "\x00" not in value:
            return _sql_literal(value)
        raise Unsupported(f"parameter {value!r}")

    inlined = _PLACEHOLDERS.sub(literal, sql)
    if next(values, _END) is not _END:
        raise Unsupported("more parameters than placeholders")
    return inlined


_END = object()
_PLACEHOLDERS = re.compile(r"%%|%s")
MAX_COMPILED = 256
_COMPILED: dict = {}
_UNSUPPORTED: set = set()

__all__ = ["TimelineDocuments"]
