"""Where a record can be seen publicly.

The domain does not know URLs: the HTTP layer registers a resolver at start-up
(``api.apps``), and the admin asks here, so ``cooperation`` never imports ``api``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models

_resolver: Callable[[models.Model], str | None] | None = None


def register(resolver: Callable[[models.Model], str | None]) -> None:
    global _resolver
    _resolver = resolver


def public_url(obj: models.Model) -> str | None:
    """The record's public URL, or None when no public face is installed or the record is unsaved."""
    if _resolver is None or obj.pk is None:
        return None
    return _resolver(obj)
