"""The SQL of each kind of timeline event, as ``TimelineEventSerializer`` writes it (``api.sql.timeline``).

``Writer`` gives, per event kind, each field's expression over the record the event is read from: the
brief forms and displays of ``api.sql.compiler``/``api.sql.expressions``, titles filled from their
templates translated in the active language (the organizations' names joined as ``LIST_ITEM`` and
``LIST_LAST`` join them), citations as ``_cited`` picks them, and for a milestone the claims merged into
its event (``timeline_claims.merge_claims``'s rule, from the lead claim).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Case, Exists, F, Func, OuterRef, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Collate
from django.utils.translation import gettext

from api.core.resource_urls import resource_for
from api.sql.compiler import Compiler
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
    template_pieces,
    text,
)
from cooperation import localization as l10n
from cooperation.compiled_queries import text_literal
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
from cooperation.selectors.timeline_kinds import EventKind

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


def _fill_sql(template: str, **values: str) -> str:
    """The translated ``template`` as SQL text: literals and the SQL of ``values`` concatenated."""
    parts = [values[piece] if is_name else text_literal(piece) for is_name, piece in template_pieces(gettext(template))]
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
    joined = f"(ARRAY_TO_STRING(_t.a[1:{size} - 1], {text_literal(item)}) || {text_literal(last)} || _t.a[{size}])"
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
        """``_cited``: the citations of the date where there are some, else those of the whole record (by id).

        Which field is read is decided first (one probe of the link's index), then one ordered aggregate
        writes its citations: two filtered ordered aggregates cost about a fifth more per event.
        """
        source = self.brief(Source, "source")
        document = JSONBuildObject({"source": source, "field": F("field"), "locator": F("locator")})
        dated = Exists(Citation.objects.filter(**{link: OuterRef(OuterRef("pk"))}, field=stem))
        field = Case(When(dated, then=Value(stem)), default=Value(""), output_field=TextField())
        rows = Citation.objects.filter(**{link: OuterRef("pk")}, field=field)
        found = _aggregate(rows, JSONAgg(document, order_by=[F("pk")]))
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
        # Whether the event is current: one column (a correlated test, four more nested in it) that the status,
        # the title and ``is_current`` all read, rather than a copy of the test in each.
        current = Case(
            When(Exists(claims.filter(is_current_claim(""))), then=TRUE),
            default=FALSE,
            output_field=models.BooleanField(),
        )
        achieved = Case(
            When(equals("status", Milestone.Status.ACHIEVED), then=TRUE),
            default=FALSE,
            output_field=models.BooleanField(),
        )

        def by_status(c: dict, achieved: str, planned: str, superseded: str) -> str:
            """The value for the event's status (as ``status`` decides it), from the SQL of each."""
            return (
                f"(CASE WHEN {c['_achieved']} THEN {achieved} WHEN {c['_current']} THEN {planned} "
                f"ELSE {superseded} END)"
            )

        claim = Milestone.ClaimStatus
        statuses = [text_literal(status) + "::text" for status in (claim.ACHIEVED, claim.PLANNED, claim.SUPERSEDED)]
        status = Outer(lambda c: by_status(c, *statuses), _achieved=achieved, _current=current)
        mission = localized_name_text(Mission, "mission")
        label = choice("kind", Milestone.Kind, False)
        when = Case(
            When(is_unset("window_end"), then=partial_date_text("date")),
            default=Concat(partial_date_text("date"), text("\N{EN DASH}"), partial_date_text("window_end")),
            output_field=TextField(),
        )
        title = Outer(
            lambda c: by_status(c, c["_title_achieved"], c["_title_planned"], c["_title_superseded"]),
            _achieved=achieved,
            _current=current,
            _title_achieved=filled(tl.MILESTONE_ACHIEVED, mission=mission, milestone=label),
            _title_planned=filled(tl.MILESTONE_PLANNED, mission=mission, milestone=label, when=when),
            _title_superseded=filled(tl.MILESTONE_SUPERSEDED, mission=mission, milestone=label, when=when),
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
            "is_current": Outer(lambda c: c["_current"], _current=current),
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
    stated = Coalesce(reference("stated_on"), Value(dt.date.min), output_field=models.DateField())
    return [precision, stated, reference("pk")]


def _merged_claims() -> models.QuerySet:
    """The claims merged into the outer lead's event (``merge_claims``): those of its group and status whose
    date contains the lead's, and within which no claim is better than the lead."""
    same = {"mission_id": OuterRef("mission_id"), "kind": OuterRef("kind"), "status": OuterRef("status")}
    better = Milestone.objects.filter(**same, date__gte=OuterRef("date"), date_end__lte=OuterRef("date_end")).filter(
        RowAfter(_rank_key(F), _rank_key(lambda name: OuterRef(OuterRef(name))))
    )
    containing = Milestone.objects.filter(**same, date__lte=OuterRef("date"), date_end__gte=OuterRef("date_end"))
    return containing.filter(~Exists(better))


__all__ = ["Outer", "SameAs", "Writer"]
