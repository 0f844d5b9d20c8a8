"""Organizations, persons and their dated roles: their FilterSets."""

from __future__ import annotations

import django_filters
from django_countries import countries

from api.filtersets.base import CHOICE, PARTY, SLUG, TEXT, ResourceFilterSet, partial_date_filters, related_filters
from cooperation.models import (
    Agreement,
    Mission,
    Organization,
    Person,
    PersonRole,
)


class OrganizationFilterSet(ResourceFilterSet):
    country = django_filters.ChoiceFilter(
        choices=list(countries),
        method="filter_country",
        help_text="ISO 3166-1 alpha-2 code, upper case, e.g. RU.",
    )

    class Meta(ResourceFilterSet.Meta):
        model = Organization
        lookups = {
            "slug": SLUG, "kind": CHOICE, "name": TEXT, "short_name": TEXT, "website": ["exact", "ic"],
            "wikidata_id": ["exact", "in"],
        }  # fmt: skip
        extra = {
            **related_filters("parent", "parent", Organization, label="parent organization"),
            **related_filters("agreement", "party_links__agreement", Agreement, constraint=PARTY),
            **related_filters("mission", "mission_links__mission", Mission),
            **partial_date_filters("founded_on"),
        }

    def filter_country(self, queryset, name, value):
        return queryset.filter(countries__contains=value)


class PersonFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = Person
        lookups = {"slug": SLUG, "name": TEXT, "wikidata_id": ["exact", "in"]}
        extra = {
            **related_filters("organization", "roles__organization", Organization, label="organization with a role"),
            **related_filters("signed", "signatures__agreement", Agreement, label="agreement signed"),
        }


class PersonRoleFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = PersonRole
        lookups = {"title": TEXT}
        extra = {
            **related_filters("person", "person", Person),
            **related_filters("organization", "organization", Organization),
            **partial_date_filters("started_on"),
            **partial_date_filters("ended_on"),
        }
