"""Agreements, with their parties, signatories, relations and missions."""

from rest_framework import serializers

from api.core.fields import BriefRelatedField, LocalizedNameField, PartialDateField, StrictCharField
from api.serializers.base import NestedSerializer, ResourceSerializer
from api.serializers.common import CitationBriefSerializer, LabelBriefSerializer
from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Mission,
    Organization,
    Person,
    Signatory,
)


class PartyInAgreementSerializer(NestedSerializer):
    """A party, as shown inside its agreement."""

    organization = BriefRelatedField(read_only=True)
    withdrawn_on = PartialDateField("withdrawn_on", read_only=True)

    class Meta:
        model = AgreementParty
        fields = ("id", "url", "organization", "role", "withdrawn_on", "note")
        read_only_fields = fields


class SignatoryInAgreementSerializer(NestedSerializer):
    """A signatory, as shown inside its agreement."""

    person = BriefRelatedField(read_only=True)
    on_behalf_of = BriefRelatedField(read_only=True)

    class Meta:
        model = Signatory
        fields = ("id", "url", "person", "on_behalf_of", "title", "note")
        read_only_fields = fields


class OutgoingRelationSerializer(NestedSerializer):
    """A link from this agreement to another."""

    to_agreement = BriefRelatedField(read_only=True)

    class Meta:
        model = AgreementRelation
        fields = ("id", "url", "kind", "to_agreement", "note")
        read_only_fields = fields


class IncomingRelationSerializer(NestedSerializer):
    """A link from another agreement to this one."""

    from_agreement = BriefRelatedField(read_only=True)

    class Meta:
        model = AgreementRelation
        fields = ("id", "url", "kind", "from_agreement", "note")
        read_only_fields = fields


class MissionInAgreementSerializer(NestedSerializer):
    """A mission, as linked from an agreement."""

    mission = BriefRelatedField(read_only=True)

    class Meta:
        model = AgreementMission
        fields = ("id", "url", "mission", "role", "note")
        read_only_fields = fields


class AgreementSerializer(ResourceSerializer):
    """An agreement, memorandum, program, accords or protocol, with its parties and signatories."""

    localized_name = LocalizedNameField(help_text="The title in the response's language (see LocalizedName).")
    authorized_on = PartialDateField("authorized_on")
    signed_on = PartialDateField("signed_on")
    entered_into_force_on = PartialDateField("entered_into_force_on")
    valid_from = PartialDateField("valid_from")
    valid_until = PartialDateField("valid_until")
    forum = BriefRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.FORUM), required=False, allow_null=True
    )
    topics = serializers.ListField(child=StrictCharField(max_length=300), required=False, max_length=100)
    parties = PartyInAgreementSerializer(source="party_links", many=True, read_only=True)
    signatories = SignatoryInAgreementSerializer(many=True, read_only=True)
    relations = OutgoingRelationSerializer(
        source="relations_from", many=True, read_only=True, help_text="Links from this agreement to others."
    )
    inverse_relations = IncomingRelationSerializer(
        source="relations_to", many=True, read_only=True, help_text="Links from other agreements to this one."
    )
    missions = MissionInAgreementSerializer(source="mission_links", many=True, read_only=True)
    labels = LabelBriefSerializer(many=True, read_only=True)
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = Agreement
        fields = (
            "id", "url", "display", "slug", "title", "short_title", "localized_name", "kind", "status",
            "authorized_on", "signed_on", "signed_place", "signing_mode", "signing_event", "forum",
            "entered_into_force_on", "entry_into_force_condition", "valid_from", "valid_until",
            "summary", "topics", "parties", "signatories", "relations", "inverse_relations", "missions",
            "labels", "citations", "created", "last_updated",
        )  # fmt: skip
        expandable = ("relations", "inverse_relations", "missions", "labels", "citations")


class AgreementPartySerializer(ResourceSerializer):
    """An organization bound by (role party) or authorizing (role authorizing_body) an agreement."""

    agreement = BriefRelatedField(queryset=Agreement.objects.all())
    organization = BriefRelatedField(queryset=Organization.objects.all())
    withdrawn_on = PartialDateField("withdrawn_on")
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = AgreementParty
        fields = (
            "id", "url", "display", "agreement", "organization", "role", "withdrawn_on", "note", "citations",
            "created", "last_updated",
        )  # fmt: skip
        expandable = ("citations",)


class SignatorySerializer(ResourceSerializer):
    """A person who signed an agreement on behalf of an organization that is a party, or part of one."""

    agreement = BriefRelatedField(queryset=Agreement.objects.all())
    person = BriefRelatedField(queryset=Person.objects.all())
    on_behalf_of = BriefRelatedField(
        queryset=Organization.objects.all(), help_text="A party to the agreement, or part of one."
    )
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = Signatory
        fields = (
            "id", "url", "display", "agreement", "person", "on_behalf_of", "title", "note", "citations",
            "created", "last_updated",
        )  # fmt: skip
        expandable = ("citations",)


class AgreementRelationSerializer(ResourceSerializer):
    """A typed link between two agreements: from_agreement <kind> to_agreement."""

    from_agreement = BriefRelatedField(queryset=Agreement.objects.all())
    to_agreement = BriefRelatedField(queryset=Agreement.objects.all())
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = AgreementRelation
        fields = (
            "id", "url", "display", "from_agreement", "kind", "to_agreement", "note", "citations",
            "created", "last_updated",
        )  # fmt: skip
        expandable = ("citations",)


class AgreementMissionSerializer(ResourceSerializer):
    """A mission an agreement covers, with the agreement's role towards it."""

    agreement = BriefRelatedField(queryset=Agreement.objects.all())
    mission = BriefRelatedField(queryset=Mission.objects.all())
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = AgreementMission
        fields = (
            "id", "url", "display", "agreement", "mission", "role", "note", "citations", "created", "last_updated",
        )  # fmt: skip
        expandable = ("citations",)
