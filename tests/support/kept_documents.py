"""Forgetting what ``api.sql.document_cache`` keeps: documents and answers, in this process and in Redis."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches

from api.sql import document_cache


def clear_kept() -> None:
    """Nothing kept: this process's memory and the shared cache (when there is one) emptied."""
    document_cache.forget()
    if document_cache.CACHE in settings.CACHES:
        caches[document_cache.CACHE].clear()
