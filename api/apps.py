"""App configuration for the HTTP API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from api import checks, schema  # noqa: F401  (register the deploy checks and drf-spectacular extensions)
        from api.resources import detail_url
        from cooperation import links

        links.register(detail_url)  # the admin links records to their API URL
