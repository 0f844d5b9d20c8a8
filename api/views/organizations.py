"""Organizations, persons and their dated roles: their viewsets."""

from api.filtersets.organizations import OrganizationFilterSet, PersonFilterSet, PersonRoleFilterSet
from api.serializers.organizations import OrganizationSerializer, PersonRoleSerializer, PersonSerializer
from api.views.base import TIMESTAMPS, ResourceViewSet
from cooperation import models as m


class OrganizationViewSet(ResourceViewSet):
    queryset = m.Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ("name", "short_name", "slug", "kind", "founded_on", *TIMESTAMPS)
    ordering = ("name",)


class PersonViewSet(ResourceViewSet):
    queryset = m.Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    ordering_fields = ("name", "slug", *TIMESTAMPS)
    ordering = ("name",)


class PersonRoleViewSet(ResourceViewSet):
    queryset = m.PersonRole.objects.all()
    serializer_class = PersonRoleSerializer
    filterset_class = PersonRoleFilterSet
    ordering_fields = ("started_on", "ended_on", "title", *TIMESTAMPS)
    ordering = ("started_on",)
    search = False
