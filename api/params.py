"""The query-parameter contract: every parameter is known, or the request is a 400 that names it.

A misspelled filter silently ignored returns every record, and a client acting on
that list can do real damage; so nothing unknown is ever ignored.
"""

from __future__ import annotations

from api.errors import ApiError

COMMON = {"format"}
SHAPE = {"fields", "omit", "expand"}
LIST_ONLY = {"limit", "offset", "ordering"}


def allowed_parameters(view) -> set[str]:
    allowed = set(COMMON)
    action = getattr(view, "action", None)
    if view.request.method in ("GET", "HEAD") and getattr(view, "supports_shape", True):
        allowed |= SHAPE
    if action == "list":
        allowed |= LIST_ONLY
        if any(getattr(backend, "param", None) == "q" for backend in getattr(view, "filter_backends", ())):
            allowed.add("q")
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        allowed |= set(getattr(view, "extra_query_parameters", ()))
    elif action is None:  # custom views declare their own
        allowed |= set(getattr(view, "extra_query_parameters", ()))
    return allowed


def check_query_parameters(view) -> None:
    unknown = sorted(set(view.request.query_params) - allowed_parameters(view))
    if unknown:
        detail = f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."
        errors = [
            {"field": name, "code": "unknown_parameter", "detail": "Not a parameter of this endpoint."}
            for name in unknown
        ]
        raise ApiError(400, "unknown_parameter", detail, errors)
