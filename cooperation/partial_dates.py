"""Partial dates: a date known to the day, the month or only the year.

A partial date is stored in three columns named after one stem, e.g. ``signed_on``:

* ``signed_on``: the first day of the period the date covers (``2017-11-01`` for "2017-11");
* ``signed_on_precision``: ``day``, ``month`` or ``year`` (empty when the date is unknown);
* ``signed_on_end``: the last day of that period (``2017-11-30``), kept in sync on save.

Storing the covered range makes filtering honest: a bound is compared with the
range, never with an arbitrary day picked inside it (see ``PartialDate.overlaps``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.db.models.functions import ExtractDay
from django.db.models.lookups import Exact
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Precision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


PRECISIONS = tuple(Precision.values)  # (a tuple: ``in`` compares members and strings by value)
_ISO = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date with a precision, normalised to the first day of the period it covers."""

    start: dt.date
    precision: str

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; use day, month or year")
        if self.precision in (Precision.MONTH, Precision.YEAR) and self.start.day != 1:
            raise ValueError(f"a {self.precision}-precision date must start on day 1, got {self.start}")
        if self.precision == Precision.YEAR and self.start.month != 1:
            raise ValueError(f"a year-precision date must start in January, got {self.start}")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ISO 8601 reduced precision: ``2018-03-03``, ``2017-11`` or ``2022``."""
        match = _ISO.fullmatch(text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = match.group("year", "month", "day")
        try:
            if day:
                return cls(dt.date(int(year), int(month), int(day)), Precision.DAY)
            if month:
                return cls(dt.date(int(year), int(month), 1), Precision.MONTH)
            return cls(dt.date(int(year), 1, 1), Precision.YEAR)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a real date: {exc}") from None

    @property
    def end(self) -> dt.date:
        """The last day covered by this date."""
        if self.precision == Precision.DAY:
            return self.start
        if self.precision == Precision.MONTH:
            last = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=last)
        return self.start.replace(month=12, day=31)

    def isoformat(self) -> str:
        if self.precision == Precision.DAY:
            return self.start.isoformat()
        if self.precision == Precision.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}"

    __str__ = isoformat

    def overlaps(self, low: dt.date | None, high: dt.date | None) -> bool:
        """True when some day of this date may fall within ``[low, high]``."""
        return (low is None or self.end >= low) and (high is None or self.start <= high)


def end_of(start: dt.date | None, precision: str) -> dt.date | None:
    """The last covered day for a stored start and precision, or None if incomplete."""
    if start is None or precision not in PRECISIONS:
        return None
    try:
        return PartialDate(start, precision).end
    except ValueError:
        return None


def partial_date_fields(verbose_name: str, help_text: str = "") -> tuple[models.Field, ...]:
    """The three columns of one partial date, to unpack in a model body.

    ``verbose_name`` and ``help_text`` may be lazy translations; the labels of the other two
    columns are built from ``verbose_name`` lazily, so they follow the language too.
    """
    return (
        models.DateField(
            verbose_name,
            null=True,
            blank=True,
            db_index=True,
            help_text=help_text or _("First day of the period the date covers."),
        ),
        models.CharField(
            format_lazy(_("{date} precision"), date=verbose_name),
            max_length=5,
            choices=Precision.choices,
            blank=True,
            default="",
        ),
        models.DateField(
            format_lazy(_("{date} (end of range)"), date=verbose_name),
            null=True,
            blank=True,
            editable=False,
            db_index=True,
            help_text=_("Last day covered; derived from the date and its precision."),
        ),
    )


def timeline_index(stem: str, name: str) -> models.Index:
    """An index in timeline order over one partial date: first day, last day, id (rows with the date only).

    The timeline reads each dated column in this order and merges them (``cooperation.selectors.timeline_rows``).
    """
    return models.Index(fields=[stem, f"{stem}_end", "id"], name=name, condition=Q(**{f"{stem}__isnull": False}))


def partial_date_constraints(stem: str) -> list[models.CheckConstraint]:
    """Database checks that keep one partial date whole and consistent."""
    precision, end = f"{stem}_precision", f"{stem}_end"
    unknown = Q(**{f"{stem}__isnull": True, precision: "", f"{end}__isnull": True})
    day = Q(**{precision: Precision.DAY, end: F(stem)})
    same_year = Q(**{f"{stem}__day": 1, f"{end}__year": F(f"{stem}__year")})
    day_after_end = ExtractDay(ExpressionWrapper(F(end) + dt.timedelta(days=1), output_field=models.DateField()))
    month = Q(**{precision: Precision.MONTH, f"{end}__month": F(f"{stem}__month")}) & Q(Exact(day_after_end, 1))
    year = Q(**{precision: Precision.YEAR, f"{stem}__month": 1, f"{end}__month": 12, f"{end}__day": 31})
    known = Q(**{f"{stem}__isnull": False, f"{end}__isnull": False})
    return [
        models.CheckConstraint(
            condition=unknown | (known & (day | (same_year & (month | year)))),
            name=f"%(app_label)s_%(class)s_{stem}_precision_matches",
            violation_error_message=format_lazy(
                _("{stem}: the date, its precision and its range do not agree."), stem=stem
            ),
        )
    ]


def partial_date_stems(model: type[models.Model]) -> list[str]:
    """Stems of the partial dates a model declares (fields with ``_precision`` and ``_end`` twins)."""
    names = {f.name for f in model._meta.concrete_fields}
    return [n for n in sorted(names) if f"{n}_precision" in names and f"{n}_end" in names]


class PartialDateModel(models.Model):
    """Mixin: read, write, validate and keep in sync every partial date on a model."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.sync_partial_dates()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.clean_partial_dates()

    def get_partial_date(self, stem: str) -> PartialDate | None:
        start, precision = getattr(self, stem), getattr(self, f"{stem}_precision")
        if start is None or not precision:
            return None
        return PartialDate(start, precision)

    def set_partial_date(self, stem: str, value: PartialDate | str | None) -> None:
        if isinstance(value, str):
            value = PartialDate.parse(value)
        setattr(self, stem, value.start if value else None)
        setattr(self, f"{stem}_precision", value.precision if value else "")
        setattr(self, f"{stem}_end", value.end if value else None)

    def sync_partial_dates(self) -> None:
        """Derive each ``*_end`` column from its date and precision."""
        for stem in partial_date_stems(type(self)):
            setattr(self, f"{stem}_end", end_of(getattr(self, stem), getattr(self, f"{stem}_precision")))

    def clean_partial_dates(self) -> None:
        errors: dict[str, str] = {}
        for stem in partial_date_stems(type(self)):
            start, precision = getattr(self, stem), getattr(self, f"{stem}_precision")
            if start is None and precision:
                errors[stem] = gettext("Give the date, or clear its precision.")
            elif start is not None and not precision:
                errors[f"{stem}_precision"] = gettext(
                    "Say whether the date is known to the day, the month or the year."
                )
            elif start is not None:
                try:
                    PartialDate(start, precision)
                except ValueError as exc:
                    errors[stem] = str(exc)
        if errors:
            raise ValidationError(errors)
        self.sync_partial_dates()
