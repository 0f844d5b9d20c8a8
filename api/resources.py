"""Where each model lives in the API: its URL segment and its lookup field."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.db import models
from django.urls import reverse

from cooperation import models as m


@dataclass(frozen=True)
class Resource:
    prefix: str  # URL segment under /api/v1/, e.g. "organizations"
    basename: str  # router basename, e.g. "organization"
    lookup_field: str  # "slug" or "pk"

    @property
    def has_slug(self) -> bool:
        return self.lookup_field == "slug"


RESOURCES: dict[type[models.Model], Resource] = {
    m.Organization: Resource("organizations", "organization", "slug"),
    m.Person: Resource("persons", "person", "slug"),
    m.PersonRole: Resource("roles", "role", "pk"),
    m.Agreement: Resource("agreements", "agreement", "slug"),
    m.AgreementParty: Resource("parties", "party", "pk"),
    m.Signatory: Resource("signatories", "signatory", "pk"),
    m.AgreementRelation: Resource("relations", "relation", "pk"),
    m.AgreementMission: Resource("agreement-missions", "agreement-mission", "pk"),
    m.Mission: Resource("missions", "mission", "slug"),
    m.MissionParticipant: Resource("participants", "participant", "pk"),
    m.Milestone: Resource("milestones", "milestone", "pk"),
    m.Source: Resource("sources", "source", "slug"),
    m.Citation: Resource("citations", "citation", "pk"),
    m.Label: Resource("labels", "label", "pk"),
}


def resource_for(model: type[models.Model]) -> Resource:
    return RESOURCES[model._meta.concrete_model]


def detail_url(obj: models.Model, request=None) -> str:
    """Absolute (with a request) URL of a record's detail endpoint, built without a reverse() per row."""
    resource = resource_for(type(obj))
    cache = getattr(request, "_detail_url_prefixes", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._detail_url_prefixes = cache
    prefix = cache.get(resource.basename)
    if prefix is None:
        path = reverse(f"api:{resource.basename}-list")
        prefix = request.build_absolute_uri(path) if request is not None else path
        cache[resource.basename] = prefix
    value = obj.slug if resource.has_slug else obj.pk
    return f"{prefix}{quote(str(value))}/"
