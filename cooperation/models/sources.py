"""Sources: the documents every fact in the registry comes from."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cooperation.models.base import Language, SluggedModel
from cooperation.partial_dates import partial_date_constraints, partial_date_fields
from cooperation.search_text import SearchableModel


class Source(SearchableModel, SluggedModel):
    """A document (article, press release, official text) that facts are cited from."""

    search_fields = ("title", "publisher", "author", "slug")
    labelled = False

    class Kind(models.TextChoices):
        NEWS = "news", _("news article")
        PRESS_RELEASE = "press_release", _("press release")
        OFFICIAL_TEXT = "official_text", _("official text")
        ANALYSIS = "analysis", _("analysis or commentary")
        REFERENCE = "reference", _("reference (knowledge from outside the documents)")

    class Tier(models.TextChoices):
        FIRST_PARTY = "first_party", _("first-party official")
        SECOND_PARTY = "second_party", _("second-party press")
        COMMENTARY = "commentary", _("commentary")
        CURATOR = "curator", _("curator knowledge, outside the documents")

    title = models.CharField(_("title"), max_length=300, db_index=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True, db_index=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    published_on, published_on_precision, published_on_end = partial_date_fields(_("published on"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, db_index=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.EN)
    document = models.CharField(
        _("document"), max_length=200, blank=True, help_text=_("File name of the archived copy, e.g. in shared/seeds/.")
    )
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("Provenance notes: reprints, inferred dates, caveats.")
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [*partial_date_constraints("published_on")]

    display_fields = ("publisher", "title", "published_on", "published_on_precision")  # what __str__ reads

    def __str__(self) -> str:
        date = self.get_partial_date("published_on")
        return f"{self.publisher or 'unknown publisher'}: {self.title}" + (f" ({date})" if date else "")
