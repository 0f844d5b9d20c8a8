"""The FilterSet of every resource."""

from __future__ import annotations

import django_filters
from django_countries import countries

from api.filtersets.base import RegistryFilterSet, partial_date_filters, related_filters
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
from cooperation.models.provenance import CITATION_SUBJECTS, LABEL_SUBJECTS

TEXT = ["exact", "in", "n", "ic"]
CHOICE = ["exact", "in", "n"]
SLUG = ["exact", "in", "n"]
PARTY = {"role": AgreementParty.Role.PARTY}


class SourceFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = Source
        lookups = {
            "slug": SLUG, "kind": CHOICE, "tier": CHOICE, "language": CHOICE, "publisher": TEXT, "author": TEXT,
            "title": ["ic"], "published_on_precision": CHOICE,
        }  # fmt: skip
        extra = {
            **partial_date_filters("published_on"),
            **related_filters("cites_for_agreement", "citations__agreement", Agreement, label="agreement cited"),
        }


class OrganizationFilterSet(RegistryFilterSet):
    country = django_filters.ChoiceFilter(
        choices=list(countries),
        method="filter_country",
        help_text="ISO 3166-1 alpha-2 code, upper case, e.g. RU.",
    )

    class Meta(RegistryFilterSet.Meta):
        model = Organization
        lookups = {"slug": SLUG, "kind": CHOICE, "name": TEXT, "short_name": TEXT}
        extra = {
            **related_filters("parent", "parent", Organization, label="parent organization"),
            **related_filters("agreement", "party_links__agreement", Agreement, constraint=PARTY),
            **related_filters("mission", "mission_links__mission", Mission),
            **partial_date_filters("founded_on"),
        }

    def filter_country(self, queryset, name, value):
        return queryset.filter(countries__contains=value)


class PersonFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = Person
        lookups = {"slug": SLUG, "name": TEXT}
        extra = {
            **related_filters("organization", "roles__organization", Organization, label="organization with a role"),
            **related_filters("signed", "signatures__agreement", Agreement, label="agreement signed"),
        }


class PersonRoleFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = PersonRole
        lookups = {"title": TEXT}
        extra = {
            **related_filters("person", "person", Person),
            **related_filters("organization", "organization", Organization),
            **partial_date_filters("started_on"),
            **partial_date_filters("ended_on"),
        }


class AgreementFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = Agreement
        lookups = {
            "slug": SLUG, "kind": CHOICE, "status": CHOICE, "signing_mode": CHOICE, "title": ["ic"],
            "signed_place": TEXT, "signed_on_precision": CHOICE,
        }  # fmt: skip
        extra = {
            **related_filters("party", "party_links__organization", Organization, constraint=PARTY, label="party"),
            **related_filters(
                "authorized_by",
                "party_links__organization",
                Organization,
                constraint={"role": AgreementParty.Role.AUTHORIZING_BODY},
                label="authorizing body",
            ),
            **related_filters("signatory", "signatories__person", Person, label="signatory (person)"),
            **related_filters("on_behalf_of", "signatories__on_behalf_of", Organization, label="signed on behalf of"),
            **related_filters("mission", "mission_links__mission", Mission),
            **related_filters("forum", "forum", Organization),
            **related_filters("source", "citations__source", Source, label="cited source"),
            **partial_date_filters("signed_on"),
            **partial_date_filters("authorized_on"),
            **partial_date_filters("entered_into_force_on"),
            **partial_date_filters("valid_from"),
            **partial_date_filters("valid_until"),
        }


class AgreementPartyFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = AgreementParty
        lookups = {"role": CHOICE}
        extra = {
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("organization", "organization", Organization),
            **partial_date_filters("withdrawn_on"),
        }


class SignatoryFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = Signatory
        lookups = {"title": TEXT}
        extra = {
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("person", "person", Person),
            **related_filters("on_behalf_of", "on_behalf_of", Organization, label="organization signed for"),
        }


class AgreementRelationFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = AgreementRelation
        lookups = {"kind": CHOICE}
        extra = {
            **related_filters("from_agreement", "from_agreement", Agreement),
            **related_filters("to_agreement", "to_agreement", Agreement),
        }


class AgreementMissionFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = AgreementMission
        lookups = {"role": CHOICE}
        extra = {
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("mission", "mission", Mission),
        }


class MissionFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = Mission
        lookups = {"slug": SLUG, "kind": CHOICE, "status": CHOICE, "target": CHOICE, "name": TEXT}
        extra = {
            **related_filters("participant", "participant_links__organization", Organization, label="participant"),
            **related_filters("parent", "parent", Mission, label="parent program"),
            **related_filters("agreement", "agreement_links__agreement", Agreement),
        }


class MissionParticipantFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = MissionParticipant
        lookups = {"role": CHOICE}
        extra = {
            **related_filters("mission", "mission", Mission),
            **related_filters("organization", "organization", Organization),
            **partial_date_filters("joined_on"),
            **partial_date_filters("left_on"),
        }


class MilestoneFilterSet(RegistryFilterSet):
    class Meta(RegistryFilterSet.Meta):
        model = Milestone
        lookups = {"kind": CHOICE, "status": CHOICE, "date_precision": CHOICE}
        extra = {
            **related_filters("mission", "mission", Mission),
            **related_filters("source", "source", Source),
            **partial_date_filters("date"),
            **partial_date_filters("stated_on"),
        }


class CitationFilterSet(RegistryFilterSet):
    subject_type = django_filters.ChoiceFilter(
        choices=[(s, s) for s in CITATION_SUBJECTS], method="filter_subject_type", help_text="Kind of record cited."
    )

    class Meta(RegistryFilterSet.Meta):
        model = Citation
        lookups = {"field": ["exact", "in"], "locator": ["ic"], "quote": ["ic"], "claim": ["exact", "ic"]}
        extra = {
            **related_filters("source", "source", Source),
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("organization", "organization", Organization),
            **related_filters("person", "person", Person),
            **related_filters("mission", "mission", Mission),
        }

    def filter_subject_type(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})


class LabelFilterSet(RegistryFilterSet):
    subject_type = django_filters.ChoiceFilter(
        choices=[(s, s) for s in LABEL_SUBJECTS], method="filter_subject_type", help_text="Kind of record named."
    )

    class Meta(RegistryFilterSet.Meta):
        model = Label
        lookups = {"language": CHOICE, "kind": CHOICE, "text": TEXT}
        extra = {
            **related_filters("source", "source", Source),
            **related_filters("organization", "organization", Organization),
            **related_filters("person", "person", Person),
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("mission", "mission", Mission),
        }

    filter_subject_type = CitationFilterSet.filter_subject_type
