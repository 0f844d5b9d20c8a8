"""The FilterSet of the change log."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model

from api.filtersets.base import ChoiceInFilter, DateTimeFilter, IdFilter, LookupFilterSet, RelatedFilter
from cooperation.history.models import ChangeRecord
from cooperation.history.recording import tracked_models


def model_choices() -> list[tuple[str, str]]:
    """Every tracked registry model, as ``app_label.model_name``."""
    return sorted((model._meta.label_lower, str(model._meta.verbose_name)) for model in tracked_models())


MODEL_CHOICES = model_choices()


class ChangeRecordFilterSet(LookupFilterSet):
    model = django_filters.ChoiceFilter(
        choices=MODEL_CHOICES, help_text="The changed record's model, e.g. cooperation.agreement."
    )
    model__in = ChoiceInFilter(
        field_name="model", lookup_expr="in", choices=MODEL_CHOICES, help_text="Any of these models, comma-separated."
    )
    object_id = IdFilter(field_name="object_id", help_text="The changed record's id (use with model).")
    user = RelatedFilter(
        field_name="user",
        queryset=get_user_model()._default_manager.all(),
        to_field_name="username",
        distinct=False,
        help_text="Username of who made the change (repeatable: any of).",
    )
    changed_at__gte = DateTimeFilter(
        field_name="changed_at", lookup_expr="gte", help_text="Changed at or after (ISO 8601)."
    )
    changed_at__lte = DateTimeFilter(
        field_name="changed_at", lookup_expr="lte", help_text="Changed at or before (ISO 8601)."
    )

    class Meta(LookupFilterSet.Meta):
        model = ChangeRecord
        lookups = {"action": ["exact", "in", "n"]}
