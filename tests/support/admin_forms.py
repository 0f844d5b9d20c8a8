"""The POST data of an admin change form as rendered, main form and inlines, for tests to edit and send back."""

from __future__ import annotations


def form_data(response) -> dict:
    """The data a browser would post back for a change form as rendered (main form and inlines)."""
    data = {}
    adminform = response.context["adminform"].form
    for name in adminform.fields:
        _put(data, adminform.add_prefix(name), adminform[name].value())
    inlines = response.context.get("inline_admin_formsets", [])
    for inline in inlines:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.initial_forms:
            for name in form.fields:
                _put(data, form.add_prefix(name), form[name].value())
    return data


def add_inline_row(data: dict, prefix: str, values: dict) -> None:
    """Append one new row to inline formset ``prefix``."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = index + 1


def _put(data: dict, key: str, value) -> None:
    if value is None or value is False:
        return
    if isinstance(value, list | tuple):
        data[key] = [getattr(v, "pk", v) for v in value]
    elif value is True:
        data[key] = "on"
    else:
        data[key] = getattr(value, "pk", value)


def inline_prefix(response, model_name: str) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model._meta.model_name == model_name:
            return inline.formset.prefix
    raise KeyError(model_name)
