"""Form fields the admin and the API share: a partial date typed as one value."""

from __future__ import annotations

from django import forms

from cooperation.partial_dates import PartialDate


class PartialDateFormField(forms.CharField):
    """A date known to the day, the month or the year ("2018-03-03", "2017-11", "2022"); cleans to a PartialDate.

    Blank is ``None``. How a value that is not a partial date is reported is ``invalid``'s:
    the admin says it to a curator, the API names the parameter in its error shape.
    """

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as exc:
            raise self.invalid(value, exc) from None

    def invalid(self, value: str, exc: ValueError) -> forms.ValidationError:
        return forms.ValidationError(str(exc), code="invalid")
