"""Missions, their participants, and milestone claims with their derived status."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.core.fields import BriefRelatedField, LocalizedNameField, PartialDateField
from api.serializers.base import NestedSerializer, ResourceSerializer
from api.serializers.common import CitationBriefSerializer, LabelBriefSerializer
from cooperation.models import Milestone, Mission, MissionParticipant, Organization, Source, claim_statuses
from cooperation.models.missions import current_claims


class ParticipantInMissionSerializer(NestedSerializer):
    """A participant, as shown inside its mission."""

    organization = BriefRelatedField(read_only=True)
    joined_on = PartialDateField("joined_on", read_only=True)
    left_on = PartialDateField("left_on", read_only=True)

    class Meta:
        model = MissionParticipant
        fields = ("id", "url", "organization", "role", "joined_on", "left_on", "note")
        read_only_fields = fields


class ClaimSerializer(NestedSerializer):
    """One source's claim about a milestone, with where it stands among its siblings."""

    date = PartialDateField("date", read_only=True)
    window_end = PartialDateField("window_end", read_only=True, help_text="Last period of a window claim.")
    stated_on = PartialDateField("stated_on", read_only=True)
    source = BriefRelatedField(read_only=True)
    claim_status = serializers.SerializerMethodField(help_text="planned (current), achieved, or superseded.")
    is_current = serializers.SerializerMethodField(help_text="True for the one claim that is current for its kind.")

    class Meta:
        model = Milestone
        fields = (
            "id", "url", "kind", "status", "claim_status", "is_current", "date", "window_end",
            "source", "stated_on", "locator", "quote", "note",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Milestone.ClaimStatus.choices))
    def get_claim_status(self, obj) -> str:
        return self.context["claim_statuses"][obj.pk]

    def get_is_current(self, obj) -> bool:
        return obj.pk in self.context["current_claim_ids"]


def claims_context(claims: list[Milestone], context: dict) -> dict:
    current = {c.pk for c in current_claims(claims).values()}
    return {**context, "claim_statuses": claim_statuses(claims), "current_claim_ids": current}


class MissionSerializer(ResourceSerializer):
    """A spacecraft, crewed flight, station, facility or program, with participants and milestone claims."""

    localized_name = LocalizedNameField()
    parent = BriefRelatedField(queryset=Mission.objects.all(), required=False, allow_null=True)
    participants = ParticipantInMissionSerializer(source="participant_links", many=True, read_only=True)
    current_milestones = serializers.SerializerMethodField(
        help_text="The current claim for each milestone kind: achieved if any, else the latest planned."
    )
    milestones = serializers.SerializerMethodField(help_text="Every milestone claim, each with its source.")
    labels = LabelBriefSerializer(many=True, read_only=True)
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = Mission
        fields = (
            "id", "url", "display", "slug", "name", "localized_name", "kind", "target", "status", "parent",
            "wikidata_id", "description", "participants", "current_milestones", "milestones", "labels", "citations",
            "created", "last_updated",
        )  # fmt: skip
        expandable = ("milestones", "labels", "citations")
        prefetch_hints = {
            "current_milestones": ["milestones__source"],
            "milestones": ["milestones__source"],
        }

    def _claims(self, obj) -> tuple[list[Milestone], dict]:
        claims = list(obj.milestones.all())
        return claims, claims_context(claims, self.context)

    def _represent_claims(self, claims: list[Milestone], context: dict) -> list[dict]:
        """Claims as ``ClaimSerializer`` writes them, through one serializer built per request.

        (A new ``ClaimSerializer`` per mission rebuilt its fields fifty times a page.)
        """
        serializer = self.__dict__.get("_claim_serializer")
        if serializer is None:
            serializer = self._claim_serializer = ClaimSerializer(context=context)
        serializer._context = context  # this mission's claim statuses
        return [serializer.to_representation(claim) for claim in claims]

    @extend_schema_field(ClaimSerializer(many=True))
    def get_current_milestones(self, obj) -> list[dict]:
        claims, context = self._claims(obj)
        return self._represent_claims([c for c in claims if c.pk in context["current_claim_ids"]], context)

    @extend_schema_field(ClaimSerializer(many=True))
    def get_milestones(self, obj) -> list[dict]:
        return self._represent_claims(*self._claims(obj))


class MissionParticipantSerializer(ResourceSerializer):
    """An organization taking part in a mission, with its role and dates."""

    mission = BriefRelatedField(queryset=Mission.objects.all())
    organization = BriefRelatedField(queryset=Organization.objects.all())
    joined_on = PartialDateField("joined_on")
    left_on = PartialDateField("left_on")
    citations = CitationBriefSerializer(many=True, read_only=True)

    class Meta(ResourceSerializer.Meta):
        model = MissionParticipant
        fields = (
            "id", "url", "display", "mission", "organization", "role", "joined_on", "left_on", "note", "citations",
            "created", "last_updated",
        )  # fmt: skip
        expandable = ("citations",)


class MilestoneListSerializer(serializers.ListSerializer):
    """Computes claim statuses for a page of milestones with one query for their siblings."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.child.context.update(sibling_context(items, self.child.context))
        return [self.child.to_representation(item) for item in items]


def sibling_context(items: list[Milestone], context: dict) -> dict:
    if "claim_statuses" in context:
        return {}
    missions = {m.mission_id for m in items}
    kinds = {m.kind for m in items}
    siblings = list(Milestone.objects.filter(mission_id__in=missions, kind__in=kinds).select_related(None))
    return claims_context(siblings, {})


class MilestoneSerializer(ResourceSerializer):
    """One source's claim that a mission event is planned for, or happened on, a date."""

    mission = BriefRelatedField(queryset=Mission.objects.all())
    source = BriefRelatedField(queryset=Source.objects.all(), help_text="The source that makes this claim.")
    date = PartialDateField("date", required=True, allow_null=False)
    window_end = PartialDateField("window_end")
    stated_on = PartialDateField("stated_on", help_text="When the source said it; defaults to its publication date.")
    claim_status = serializers.SerializerMethodField(help_text="planned (current), achieved, or superseded.")
    is_current = serializers.SerializerMethodField()

    class Meta(ResourceSerializer.Meta):
        model = Milestone
        fields = (
            "id", "url", "display", "mission", "kind", "status", "claim_status", "is_current", "date", "window_end",
            "source", "stated_on", "locator", "quote", "note", "created", "last_updated",
        )  # fmt: skip
        list_serializer_class = MilestoneListSerializer

    def _sibling_claims(self, obj) -> dict:
        """The claim statuses of ``obj`` and its siblings (a page's, or, when a CSV export
        streams records one by one, each new mission's and kind's as it comes)."""
        if obj.pk not in self.context.get("claim_statuses", {}):
            found = sibling_context([obj], {})
            self.context.setdefault("claim_statuses", {}).update(found["claim_statuses"])
            self.context.setdefault("current_claim_ids", set()).update(found["current_claim_ids"])
        return self.context

    @extend_schema_field(serializers.ChoiceField(choices=Milestone.ClaimStatus.choices))
    def get_claim_status(self, obj) -> str:
        return self._sibling_claims(obj)["claim_statuses"][obj.pk]

    def get_is_current(self, obj) -> bool:
        return obj.pk in self._sibling_claims(obj)["current_claim_ids"]
