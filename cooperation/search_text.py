"""Text normalisation and the stored search text of searchable records.

Every searchable record keeps ``search_text``: its names and labels in every
language, normalised by ``normalize`` and one per line (with a newline at each
end). A query is normalised the same way and matched with a plain substring
test, which behaves the same on SQLite (whose LIKE folds ASCII only) and on
PostgreSQL, and ranks exact and prefix matches through the line boundaries.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

from cooperation.localized_names import LocalizedNamesModel

# PostgreSQL only (migration 0014), by the table of the records: the narrow table of their name lines
# (``search_text`` split at its newlines, one row a line), the narrow copy of their ``search_text``, and
# the column of the record's id in both. Triggers keep them in the same transaction as ``search_text``.
NAME_LINES = {
    "cooperation_agreement": ("cooperation_agreement_name_line", "cooperation_agreement_names", "agreement_id")
}

_APOSTROPHES = re.compile("['\u2019\u02bc`\u00b4]")  # apostrophe, right single quote, modifier apostrophe, grave, acute
_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC, case-folded, apostrophes dropped, other punctuation as single spaces.

    ``"Chang'e-7"`` and ``"change 7"`` both become ``"change 7"``.
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _APOSTROPHES.sub("", text)
    return _SEPARATORS.sub(" ", text).strip()


def search_text_for(terms: list[str]) -> str:
    lines = sorted({normalize(t) for t in terms if t and normalize(t)})
    return "\n" + "\n".join(lines) + "\n" if lines else ""


class SearchableModel(LocalizedNamesModel):
    """Mixin: a derived ``search_text`` column built from ``search_terms()`` (and, for the records labels
    name, the derived ``localized_names``: ``cooperation.localized_names``)."""

    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)

    labelled = True  # whether Label rows name this model (a Source is cited by labels, not named by them)

    class Meta:
        abstract = True

    def search_terms(self) -> list[str]:
        terms = [getattr(self, name, "") for name in self.search_fields]
        if self.labelled:
            terms += [label.text for label in self.labels.all()]
        return terms

    def refresh_search_text(self) -> None:
        """Recompute and store ``search_text`` without touching ``last_updated``."""
        self.search_text = search_text_for(self.search_terms())
        type(self)._default_manager.filter(pk=self.pk).update(search_text=self.search_text)


def refresh_search_text_of(model: type[models.Model], pks) -> None:
    """Recompute the stored search text of ``model``'s records with these ids.

    Keyed by id, never by an instance's relation, so a caller inside a cascading
    delete cannot read a record that is already gone: ids that no longer exist are
    simply skipped, whatever order the cascade deletes in.
    """
    if not issubclass(model, SearchableModel):
        return
    records = model._default_manager.filter(pk__in=list(pks))
    if model.labelled:
        records = records.prefetch_related("labels")
    for record in records:
        record.refresh_search_text()
