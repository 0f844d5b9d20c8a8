"""The query-parameter contract: every parameter is known, or the request is a 400 that names it.

A misspelled filter silently ignored returns every record, and a client acting on
that list can do real damage; so nothing unknown is ever ignored. Nor is a query
string that is not UTF-8 or carries a NUL character: Django would quietly turn the
bad bytes into U+FFFD and search or filter for something the client never sent.
Nor is a parameter without a value (``?name=``), or an empty item in a comma-separated
list (``?kind__in=a,,b``): leave the parameter out instead.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.utils.translation import gettext as _
from django_filters.filters import BaseCSVFilter

from api.core.exceptions import ApiError

COMMON = {"format", "lang"}  # lang: the response's language (api.core.languages), on every operation
SHAPE = {"fields", "omit", "expand"}
LIST_ONLY = {"limit", "offset", "cursor", "ordering"}
COMMA_SEPARATED = SHAPE | {"ordering"}


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


def comma_separated_parameters(view) -> set[str]:
    """The parameters whose value is a comma-separated list (``*__in`` ones, and those a view declares)."""
    names = set(COMMA_SEPARATED) | set(getattr(view, "comma_separated_parameters", ()))
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        names |= {name for name, f in filterset_class.base_filters.items() if isinstance(f, BaseCSVFilter)}
    names |= {name for name in getattr(view, "extra_query_parameters", ()) if name.endswith("__in")}
    return names


def blank_parameters(view) -> list[dict]:
    """Field errors for each parameter given without a value, or with an empty item in its list."""
    lists = comma_separated_parameters(view)
    errors = []
    for name, values in view.request.query_params.lists():
        if any(value == "" for value in values):
            errors.append({"field": name, "code": "blank", "detail": _("Give a value, or leave the parameter out.")})
        elif name in lists and any("" in value.split(",") for value in values):
            errors.append(
                {"field": name, "code": "blank", "detail": _("An item of the comma-separated list is empty.")}
            )
    return errors


def undecodable_parameters(query_string: str) -> list[dict]:
    """Field errors for each parameter whose name or value is not UTF-8 text without NUL characters."""
    # WSGI hands the query string over as latin-1 text: these are the bytes the client sent.
    raw = query_string.encode("latin-1", errors="replace")
    errors = []
    for pair in raw.split(b"&"):
        name, _sep, value = pair.partition(b"=")
        try:
            text = [unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8") for part in (name, value)]
        except UnicodeDecodeError:
            errors.append(_bad_parameter(name, "invalid_utf8", _("Not valid UTF-8 (percent-encode UTF-8 bytes).")))
            continue
        if any("\x00" in part for part in text):
            errors.append(_bad_parameter(name, "null_character", _("Contains a NUL character.")))
    return errors


def _bad_parameter(name: bytes, code: str, detail: str) -> dict:
    return {"field": unquote_to_bytes(name).decode("utf-8", errors="replace"), "code": code, "detail": detail}


def check_query_parameters(view) -> None:
    undecodable = undecodable_parameters(view.request.META.get("QUERY_STRING", ""))
    if undecodable:
        names = ", ".join(error["field"] for error in undecodable)
        detail = _("Undecodable query parameter(s): {names}.").format(names=names)
        raise ApiError(400, "invalid_parameter", detail, undecodable)
    unknown = sorted(set(view.request.query_params) - allowed_parameters(view))
    if unknown:
        template = (
            _("Unknown query parameters: {names}.") if len(unknown) > 1 else _("Unknown query parameter: {names}.")
        )
        detail = template.format(names=", ".join(unknown))
        errors = [
            {"field": name, "code": "unknown_parameter", "detail": _("Not a parameter of this endpoint.")}
            for name in unknown
        ]
        raise ApiError(400, "unknown_parameter", detail, errors)
    blank = blank_parameters(view)
    if blank:
        names = ", ".join(error["field"] for error in blank)
        raise ApiError(400, "invalid_parameter", _("Blank query parameter(s): {names}.").format(names=names), blank)
