"""App configuration for the change history."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    name = "cooperation.history"
    label = "history"
    verbose_name = _("Change history")

    def ready(self) -> None:
        from cooperation.history import recording  # noqa: F401  (connects the change-log receiver)
