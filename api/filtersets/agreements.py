"""Agreements, their parties, signatories, relations and missions: their FilterSets."""

from __future__ import annotations

from api.filtersets.base import CHOICE, PARTY, SLUG, TEXT, ResourceFilterSet, partial_date_filters, related_filters
from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Mission,
    Organization,
    Person,
    Signatory,
    Source,
)


class AgreementFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = Agreement
        lookups = {
            "slug": SLUG, "kind": CHOICE, "status": CHOICE, "signing_mode": CHOICE, "title": ["ic"],
            "signed_place": TEXT, "signed_on_precision": CHOICE, "short_title": ["ic"], "signing_event": TEXT,
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


class AgreementPartyFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = AgreementParty
        lookups = {"role": CHOICE}
        extra = {
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("organization", "organization", Organization),
            **partial_date_filters("withdrawn_on"),
        }


class SignatoryFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = Signatory
        lookups = {"title": TEXT}
        extra = {
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("person", "person", Person),
            **related_filters("on_behalf_of", "on_behalf_of", Organization, label="organization signed for"),
        }


class AgreementRelationFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = AgreementRelation
        lookups = {"kind": CHOICE}
        extra = {
            **related_filters("from_agreement", "from_agreement", Agreement),
            **related_filters("to_agreement", "to_agreement", Agreement),
        }


class AgreementMissionFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = AgreementMission
        lookups = {"role": CHOICE}
        extra = {
            **related_filters("agreement", "agreement", Agreement),
            **related_filters("mission", "mission", Mission),
        }
