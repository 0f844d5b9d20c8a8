"""App configuration for the HTTP API."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from api import checks  # noqa: F401  (registers the deploy checks)
        from api.core.resource_urls import detail_url
        from api.schema import extensions  # noqa: F401  (registers drf-spectacular extensions)
        from cooperation import links

        links.register(detail_url)  # the admin links records to their API URL
