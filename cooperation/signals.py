"""Receivers that keep derived columns right, including on ``loaddata`` (raw saves)."""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from cooperation.partial_dates import PartialDateModel


@receiver(pre_save)
def sync_partial_date_ranges(sender, instance, raw=False, **kwargs) -> None:
    """Derive every ``*_end`` column before a save; ``loaddata`` bypasses ``Model.save``."""
    if isinstance(instance, PartialDateModel):
        instance.sync_partial_dates()
