"""The derived ``localized_names`` column: each labelled record's names per language, kept with it.

``{"ru": {"name": "Роскосмос...", "short": "Роскосмос", "status": "official"}, "zh": {...}}``: for
each language but English, the label that names the record (``cooperation.localization.NAME_KINDS``,
the first of the preferred kind), its status, and its short label; ``null`` where there is none.

Derived from ``Label`` rows, like ``search_text``, and refreshed by the same signals
(``cooperation.signals``) whenever a label is saved or deleted; bulk inserts compute it themselves
(``cooperation.corpus``). Reading a name is then reading a column of a row already loaded: no query
per record in Python, no subquery per record in the SQL of the lists (``api.sql.expressions``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LocalizedNamesModel(models.Model):
    """Mixin: the ``localized_names`` column (derived; never edited, never in the change history)."""

    localized_names = models.JSONField(
        _("localized names"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Derived from the labels: the name, short name and its status per language."),
    )

    class Meta:
        abstract = True
