"""App configuration for the change history."""

from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "cooperation.history"
    label = "history"
    verbose_name = "Change history"

    def ready(self) -> None:
        from cooperation.history import recording  # noqa: F401  (connects the change-log receiver)
