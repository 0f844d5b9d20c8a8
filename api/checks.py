"""System checks of the API's deployment (run by ``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def rate_limits_are_shared(app_configs=None, **kwargs) -> list[Warning]:
    """With DEBUG off, a per-process cache makes each worker count rate limits alone."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) is per process: each server worker counts "
            "API rate limits on its own, so N workers allow N times the configured rates.",
            hint="Set REDIS_URL (e.g. redis://redis:6379/0) so that every worker shares the counts.",
            id="api.W001",
        )
    ]
