"""Receivers that keep derived columns right, including on ``loaddata`` (raw saves)."""

from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from cooperation.models.base import RegistryModel


@receiver(pre_save)
def sync_derived_columns(sender, instance, raw=False, **kwargs) -> None:
    """Derive ``*_end`` columns; on raw saves (``loaddata``) also fill the timestamps."""
    if not isinstance(instance, RegistryModel):
        return
    instance.sync_partial_dates()
    if raw:
        now = timezone.now()
        if instance.created is None:
            existing = sender._default_manager.filter(pk=instance.pk).values_list("created", flat=True).first()
            instance.created = existing or now
        instance.last_updated = now
