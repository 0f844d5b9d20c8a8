"""Citations and labels: their FilterSets."""

from __future__ import annotations

import django_filters

from api.filtersets.base import CHOICE, TEXT, ResourceFilterSet, related_filters
from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Citation,
    Label,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Signatory,
    Source,
)
from cooperation.models.provenance import CITATION_SUBJECTS, LABEL_SUBJECTS


class CitationFilterSet(ResourceFilterSet):
    subject_type = django_filters.ChoiceFilter(
        choices=[(s, s) for s in CITATION_SUBJECTS], method="filter_subject_type", help_text="Kind of record cited."
    )

    class Meta(ResourceFilterSet.Meta):
        model = Citation
        lookups = {"field": ["exact", "in"], "locator": ["ic"], "quote": ["ic"], "claim": ["exact", "ic"]}
        extra = {
            **related_filters("source", "source", Source),
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("organization", "organization", Organization),
            **related_filters("person", "person", Person),
            **related_filters("mission", "mission", Mission),
            **related_filters("person_role", "person_role", PersonRole, by_slug=False),
            **related_filters("agreement_party", "agreement_party", AgreementParty, by_slug=False),
            **related_filters("signatory", "signatory", Signatory, by_slug=False),
            **related_filters("agreement_relation", "agreement_relation", AgreementRelation, by_slug=False),
            **related_filters("agreement_mission", "agreement_mission", AgreementMission, by_slug=False),
            **related_filters("mission_participant", "mission_participant", MissionParticipant, by_slug=False),
        }

    def filter_subject_type(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})


class LabelFilterSet(ResourceFilterSet):
    subject_type = django_filters.ChoiceFilter(
        choices=[(s, s) for s in LABEL_SUBJECTS], method="filter_subject_type", help_text="Kind of record named."
    )

    class Meta(ResourceFilterSet.Meta):
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
