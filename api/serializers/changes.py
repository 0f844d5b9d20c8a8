"""The change log: one row per create, update or delete of a registry record."""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.core.resource_urls import live_record_urls
from api.filtersets.changes import MODEL_CHOICES
from api.serializers.base import ResourceSerializer
from cooperation.history.models import ChangeRecord
from cooperation.localization import CANONICAL, CHANGE, active_language, choice_label, fill

OBJECT_URLS = "change_object_urls"


class FieldChangeSerializer(serializers.Serializer):
    """One field's value before and after the change (null: no value)."""

    old = serializers.JSONField(help_text="Before: a string, number, list or null; dates as ISO 8601, records by id.")
    new = serializers.JSONField(help_text="After, in the same form.")


class ChangeRecordListSerializer(serializers.ListSerializer):
    """Looks up the URLs of every record on the page in one query, not one per row."""

    def to_representation(self, data):
        records = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        self.context[OBJECT_URLS] = live_record_urls(
            ((r.model, r.object_id) for r in records), self.context.get("request")
        )
        return super().to_representation(records)


class ChangeRecordSerializer(ResourceSerializer):
    """Who created, updated or deleted which record, when, and the fields that changed.

    ``changes`` maps each changed field to its old and new value. A creation lists
    the fields it set (old: null), a deletion the values the record had (new:
    null). A partial date is one field, in its reduced form (``2017-11``).
    """

    model = serializers.ChoiceField(
        choices=MODEL_CHOICES, read_only=True, help_text="The changed record's model (app_label.model_name)."
    )
    object_url = serializers.SerializerMethodField(help_text="The record's URL in the API; null once it is deleted.")
    user = serializers.CharField(
        source="user.username",
        allow_null=True,
        read_only=True,
        help_text="Who made the change; null for scripts and the seed loader.",
    )
    changes = serializers.DictField(
        child=FieldChangeSerializer(), read_only=True, help_text='Changed fields: {"field": {"old": ..., "new": ...}}.'
    )

    class Meta(ResourceSerializer.Meta):
        model = ChangeRecord
        list_serializer_class = ChangeRecordListSerializer
        fields = (
            "id", "url", "display", "model", "object_id", "object_repr", "object_url", "action", "changed_at",
            "user", "changes",
        )  # fmt: skip
        read_only_fields = fields
        select_hints = {"user": ["user"]}

    def get_display(self, obj: ChangeRecord) -> str:
        if active_language() == CANONICAL:
            return str(obj)
        return fill(CHANGE, record=obj.object_repr, action=choice_label(ChangeRecord.Action, obj.action))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_object_url(self, obj: ChangeRecord) -> str | None:
        urls = self.context.get(OBJECT_URLS)
        if urls is None:  # a single record, not a page
            urls = live_record_urls([(obj.model, obj.object_id)], self.context.get("request"))
        return urls.get((obj.model, obj.object_id))
