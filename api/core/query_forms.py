"""How every endpoint that is not a plain list parses its query: a Django form per endpoint.

The timeline, the graph and global search each declare a ``QueryForm``. Its fields do the
syntax (types, ranges, partial dates, slugs that must exist); the selector's typed query in
``cooperation.selectors`` does the rules between parameters and raises
``cooperation.errors.InvalidQuery``. Both end as the one error shape, every problem naming its
parameter, listed in the order the form declares its fields.
"""

from __future__ import annotations

import copy

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.core.exceptions import ApiError
from api.filtersets.base import invalid


class QueryForm(forms.Form):
    """A form over ``request.query_params``; ``parse`` returns its cleaned data or raises a 400."""

    error_code = "invalid_parameter"  # the error's top-level code
    combined_detail = gettext_lazy("Invalid parameters; see errors.")  # the detail when several parameters are wrong
    single_detail = True  # one problem: its own sentence as the detail
    single_valued: tuple[str, ...] = ()  # parameters that must not be repeated

    def __init__(self, *args, **kwargs):
        # Django deep-copies the declared fields for each form (their widgets too), which cost more than
        # the rest of parsing: a query's fields are only read (``clean``), a copy of each is enough.
        self.base_fields = ShallowFields(type(self).base_fields)
        super().__init__(*args, **kwargs)

    def _clean_fields(self):
        """Django's, without a bound field per field: each field cleans what its widget reads."""
        for name, field in self.fields.items():
            try:
                value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
                self.cleaned_data[name] = field.clean(value)
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except forms.ValidationError as error:
                self.add_error(name, error)

    @classmethod
    def parse(cls, request, **kwargs) -> dict:
        form = cls(request.query_params, **kwargs)
        if form.is_valid():
            return form.cleaned_data
        raise form.error()

    def clean(self):
        data = super().clean()
        for name in self.single_valued:
            if len(self.data.getlist(name)) > 1:
                self.add_error(name, invalid(_("Give {name} once.").format(name=name)))
        return data

    def error(self) -> ApiError:
        order = {name: index for index, name in enumerate(self.fields)}
        problems = [
            {"field": name, "code": error.code or "invalid", "detail": message}
            for name in sorted(self.errors, key=lambda name: order.get(name, len(order)))
            for error in self.errors.as_data()[name]
            for message in error.messages
        ]
        detail = problems[0]["detail"] if self.single_detail and len(problems) == 1 else str(self.combined_detail)
        return ApiError(400, self.error_code, detail, problems)


class ShallowFields(dict):
    """Declared fields whose deep copy (a form's own fields) copies each field, not its widget and messages."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(field) for name, field in self.items()}


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (or ``1``/``0``); anything else is an error, never silently false."""

    def clean(self, value):
        if value in (None, ""):
            return False
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise invalid(_("Give true or false, not {value}.").format(value=repr(value)))


class ChoicesListField(forms.Field):
    """A comma-separated, repeatable list of names out of ``choices``; returned in the choices' order.

    ``blank_code``: the error's code when no name is given at all.
    """

    widget = forms.MultipleHiddenInput

    def __init__(self, *, choices, label_plural: str, blank_code: str = "invalid", **kwargs):
        self.choices = tuple(choices)
        self.label_plural = label_plural
        self.blank_code = blank_code
        super().__init__(**kwargs)

    def clean(self, value):
        if not value:
            return None
        wanted = [part.strip() for item in value for part in item.split(",") if part.strip()]
        unknown = sorted({name for name in wanted if name not in self.choices})
        if unknown or not wanted:
            raise invalid(self.message(unknown), code="invalid_choice" if unknown else self.blank_code)
        return tuple(name for name in self.choices if name in wanted)

    def message(self, unknown: list[str]) -> str:
        given = ", ".join(unknown) if unknown else _("none given")
        return _("Unknown {things}: {given}. Use any of: {choices}.").format(
            things=self.label_plural, given=given, choices=", ".join(self.choices)
        )


class WholeNumberField(forms.Field):
    """A whole number in ``[low, high]``, written in ASCII digits (no sign, no spaces)."""

    def __init__(self, *, name: str, low: int, high: int, **kwargs):
        self.name, self.low, self.high = name, low, high
        super().__init__(**kwargs)

    def clean(self, value):
        if value in (None, ""):
            return None
        if not (value.isascii() and value.isdigit()) or not self.low <= int(value) <= self.high:
            raise invalid(
                _("{name} must be a whole number from {low} to {high}, got {value}.").format(
                    name=self.name, low=self.low, high=self.high, value=repr(value)
                )
            )
        return int(value)
