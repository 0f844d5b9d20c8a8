"""App configuration for the cooperation domain."""

from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = "Space cooperation"

    def ready(self) -> None:
        from cooperation import signals  # noqa: F401  (connects receivers)
