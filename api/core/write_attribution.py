"""API writes are attributed to the token's user in the change history.

``HistoryRequestMiddleware`` hands django-simple-history the Django request, whose
``user`` is what the session middleware found; API clients authenticate with tokens,
later, inside the view. (DRF does copy the authenticated user onto the Django request,
but only once something reads ``request.user``, and only where the middleware is
installed.) So every API write runs with simple-history looking at the DRF request
itself, whose ``user`` is the authenticated one, and cascades (a deleted agreement's
parties and citations) are attributed to the same user.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from simple_history.models import HistoricalRecords

_UNSET = object()


@contextmanager
def attributed_to(request) -> Iterator[None]:
    """Record changes made in this block as made by ``request.user``."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", _UNSET)
    context.request = request
    try:
        yield
    finally:
        if previous is _UNSET:
            with suppress(AttributeError):
                del context.request
        else:
            context.request = previous


class AttributedWritesMixin:
    """Create, update and delete with the history user set to the API user."""

    def perform_create(self, serializer):
        with attributed_to(self.request):
            super().perform_create(serializer)

    def perform_update(self, serializer):
        with attributed_to(self.request):
            super().perform_update(serializer)

    def perform_destroy(self, instance):
        with attributed_to(self.request):
            super().perform_destroy(instance)
