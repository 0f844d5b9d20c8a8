"""The registry's domain models."""

from cooperation.models.agreements import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Signatory,
)
from cooperation.models.base import Language, RegistryModel, SluggedModel
from cooperation.models.missions import Milestone, Mission, MissionParticipant, claim_statuses, current_claims
from cooperation.models.organizations import Organization, Person, PersonRole
from cooperation.models.provenance import Citation, Label
from cooperation.models.sources import Source

__all__ = [
    "Agreement",
    "AgreementMission",
    "AgreementParty",
    "AgreementRelation",
    "Citation",
    "Label",
    "Language",
    "Milestone",
    "Mission",
    "MissionParticipant",
    "Organization",
    "Person",
    "PersonRole",
    "RegistryModel",
    "Signatory",
    "SluggedModel",
    "Source",
    "claim_statuses",
    "current_claims",
]
