"""Missions, their participants and milestone claims: their FilterSets."""

from __future__ import annotations

from api.filtersets.base import CHOICE, SLUG, TEXT, ResourceFilterSet, partial_date_filters, related_filters
from cooperation.models import (
    Agreement,
    Milestone,
    Mission,
    MissionParticipant,
    Organization,
    Source,
)


class MissionFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = Mission
        lookups = {
            "slug": SLUG, "kind": CHOICE, "status": CHOICE, "target": CHOICE, "name": TEXT,
            "wikidata_id": ["exact", "in"],
        }  # fmt: skip
        extra = {
            **related_filters("participant", "participant_links__organization", Organization, label="participant"),
            **related_filters("parent", "parent", Mission, label="parent program"),
            **related_filters("agreement", "agreement_links__agreement", Agreement),
        }


class MissionParticipantFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = MissionParticipant
        lookups = {"role": CHOICE}
        extra = {
            **related_filters("mission", "mission", Mission),
            **related_filters("organization", "organization", Organization),
            **partial_date_filters("joined_on"),
            **partial_date_filters("left_on"),
        }


class MilestoneFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = Milestone
        lookups = {"kind": CHOICE, "status": CHOICE, "date_precision": CHOICE, "locator": ["ic"], "quote": ["ic"]}
        extra = {
            **related_filters("mission", "mission", Mission),
            **related_filters("source", "source", Source),
            **partial_date_filters("date"),
            **partial_date_filters("stated_on"),
            **partial_date_filters("window_end"),
        }
