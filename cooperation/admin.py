"""Django admin for curators: every model registered, with inlines where work happens."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

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
)

admin.site.site_header = "Space Cooperation Registry"
admin.site.site_title = "Space Cooperation Registry"
admin.site.index_title = "Curate the registry"

TIMESTAMPS = ("created", "last_updated")


class RegistryAdmin(admin.ModelAdmin):
    """Defaults shared by every registry admin page."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = TIMESTAMPS


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    fields = ("source", "field", "locator", "claim", "quote", "note")
    autocomplete_fields = ("source",)


class LabelInline(admin.TabularInline):
    model = Label
    extra = 0
    fields = ("language", "kind", "text", "source", "note")
    autocomplete_fields = ("source",)


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
                raise ValidationError(
                    f"{party.organization} cannot be removed: {names} signed on its behalf. "
                    "Remove or change those signatories first, save, then remove the party."
                )


class PartyInline(admin.TabularInline):
    model = AgreementParty
    formset = PartyFormSet
    extra = 0
    fields = ("organization", "role", "withdrawn_on", "withdrawn_on_precision", "note")
    autocomplete_fields = ("organization",)


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0
    fields = ("person", "on_behalf_of", "title", "note")
    autocomplete_fields = ("person", "on_behalf_of")


class RelationInline(admin.TabularInline):
    model = AgreementRelation
    fk_name = "from_agreement"
    extra = 0
    fields = ("kind", "to_agreement", "note")
    autocomplete_fields = ("to_agreement",)


class AgreementMissionInline(admin.TabularInline):
    model = AgreementMission
    extra = 0
    fields = ("mission", "role", "note")
    autocomplete_fields = ("mission",)


class ParticipantInline(admin.TabularInline):
    model = MissionParticipant
    extra = 0
    fields = ("organization", "role", "joined_on", "joined_on_precision", "left_on", "left_on_precision", "note")
    autocomplete_fields = ("organization",)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("kind", "status", "date", "date_precision", "window_end", "window_end_precision", "source", "locator")
    autocomplete_fields = ("source",)


class RoleInline(admin.TabularInline):
    model = PersonRole
    extra = 0
    fields = ("organization", "title", "started_on", "started_on_precision", "ended_on", "ended_on_precision")
    autocomplete_fields = ("organization",)


@admin.register(Source)
class SourceAdmin(RegistryAdmin):
    list_display = ("slug", "title", "publisher", "published_on", "published_on_precision", "kind", "tier")
    list_filter = ("kind", "tier", "language", "published_on_precision")
    search_fields = ("slug", "title", "publisher", "author", "url")


@admin.register(Organization)
class OrganizationAdmin(RegistryAdmin):
    list_display = ("name", "short_name", "slug", "kind", "countries", "parent")
    list_filter = ("kind",)
    list_select_related = ("parent",)
    search_fields = ("name", "short_name", "slug", "labels__text")
    autocomplete_fields = ("parent",)
    inlines = (LabelInline, CitationInline)


@admin.register(Person)
class PersonAdmin(RegistryAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug", "labels__text")
    inlines = (RoleInline, LabelInline, CitationInline)


@admin.register(PersonRole)
class PersonRoleAdmin(RegistryAdmin):
    list_display = ("person", "title", "organization", "started_on", "ended_on")
    list_select_related = ("person", "organization")
    search_fields = ("person__name", "title", "organization__name")
    autocomplete_fields = ("person", "organization")
    inlines = (CitationInline,)


@admin.register(Agreement)
class AgreementAdmin(RegistryAdmin):
    list_display = ("title", "kind", "status", "signed_on", "signed_on_precision", "signed_place")
    list_filter = ("kind", "status", "signed_on_precision", "signing_mode")
    date_hierarchy = "signed_on"
    search_fields = ("title", "short_title", "slug", "labels__text", "signatories__person__name")
    autocomplete_fields = ("forum",)
    inlines = (PartyInline, SignatoryInline, RelationInline, AgreementMissionInline, LabelInline, CitationInline)


@admin.register(AgreementParty)
class AgreementPartyAdmin(RegistryAdmin):
    list_display = ("agreement", "organization", "role", "withdrawn_on")
    list_filter = ("role",)
    list_select_related = ("agreement", "organization")
    search_fields = ("agreement__title", "organization__name")
    autocomplete_fields = ("agreement", "organization")
    inlines = (CitationInline,)


@admin.register(Signatory)
class SignatoryAdmin(RegistryAdmin):
    list_display = ("person", "on_behalf_of", "title", "agreement")
    list_select_related = ("person", "on_behalf_of", "agreement")
    search_fields = ("person__name", "on_behalf_of__name", "agreement__title")
    autocomplete_fields = ("agreement", "person", "on_behalf_of")
    inlines = (CitationInline,)


@admin.register(AgreementRelation)
class AgreementRelationAdmin(RegistryAdmin):
    list_display = ("from_agreement", "kind", "to_agreement")
    list_filter = ("kind",)
    list_select_related = ("from_agreement", "to_agreement")
    search_fields = ("from_agreement__title", "to_agreement__title")
    autocomplete_fields = ("from_agreement", "to_agreement")
    inlines = (CitationInline,)


@admin.register(AgreementMission)
class AgreementMissionAdmin(RegistryAdmin):
    list_display = ("agreement", "role", "mission")
    list_filter = ("role",)
    list_select_related = ("agreement", "mission")
    search_fields = ("agreement__title", "mission__name")
    autocomplete_fields = ("agreement", "mission")
    inlines = (CitationInline,)


@admin.register(Mission)
class MissionAdmin(RegistryAdmin):
    list_display = ("name", "slug", "kind", "target", "status", "parent")
    list_filter = ("kind", "status", "target")
    list_select_related = ("parent",)
    search_fields = ("name", "slug", "labels__text")
    autocomplete_fields = ("parent",)
    inlines = (ParticipantInline, MilestoneInline, LabelInline, CitationInline)


@admin.register(MissionParticipant)
class MissionParticipantAdmin(RegistryAdmin):
    list_display = ("mission", "organization", "role", "joined_on", "left_on")
    list_filter = ("role",)
    list_select_related = ("mission", "organization")
    search_fields = ("mission__name", "organization__name")
    autocomplete_fields = ("mission", "organization")
    inlines = (CitationInline,)


@admin.register(Milestone)
class MilestoneAdmin(RegistryAdmin):
    list_display = ("mission", "kind", "status", "date", "date_precision", "source", "stated_on")
    list_filter = ("kind", "status", "date_precision", "source")
    list_select_related = ("mission", "source")
    search_fields = ("mission__name", "quote", "source__title")
    autocomplete_fields = ("mission", "source")


@admin.register(Citation)
class CitationAdmin(RegistryAdmin):
    list_display = ("__str__", "source", "field", "locator", "claim")
    list_filter = ("source",)
    list_select_related = ("source", "organization", "person", "agreement", "mission")
    search_fields = ("quote", "claim", "note", "source__title")
    autocomplete_fields = ("source",)
    raw_id_fields = (
        "organization",
        "person",
        "person_role",
        "agreement",
        "agreement_party",
        "signatory",
        "agreement_relation",
        "agreement_mission",
        "mission",
        "mission_participant",
    )


@admin.register(Label)
class LabelAdmin(RegistryAdmin):
    list_display = ("text", "language", "kind", "organization", "person", "agreement", "mission", "source")
    list_filter = ("language", "kind")
    list_select_related = ("organization", "person", "agreement", "mission", "source")
    search_fields = ("text",)
    autocomplete_fields = ("organization", "person", "agreement", "mission", "source")
