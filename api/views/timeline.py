"""``/api/v1/timeline/``: agreements, withdrawals, milestone claims and roles as one dated feed.

The events are derived from the registry on every request (``cooperation.selectors.timeline``);
this module parses the query (a ``QueryForm``), paginates, and documents the event shape.
"""

from __future__ import annotations

import functools

from django import forms
from django.conf import settings
from django.db import router
from django.http import QueryDict, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.core.exceptions import ApiError
from api.core.fields import BriefRelatedField, brief, partial_date_data
from api.core.kept_answers import kept_answer
from api.core.pagination import LimitOffsetPagination
from api.core.query_forms import QueryForm, StrictBooleanField
from api.filtersets.base import PartialDateQueryField, RelatedChoiceField, invalid
from api.renderers.csv import CSVRenderer, csv_lines
from api.renderers.json import ORJSONRenderer
from api.schema.extensions import PartialDateSerializer
from api.schema.parameters import PARTIAL_DATE_PATTERN, SLUG_SCHEMA
from api.serializers.base import csv_param, unknown_fields_detail
from api.sql.timeline import TimelineDocuments, TimelinePages
from api.views.base import ContractMixin
from api.views.timeline_events import EventWriter
from cooperation.models import Agreement, Milestone, Mission, Organization, Source
from cooperation.selectors.timeline import MERGE_RULE, ORDER_RULE, RECORD_TYPES, EventKind, TimelineQuery, timeline
from cooperation.selectors.timeline_load import PageRecords
from cooperation.selectors.timeline_rows import event_kinds


def invalid_parameter(param: str, detail: str) -> ApiError:
    return ApiError(400, "invalid_parameter", detail, [{"field": param, "code": "invalid", "detail": detail}])


# --- the event shape ---------------------------------------------------------------------


class TimelineRecordSerializer(serializers.Serializer):
    """A record in brief, with its type."""

    type = serializers.CharField(
        help_text="The kind of record: agreement, agreement_party, milestone, mission, person or person_role."
    )
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The record's URL in the API.")
    slug = serializers.SlugField(required=False, help_text="Only for records addressed by slug.")
    display = serializers.CharField()


@extend_schema_field(TimelineRecordSerializer)
class TimelineRecordField(serializers.Field):
    def to_representation(self, value):
        return {"type": RECORD_TYPES[type(value)], **brief(value, self.context.get("request"))}


@extend_schema_field(PartialDateSerializer)
class TimelineDateField(serializers.Field):
    def to_representation(self, value):
        return partial_date_data(value)


class TimelineCitationSerializer(serializers.Serializer):
    """A source for an event."""

    source = BriefRelatedField(queryset=Source.objects.all())
    field = serializers.CharField(help_text="The field the source supports; blank for the whole record.")
    locator = serializers.CharField(help_text="Where in the source, e.g. 'para 4'; may be blank.")


class TimelineEventSerializer(serializers.Serializer):
    """One dated event, derived from one record of the registry (a milestone: from the claims that agree on it)."""

    id = serializers.CharField(
        help_text=(
            'Stable: "<record>:<record id>[:<what>]", e.g. "agreement:12:signed", "party:7:withdrawn", '
            '"milestone:34", "role:5:started".'
        )
    )
    kind = serializers.ChoiceField(choices=EventKind.choices)
    date = TimelineDateField(help_text="When: a partial date with the range of days it covers.")
    title = serializers.CharField(help_text="A one-line human-readable description.")
    subject = TimelineRecordField(help_text="What the event is about: the agreement, the mission or the person.")
    record = TimelineRecordField(
        help_text=(
            "The record the date is read from: the agreement, the party link, the role, or for a milestone the "
            "most precise of the claims merged into the event (see `claims`)."
        )
    )
    organizations = serializers.ListField(
        child=BriefRelatedField(queryset=Organization.objects.all()),
        help_text=(
            "The organizations involved: the parties (and, when authorized, the authorizing bodies) of an agreement; "
            "the withdrawing party; the mission's participants; the role's organization."
        ),
    )
    status = serializers.ChoiceField(
        choices=Milestone.ClaimStatus.choices,
        allow_null=True,
        help_text=(
            "Milestones: achieved, planned (the current plan) or superseded (a plan that disagrees with the current "
            "claim). Null for other events."
        ),
    )
    milestone_kind = serializers.ChoiceField(
        choices=Milestone.Kind.choices, allow_null=True, help_text="Milestones: which milestone. Null otherwise."
    )
    is_current = serializers.BooleanField(
        allow_null=True,
        help_text=(
            "Milestones: whether the event holds the current claim for its mission and milestone. Null otherwise."
        ),
    )
    window_end = TimelineDateField(
        allow_null=True,
        help_text="Milestones claimed for a window (e.g. 2024 to 2026): its last period. Null otherwise.",
    )
    claims = serializers.ListField(
        child=TimelineRecordField(),
        help_text=f"Milestones: every claim merged into the event, the `record` first, then by id. {MERGE_RULE} "
        "Empty for other events.",
    )
    citations = TimelineCitationSerializer(
        many=True,
        help_text=(
            "Sources: for agreement, withdrawal and role events the citations of that date where there are some, "
            "else of the whole record; for a milestone, the source of each of its claims, in the order of `claims`."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._apply_shape()

    def _apply_shape(self) -> None:
        """``fields``/``omit`` as on every resource; events have no expandable fields."""
        request = self.context.get("request")
        if request is None:
            return
        names = set(self.fields)
        for param in ("expand", "fields", "omit"):
            wanted = set(csv_param(request, param))
            unknown = wanted if param == "expand" else wanted - names
            if unknown:
                known = _("none") if param == "expand" else ", ".join(sorted(names))
                detail = unknown_fields_detail(param, unknown, known)
                raise invalid_parameter(param, detail)
        only, omit = set(csv_param(request, "fields")), set(csv_param(request, "omit"))
        for name in names:
            if (only and name not in only) or name in omit:
                self.fields.pop(name)


# --- the query ---------------------------------------------------------------------------


class KindsField(forms.CharField):
    """``kind__in=signed,expired``: every value must be an event kind."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        kinds = [part.strip() for part in value.split(",")]
        unknown = [kind for kind in kinds if kind not in EventKind.values]
        if unknown:
            raise invalid(
                _("Unknown event kind(s): {kinds}. Use: {choices}.").format(
                    kinds=", ".join(map(repr, unknown)), choices=", ".join(EventKind.values)
                ),
                code="invalid_choice",
            )
        return frozenset(kinds)


class SlugIdsField(RelatedChoiceField):
    """Records by slug, as the set of their ids: ``RelatedChoiceField``'s checks and errors, in one lookup whose
    SQL never changes (no queryset is built and compiled per request; none at all when the parameter is absent)."""

    def clean(self, value):
        value = self.prepare_value(value)
        if not value:
            return frozenset()
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        ids = self._ids(value)
        self.run_validators(value)
        return ids

    def _ids(self, value) -> frozenset[int]:
        try:
            value = frozenset(value)
        except TypeError:
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        for slug in value:
            self.validate_no_null_characters(slug)
        model = self.queryset.model
        found, _columns = PageRecords(router.db_for_read(model)).rows(
            model, [str(slug) for slug in value], key="slug", columns=("slug", "id")
        )
        ids = dict(found)
        for slug in value:
            if str(slug) not in ids:
                detail = _("No {model} with {kind} {value}.").format(
                    model=_(str(model._meta.verbose_name)), kind="slug", value=repr(slug)
                )
                raise invalid(detail, code="does_not_exist")
        return frozenset(ids.values())


def _by_slug(model) -> SlugIdsField:
    return SlugIdsField(queryset=model.objects.all(), to_field_name="slug", required=False)


class TimelineQueryForm(QueryForm):
    error_code = "invalid"
    single_detail = False
    combined_detail = gettext_lazy("The request is invalid; see errors.")

    date_from = PartialDateQueryField(required=False)
    date_to = PartialDateQueryField(required=False)
    kind__in = KindsField(required=False)
    organization = _by_slug(Organization)
    mission = _by_slug(Mission)
    agreement = _by_slug(Agreement)
    include_superseded = StrictBooleanField(required=False)


ORDERINGS = ("date", "-date")

PARAMETERS = [
    OpenApiParameter(
        "date_from",
        str,
        pattern=PARTIAL_DATE_PATTERN,
        description=(
            "Partial date (YYYY, YYYY-MM or YYYY-MM-DD). On or after it, by range overlap: an event matches when "
            "the last day its date covers is on or after the first day of the bound (an event dated 2017 matches "
            "`date_from=2017-06-01`)."
        ),
    ),
    OpenApiParameter(
        "date_to",
        str,
        pattern=PARTIAL_DATE_PATTERN,
        description=(
            "Partial date. On or before it, by range overlap: an event matches when the first day its date covers "
            "is on or before the last day of the bound (`date_to=2018` includes all of 2018)."
        ),
    ),
    OpenApiParameter(
        "kind__in",
        str,
        many=True,
        explode=False,
        style="form",
        enum=EventKind.values,
        description="Event kinds, comma-separated (any of). "
        + "; ".join(f"`{kind.value}`: {kind.label}" for kind in EventKind)
        + ".",
    ),
    OpenApiParameter(
        "organization",
        {"type": "array", "items": SLUG_SCHEMA},
        explode=True,
        style="form",
        description="Organization slug (repeatable: any of): events listing it among their `organizations`.",
    ),
    OpenApiParameter(
        "mission",
        {"type": "array", "items": SLUG_SCHEMA},
        explode=True,
        style="form",
        description="Mission slug (repeatable: any of): that mission's milestone claims.",
    ),
    OpenApiParameter(
        "agreement",
        {"type": "array", "items": SLUG_SCHEMA},
        explode=True,
        style="form",
        description="Agreement slug (repeatable: any of): that agreement's dates and its parties' withdrawals.",
    ),
    OpenApiParameter(
        "include_superseded",
        bool,
        default=False,
        description=(
            "Also show the milestone events that do not hold the current claim of their mission and milestone: "
            "superseded plans (`status: superseded`) and achieved claims whose date disagrees with the current "
            "one (`is_current: false`). Default false: one event per milestone, the current one."
        ),
    ),
    OpenApiParameter("ordering", str, enum=list(ORDERINGS), description=f"Default `date`. {ORDER_RULE}"),
]

DESCRIPTION = f"""A chronological feed of what happened, and what is planned, in the registry.

Events are derived from the records on every request, never stored: agreements being authorized, signed, \
entering into force and expiring (their `valid_until`), parties withdrawing, mission milestones, and people \
taking up and leaving roles.

**One event per real event.** {MERGE_RULE}

**Order.** {ORDER_RULE}

Filters combine with AND. `date_from` and `date_to` compare by the range each date covers, like the \
partial-date filters of the other endpoints; a milestone is dated by its `record`'s `date` (the `window_end` of \
a window is shown, not filtered on).
"""


class TimelinePagination(LimitOffsetPagination):
    """``limit``/``offset`` as everywhere, over a ``Timeline``: the database counts and cuts the page.

    The count stops at ``API_COUNT_BOUND`` events, as every list's does (or at the page's end, if further):
    counting every event of the registry cost more than the page itself. ``count_exact`` says whether
    ``count`` is the total; past the bound it is a lower bound (no statistics estimate a UNION of events).
    With ``documents`` (PostgreSQL), the page is its events' JSON, written with the count by one statement.
    """

    documents: TimelinePages | None = None

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit, self.offset = self.get_limit(request), self.get_offset(request)
        if self.documents is not None:
            self.count, self.count_exact, page = self.documents.counted_page(
                queryset.rows, self.offset, self.limit, settings.API_COUNT_BOUND
            )
        else:
            self.count, self.count_exact, page = queryset.counted_page(
                self.offset, self.limit, settings.API_COUNT_BOUND
            )
        return page

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"Events matching the query, on all pages, counted up to {settings.API_COUNT_BOUND:,} (or to the end "
            "of this page, if further): when there are more, a lower bound and `count_exact` is false."
        )
        response["properties"]["count_exact"]["description"] = (
            "Whether `count` is the exact number of matching events; false: it is a lower bound."
        )
        return response


SHAPE_PARAMETERS = ("expand", "fields", "omit")
ALL_FIELDS = tuple(TimelineEventSerializer().fields)


class TimelineView(ContractMixin, APIView):
    """Agreements, withdrawals, milestone claims and roles, in date order."""

    permission_classes = [AllowAny]
    renderer_classes = [ORJSONRenderer, CSVRenderer]
    pagination_class = TimelinePagination
    extra_query_parameters = (*TimelineQueryForm.base_fields, "ordering", "limit", "offset")

    @extend_schema(
        operation_id="timeline_list",
        summary="Timeline of events",
        description=DESCRIPTION,
        parameters=PARAMETERS,
        responses=TimelineEventSerializer(many=True),
    )
    def get(self, request):
        return kept_answer(request, Agreement, lambda: self.answer(request))

    def answer(self, request):
        """The page of events (or the CSV export) this request asks for, built from the registry."""
        events = timeline(self.parse_query(request))
        writer = EventWriter(request, self.shaped_fields(request))
        if isinstance(request.accepted_renderer, CSVRenderer):
            response = StreamingHttpResponse(
                csv_lines(writer.write(event) for event in events), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="timeline.csv"'
            return response
        paginator = self.pagination_class()
        paginator.documents = TimelineDocuments.for_request(
            request, writer.fields, events.rows.using, event_kinds(events.rows.query)
        )
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(writer.write_all(page) if paginator.documents is None else page)

    def shaped_fields(self, request) -> tuple[str, ...]:
        """The names of the fields to write: the serializer validates ``fields``/``omit`` and says which (a
        request without them writes every field, and builds no serializer)."""
        if not any(csv_param(request, param) for param in SHAPE_PARAMETERS):
            return ALL_FIELDS
        return tuple(TimelineEventSerializer(context={"request": request, "view": self}).fields)

    @staticmethod
    def parse_query(request) -> TimelineQuery:
        """The query parameters as a ``TimelineQuery``; a malformed value is a 400 naming its parameter."""
        params = request.query_params
        if any(name in params for name in TimelineQueryForm.base_fields):
            selection = _selection(TimelineQueryForm.parse(request))
        else:
            selection = _unfiltered()
        ordering = params.get("ordering", "").strip() or "date"
        if ordering not in ORDERINGS:
            detail = _("Cannot order by {terms}. Allowed: {allowed}.").format(
                terms=repr(ordering), allowed=", ".join(ORDERINGS)
            )
            raise invalid_parameter("ordering", detail)
        return TimelineQuery(**selection, descending=ordering == "-date")


def _selection(data: dict) -> dict:
    """The ``TimelineQuery`` fields of a ``TimelineQueryForm``'s cleaned data (all but the order)."""

    def ids(name: str) -> frozenset[int]:
        return data[name] or frozenset()

    return {
        "kinds": data["kind__in"],
        "organization_ids": ids("organization"),
        "mission_ids": ids("mission"),
        "agreement_ids": ids("agreement"),
        "date_from": data["date_from"],
        "date_to": data["date_to"],
        "include_superseded": data["include_superseded"],
    }


@functools.cache
def _unfiltered() -> dict:
    """What the form makes of none of its parameters, made once (a form costs about 0.3 ms to build)."""
    form = TimelineQueryForm(QueryDict())
    if not form.is_valid():
        raise form.error()
    return _selection(form.cleaned_data)
