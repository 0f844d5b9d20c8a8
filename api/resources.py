"""Every resource of the API, declared once: its model, URL segment, router basename, lookup and viewset.

The router (``api.urls``), record URLs (``api.core.resource_urls``), the API root's index and
the test suite's generic resource tests all read this table.

Adding a resource (the README's "Adding a resource" says the same):

1. the model, in ``cooperation/models/<area>.py`` (with ``search_fields`` if it is searchable),
   its migration, and its ``ModelAdmin`` in ``cooperation/admin/model_admins.py``;
2. its serializer in ``api/serializers/<area>.py``, its FilterSet in ``api/filtersets/<area>.py``
   and its viewset in ``api/views/<area>.py``;
3. one ``Resource`` line below;
4. ``ENUM_NAME_OVERRIDES`` in ``config/settings.py`` for each new choices class;
5. its test declaration in the generic resource suite, then ``make schema``.

The guard tests fail, naming the missing piece, when a registry model has no resource, a
resource no admin, filterset or serializer, or a choices class no enum name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.module_loading import import_string

from cooperation import models as m
from cooperation.history.models import ChangeRecord


@dataclass(frozen=True)
class Resource:
    prefix: str  # URL segment under /api/v1/, e.g. "organizations"
    basename: str  # router basename, e.g. "organization"
    lookup_field: str  # "slug" or "pk"
    viewset: str  # dotted path of its viewset (imported when the URLs are built)

    @property
    def has_slug(self) -> bool:
        return self.lookup_field == "slug"


# The registry's records: readable by anyone, writable by role.
RESOURCES: dict[type[models.Model], Resource] = {
    m.Organization: Resource("organizations", "organization", "slug", "api.views.organizations.OrganizationViewSet"),
    m.Person: Resource("persons", "person", "slug", "api.views.organizations.PersonViewSet"),
    m.PersonRole: Resource("roles", "role", "pk", "api.views.organizations.PersonRoleViewSet"),
    m.Agreement: Resource("agreements", "agreement", "slug", "api.views.agreements.AgreementViewSet"),
    m.AgreementParty: Resource("parties", "party", "pk", "api.views.agreements.AgreementPartyViewSet"),
    m.Signatory: Resource("signatories", "signatory", "pk", "api.views.agreements.SignatoryViewSet"),
    m.AgreementRelation: Resource("relations", "relation", "pk", "api.views.agreements.AgreementRelationViewSet"),
    m.AgreementMission: Resource(
        "agreement-missions", "agreement-mission", "pk", "api.views.agreements.AgreementMissionViewSet"
    ),
    m.Mission: Resource("missions", "mission", "slug", "api.views.missions.MissionViewSet"),
    m.MissionParticipant: Resource("participants", "participant", "pk", "api.views.missions.MissionParticipantViewSet"),
    m.Milestone: Resource("milestones", "milestone", "pk", "api.views.missions.MilestoneViewSet"),
    m.Source: Resource("sources", "source", "slug", "api.views.sources.SourceViewSet"),
    m.Citation: Resource("citations", "citation", "pk", "api.views.provenance.CitationViewSet"),
    m.Label: Resource("labels", "label", "pk", "api.views.provenance.LabelViewSet"),
}

# Read-only resources about the registry rather than in it: readable by role only.
LOG_RESOURCES: dict[type[models.Model], Resource] = {
    ChangeRecord: Resource("changes", "change", "pk", "api.views.changes.ChangeViewSet"),
}


def registry_viewsets() -> list[type]:
    """The viewsets of the registry's records, in declaration order."""
    return [import_string(resource.viewset) for resource in RESOURCES.values()]


def all_viewsets() -> list[type]:
    """Every resource's viewset: the registry's records, then the change log."""
    return [import_string(resource.viewset) for resource in (*RESOURCES.values(), *LOG_RESOURCES.values())]
