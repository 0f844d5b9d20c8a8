"""Exact schemas for query parameters: the schema accepts what the server accepts, and no more.

drf-spectacular documents a django-filter parameter from its model field (a partial
date as ``format: date``, a slug or an id as any string or integer) and the shape
parameters as free text. Here each one is documented by the code that reads it, so
that a client, an SDK generator or schemathesis can tell valid from invalid values:

* partial dates: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, real dates only (``PARTIAL_DATE_PATTERN``);
* ids: integers from 1 to 2^63 - 1; slugs: ``[-a-zA-Z0-9_]+``;
* text: at least one character (an empty value is a 400, see ``api.core.query_params``);
* ``fields``/``omit``/``expand``: lists of the serializer's field names;
* ``ordering``: a list of the allowed sort fields, each optionally prefixed with ``-``.

What no schema can say stays a 400 at run time: a slug or id that names no record
(``does_not_exist``), and rules between parameters.
"""

from __future__ import annotations

from django_filters.filters import BaseCSVFilter, CharFilter
from rest_framework import serializers

from api.core.fields import MAX_ID
from api.filtersets.base import IdFilter, PartialDateFilter, RelatedFilter

# --- partial dates ---------------------------------------------------------------------------
# Years 0001-9999; months 01-12; days that exist in their month, 29 February in leap years only
# (divisible by 4 but not by 100, or by 400). No lookahead, so every regex engine takes it.
_YEAR = r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
PARTIAL_DATE_PATTERN = rf"^(?:{_YEAR}(?:-{_MONTH}|-{_DAY})?|{_LEAP_YEAR}-02-29)$"

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
SLUG_SCHEMA = {"type": "string", "pattern": SLUG_PATTERN}
TEXT_SCHEMA = {"type": "string", "minLength": 1}
SHAPE = ("fields", "omit", "expand")


def refine_parameters(auto_schema, parameters: list[dict]) -> list[dict]:
    """The operation's parameters with exact schemas for filters, shape parameters and ordering."""
    filters = _filters(auto_schema.view)
    refined = []
    for parameter in parameters:
        if parameter.get("in") != "query":
            refined.append(parameter)
            continue
        name = parameter["name"]
        if name in filters:
            _refine_filter(parameter, filters[name])
        elif name in SHAPE:
            parameter = _shape_parameter(auto_schema, parameter)
        elif name == "ordering":
            _refine_ordering(auto_schema.view, parameter)
        if parameter is None:
            continue
        if parameter["schema"].get("type") == "array" and parameter.get("explode") is False:
            parameter["schema"]["minItems"] = 1  # an empty list would be sent as a blank value: a 400
        refined.append(parameter)
    return refined


def _filters(view) -> dict:
    filterset_class = getattr(view, "filterset_class", None)
    return dict(filterset_class.base_filters) if filterset_class is not None else {}


def _refine_filter(parameter: dict, f) -> None:
    schema = parameter["schema"]
    if isinstance(f, PartialDateFilter):
        parameter["schema"] = {"type": "string", "pattern": PARTIAL_DATE_PATTERN}
    elif isinstance(f, RelatedFilter):
        key = f.extra.get("to_field_name")
        item = ID_SCHEMA if key is None else SLUG_SCHEMA if key == "slug" else TEXT_SCHEMA
        parameter["schema"] = {"type": "array", "items": dict(item)}
    elif isinstance(f, IdFilter):
        parameter["schema"] = (
            {"type": "array", "items": dict(ID_SCHEMA)} if schema.get("type") == "array" else dict(ID_SCHEMA)
        )
    elif isinstance(f, BaseCSVFilter) and schema.get("type") == "array":
        schema["minItems"] = 1
        items = schema.get("items", {})
        if items.get("type") == "string" and "enum" not in items:
            items["pattern"] = "^[^,]+$"  # comma-separated: an item can be neither empty nor hold a comma
    elif isinstance(f, CharFilter) and schema.get("type") == "string" and "enum" not in schema:
        schema["minLength"] = 1


def _shape_parameter(auto_schema, parameter: dict) -> dict | None:
    """``fields``/``omit``: any of the record's fields; ``expand``: its expandable ones (left out if none)."""
    serializer = _item_serializer(auto_schema)
    if serializer is None:
        return parameter
    if parameter["name"] == "expand":
        names = sorted(getattr(getattr(serializer, "Meta", None), "expandable", ()))
        if not names:
            return None
    else:
        names = sorted(serializer.fields)
    parameter["schema"] = {"type": "array", "items": {"type": "string", "enum": names}, "minItems": 1}
    parameter["style"], parameter["explode"] = "form", False
    return parameter


def _item_serializer(auto_schema) -> serializers.Serializer | None:
    """The serializer of one record (or list item) in the operation's 200 response."""
    serializer = auto_schema.get_response_serializers()
    if isinstance(serializer, dict):
        serializer = serializer.get(200, serializer.get("200"))
    if isinstance(serializer, type):
        serializer = serializer()
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    results = getattr(serializer, "fields", {}).get("results")
    if isinstance(results, serializers.ListSerializer):
        serializer = results.child
    return serializer if isinstance(serializer, serializers.Serializer) else None


def _refine_ordering(view, parameter: dict) -> None:
    backends = [backend() for backend in getattr(view, "filter_backends", ())]
    fields = next(
        (
            [name for name, _ in b.get_valid_fields(view.get_queryset(), view, {})]
            for b in backends
            if hasattr(b, "get_valid_fields")
        ),
        None,
    )
    if fields:
        term = "-?(?:" + "|".join(sorted(fields, key=lambda name: (-len(name), name))) + ")"
        parameter["schema"] = {"type": "string", "pattern": f"^{term}(?:,{term})*$"}
