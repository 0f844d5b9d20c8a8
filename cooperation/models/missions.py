"""Missions, their participants, and milestones recorded as dated claims."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cooperation.models.base import RegistryModel, SluggedModel, TreeNode
from cooperation.models.organizations import Organization, check_range, range_not_reversed
from cooperation.models.sources import Source
from cooperation.partial_dates import Precision, partial_date_constraints, partial_date_fields, timeline_index
from cooperation.search_text import SearchableModel


class Mission(TreeNode, SearchableModel, SluggedModel):
    """A spacecraft, crewed flight, station, facility or program."""

    search_fields = ("name", "slug")

    class Kind(models.TextChoices):
        ORBITER = "orbiter", _("orbiter")
        LANDER = "lander", _("lander")
        ROVER = "rover", _("rover")
        CREWED_FLIGHT = "crewed_flight", _("crewed flight")
        UNCREWED_TEST_FLIGHT = "uncrewed_test_flight", _("uncrewed test flight")
        STATION = "station", _("space station")
        RELAY_SATELLITE = "relay_satellite", _("relay satellite")
        RESEARCH_STATION = "research_station", _("research station")
        BASE = "base", _("surface base")
        NAVIGATION_SYSTEM = "navigation_system", _("navigation satellite system")
        GROUND_FACILITY = "ground_facility", _("ground facility")
        PROGRAM = "program", _("program")

    class Target(models.TextChoices):
        MOON = "moon", _("the Moon")
        LUNAR_ORBIT = "lunar_orbit", _("lunar orbit")
        MARS = "mars", _("Mars")
        EARTH_ORBIT = "earth_orbit", _("Earth orbit")
        DEEP_SPACE = "deep_space", _("deep space")
        EARTH = "earth", _("Earth (ground)")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        PLANNED = "planned", _("planned")
        ACTIVE = "active", pgettext_lazy("mission status", "active")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed")

    name = models.CharField(pgettext_lazy("mission", "name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    target = models.CharField(_("target"), max_length=20, choices=Target.choices, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
        help_text=_("The program this mission belongs to."),
    )
    wikidata_id = models.CharField(_("wikidata id"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    participants = models.ManyToManyField(
        Organization, through="MissionParticipant", related_name="missions", verbose_name=_("participants")
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="%(app_label)s_%(class)s_not_own_parent"),
        ]

    display_fields = ("name",)  # what __str__ reads

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.clean_parent()

    def current_milestones(self) -> list[Milestone]:
        """The current claim for each milestone kind (see ``current_claims``)."""
        return list(current_claims(self.milestones.all()).values())


class MissionParticipant(RegistryModel):
    """An organization taking part in a mission, with its role and dates."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        PARTNER = "partner", _("partner")
        PROVIDER = "provider", _("provider")
        LAUNCH_PROVIDER = "launch_provider", _("launch provider")
        CONTRIBUTOR = "contributor", _("contributor")

    natural_key_fields = ("mission__slug", "organization__slug", "role")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="participant_links", verbose_name=_("mission")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="mission_links", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, db_index=True)
    joined_on, joined_on_precision, joined_on_end = partial_date_fields(_("joined on"))
    left_on, left_on_precision, left_on_end = partial_date_fields(_("left on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["mission", "role", "organization__name", "id"]
        verbose_name = _("mission participant")
        verbose_name_plural = _("mission participants")
        constraints = [
            *partial_date_constraints("joined_on"),
            *partial_date_constraints("left_on"),
            range_not_reversed("joined_on", "left_on", "left_not_before_joined"),
            models.UniqueConstraint(fields=["mission", "organization", "role"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name_of('organization')} ({self.get_role_display()}) in {self.name_of('mission')}"

    def clean(self) -> None:
        super().clean()
        check_range(self, "joined_on", "left_on")


class Milestone(RegistryModel):
    """One source's claim that a mission event is planned for, or happened on, a date.

    Claims are never overwritten: a later report adds a claim, and which one is
    current is derived (``claim_statuses``).
    """

    class Kind(models.TextChoices):
        LAUNCH = "launch", _("launch")
        LANDING = "landing", _("landing")
        FLYBY = "flyby", _("flyby")
        FIRST_MODULE = "first_module", _("first module")
        CONSTRUCTION = "construction", _("construction")
        START_OF_OPERATIONS = "start_of_operations", _("start of operations")
        PROGRAM_START = "program_start", _("start of program")
        CANCELLATION = "cancellation", _("cancellation")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ACHIEVED = "achieved", _("achieved")

    class ClaimStatus(models.TextChoices):
        """Derived, never stored: where a claim stands among its siblings."""

        PLANNED = "planned", _("planned (current)")
        ACHIEVED = "achieved", _("achieved")
        SUPERSEDED = "superseded", _("superseded by a later claim")

    natural_key_fields = ("mission__slug", "kind", "status", "source__slug")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("mission"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, db_index=True)
    date, date_precision, date_end = partial_date_fields(_("date"), _("The date claimed (first day it covers)."))
    window_end, window_end_precision, window_end_end = partial_date_fields(
        _("window end"), _("For a window such as 'between 2024 and 2026': its last period.")
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="milestone_claims", verbose_name=_("source")
    )
    stated_on, stated_on_precision, stated_on_end = partial_date_fields(
        _("stated on"), _("When the source made the claim; defaults to its publication date.")
    )
    locator = models.CharField(
        _("locator"), max_length=200, blank=True, help_text=_("Where in the source, e.g. 'paragraph 4'.")
    )
    quote = models.TextField(_("quote"), blank=True, help_text=_("The words of the source that make the claim."))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["mission", "kind", "stated_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [
            timeline_index("date", "milestone_date_timeline"),
            models.Index(fields=["mission", "kind", "status"], name="milestone_group"),
        ]
        constraints = [
            *partial_date_constraints("date"),
            *partial_date_constraints("window_end"),
            *partial_date_constraints("stated_on"),
            models.CheckConstraint(condition=Q(date__isnull=False), name="%(app_label)s_%(class)s_date_required"),
            range_not_reversed("date", "window_end", "window_not_reversed"),
            models.UniqueConstraint(
                fields=["mission", "kind", "status", "source"], name="%(app_label)s_%(class)s_one_claim_per_source"
            ),
        ]

    def __str__(self) -> str:
        source = self.related("source")
        cited = source.slug if source else self.name_of("source")
        return f"{self.name_of('mission')} {self.get_kind_display()} {self.status} {self.date_display} (per {cited})"

    @property
    def date_display(self) -> str:
        date, until = self.get_partial_date("date"), self.get_partial_date("window_end")
        if date is None:
            return "?"
        return f"{date}/{until}" if until else str(date)

    def save(self, *args, **kwargs) -> None:
        self.default_stated_on()
        super().save(*args, **kwargs)

    def default_stated_on(self) -> None:
        """A claim is stated when its source was published, unless told otherwise."""
        if self.stated_on is None and self.source_id is not None and self.source.published_on is not None:
            self.set_partial_date("stated_on", self.source.get_partial_date("published_on"))

    def clean(self) -> None:
        if self.date is None and not self.date_precision:
            raise ValidationError({"date": gettext("A milestone claim needs a date.")})
        self.default_stated_on()
        super().clean()
        check_range(self, "date", "window_end")

    def sort_key(self) -> tuple:
        """Precedence among sibling claims: the later statement wins.

        A statement dated only to a month or year counts from the first day of
        that period, so "2021-06-15" outranks "2021"; undated statements rank first.
        """
        stated = self.get_partial_date("stated_on")
        return (stated.start if stated else dt.date.min, self.pk or 0)


PRECISION_RANK = {Precision.YEAR: 1, Precision.MONTH: 2, Precision.DAY: 3}


def _group(claims: Iterable[Milestone]) -> dict[tuple[int, str], list[Milestone]]:
    groups: dict[tuple[int, str], list[Milestone]] = {}
    for claim in claims:
        groups.setdefault((claim.mission_id, claim.kind), []).append(claim)
    return groups


def current_claims(claims: Iterable[Milestone]) -> dict[tuple[int, str], Milestone]:
    """The one current claim per (mission, kind).

    An achieved claim wins over planned ones; among achieved claims the most
    precise date wins (then the latest stated). Among planned claims the one
    stated latest wins.
    """
    current = {}
    for key, siblings in _group(claims).items():
        achieved = [c for c in siblings if c.status == Milestone.Status.ACHIEVED]
        if achieved:
            current[key] = max(achieved, key=lambda c: (PRECISION_RANK[c.date_precision], *c.sort_key()))
        else:
            current[key] = max(siblings, key=Milestone.sort_key)
    return current


def claim_statuses(claims: Iterable[Milestone]) -> dict[int, str]:
    """Derive each claim's status among the claims for the same mission and kind.

    Rule: an achieved claim beats every planned claim; among planned claims the
    one stated latest (then the most recently recorded) is current; every other
    planned claim is superseded. Achieved claims are always ``achieved``.
    """
    statuses: dict[int, str] = {}
    for siblings in _group(claims).values():
        achieved = [c for c in siblings if c.status == Milestone.Status.ACHIEVED]
        planned = sorted((c for c in siblings if c.status == Milestone.Status.PLANNED), key=Milestone.sort_key)
        for claim in achieved:
            statuses[claim.pk] = Milestone.ClaimStatus.ACHIEVED
        for claim in planned:
            statuses[claim.pk] = Milestone.ClaimStatus.SUPERSEDED
        if planned and not achieved:
            statuses[planned[-1].pk] = Milestone.ClaimStatus.PLANNED
    return statuses


__all__ = ["Milestone", "Mission", "MissionParticipant", "claim_statuses", "current_claims"]
