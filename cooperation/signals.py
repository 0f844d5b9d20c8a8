"""Receivers that keep derived columns right, including on ``loaddata`` (raw saves)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from cooperation.localization import refresh_localized_names_of
from cooperation.models import Label
from cooperation.models.base import RegistryModel
from cooperation.search_text import SearchableModel, refresh_search_text_of


@receiver(pre_save)
def sync_derived_columns(sender, instance, raw=False, **kwargs) -> None:
    """Derive ``*_end`` columns; on raw saves (``loaddata``) also fill the timestamps a fixture lacks.

    Timestamps a fixture carries (a backup from ``manage.py export``) are kept.
    """
    if not isinstance(instance, RegistryModel):
        return
    instance.sync_partial_dates()
    if raw:
        now = timezone.now()
        if instance.created is None:
            existing = sender._default_manager.filter(pk=instance.pk).values_list("created", flat=True).first()
            instance.created = existing or now
        if instance.last_updated is None:
            instance.last_updated = now


@receiver(post_save)
def refresh_own_search_text(sender, instance, **kwargs) -> None:
    if isinstance(instance, SearchableModel):
        instance.refresh_search_text()


@receiver(pre_save, sender=Label)
def remember_previous_subject(sender, instance, raw=False, **kwargs) -> None:
    """A label moved to another subject must leave the old subject's search text too."""
    previous = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._previous_subject_key = previous.subject_key if previous is not None else None


@receiver(post_save, sender=Label)
@receiver(post_delete, sender=Label)
def refresh_subject_search_text(sender, instance, origin=None, **kwargs) -> None:
    """A label is part of its subject's search text, and may be one of its localized names.

    The subject is refreshed by ``(model, id)``, never through ``label.person`` and the like:
    a cascade deletes in no guaranteed order (a person may go before its labels), so the
    subject may already be gone; then there is nothing to refresh. The record whose
    deletion started the cascade (``origin``) is skipped outright: it is going too.
    """
    keys = {instance.subject_key, getattr(instance, "_previous_subject_key", None)} - {None}
    for model, pk in keys:
        if isinstance(origin, model) and origin.pk == pk:
            continue
        refresh_search_text_of(model, [pk])
        refresh_localized_names_of(model, [pk])
