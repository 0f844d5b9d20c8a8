"""Abstract bases shared by every model: timestamps and natural keys."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cooperation.partial_dates import PartialDateModel

HISTORY_APP = "history"  # the app label of every historical model (see cooperation.history)


class NaturalKeyManager(models.Manager):
    """Looks records up by the model's ``natural_key_fields`` (used by ``loaddata``)."""

    def get_by_natural_key(self, *values):
        fields = self.model.natural_key_fields
        if len(values) != len(fields):
            raise self.model.DoesNotExist(
                f"{self.model.__name__} natural key needs {len(fields)} values "
                f"({', '.join(fields)}), got {list(values)}"
            )
        return self.get(**dict(zip(fields, values, strict=True)))


class RegistryHistory(HistoricalRecords):
    """Change history for every concrete registry model, kept in the ``history`` app.

    Declared once on ``RegistryModel`` (``inherit=True``), so a model added later is
    tracked without anyone remembering to. ``search_text`` and ``localized_names`` are
    derived, so they are not recorded; the exclusion is narrowed per model, because simple-history looks
    excluded fields up on the model when it rebuilds an instance from history.
    """

    def copy_fields(self, model):
        """Qualify foreign keys still given as a bare model name (``"Mission"``) with their app.

        A not yet resolved reference would otherwise be resolved in the ``history`` app.
        """
        fields = super().copy_fields(model)
        for field in fields.values():
            target = field.remote_field.model if field.is_relation else None
            if isinstance(target, str) and "." not in target:
                field.remote_field.model = f"{model._meta.app_label}.{target}"
        return fields

    def get_meta_options(self, model):
        """``historical agreement`` and so on, translatable (simple-history's own is not)."""
        options = super().get_meta_options(model)
        options["verbose_name"] = format_lazy(_("historical {name}"), name=model._meta.verbose_name)
        options["verbose_name_plural"] = format_lazy(_("historical {name}"), name=model._meta.verbose_name_plural)
        return options

    def create_history_model(self, model, inherited):
        history_model = super().create_history_model(model, inherited)
        names = {f.name for f in model._meta.fields}
        history_model._history_excluded_fields = [name for name in self.excluded_fields if name in names]
        return history_model


class RegistryModel(PartialDateModel):
    """Base of every registry table: ``created``/``last_updated``, a natural key and a history.

    ``natural_key_fields`` are lookup paths such as ``("agreement__slug", "role")``;
    fixtures refer to records through them instead of bare integer ids.

    ``history`` records every create, update and delete (``HistoricalAgreement`` and so
    on, in the ``history`` app), with the user and time; raw saves (``loaddata``) are not
    recorded.
    """

    natural_key_fields: tuple[str, ...] = ("slug",)

    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True, db_index=True)

    objects = NaturalKeyManager()
    history = RegistryHistory(inherit=True, app=HISTORY_APP, excluded_fields=["search_text", "localized_names"])

    class Meta:
        abstract = True

    def natural_key(self) -> tuple:
        values = []
        for path in self.natural_key_fields:
            value = self
            for part in path.split("__"):
                value = getattr(value, part) if value is not None else None
            values.append(value)
        return tuple(values)

    def related(self, name: str) -> models.Model | None:
        """The record foreign key ``name`` points at, even once that record is deleted.

        Live while it exists; after that, as its history last recorded it. A record is
        named while a cascade deletes what it points at (in no guaranteed order), and on
        the admin's history page long after. None when the key is unset or never recorded.
        """
        try:
            return getattr(self, name)
        except ObjectDoesNotExist:
            field = self._meta.get_field(name)
            return recorded_instance(field.related_model, getattr(self, field.attname))

    def name_of(self, name: str) -> str:
        """The record foreign key ``name`` points at, as text (see ``related``)."""
        target = self.related(name)
        if target is not None:
            return str(target)
        field = self._meta.get_field(name)
        return f"{field.related_model._meta.verbose_name} #{getattr(self, field.attname)}"

    def full_clean_and_save(self) -> None:
        """Validate with the same rules as the admin and the API, then save."""
        self.full_clean()
        self.save()


def recorded_instance(model: type[models.Model], pk) -> models.Model | None:
    """The record of ``model`` with id ``pk`` as its latest historical record has it (None if none)."""
    history = getattr(model, "history", None)
    if pk is None or history is None:
        return None
    record = history.filter(**{model._meta.pk.attname: pk}).order_by("-history_id").first()
    return record.instance if record is not None else None


class SluggedModel(RegistryModel):
    """A registry record with a stable, human-readable, unique slug."""

    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("Stable, human-readable identifier, e.g. roscosmos or luna-26."),
    )

    class Meta:
        abstract = True


class TreeNode(models.Model):
    """Mixin for models with a ``parent`` foreign key to themselves: ancestors and cycle checks."""

    class Meta:
        abstract = True

    def ancestors(self) -> list:
        """Parents, nearest first (stops at a cycle rather than looping)."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def clean_parent(self) -> None:
        node, seen = self.parent, set()
        while node is not None:
            if (self.pk is not None and node.pk == self.pk) or node.pk in seen:
                raise ValidationError({"parent": gettext("%(record)s cannot be its own ancestor.") % {"record": self}})
            seen.add(node.pk)
            node = node.parent


class Language(models.TextChoices):
    EN = "en", _("English")
    RU = "ru", _("Russian")
    ZH = "zh", _("Chinese")
    JA = "ja", _("Japanese")
