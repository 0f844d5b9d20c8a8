"""drf-spectacular wiring: custom field shapes, common parameters and documented errors."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api.conditional import ConditionalReadMixin, ConditionalWriteMixin
from api.errors import ErrorSerializer
from api.hub_headers import schema_parameters as consistency_parameters
from api.resources import resource_for
from api.schema_params import ID_SCHEMA, PARTIAL_DATE_PATTERN, SLUG_SCHEMA, refine_parameters
from cooperation.partial_dates import Precision


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer <key>` (or `Token <key>`).",
        }


class PartialDateSerializer(serializers.Serializer):
    """A date known to the day, the month or the year, with the range it covers."""

    value = serializers.CharField(help_text="ISO 8601 reduced precision: 2018-03-03, 2017-11 or 2022.")
    precision = serializers.ChoiceField(choices=Precision.choices)
    start = serializers.DateField(help_text="First day covered.")
    end = serializers.DateField(help_text="Last day covered.")


def _brief_serializer(model):
    has_slug = resource_for(model).has_slug
    attrs = {
        "id": serializers.IntegerField(),
        "url": serializers.URLField(),
        "display": serializers.CharField(),
        "__doc__": f"A {model._meta.verbose_name}, in brief.",
    }
    if has_slug:
        attrs["slug"] = serializers.SlugField()
    return type(f"Brief{model.__name__}Serializer", (serializers.Serializer,), attrs)


_BRIEF = {}


def brief_serializer(model):
    if model not in _BRIEF:
        _BRIEF[model] = _brief_serializer(model)
    return _BRIEF[model]


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.fields.BriefRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        model = field.queryset.model if field.queryset is not None else _related_model(field)
        if direction == "response":
            return auto_schema.resolve_serializer(brief_serializer(model), direction).ref
        if resource_for(model).has_slug:
            schema = {
                "oneOf": [dict(ID_SCHEMA), dict(SLUG_SCHEMA)],
                "description": f"The {model._meta.verbose_name}'s id (integer) or slug (string).",
            }
        else:
            schema = {**ID_SCHEMA, "description": f"The {model._meta.verbose_name}'s id."}
        return schema


def _related_model(field):
    parent_model = field.parent.Meta.model
    return parent_model._meta.get_field(field.source).related_model


class PartialDateFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.fields.PartialDateField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return auto_schema.resolve_serializer(PartialDateSerializer, direction).ref
        schema = {
            "type": "string",
            "pattern": PARTIAL_DATE_PATTERN,
            "description": "YYYY, YYYY-MM or YYYY-MM-DD"
            + ("; null clears the date." if self.target.allow_null else "."),
            "example": "2017-11",
        }
        return schema


SHAPE_PARAMETERS = [
    OpenApiParameter("fields", str, description="Comma-separated fields to return (sparse record)."),
    OpenApiParameter("omit", str, description="Comma-separated fields to leave out."),
    OpenApiParameter(
        "expand",
        str,
        description="Comma-separated heavy fields to include in lists (detail responses always include them).",
    ),
]
FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "csv"], description="Response format; csv streams every matching record."
)


ETAG_DESCRIPTION = "The record's current version: a strong ETag over its full detail representation."
IF_NONE_MATCH_PARAMETER = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="An ETag from an earlier GET: if the record is unchanged, the answer is 304 with no body.",
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "Required. The ETag from GETting the record (or `*` for any state). If the record has changed "
        "since, the write is refused with 412 and nothing is written; without the header, 428."
    ),
)


class RegistryAutoSchema(AutoSchema):
    """Adds the shape parameters, the CSV format, conditional headers and error responses to every operation."""

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self.method == "GET" and getattr(self.view, "supports_shape", True):
            params += SHAPE_PARAMETERS
            if self._is_list_view():
                params.append(FORMAT_PARAMETER)
        if self._is_conditional_read():
            params += [IF_NONE_MATCH_PARAMETER, self._etag_header([200])]
        if self._is_conditional_write():
            params.append(IF_MATCH_PARAMETER)
            if self.method != "DELETE":
                params.append(self._etag_header([200]))
        elif self.method == "POST" and isinstance(self.view, ConditionalWriteMixin):
            params.append(self._etag_header([201]))
        return params + consistency_parameters(self.method)

    def _get_parameters(self):
        return refine_parameters(self, super()._get_parameters())

    @staticmethod
    def _etag_header(codes: list[int]) -> OpenApiParameter:
        return OpenApiParameter(
            "ETag", str, OpenApiParameter.HEADER, response=codes, required=True, description=ETAG_DESCRIPTION
        )

    def _is_conditional_read(self) -> bool:
        return self.method == "GET" and isinstance(self.view, ConditionalReadMixin) and not self._is_list_view()

    def _is_conditional_write(self) -> bool:
        return self.method in ConditionalWriteMixin.LOCKING_METHODS and isinstance(self.view, ConditionalWriteMixin)

    def get_auth(self):
        """Reads need no authentication (RolePermission), so they carry no security requirement.

        (An optional ``{}`` alternative would be more literal, but SDK generators such as
        openapi-python-client read any security entry as mandatory.)
        """
        if self.method in ("GET", "HEAD") and not self._reads_need_a_role():
            return []
        return super().get_auth()

    def _reads_need_a_role(self) -> bool:
        """Whether even reads need authentication here (the change log: ``protects_reads`` permissions)."""
        return any(getattr(p, "protects_reads", False) for p in getattr(self.view, "permission_classes", ()))

    def _map_basic_serializer(self, serializer, direction):
        """Expandable fields are documented, but not required: lists leave them out unless expanded."""
        schema = super()._map_basic_serializer(serializer, direction)
        expandable = set(getattr(getattr(serializer, "Meta", None), "expandable", ()))
        if expandable and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in expandable]
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in responses.items():
            content = response.get("content", {})
            if "text/csv" in content:
                if self._is_list_view() and code.startswith("2"):
                    content["text/csv"] = {"schema": {"type": "string", "description": "CSV with a header row."}}
                else:
                    del content["text/csv"]
        for code in self._error_codes():
            responses.setdefault(code, self._error_response(code))
        responses.setdefault("414", {"description": URI_TOO_LONG})
        if self._is_conditional_read():
            responses["304"] = {
                "description": "Not modified: the ETag in If-None-Match is current. No body.",
                "headers": {"ETag": {"schema": {"type": "string"}, "description": ETAG_DESCRIPTION}},
            }
        return responses

    def _error_response(self, code: str) -> dict:
        response = self._get_response_for_code(ErrorSerializer, code, media_types=["application/json"])
        response["description"] = ERROR_DESCRIPTIONS[code]
        if code in ("429", "503"):
            response["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
            }
        return response

    def _error_codes(self) -> list[str]:
        codes = ["400", "429", "500", "503"]
        if self.method != "GET" or self.path.rstrip("/").count("{"):
            codes.append("404")
        if self.method not in ("GET", "HEAD", "OPTIONS") or self._reads_need_a_role():
            codes += ["401", "403"]
        if self.method == "DELETE":
            codes.append("409")
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["409", "413", "415"]
        if self._is_conditional_write():
            codes += ["412", "428"]
        return sorted(set(codes))


URI_TOO_LONG = (
    "URI too long: the request line exceeds the HTTP server's limit (gunicorn: 4094 bytes). "
    "The server answers before the API does, so the body is not the Error shape."
)
ERROR_DESCRIPTIONS = {
    "400": "Invalid request: a malformed body, a bad value, or an unknown query parameter (named in errors).",
    "401": "No valid token: missing, unknown, expired or revoked.",
    "403": "The token's user lacks the role for this action.",
    "404": "No such record.",
    "409": "Conflict: the record is still referenced by others (dependants listed), or violates a uniqueness rule.",
    "413": "The request body is too large.",
    "412": "Precondition failed: the record changed since the ETag in If-Match was issued; nothing was written.",
    "415": "Unsupported media type: send application/json.",
    "428": "Precondition required: send If-Match with the record's ETag (or *).",
    "429": "Too many requests; see Retry-After.",
    "500": "Internal server error.",
    "503": "The database is unavailable for the moment; retry after Retry-After seconds. Nothing was written.",
}

__all__ = ["PartialDateSerializer", "RegistryAutoSchema", "TokenAuthenticationScheme"]


def _blank_alternative(schema) -> bool:
    return schema == {"type": "string", "maxLength": 0}


def blank_strings_use_any_of(result, generator, request, public):
    """``oneOf: [formatted string, empty string]`` becomes ``anyOf``.

    drf-spectacular documents blank-allowed URL fields as a oneOf; but "" also
    satisfies the first branch when ``format`` is not asserted (JSON Schema's
    default), which makes a strict oneOf reject valid responses.
    """
    stack = [result]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            branches = node.get("oneOf")
            if isinstance(branches, list) and len(branches) == 2 and _blank_alternative(branches[1]):
                node["anyOf"] = node.pop("oneOf")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return result


def request_bodies_are_closed(result, generator, request, public):
    """Request-body schemas say ``additionalProperties: false``, as the server does.

    The serializers reject any key that is not a writable field (``unknown_field``,
    read-only keys such as ``id`` included), so every component an operation takes as
    its body (``*Request``, ``Patched*Request``) is closed to match.
    """
    components = result.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                component = components.get(ref.removeprefix(prefix)) if ref.startswith(prefix) else None
                if component is not None and component.get("type") == "object":
                    component["additionalProperties"] = False
    return result
