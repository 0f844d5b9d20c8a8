"""The schema of every operation: shape parameters, CSV, conditional headers and documented errors."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from api.core.errors import ErrorSerializer
from api.core.etags import ConditionalReadMixin, ConditionalWriteMixin
from api.core.hub_headers import schema_parameters as consistency_parameters
from api.schema.extensions import brief_serializer  # noqa
from api.schema.parameters import refine_parameters

SHAPE_PARAMETERS = [
    OpenApiParameter("fields", str, description="Comma-separated fields to return (sparse record)."),
    OpenApiParameter("omit", str, description="Comma-separated fields to leave out."),
    OpenApiParameter(
        "expand",
        str,
        description="Comma-separated heavy fields to include in lists (detail responses always include them).",
    ),
]
LANGUAGE_PARAMETERS = [
    OpenApiParameter(
        "lang",
        {"type": "string", "minLength": 1},
        description=(
            "The response's language: `en`, `ru` or `zh` (Simplified Chinese); regional and script forms "
            "(`ru-RU`, `zh-CN`, `zh-Hans`, `zh-TW`) name their language. Overrides `Accept-Language`. "
            "Any other value gives English, never an error. Only presentation changes: `display`, "
            "`localized_name`, timeline titles, snippets, graph labels and error messages; canonical "
            "fields, codes and CSV headers never do."
        ),
    ),
    OpenApiParameter(
        "Accept-Language",
        {"type": "string"},
        OpenApiParameter.HEADER,
        description=(
            "RFC 9110 language ranges with q-values, e.g. `ru-RU,ru;q=0.9,en;q=0.5`: the first of en, ru and "
            "zh wanted wins (`zh-TW` and `zh-Hant` get Simplified Chinese); none of them: English. `lang` "
            "overrides it."
        ),
    ),
]
CONTENT_LANGUAGE_HEADER = {
    "schema": {"type": "string", "enum": ["en", "ru", "zh-Hans"]},
    "description": "The language of the response (it varies on Accept-Language).",
}
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
# RFC 9110 §13.1.1: "*" (any current version), or a list of entity tags. Anything else matches nothing (412).
# One string pattern, not anyOf: SDK generators take a header's schema to be one type.
ENTITY_TAG = r'(?:W/)?"[\x21\x23-\x7e]*"'
IF_MATCH_SCHEMA = {"type": "string", "pattern": rf"^(?:\*|{ENTITY_TAG}(?:[ \t]*,[ \t]*{ENTITY_TAG})*)$"}
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    IF_MATCH_SCHEMA,
    OpenApiParameter.HEADER,
    required=True,
    examples=[OpenApiExample("any version", value="*")],
    description=(
        "Required. The ETag from GETting the record (or `*` for any state). If the record has changed "
        "since, the write is refused with 412 and nothing is written; without the header, 428."
    ),
)


class AutoSchema(SpectacularAutoSchema):
    """Adds the shape parameters, the CSV format, conditional headers and error responses to every operation."""

    def get_override_parameters(self):
        params = [*super().get_override_parameters(), *LANGUAGE_PARAMETERS]
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
        """Reads need no authentication (RolePermission): a token or a session, or ``{}``, explicitly none."""
        auth = super().get_auth()
        if self.method in ("GET", "HEAD") and not self._reads_need_a_role():
            return [*auth, {}]
        return auth

    def get_summary(self):
        """One line for every operation: the view's own, else the action on the resource ("List agreements")."""
        summary = super().get_summary()
        if summary or not hasattr(self.view, "queryset"):
            return summary
        meta = self.view.queryset.model._meta
        one, many = str(meta.verbose_name), str(meta.verbose_name_plural)
        article = "an" if one[:1].lower() in "aeiou" else "a"
        action = getattr(self.view, "action", None)
        templates = {
            "list": f"List {many}",
            "retrieve": f"Retrieve {article} {one}",
            "create": f"Create {article} {one}",
            "update": f"Replace {article} {one}",
            "partial_update": f"Update {article} {one} partially",
            "destroy": f"Delete {article} {one}",
        }
        return templates.get(action)

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
        for code, response in responses.items():
            if code != "414":  # (answered by the HTTP server, not the API)
                response.setdefault("headers", {})["Content-Language"] = CONTENT_LANGUAGE_HEADER
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
