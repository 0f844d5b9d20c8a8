"""Organizations, people, and the dated roles people hold at organizations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from cooperation.models.base import RegistryModel, SluggedModel, TreeNode
from cooperation.partial_dates import partial_date_constraints, partial_date_fields
from cooperation.search import SearchableModel


def range_not_reversed(start: str, end: str, name: str) -> models.CheckConstraint:
    """Check that partial date ``end`` does not lie wholly before partial date ``start``."""
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True}) | Q(**{f"{end}__isnull": True}) | Q(**{f"{end}_end__gte": F(start)}),
        name=f"%(app_label)s_%(class)s_{name}",
        violation_error_message=f"{end} cannot be before {start}.",
    )


def check_range(instance: models.Model, start: str, end: str) -> None:
    """The Python twin of ``range_not_reversed``, raised on the end field."""
    first, last = instance.get_partial_date(start), instance.get_partial_date(end)
    if first and last and last.end < first.start:
        raise ValidationError({end: f"{end} ({last}) cannot be before {start} ({first})."})


class Organization(TreeNode, SearchableModel, SluggedModel):
    """A space agency, government, state corporation, company, forum or alliance."""

    search_fields = ("name", "short_name", "slug")

    class Kind(models.TextChoices):
        SPACE_AGENCY = "space_agency", "space agency"
        GOVERNMENT = "government", "government"
        STATE_CORPORATION = "state_corporation", "state corporation"
        COMPANY = "company", "company"
        INTERNATIONAL_ORGANIZATION = "international_organization", "international organization"
        ALLIANCE = "alliance", "alliance"
        FORUM = "forum", "forum"
        RESEARCH_INSTITUTE = "research_institute", "research institute"

    name = models.CharField(max_length=200, db_index=True)
    short_name = models.CharField(max_length=50, blank=True, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, db_index=True)
    countries = CountryField(multiple=True, blank=True, help_text="ISO 3166-1 alpha-2 codes.")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The body this organization is part of or answers to.",
    )
    founded_on, founded_on_precision, founded_on_end = partial_date_fields("founded on")
    website = models.URLField(blank=True)
    wikidata_id = models.CharField(max_length=20, blank=True, help_text="e.g. Q1783, for cross-referencing.")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            *partial_date_constraints("founded_on"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="%(app_label)s_%(class)s_not_own_parent"),
        ]

    display_fields = ("name", "short_name")  # what __str__ reads

    def __str__(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name and self.short_name != self.name else self.name

    def clean(self) -> None:
        super().clean()
        self.clean_parent()


class Person(SearchableModel, SluggedModel):
    """A person who signs, leads or speaks for an organization."""

    search_fields = ("name", "slug")

    name = models.CharField(max_length=200, db_index=True, help_text="Name in English, given name first.")
    wikidata_id = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "persons"

    display_fields = ("name",)  # what __str__ reads

    def __str__(self) -> str:
        return self.name


class PersonRole(RegistryModel):
    """A dated position held by a person at an organization."""

    natural_key_fields = ("person__slug", "organization__slug", "title")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roles")
    title = models.CharField(max_length=200, db_index=True)
    started_on, started_on_precision, started_on_end = partial_date_fields("started on")
    ended_on, ended_on_precision, ended_on_end = partial_date_fields("ended on")

    class Meta:
        ordering = ["person__name", "started_on", "id"]
        constraints = [
            *partial_date_constraints("started_on"),
            *partial_date_constraints("ended_on"),
            range_not_reversed("started_on", "ended_on", "ended_not_before_started"),
            models.UniqueConstraint(fields=["person", "organization", "title"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        organization = self.related("organization")
        employer = (organization.short_name or organization.name) if organization else self.name_of("organization")
        return f"{self.name_of('person')}: {self.title}, {employer}"

    def clean(self) -> None:
        super().clean()
        check_range(self, "started_on", "ended_on")
