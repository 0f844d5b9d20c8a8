"""Provenance: citations of sources, and names (labels, aliases) in several languages.

Both tables point at their subject through an *exclusive arc*: one nullable
foreign key per kind of subject, and a check that exactly one is set. Unlike a
generic foreign key, this keeps referential integrity in the database and lets
fixtures refer to subjects by natural key.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cooperation.models.agreements import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Signatory,
)
from cooperation.models.base import Language, NaturalKeyManager, RegistryModel
from cooperation.models.missions import Mission, MissionParticipant
from cooperation.models.organizations import Organization, Person, PersonRole
from cooperation.models.sources import Source


def exactly_one(fields: list[str], name: str, message: str) -> models.CheckConstraint:
    """A check that exactly one of ``fields`` is not null; ``message`` when it fails."""
    condition = Q()
    for chosen in fields:
        branch = Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                branch &= Q(**{f"{other}__isnull": True})
        condition |= branch
    return models.CheckConstraint(
        condition=condition, name=f"%(app_label)s_%(class)s_{name}", violation_error_message=message
    )


class ArcManager(NaturalKeyManager):
    """Natural keys of the form ``(*own values, subject kind, *subject natural key)``."""

    def get_by_natural_key(self, *values):
        own = len(self.model.arc_key_fields)
        if len(values) < own + 2:
            raise self.model.DoesNotExist(
                f"{self.model.__name__} natural key needs {', '.join(self.model.arc_key_fields)}, "
                f"a subject kind and the subject's natural key; got {list(values)}"
            )
        fields, (kind, *subject_key) = values[:own], values[own:]
        if kind not in self.model.arc_fields:
            raise self.model.DoesNotExist(f"{kind!r} is not something a {self.model.__name__} can point at")
        related = self.model._meta.get_field(kind).related_model
        subject = related._default_manager.get_by_natural_key(*subject_key)
        return self.get(**dict(zip(self.model.arc_key_fields, fields, strict=True)), **{kind: subject})


class ArcModel(RegistryModel):
    """Base for tables whose subject is one of several models (``arc_fields``)."""

    arc_fields: tuple[str, ...] = ()
    arc_key_fields: tuple[str, ...] = ()

    objects = ArcManager()

    class Meta:
        abstract = True

    def _points_at(self, name: str) -> bool:
        """Set by id, or by an object not saved yet (an admin inline under a new parent)."""
        return getattr(self, f"{name}_id") is not None or self._state.fields_cache.get(name) is not None

    @property
    def subject_kind(self) -> str | None:
        return next((name for name in self.arc_fields if self._points_at(name)), None)

    @property
    def subject(self) -> models.Model | None:
        kind = self.subject_kind
        return getattr(self, kind) if kind else None

    @property
    def subject_key(self) -> tuple[type[models.Model], int] | None:
        """The subject as ``(model, id)``, from the arc's id columns.

        Needs no query, and stays known while (or after) the subject is deleted in a cascade.
        """
        kind = self.subject_kind
        return (self._meta.get_field(kind).related_model, getattr(self, f"{kind}_id")) if kind else None

    def natural_key(self) -> tuple:
        own = []
        for path in self.arc_key_fields:
            value = self
            for part in path.split("__"):
                value = getattr(value, part)
            own.append(value)
        subject = self.subject
        return (*own, self.subject_kind, *(subject.natural_key() if subject else ()))

    def clean(self) -> None:
        super().clean()
        chosen = [name for name in self.arc_fields if self._points_at(name)]
        if len(chosen) != 1:
            message = gettext("Point at exactly one subject (%(subjects)s); got %(count)d.")
            raise ValidationError(message % {"subjects": ", ".join(self.arc_fields), "count": len(chosen)})


def _arc(model: type[models.Model], related_name: str, verbose_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        model,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name=related_name,
        verbose_name=verbose_name,
    )


CITATION_SUBJECTS = (
    "organization",
    "person",
    "person_role",
    "agreement",
    "agreement_party",
    "signatory",
    "agreement_relation",
    "agreement_mission",
    "mission",
    "mission_participant",
)
LABEL_SUBJECTS = ("organization", "person", "agreement", "mission")


def subject_constraints(subjects: tuple[str, ...], *unique_with: str) -> list[models.BaseConstraint]:
    """Exactly one subject, and ``unique_with`` unique per subject."""
    return [
        exactly_one(list(subjects), "subject", _("Set exactly one subject.")),
        *(
            models.UniqueConstraint(
                fields=[name, *unique_with],
                condition=Q(**{f"{name}__isnull": False}),
                name=f"%(app_label)s_%(class)s_unique_{name}",
            )
            for name in subjects
        ),
    ]


class Citation(ArcModel):
    """Links a record, or one claim within it (``field``), to the source that states it.

    ``claim`` records the value as this source gives it, so that where sources
    disagree each version is kept with its own source.
    """

    arc_fields = CITATION_SUBJECTS
    arc_key_fields = ("source__slug", "field", "locator")

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source"))
    organization = _arc(Organization, "citations", _("organization"))
    person = _arc(Person, "citations", _("person"))
    person_role = _arc(PersonRole, "citations", _("person role"))
    agreement = _arc(Agreement, "citations", _("agreement"))
    agreement_party = _arc(AgreementParty, "citations", _("agreement party"))
    signatory = _arc(Signatory, "citations", _("signatory"))
    agreement_relation = _arc(AgreementRelation, "citations", _("agreement relation"))
    agreement_mission = _arc(AgreementMission, "citations", _("agreement mission"))
    mission = _arc(Mission, "citations", _("mission"))
    mission_participant = _arc(MissionParticipant, "citations", _("mission participant"))
    field = models.CharField(
        _("field"),
        max_length=60,
        blank=True,
        db_index=True,
        help_text=_("The field this citation supports; blank for the whole record."),
    )
    locator = models.CharField(
        _("locator"), max_length=200, blank=True, db_index=True, help_text=_("Where in the source, e.g. 'paragraph 3'.")
    )
    quote = models.TextField(_("quote"), blank=True, help_text=_("The source's own words."))
    claim = models.CharField(
        _("claim"),
        max_length=300,
        blank=True,
        help_text=_("The value as this source states it, where sources disagree."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = subject_constraints(CITATION_SUBJECTS, "source", "field", "locator")

    def __str__(self) -> str:
        where = f".{self.field}" if self.field else ""
        subject = self.name_of(self.subject_kind) if self.subject_kind else "nothing"
        source = self.related("source")
        cited = source.slug if source else self.name_of("source")
        return f"{subject}{where} cites {cited}" + (f" ({self.locator})" if self.locator else "")

    def clean(self) -> None:
        super().clean()
        subject = self.subject
        if self.field and subject is not None:
            names = {f.name for f in subject._meta.concrete_fields}
            if self.field not in names:
                message = gettext("%(model)s has no field “%(field)s”.")
                raise ValidationError({"field": message % {"model": type(subject).__name__, "field": self.field}})


class Label(ArcModel):
    """A name of an organization, person, agreement or mission in one language.

    The record's name in a language is its label of kind ``official``, ``translation`` or
    ``transliteration`` there (``NAME_KINDS``): the kind says how far the name can be trusted.
    ``official`` is for a name the body itself uses, and only where that is certain (cite a
    first-party source, or the curators' knowledge); a name rendered by the curators or the
    press is a ``translation`` (by meaning) or a ``transliteration`` (by sound, as for people's
    names in another script). ``name`` says nothing of its standing. ``short``, ``alias`` and
    ``former`` are other names the record is known by.
    """

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("official name")
        TRANSLATION = "translation", _("translation")
        NAME = "name", pgettext_lazy("label kind", "name")
        SHORT = "short", _("short name or acronym")
        ALIAS = "alias", _("alias")
        TRANSLITERATION = "transliteration", _("transliteration")
        FORMER = "former", _("former name")

    NAME_KINDS = (Kind.OFFICIAL, Kind.TRANSLATION, Kind.TRANSLITERATION)

    arc_fields = LABEL_SUBJECTS
    arc_key_fields = ("language", "text")

    organization = _arc(Organization, "labels", _("organization"))
    person = _arc(Person, "labels", _("person"))
    agreement = _arc(Agreement, "labels", _("agreement"))
    mission = _arc(Mission, "labels", _("mission"))
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, db_index=True)
    text = models.CharField(_("text"), max_length=400, db_index=True)  # as long as an agreement's title
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.NAME,
        db_index=True,
        help_text=_(
            "Official only where certain; a name rendered by meaning is a translation, by sound a transliteration."
        ),
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="labels", verbose_name=_("source"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["language", "kind", "text", "id"]
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        constraints = subject_constraints(LABEL_SUBJECTS, "language", "text")

    def __str__(self) -> str:
        return f"{self.text} [{self.language}, {self.get_kind_display()}]"


__all__ = ["Citation", "Label", "exactly_one"]
