"""Schemathesis dictionaries of the records a seeded registry holds: references that exist.

The schema says what a reference looks like (an id, or a slug); which records exist is
data, which no schema can state. So ``tests/schemathesis/run``, once the database is
seeded, runs this module against it (``python -m tests.schemathesis.references``): it
prints TOML for ``schemathesis.toml`` that binds, per resource,

* each reference a write's body takes (``body.person``, ``body.parent``...) to the ids and
  slugs of the records of the model it names,
* a citation's or label's ``body.subject_id`` to ids that exist for every kind of subject,
* each detail path's lookup (``path.slug``/``path.id``) to the resource's own records,

each used with probability ``PROBABILITY``: the rest stay random, so references to records
that do not exist are still sent. Without this, nearly every generated write names a
record that does not exist and is refused before it reaches the API's logic.

And half the generated writes send ``If-Match: *`` (any version): a random entity tag never
matches (412), and the stateful phase already sends the real ones (the schema's links).
"""

from __future__ import annotations

import json

PROBABILITY = 0.9
ANY_VERSION_PROBABILITY = 0.5
MOST_VALUES = 100  # of each kind (ids, slugs) per dictionary: plenty to draw from, and a small config file


def _toml_value(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # ints and slugs: valid TOML as JSON writes them


def _dictionary(name: str, values: list) -> str:
    return f"[dictionaries.{name}]\nvalues = [{', '.join(_toml_value(v) for v in values)}]\n"


def configuration() -> str:
    """The TOML fragment: ``[dictionaries.*]`` tables, then one ``[[operations]]`` per resource."""
    import django

    django.setup()

    from api.core.fields import BriefRelatedField
    from api.core.resource_urls import resource_for
    from api.resources import RESOURCES, registry_viewsets
    from cooperation.models import Citation, Label

    def keys(model, name: str) -> list:
        return list(model._default_manager.order_by("pk").values_list(name, flat=True)[:MOST_VALUES])

    def references(model) -> list:
        """The ids and (for slugged models) the slugs of ``model``'s records: a reference takes either."""
        return [*(keys(model, "slug") if resource_for(model).has_slug else []), *keys(model, "pk")]

    dictionaries: dict[str, list] = {}
    operations = []
    for viewset in registry_viewsets():
        model = viewset.queryset.model
        resource = RESOURCES[model]
        bindings = {}
        for name, field in viewset.serializer_class(context={}).fields.items():
            if isinstance(field, BriefRelatedField) and not field.read_only:
                target = field.get_queryset().model
                dictionaries.setdefault(target._meta.model_name, references(target))
                bindings[f"body.{name}"] = target._meta.model_name
            elif name == "subject_id" and not field.read_only:
                bindings["body.subject_id"] = f"{model._meta.model_name}_subject_id"
        lookup = f"{model._meta.model_name}_lookup"
        dictionaries[lookup] = [str(value) for value in keys(model, resource.lookup_field)]
        bindings[f"path.{resource.lookup_field.replace('pk', 'id')}"] = lookup
        bindings["header.If-Match"] = "any_version"
        operations.append((resource.prefix, bindings))

    for arc in (Citation, Label):  # ids that exist whatever the subject_type: [1, 2, ...] on the seed data
        models = [arc._meta.get_field(name).related_model for name in arc.arc_fields]
        common = set.intersection(*(set(m._default_manager.values_list("pk", flat=True)) for m in models))
        dictionaries[f"{arc._meta.model_name}_subject_id"] = sorted(common)

    dictionaries["any_version"] = ["*"]
    probabilities = {"any_version": ANY_VERSION_PROBABILITY}

    parts = [_dictionary(name, values) for name, values in sorted(dictionaries.items()) if values]
    for prefix, bindings in operations:
        entries = ", ".join(
            f'"{key}" = {{ dictionary = "{name}", probability = {probabilities.get(name, PROBABILITY)} }}'
            for key, name in sorted(bindings.items())
            if dictionaries.get(name)
        )
        if not entries:
            continue
        parts.append(f'[[operations]]\ninclude-path-regex = "^/api/v1/{prefix}/"\nparameters = {{ {entries} }}\n')
    return "\n".join(parts)


if __name__ == "__main__":
    print(configuration())
