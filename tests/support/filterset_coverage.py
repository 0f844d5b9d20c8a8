"""NetBox's missing-filters check: every model field meant to be filterable has a filter in its FilterSet.

The fields come from the model (its concrete fields), so a new column is checked without anyone
listing it. A field is covered by the query parameters the project's conventions give it:

* a foreign key: ``name_id`` (by id) and, when the related model has a slug, ``name`` (by slug);
* a partial date (``name`` with ``name_precision`` and ``name_end`` twins): ``name``, ``name__gte``
  and ``name__lte``, which compare the whole range; the two twins are its storage, not fields;
* a time stamp: ``name__gte`` and ``name__lte``;
* anything else: ``name`` or a lookup of it (``name__ic``, ``name__in``, ...).

A field goes without a filter only by an explicit, commented exclusion: ``NOT_FILTERABLE`` here
for names every model shares, or a resource's own ``unfiltered``.
"""

from __future__ import annotations

from django.db import models

from cooperation.partial_dates import partial_date_stems

# Fields no resource filters on, by name.
NOT_FILTERABLE = {
    # Derived from the names and labels; searched through ``q``, never filtered on directly.
    "search_text",
    # Derived from the labels (the names per language); read through `lang`, never filtered on.
    "localized_names",
    # Curators' prose (long text bodies): read, or searched, rather than selected by.
    "description",
    "summary",
    "note",
    "notes",
}


def expected_parameters(field: models.Field, name: str, stems: set[str]) -> list[str]:
    """The query parameters that must exist for ``field`` (``name`` is its name in the API).

    A parameter ending in ``*`` is satisfied by the name itself or by any lookup of it.
    """
    if field.is_relation:
        has_slug = any(f.name == "slug" for f in field.related_model._meta.concrete_fields)
        return [f"{name}_id", name] if has_slug else [f"{name}_id"]
    if field.name in stems:
        return [name, f"{name}__gte", f"{name}__lte"]
    if isinstance(field, models.DateTimeField):
        return [f"{name}__gte", f"{name}__lte"]
    return [f"{name}*"]


def _present(parameter: str, parameters: set[str]) -> bool:
    if parameter.endswith("*"):
        base = parameter[:-1]
        return base in parameters or any(p.startswith(f"{base}__") for p in parameters)
    return parameter in parameters


def storage_columns(model: type[models.Model]) -> set[str]:
    """The ``_precision`` and ``_end`` twins of the model's partial dates."""
    return {f"{stem}{suffix}" for stem in partial_date_stems(model) for suffix in ("_precision", "_end")}


def filterable_fields(model: type[models.Model], unfiltered=()) -> list[models.Field]:
    """The model's concrete fields minus storage columns and the exclusions."""
    skipped = NOT_FILTERABLE | set(unfiltered) | storage_columns(model)
    return [field for field in model._meta.concrete_fields if field.name not in skipped]


def missing_parameters(field: models.Field, filterset_class, names=None) -> list[str]:
    """The parameters ``field`` should have and ``filterset_class`` lacks, one line each."""
    model, names = field.model, names or {}
    name = names.get(field.name, field.name)
    parameters = set(filterset_class.base_filters)
    missing = []
    for parameter in expected_parameters(field, name, set(partial_date_stems(model))):
        if not _present(parameter, parameters):
            base = parameter.rstrip("*")
            shown = f"`{base}` (or `{base}__<lookup>`)" if parameter.endswith("*") else f"`{parameter}`"
            missing.append(f"{model.__name__}.{field.name}: no filter {shown} in {filterset_class.__name__}")
    return missing


def missing_filters(model: type[models.Model], filterset_class, *, unfiltered=(), names=None) -> list[str]:
    """One line per missing query parameter, naming the field and the parameter; empty when all are there.

    ``unfiltered``: the model's fields deliberately not filterable; ``names``: a field's name in the
    API where it differs from the model's (``{"url": "web_url"}``).
    """
    return [
        line
        for field in filterable_fields(model, unfiltered)
        for line in missing_parameters(field, filterset_class, names)
    ]
