"""App configuration for the cooperation domain."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = _("Space cooperation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cooperation import signals  # noqa: F401  (connects receivers)
        from cooperation.roles import sync_roles

        # Models added later get their permissions into the roles too.
        post_migrate.connect(lambda **kwargs: sync_roles(), sender=self, dispatch_uid="sync_roles")
