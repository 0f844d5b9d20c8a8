"""Organizations, people, and the dated roles people hold at organizations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cooperation.models.base import RegistryModel, SluggedModel, TreeNode
from cooperation.partial_dates import partial_date_constraints, partial_date_fields, timeline_index
from cooperation.search_text import SearchableModel


def range_not_reversed(start: str, end: str, name: str) -> models.CheckConstraint:
    """Check that partial date ``end`` does not lie wholly before partial date ``start``."""
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True}) | Q(**{f"{end}__isnull": True}) | Q(**{f"{end}_end__gte": F(start)}),
        name=f"%(app_label)s_%(class)s_{name}",
        violation_error_message=format_lazy(_("{end} cannot be before {start}."), end=end, start=start),
    )


def check_range(instance: models.Model, start: str, end: str) -> None:
    """The Python twin of ``range_not_reversed``, raised on the end field."""
    first, last = instance.get_partial_date(start), instance.get_partial_date(end)
    if first and last and last.end < first.start:
        message = gettext("%(end)s (%(last)s) cannot be before %(start)s (%(first)s).")
        raise ValidationError({end: message % {"end": end, "last": last, "start": start, "first": first}})


class Organization(TreeNode, SearchableModel, SluggedModel):
    """A space agency, government, state corporation, company, forum or alliance."""

    search_fields = ("name", "short_name", "slug")

    class Kind(models.TextChoices):
        SPACE_AGENCY = "space_agency", _("space agency")
        GOVERNMENT = "government", _("government")
        STATE_CORPORATION = "state_corporation", _("state corporation")
        COMPANY = "company", _("company")
        INTERNATIONAL_ORGANIZATION = "international_organization", _("international organization")
        ALLIANCE = "alliance", _("alliance")
        FORUM = "forum", _("forum")
        RESEARCH_INSTITUTE = "research_institute", _("research institute")

    name = models.CharField(pgettext_lazy("organization", "name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    countries = CountryField(_("countries"), multiple=True, blank=True, help_text=_("ISO 3166-1 alpha-2 codes."))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
        help_text=_("The body this organization is part of or answers to."),
    )
    founded_on, founded_on_precision, founded_on_end = partial_date_fields(_("founded on"))
    website = models.URLField(_("website"), blank=True)
    wikidata_id = models.CharField(
        _("wikidata id"), max_length=20, blank=True, help_text=_("e.g. Q1783, for cross-referencing.")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
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

    name = models.CharField(
        pgettext_lazy("person", "name"),
        max_length=200,
        db_index=True,
        help_text=_("Name in English, given name first."),
    )
    wikidata_id = models.CharField(_("wikidata id"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    display_fields = ("name",)  # what __str__ reads

    def __str__(self) -> str:
        return self.name


class PersonRole(RegistryModel):
    """A dated position held by a person at an organization."""

    natural_key_fields = ("person__slug", "organization__slug", "title")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="roles", verbose_name=_("organization")
    )
    title = models.CharField(pgettext_lazy("job title", "title"), max_length=200, db_index=True)
    started_on, started_on_precision, started_on_end = partial_date_fields(_("started on"))
    ended_on, ended_on_precision, ended_on_end = partial_date_fields(_("ended on"))

    class Meta:
        ordering = ["person__name", "started_on", "id"]
        verbose_name = _("person role")
        verbose_name_plural = _("person roles")
        indexes = [
            timeline_index("started_on", "role_started_timeline"),
            timeline_index("ended_on", "role_ended_timeline"),
        ]
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
