"""Organizations, persons and their dated roles."""

from api.core.fields import BriefRelatedField, LocalizedNameField, PartialDateField
from api.serializers.base import NestedSerializer, ResourceSerializer
from api.serializers.common import CitationBriefSerializer, CountryCodesField, LabelBriefSerializer
from cooperation.models import Organization, Person, PersonRole


class OrganizationSerializer(ResourceSerializer):
    """A space agency, government, state corporation, company, forum or alliance."""

    localized_name = LocalizedNameField()
    countries = CountryCodesField(required=False, help_text="ISO 3166-1 alpha-2 codes, upper case.")
    parent = BriefRelatedField(queryset=Organization.objects.all(), required=False, allow_null=True)
    founded_on = PartialDateField("founded_on")
    labels = LabelBriefSerializer(many=True, read_only=True, help_text="Names in other languages and aliases.")
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = Organization
        fields = (
            "id", "url", "display", "slug", "name", "short_name", "localized_name", "kind", "countries", "parent",
            "founded_on", "website", "wikidata_id", "description", "labels", "citations", "created", "last_updated",
        )  # fmt: skip
        expandable = ("labels", "citations")


class RoleInPersonSerializer(NestedSerializer):
    """A role as shown inside its person."""

    organization = BriefRelatedField(read_only=True)
    started_on = PartialDateField("started_on", read_only=True)
    ended_on = PartialDateField("ended_on", read_only=True)

    class Meta:
        model = PersonRole
        fields = ("id", "url", "organization", "title", "started_on", "ended_on")
        read_only_fields = fields


class PersonSerializer(ResourceSerializer):
    """A person who signs, leads or speaks for an organization, with their dated roles."""

    localized_name = LocalizedNameField()
    roles = RoleInPersonSerializer(many=True, read_only=True)
    labels = LabelBriefSerializer(many=True, read_only=True)
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = Person
        fields = (
            "id", "url", "display", "slug", "name", "localized_name", "wikidata_id", "description", "roles", "labels",
            "citations", "created", "last_updated",
        )  # fmt: skip
        expandable = ("labels", "citations")


class PersonRoleSerializer(ResourceSerializer):
    """A dated title held by a person at an organization."""

    person = BriefRelatedField(queryset=Person.objects.all())
    organization = BriefRelatedField(queryset=Organization.objects.all())
    started_on = PartialDateField("started_on")
    ended_on = PartialDateField("ended_on")
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = PersonRole
        fields = (
            "id", "url", "display", "person", "organization", "title", "started_on", "ended_on", "citations",
            "created", "last_updated",
        )  # fmt: skip
        expandable = ("citations",)
