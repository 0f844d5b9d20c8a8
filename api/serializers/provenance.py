"""Citations and labels as resources of their own, pointing at one subject each."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.core.fields import MAX_ID, BriefRelatedField
from api.core.resource_urls import detail_url
from api.serializers.base import ResourceSerializer
from cooperation.localization import citation_display
from cooperation.models import Citation, Label, Source
from cooperation.models.provenance import CITATION_SUBJECTS, LABEL_SUBJECTS


class SubjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The kind of record, e.g. agreement or agreement_party.")
    id = serializers.IntegerField()
    url = serializers.URLField()


class ArcSerializer(ResourceSerializer):
    """Shared by citations and labels: ``subject`` on read, ``subject_type`` + ``subject_id`` on write."""

    subjects: tuple[str, ...] = ()

    subject = serializers.SerializerMethodField(help_text="The record this points at.")
    subject_id = serializers.IntegerField(
        write_only=True, min_value=1, max_value=MAX_ID, help_text="Id of the record to point at."
    )

    @extend_schema_field(SubjectSerializer)
    def get_subject(self, obj) -> dict:
        kind = obj.subject_kind
        subject_id = getattr(obj, f"{kind}_id")
        subject = obj._meta.get_field(kind).related_model(pk=subject_id)
        if hasattr(subject, "slug"):
            subject = getattr(obj, kind)
        return {"type": kind, "id": subject_id, "url": detail_url(subject, self.context.get("request"))}

    def to_internal_value(self, data):
        attrs = super().to_internal_value(data)
        kind, subject_id = attrs.pop("subject_type", None), attrs.pop("subject_id", None)
        if kind is None and subject_id is None:
            return attrs  # a partial update that leaves the subject alone
        if kind is None or subject_id is None:
            missing = "subject_type" if kind is None else "subject_id"
            raise serializers.ValidationError({missing: [_("Give subject_type and subject_id together.")]})
        model = self.Meta.model._meta.get_field(kind).related_model
        subject = model._default_manager.filter(pk=subject_id).first()
        if subject is None:
            detail = _("No {model} with {kind} {value}.").format(
                model=_(str(model._meta.verbose_name)), kind="id", value=subject_id
            )
            raise serializers.ValidationError({"subject_id": [detail]})
        for name in self.subjects:
            attrs[name] = subject if name == kind else None
        return attrs


class CitationSerializer(ArcSerializer):
    """A link from a record (or one field of it) to the source that states it."""

    subjects = CITATION_SUBJECTS

    subject_type = serializers.ChoiceField(choices=CITATION_SUBJECTS, write_only=True)
    source = BriefRelatedField(queryset=Source.objects.all())

    class Meta(ResourceSerializer.Meta):
        model = Citation
        fields = (
            "id", "url", "display", "subject", "subject_type", "subject_id", "source", "field", "locator",
            "quote", "claim", "note", "created", "last_updated",
        )  # fmt: skip
        select_hints = {
            "display": ["source"],
            "subject": [s for s in CITATION_SUBJECTS if s in ("organization", "person", "agreement", "mission")],
        }

    def get_display(self, obj) -> str:
        return citation_display(obj)


class LabelSerializer(ArcSerializer):
    """A name of an organization, person, agreement or mission in one language."""

    subjects = LABEL_SUBJECTS

    subject_type = serializers.ChoiceField(choices=LABEL_SUBJECTS, write_only=True)
    source = BriefRelatedField(queryset=Source.objects.all())

    class Meta(ResourceSerializer.Meta):
        model = Label
        fields = (
            "id", "url", "display", "subject", "subject_type", "subject_id", "language", "kind", "text", "source",
            "note", "created", "last_updated",
        )  # fmt: skip
        select_hints = {"subject": list(LABEL_SUBJECTS)}
