"""The API's exceptions: a status, a machine-readable code, a detail and optional field errors.

Raised anywhere in ``api/``; ``api.core.errors`` renders them in the one error shape.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from rest_framework import exceptions

MAX_LISTED_DEPENDANTS = 10

# Errors meaning "the database is unreachable or went away" (server down or restarting,
# connection refused or timed out, connection closed): worth retrying shortly.
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 5


class ApiError(exceptions.APIException):
    """An API error with a status, a machine-readable code and optional field errors."""

    def __init__(self, status_code: int, code: str, detail: str, errors: list[dict] | None = None):
        self.status_code = status_code
        self.errors = errors or []
        super().__init__(detail=detail, code=code)


class PayloadTooLarge(ApiError):
    def __init__(self, limit: int):
        detail = _("The request body is larger than the {limit}-byte limit.").format(limit=limit)
        super().__init__(413, "payload_too_large", detail)


class DatabaseUnavailable(ApiError):
    wait = DATABASE_RETRY_AFTER_SECONDS  # DRF sends it as Retry-After

    def __init__(self):
        super().__init__(
            503,
            "database_unavailable",
            _("The database is temporarily unavailable; retry in {seconds} seconds.").format(
                seconds=DATABASE_RETRY_AFTER_SECONDS
            ),
        )
