"""One JSON error shape for every 4xx and 5xx the API returns.

    {"status": 400, "code": "invalid", "detail": "...",
     "errors": [{"field": "signed_on", "code": "invalid", "detail": "..."}]}

``errors`` lists field-level problems (``field`` is a dotted path into the
body, or the query parameter's name); it is empty when there are none.

When the database cannot be reached (an outage, a restart), requests fail fast
with a 503 ``database_unavailable`` and ``Retry-After``, wherever the error
surfaces: inside a DRF view, or when the request's transaction opens or commits.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from api.core.exceptions import (
    DATABASE_UNAVAILABLE_ERRORS,
    MAX_LISTED_DEPENDANTS,
    ApiError,
    DatabaseUnavailable,
    PayloadTooLarge,
)
from api.core.languages import label_response, negotiate, speaking
from cooperation.errors import InvalidQuery
from cooperation.localization import display

logger = logging.getLogger(__name__)


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Dotted path of the field, or the query parameter.")
    code = serializers.CharField()
    detail = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(help_text="Machine-readable error code, e.g. invalid, not_found, unknown_parameter.")
    detail = serializers.CharField(help_text="Human-readable summary.")
    errors = FieldErrorSerializer(many=True, help_text="Field-level errors; empty when there are none.")


def body(status_code: int, code: str, detail: str, errors: list[dict] | None = None) -> dict:
    return {"status": status_code, "code": code, "detail": str(detail), "errors": errors or []}


def flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested validation detail as a flat list of {field, code, detail}."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            out += flatten(value, f"{path}.{name}" if path and name else (path or name))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [
                {"field": path or None, "code": getattr(item, "code", None) or "invalid", "detail": str(item)}
                for item in detail
            ]
        out = []
        for index, item in enumerate(detail):
            out += flatten(item, f"{path}[{index}]")
        return out
    return [{"field": path or None, "code": getattr(detail, "code", None) or "invalid", "detail": str(detail)}]


def _dependants(exc: ProtectedError | RestrictedError) -> list[dict]:
    objs = list(exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects)
    errors = [
        {
            "field": obj._meta.model_name,
            "code": "protected",
            "detail": _("Still referenced by {model}: {record}").format(
                model=_(str(obj._meta.verbose_name)), record=display(obj)
            ),
        }
        for obj in objs[:MAX_LISTED_DEPENDANTS]
    ]
    if len(objs) > MAX_LISTED_DEPENDANTS:
        errors.append(
            {
                "field": None,
                "code": "protected",
                "detail": _("... and {count} more.").format(count=len(objs) - MAX_LISTED_DEPENDANTS),
            }
        )
    return errors


def exception_handler(exc, context):
    """DRF exception handler producing the one error shape."""
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, ProtectedError | RestrictedError):
        dependants = _dependants(exc)  # before the rollback mark: naming them reads the database
        set_rollback()
        detail = _("This record cannot be deleted while other records depend on it; remove or repoint them first.")
        return Response(body(409, "protected", detail, dependants), status=409)
    if isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
        logger.warning("Database unavailable during %s: %s", context["request"].path, exc)
        set_rollback()
        exc = DatabaseUnavailable()
    if isinstance(exc, IntegrityError):
        set_rollback()
        detail = _("The change conflicts with existing data: {error}").format(error=exc)
        return Response(body(409, "conflict", detail), status=409)
    if isinstance(exc, InvalidQuery):
        problems = [{"field": p.field, "code": p.code, "detail": p.detail} for p in exc.problems]
        return Response(body(400, "invalid_parameter", str(exc), problems), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        response.data = body(exc.status_code, exc.detail.code, exc.detail, exc.errors)
    elif isinstance(exc, exceptions.ValidationError):
        response.data = body(400, "invalid", _("The request is invalid; see errors."), flatten(exc.detail))
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = body(response.status_code, code, str(exc.detail))
    return response


def api_not_found(request, *args, **kwargs):
    """JSON 404 for any URL under /api/ that no route matches, in the negotiated language."""
    language = negotiate(request)
    with speaking(language):
        detail = _("No such URL in the API: {path}").format(path=request.path)
    return label_response(JsonResponse(body(404, "not_found", detail), status=404), language)


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After: the one error shape under /api/, plain text elsewhere (the admin)."""
    language = negotiate(request)
    with speaking(language):
        exc = DatabaseUnavailable()
    if request.path.startswith("/api/"):
        response = label_response(JsonResponse(body(503, exc.detail.code, exc.detail), status=503), language)
    else:
        response = HttpResponse(exc.detail, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(exc.wait)
    return response


def server_error(request, *args, **kwargs):
    """JSON 500 for /api/ URLs; Django's page elsewhere. A database outage is a 503 everywhere.

    Errors outside DRF views land here: the request's transaction failing to open or to
    commit (ATOMIC_REQUESTS), or a middleware reading the session.
    """
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE_ERRORS):
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        language = negotiate(request)
        with speaking(language):
            detail = _("Internal server error.")
        response = JsonResponse(body(500, "server_error", detail), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        return label_response(response, language)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request, *args, **kwargs)
