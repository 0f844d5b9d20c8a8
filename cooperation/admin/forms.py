"""Admin forms: partial dates typed as one value ("2018-03-03", "2017-11", "2022")."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cooperation.forms import PartialDateFormField
from cooperation.partial_dates import partial_date_stems

PARTIAL_DATE_HELP = _("YYYY-MM-DD, YYYY-MM or YYYY, e.g. 2018-03-03, 2017-11 or 2022.")


class AdminPartialDateField(PartialDateFormField):
    """The shared partial-date field, sized and explained for curators."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10, "placeholder": _("YYYY-MM-DD")}))
        super().__init__(*args, **kwargs)

    def invalid(self, value: str, exc: ValueError) -> forms.ValidationError:
        message = gettext("“%(value)s” is not a date. Enter %(format)s")
        return forms.ValidationError(
            message % {"value": value, "format": PARTIAL_DATE_HELP}, code="invalid_partial_date"
        )


class LinesField(forms.CharField):
    """A list of strings edited as text, one item per line (for JSON list fields such as topics)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value):
        return self.lines(super().clean(value))

    def has_changed(self, initial, data):
        return (initial or []) != self.lines(data)

    @staticmethod
    def lines(text) -> list[str]:
        return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PartialDateModelForm(forms.ModelForm):
    """Shows each partial date as one text field; its precision column is set from what is typed.

    JSON list fields (``topics``) are edited one item per line.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self._meta.model._meta.fields:
            if isinstance(field, models.JSONField) and field.default is list and field.name in self.fields:
                old = self.fields[field.name]
                self.fields[field.name] = LinesField(
                    required=False, label=old.label, help_text=_("One per line."), initial=old.initial
                )
        for stem in partial_date_stems(self._meta.model):
            if stem not in self.fields:
                continue
            old = self.fields[stem]
            current = self.instance.get_partial_date(stem)
            self.fields[stem] = AdminPartialDateField(
                required=old.required,
                label=old.label,
                initial=current.isoformat() if current else None,
            )
            if current:
                self.initial[stem] = current.isoformat()
            precision = f"{stem}_precision"
            if precision in self.fields:
                self.fields[precision].widget = forms.HiddenInput()
                self.fields[precision].required = False

    def clean(self):
        cleaned = super().clean()
        for stem in partial_date_stems(self._meta.model):
            if stem in self.fields and stem in cleaned:
                value = cleaned[stem]
                cleaned[stem] = value.start if value else None
                cleaned[f"{stem}_precision"] = value.precision if value else ""
                self.instance.set_partial_date(stem, value)
        return cleaned
