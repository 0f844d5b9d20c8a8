"""The base of every resource serializer: url, display, sparse fields and expansion.

Query parameters (top-level serializer only):

* ``fields=a,b``: only these fields; ``omit=c``: all but these;
* ``expand=x``: include the heavy fields listed in ``Meta.expandable`` (citations,
  labels...), which list responses leave out unless asked; detail responses
  always include them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from api.core.exceptions import ApiError
from api.core.fields import STRING_ONLY_FIELD_MAPPING, BriefRelatedField
from api.core.resource_urls import detail_url
from cooperation.localization import display


def model_errors(exc: DjangoValidationError) -> dict:
    """Django validation errors keyed by API field: ``x_precision``/``x_end`` report on ``x``."""
    errors: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        key = "non_field_errors" if name == NON_FIELD_ERRORS else name.removesuffix("_precision").removesuffix("_end")
        errors.setdefault(key, []).extend(messages)
    return errors


def unknown_fields_detail(param: str, unknown, known: str) -> str:
    """The message for ``fields``/``omit``/``expand`` naming fields that are not there."""
    return _("Unknown field(s) in {param}: {unknown}. Known: {known}.").format(
        param=param, unknown=", ".join(sorted(unknown)), known=known
    )


def csv_param(request, name: str) -> list[str]:
    raw = request.query_params.get(name, "") if request is not None else ""
    return [part.strip() for part in raw.split(",") if part.strip()]


def unknown_fields(serializer: serializers.Serializer, data) -> dict[str, list]:
    """``{key: [error]}`` for every key of a request body that is not a writable field."""
    if not isinstance(data, Mapping):
        return {}  # DRF reports a body that is not an object
    writable = {name for name, field in serializer.fields.items() if not field.read_only}
    errors = {}
    for key in sorted(set(data) - writable, key=str):
        field = serializer.fields.get(key)
        detail = _("Read-only; not accepted in requests.") if field is not None else _("Not a field of this resource.")
        errors[key] = [ErrorDetail(detail, code="unknown_field")]
    return errors


class ResourceSerializer(serializers.ModelSerializer):
    """ModelSerializer with ``url`` and ``display``, sparse fieldsets and model validation."""

    url = serializers.SerializerMethodField(help_text="This record's URL in the API.")
    display = serializers.SerializerMethodField(
        help_text="A human-readable one-line description, in the response's language (Content-Language)."
    )

    serializer_related_field = BriefRelatedField
    serializer_field_mapping = STRING_ONLY_FIELD_MAPPING

    class Meta:
        expandable: tuple[str, ...] = ()
        read_only_fields: tuple[str, ...] = ("created", "last_updated")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._apply_shape()

    def get_url(self, obj) -> str:
        return detail_url(obj, self.context.get("request"))

    def get_display(self, obj) -> str:
        return display(obj)

    # --- shape control -------------------------------------------------------------------

    def _apply_shape(self) -> None:
        request = self.context.get("request")
        # Only the serializer a view builds gets the request; nested fields never do.
        if request is None or request.method not in ("GET", "HEAD") or not self.context.get("shape", True):
            return
        expandable = set(getattr(self.Meta, "expandable", ()))
        expand = set(csv_param(request, "expand"))
        unknown = expand - expandable
        if unknown:
            self._reject("expand", unknown, expandable)
        if not self.context.get("detail", False):
            for name in expandable - expand:
                self.fields.pop(name, None)
        names = set(self.fields)
        only, omit = set(csv_param(request, "fields")), set(csv_param(request, "omit"))
        for param, wanted in (("fields", only), ("omit", omit)):
            unknown = wanted - names - expandable
            if unknown:
                self._reject(param, unknown, names)
        if only:
            for name in names - only:
                self.fields.pop(name)
        for name in omit & names:
            self.fields.pop(name, None)  # (may be gone already: fields=a&omit=b)

    @staticmethod
    def _reject(param: str, unknown: set[str], allowed: set[str]) -> None:
        detail = unknown_fields_detail(param, unknown, ", ".join(sorted(allowed)))
        raise ApiError(400, "invalid_parameter", detail, [{"field": param, "code": "invalid", "detail": detail}])

    # --- writes --------------------------------------------------------------------------

    def to_internal_value(self, data):
        """Reject keys that are not writable fields, together with any other field errors.

        Read-only keys (``id``, ``url``, ``created``...) count as unknown: the request
        schemas (``*Request`` components) do not have them, and a key the server would
        silently drop is a client bug worth reporting.
        """
        unknown = unknown_fields(self, data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value

    def validate(self, attrs):
        """Run the model's own ``full_clean`` so the API and the admin share every rule."""
        attrs = super().validate(attrs)
        model = self.Meta.model
        # Validate a fresh copy so a rejected request leaves the view's instance untouched.
        instance = model._default_manager.get(pk=self.instance.pk) if self.instance is not None else model()
        many_to_many = {f.name for f in model._meta.many_to_many}
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(model_errors(exc)) from exc
        return attrs

    def create(self, validated_data):
        with transaction.atomic():
            return super().create(validated_data)

    def update(self, instance, validated_data):
        with transaction.atomic():
            return super().update(instance, validated_data)


class NestedSerializer(serializers.ModelSerializer):
    """A read-only row shown inside its parent record, with its own ``url``."""

    url = serializers.SerializerMethodField(help_text="This row's URL in the API.")

    def get_url(self, obj) -> str:
        return detail_url(obj, self.context.get("request"))


__all__ = ["NestedSerializer", "ResourceSerializer"]
