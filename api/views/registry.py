"""The viewset of every resource: a queryset, a serializer and a filterset each."""

from api.filtersets import registry as f
from api.serializers.agreements import (
    AgreementMissionSerializer,
    AgreementPartySerializer,
    AgreementRelationSerializer,
    AgreementSerializer,
    SignatorySerializer,
)
from api.serializers.missions import MilestoneSerializer, MissionParticipantSerializer, MissionSerializer
from api.serializers.organizations import OrganizationSerializer, PersonRoleSerializer, PersonSerializer
from api.serializers.provenance import CitationSerializer, LabelSerializer
from api.serializers.sources import SourceSerializer
from api.views.base import RegistryViewSet
from cooperation import models as m

TIMESTAMPS = ("created", "last_updated")


class SourceViewSet(RegistryViewSet):
    queryset = m.Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = f.SourceFilterSet
    ordering_fields = ("slug", "title", "publisher", "published_on", "kind", "tier", *TIMESTAMPS)
    ordering = ("slug",)


class OrganizationViewSet(RegistryViewSet):
    queryset = m.Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = f.OrganizationFilterSet
    ordering_fields = ("name", "short_name", "slug", "kind", "founded_on", *TIMESTAMPS)
    ordering = ("name",)


class PersonViewSet(RegistryViewSet):
    queryset = m.Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = f.PersonFilterSet
    ordering_fields = ("name", "slug", *TIMESTAMPS)
    ordering = ("name",)


class PersonRoleViewSet(RegistryViewSet):
    queryset = m.PersonRole.objects.all()
    serializer_class = PersonRoleSerializer
    filterset_class = f.PersonRoleFilterSet
    ordering_fields = ("started_on", "ended_on", "title", *TIMESTAMPS)
    ordering = ("started_on",)
    search = False


class AgreementViewSet(RegistryViewSet):
    queryset = m.Agreement.objects.all()
    serializer_class = AgreementSerializer
    filterset_class = f.AgreementFilterSet
    ordering_fields = (
        "signed_on", "authorized_on", "entered_into_force_on", "title", "slug", "kind", "status", *TIMESTAMPS,
    )  # fmt: skip
    ordering = ("signed_on", "slug")


class AgreementPartyViewSet(RegistryViewSet):
    queryset = m.AgreementParty.objects.all()
    serializer_class = AgreementPartySerializer
    filterset_class = f.AgreementPartyFilterSet
    ordering_fields = ("role", "withdrawn_on", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class SignatoryViewSet(RegistryViewSet):
    queryset = m.Signatory.objects.all()
    serializer_class = SignatorySerializer
    filterset_class = f.SignatoryFilterSet
    ordering_fields = ("title", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class AgreementRelationViewSet(RegistryViewSet):
    queryset = m.AgreementRelation.objects.all()
    serializer_class = AgreementRelationSerializer
    filterset_class = f.AgreementRelationFilterSet
    ordering_fields = ("kind", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class AgreementMissionViewSet(RegistryViewSet):
    queryset = m.AgreementMission.objects.all()
    serializer_class = AgreementMissionSerializer
    filterset_class = f.AgreementMissionFilterSet
    ordering_fields = ("role", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class MissionViewSet(RegistryViewSet):
    queryset = m.Mission.objects.all()
    serializer_class = MissionSerializer
    filterset_class = f.MissionFilterSet
    ordering_fields = ("name", "slug", "kind", "status", "target", *TIMESTAMPS)
    ordering = ("name",)


class MissionParticipantViewSet(RegistryViewSet):
    queryset = m.MissionParticipant.objects.all()
    serializer_class = MissionParticipantSerializer
    filterset_class = f.MissionParticipantFilterSet
    ordering_fields = ("role", "joined_on", "left_on", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class MilestoneViewSet(RegistryViewSet):
    queryset = m.Milestone.objects.all()
    serializer_class = MilestoneSerializer
    filterset_class = f.MilestoneFilterSet
    ordering_fields = ("date", "stated_on", "kind", "status", *TIMESTAMPS)
    ordering = ("date",)
    search = False


class CitationViewSet(RegistryViewSet):
    queryset = m.Citation.objects.all()
    serializer_class = CitationSerializer
    filterset_class = f.CitationFilterSet
    ordering_fields = ("field", "locator", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class LabelViewSet(RegistryViewSet):
    queryset = m.Label.objects.all()
    serializer_class = LabelSerializer
    filterset_class = f.LabelFilterSet
    ordering_fields = ("language", "kind", "text", *TIMESTAMPS)
    ordering = ("text",)
    search = False


VIEWSETS = [
    SourceViewSet, OrganizationViewSet, PersonViewSet, PersonRoleViewSet, AgreementViewSet, AgreementPartyViewSet,
    SignatoryViewSet, AgreementRelationViewSet, AgreementMissionViewSet, MissionViewSet, MissionParticipantViewSet,
    MilestoneViewSet, CitationViewSet, LabelViewSet,
]  # fmt: skip
