"""Sources: the documents every fact in the registry comes from."""

from django.db import models

from cooperation.models.base import Language, SluggedModel
from cooperation.partial_dates import partial_date_constraints, partial_date_fields
from cooperation.search_text import SearchableModel


class Source(SearchableModel, SluggedModel):
    """A document (article, press release, official text) that facts are cited from."""

    search_fields = ("title", "publisher", "author", "slug")
    labelled = False

    class Kind(models.TextChoices):
        NEWS = "news", "news article"
        PRESS_RELEASE = "press_release", "press release"
        OFFICIAL_TEXT = "official_text", "official text"
        ANALYSIS = "analysis", "analysis or commentary"
        REFERENCE = "reference", "reference (knowledge from outside the documents)"

    class Tier(models.TextChoices):
        FIRST_PARTY = "first_party", "first-party official"
        SECOND_PARTY = "second_party", "second-party press"
        COMMENTARY = "commentary", "commentary"
        CURATOR = "curator", "curator knowledge, outside the documents"

    title = models.CharField(max_length=300, db_index=True)
    publisher = models.CharField(max_length=200, blank=True, db_index=True)
    author = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_on, published_on_precision, published_on_end = partial_date_fields("published on")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, db_index=True)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    document = models.CharField(
        max_length=200, blank=True, help_text="File name of the archived copy, e.g. in shared/seeds/."
    )
    notes = models.TextField(blank=True, help_text="Provenance notes: reprints, inferred dates, caveats.")

    class Meta:
        ordering = ["slug"]
        constraints = [*partial_date_constraints("published_on")]

    display_fields = ("publisher", "title", "published_on", "published_on_precision")  # what __str__ reads

    def __str__(self) -> str:
        date = self.get_partial_date("published_on")
        return f"{self.publisher or 'unknown publisher'}: {self.title}" + (f" ({date})" if date else "")
