"""ModelAdmins for every registry model, designed for the curators' work."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import Textarea
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cooperation.admin.actions import export_csv, mark_expired
from cooperation.admin.filters import CitedSourceFilter, CountryFilter
from cooperation.admin.forms import PartialDateModelForm
from cooperation.links import public_url
from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Citation,
    Label,
    Milestone,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Signatory,
    Source,
    current_claims,
)

admin.site.site_header = _("Space Cooperation Registry")
admin.site.site_title = _("Space Cooperation Registry")
admin.site.index_title = _("Curate the registry")

TIMESTAMPS = ("created", "last_updated")


def subject_text(obj) -> str:
    """ "organization: Roscosmos ...": what a citation or label points at, the kind in the reader's language."""
    kind = obj.subject_kind
    if kind is None:
        return "—"
    return f"{obj._meta.get_field(kind).verbose_name}: {obj.subject}"


def partial_date_column(stem: str, description: str):
    """A changelist column showing a partial date as typed ("2017-11"), sortable by its start."""

    @admin.display(description=description, ordering=stem)
    def column(self, obj):
        return obj.get_partial_date(stem) or "—"

    return column


class RegistryAdmin(SimpleHistoryAdmin):
    """Defaults shared by every registry admin page; History shows field-level changes and can revert."""

    form = PartialDateModelForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = (*TIMESTAMPS, "api_record")
    actions = (export_csv,)
    list_per_page = 50

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Reverting is a change: simple-history lets anyone who may view history post the form."""
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def view_on_site(self, obj):
        """ "View on site" opens the record in the public API."""
        return public_url(obj)

    @admin.display(description=_("API record"))
    def api_record(self, obj):
        url = public_url(obj)
        return format_html('<a href="{}">{}</a>', url, url) if url else "—"


class RegistryInline(admin.TabularInline):
    form = PartialDateModelForm
    extra = 0
    show_change_link = True
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 40})}}


# --- inlines ------------------------------------------------------------------------------


class CitationInline(RegistryInline):
    model = Citation
    fields = ("source", "field", "locator", "claim", "quote", "note")
    autocomplete_fields = ("source",)


class LabelInline(RegistryInline):
    model = Label
    fields = ("language", "kind", "text", "source", "note")
    autocomplete_fields = ("source",)
    verbose_name = _("name or alias")
    verbose_name_plural = _("names and aliases (labels)")


class PartyFormSet(BaseInlineFormSet):
    """Refuses to remove a party that signatories act for, with a message instead of an error page."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            party = form.instance
            if party.pk is None:
                continue
            stranded = party.stranded_signatories(without_self=True)
            if stranded:
                names = ", ".join(str(s.person) for s in stranded)
                message = gettext(
                    "%(organization)s cannot be removed: %(names)s signed on its behalf. "
                    "Remove or change those signatories first, save, then remove the party."
                )
                raise ValidationError(message % {"organization": party.organization, "names": names})

    def pending_party_ids(self) -> set[int]:
        """The organizations that will be parties once this form is saved."""
        ids = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or data.get("role") != AgreementParty.Role.PARTY or not data.get("organization"):
                continue
            ids.add(data["organization"].pk)
        return ids


class SignatoryFormSet(BaseInlineFormSet):
    """Checks each signatory against the parties being saved in the same form, not only those already saved."""

    party_formset: PartyFormSet | None = None

    def full_clean(self):
        if self.party_formset is not None:
            pending = self.party_formset.pending_party_ids()
            for form in self.forms:
                form.instance.pending_party_ids = pending
        super().full_clean()


class PartyInline(RegistryInline):
    model = AgreementParty
    formset = PartyFormSet
    fields = ("organization", "role", "withdrawn_on", "withdrawn_on_precision", "note")
    autocomplete_fields = ("organization",)


class SignatoryInline(RegistryInline):
    model = Signatory
    formset = SignatoryFormSet
    fields = ("person", "on_behalf_of", "title", "note")
    autocomplete_fields = ("person", "on_behalf_of")


class RelationInline(RegistryInline):
    model = AgreementRelation
    fk_name = "from_agreement"
    fields = ("kind", "to_agreement", "note")
    autocomplete_fields = ("to_agreement",)
    verbose_name_plural = _("links to other agreements")


class AgreementMissionInline(RegistryInline):
    model = AgreementMission
    fields = ("mission", "role", "note")
    autocomplete_fields = ("mission",)
    verbose_name_plural = _("missions")


class ParticipantInline(RegistryInline):
    model = MissionParticipant
    fields = ("organization", "role", "joined_on", "joined_on_precision", "left_on", "left_on_precision", "note")
    autocomplete_fields = ("organization",)


class MilestoneInline(RegistryInline):
    model = Milestone
    fields = (
        "kind", "status", "date", "date_precision", "window_end", "window_end_precision", "source",
        "stated_on", "stated_on_precision", "locator", "quote",
    )  # fmt: skip
    autocomplete_fields = ("source",)
    verbose_name_plural = _("milestone claims (one per source; never overwrite, add)")


class RoleInline(RegistryInline):
    model = PersonRole
    fields = ("person", "organization", "title", "started_on", "started_on_precision", "ended_on", "ended_on_precision")
    autocomplete_fields = ("person", "organization")


# --- sources, organizations, persons --------------------------------------------------------


@admin.register(Source)
class SourceAdmin(RegistryAdmin):
    list_display = ("slug", "title", "publisher", "published", "kind", "tier", "language")
    list_filter = ("kind", "tier", "language", "published_on_precision")
    search_fields = ("slug", "title", "publisher", "author", "url", "notes")
    date_hierarchy = "published_on"

    published = partial_date_column("published_on", pgettext_lazy("date column", "published"))


@admin.register(Organization)
class OrganizationAdmin(RegistryAdmin):
    list_display = ("name", "short_name", "slug", "kind", "countries", "parent")
    list_filter = ("kind", CountryFilter, CitedSourceFilter)
    list_select_related = ("parent",)
    search_fields = ("name", "short_name", "slug", "labels__text")
    autocomplete_fields = ("parent",)
    inlines = (LabelInline, RoleInline, CitationInline)


@admin.register(Person)
class PersonAdmin(RegistryAdmin):
    list_display = ("name", "slug", "current_titles")
    list_filter = (CitedSourceFilter,)
    search_fields = ("name", "slug", "labels__text")
    inlines = (RoleInline, LabelInline, CitationInline)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles__organization")

    @admin.display(description=_("roles"))
    def current_titles(self, obj):
        return "; ".join(f"{r.title} ({r.organization.short_name or r.organization.name})" for r in obj.roles.all())


@admin.register(PersonRole)
class PersonRoleAdmin(RegistryAdmin):
    list_display = ("person", "title", "organization", "started", "ended")
    list_select_related = ("person", "organization")
    list_filter = ("started_on_precision",)
    search_fields = ("person__name", "title", "organization__name")
    autocomplete_fields = ("person", "organization")
    inlines = (CitationInline,)

    started = partial_date_column("started_on", pgettext_lazy("date column", "from"))

    ended = partial_date_column("ended_on", pgettext_lazy("date column", "to"))


# --- agreements ---------------------------------------------------------------------------------


@admin.register(Agreement)
class AgreementAdmin(RegistryAdmin):
    list_display = ("title", "kind", "status", "signed", "signed_place", "party_names")
    list_filter = ("kind", "status", "signed_on_precision", "signing_mode", CitedSourceFilter)
    date_hierarchy = "signed_on"
    search_fields = (
        "title", "short_title", "slug", "labels__text", "signatories__person__name",
        "signatories__person__labels__text", "party_links__organization__name",
    )  # fmt: skip
    autocomplete_fields = ("forum",)
    inlines = (PartyInline, SignatoryInline, RelationInline, AgreementMissionInline, LabelInline, CitationInline)
    actions = (export_csv, mark_expired)
    fieldsets = (
        (None, {"fields": ("title", "short_title", "slug", "kind", "status")}),
        (
            _("Signing"),
            {
                "fields": (
                    "authorized_on",
                    "authorized_on_precision",
                    "signed_on",
                    "signed_on_precision",
                    "signed_place",
                    "signing_mode",
                    "signing_event",
                    "forum",
                )
            },
        ),
        (
            _("In force"),
            {
                "fields": (
                    "entered_into_force_on",
                    "entered_into_force_on_precision",
                    "entry_into_force_condition",
                    "valid_from",
                    "valid_from_precision",
                    "valid_until",
                    "valid_until_precision",
                )
            },
        ),
        (_("Content"), {"fields": ("summary", "topics")}),
        (_("Record"), {"fields": (*TIMESTAMPS, "api_record"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("party_links__organization")

    signed = partial_date_column("signed_on", pgettext_lazy("date column", "signed"))

    @admin.display(description=_("parties"))
    def party_names(self, obj):
        return ", ".join(
            p.organization.short_name or p.organization.name for p in obj.party_links.all() if p.role == "party"
        )

    def _create_formsets(self, request, obj, change):
        """Let the signatories see the parties saved alongside them."""
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        parties = next((f for f in formsets if isinstance(f, PartyFormSet)), None)
        for formset in formsets:
            if isinstance(formset, SignatoryFormSet):
                formset.party_formset = parties
        return formsets, inline_instances


class LinkAdmin(RegistryAdmin):
    """Admin for a link table that is usually edited as an inline."""

    inlines = (CitationInline,)


@admin.register(AgreementParty)
class AgreementPartyAdmin(LinkAdmin):
    list_display = ("agreement", "organization", "role", "withdrawn")
    list_filter = ("role",)
    list_select_related = ("agreement", "organization")
    search_fields = ("agreement__title", "organization__name")
    autocomplete_fields = ("agreement", "organization")

    withdrawn = partial_date_column("withdrawn_on", pgettext_lazy("date column", "withdrawn"))


@admin.register(Signatory)
class SignatoryAdmin(LinkAdmin):
    list_display = ("person", "on_behalf_of", "title", "agreement")
    list_select_related = ("person", "on_behalf_of", "agreement")
    search_fields = ("person__name", "person__labels__text", "on_behalf_of__name", "agreement__title")
    autocomplete_fields = ("agreement", "person", "on_behalf_of")


@admin.register(AgreementRelation)
class AgreementRelationAdmin(LinkAdmin):
    list_display = ("from_agreement", "kind", "to_agreement")
    list_filter = ("kind",)
    list_select_related = ("from_agreement", "to_agreement")
    search_fields = ("from_agreement__title", "to_agreement__title")
    autocomplete_fields = ("from_agreement", "to_agreement")


@admin.register(AgreementMission)
class AgreementMissionAdmin(LinkAdmin):
    list_display = ("agreement", "role", "mission")
    list_filter = ("role",)
    list_select_related = ("agreement", "mission")
    search_fields = ("agreement__title", "mission__name")
    autocomplete_fields = ("agreement", "mission")


# --- missions -------------------------------------------------------------------------------------


@admin.register(Mission)
class MissionAdmin(RegistryAdmin):
    list_display = ("name", "slug", "kind", "target", "status", "parent", "current_dates")
    list_filter = ("kind", "status", "target", CitedSourceFilter)
    list_select_related = ("parent",)
    search_fields = ("name", "slug", "labels__text")
    autocomplete_fields = ("parent",)
    readonly_fields = ("current_dates", *TIMESTAMPS, "api_record")
    inlines = (ParticipantInline, MilestoneInline, LabelInline, CitationInline)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("milestones__source")

    @admin.display(description=_("current dates"))
    def current_dates(self, obj):
        """The current claim for each kind of milestone: achieved if any, else the latest planned."""
        claims = sorted(current_claims(obj.milestones.all()).values(), key=lambda c: c.date)
        if not claims:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            gettext("{kind}: {date} ({status}, per {source})"),
            (
                {
                    "kind": c.get_kind_display(),
                    "date": c.date_display,
                    "status": c.get_status_display(),
                    "source": c.source.slug,
                }
                for c in claims
            ),
        )


@admin.register(MissionParticipant)
class MissionParticipantAdmin(LinkAdmin):
    list_display = ("mission", "organization", "role", "joined", "left")
    list_filter = ("role",)
    list_select_related = ("mission", "organization")
    search_fields = ("mission__name", "organization__name")
    autocomplete_fields = ("mission", "organization")

    joined = partial_date_column("joined_on", pgettext_lazy("date column", "joined"))

    left = partial_date_column("left_on", pgettext_lazy("date column", "left"))


@admin.register(Milestone)
class MilestoneAdmin(RegistryAdmin):
    list_display = ("mission", "kind", "status", "claimed_date", "date_precision", "source", "stated")
    list_filter = ("kind", "status", "date_precision", "source")
    list_select_related = ("mission", "source")
    search_fields = ("mission__name", "mission__labels__text", "quote", "source__title")
    autocomplete_fields = ("mission", "source")
    date_hierarchy = "date"

    @admin.display(description=_("date"), ordering="date")
    def claimed_date(self, obj):
        return obj.date_display

    stated = partial_date_column("stated_on", pgettext_lazy("date column", "stated"))


# --- provenance -----------------------------------------------------------------------------------

CITATION_SUBJECT_JOINS = (
    "source", "organization", "person", "agreement", "mission",
    "person_role__person", "person_role__organization",
    "agreement_party__agreement", "agreement_party__organization",
    "signatory__agreement", "signatory__person", "signatory__on_behalf_of",
    "agreement_relation__from_agreement", "agreement_relation__to_agreement",
    "agreement_mission__agreement", "agreement_mission__mission",
    "mission_participant__mission", "mission_participant__organization",
)  # fmt: skip


@admin.register(Citation)
class CitationAdmin(RegistryAdmin):
    list_display = ("id", "subject_display", "field", "source", "locator", "claim")
    list_filter = ("source", "field")
    list_select_related = CITATION_SUBJECT_JOINS
    search_fields = ("quote", "claim", "note", "locator", "source__title")
    autocomplete_fields = ("source", "organization", "person", "agreement", "mission")
    raw_id_fields = (
        "person_role", "agreement_party", "signatory", "agreement_relation", "agreement_mission", "mission_participant",
    )  # fmt: skip

    @admin.display(description=_("cites for"))
    def subject_display(self, obj):
        return subject_text(obj)


@admin.register(Label)
class LabelAdmin(RegistryAdmin):
    list_display = ("text", "language", "kind", "subject_display", "source")
    list_filter = ("language", "kind", "source")
    list_select_related = ("organization", "person", "agreement", "mission", "source")
    search_fields = ("text", "note")
    autocomplete_fields = ("organization", "person", "agreement", "mission", "source")

    @admin.display(description=_("names"))
    def subject_display(self, obj):
        return subject_text(obj)


__all__ = ["RegistryAdmin"]
