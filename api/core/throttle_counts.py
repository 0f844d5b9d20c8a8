"""Rate-limit counts kept in Django's cache: shared by every worker when the cache is Redis.

Each client's requests are counted in fixed windows aligned to the clock (``120/min``:
each whole minute), one atomic increment per request (Redis ``INCR``; the local-memory
cache increments under its lock). Concurrent requests on several workers are never
under-counted, as they are by a read-modify-write list of timestamps (DRF's stock
throttles). The price of fixed windows: a client can spend its allowance at the end of
one window and again at the start of the next.

When the cache cannot be reached (Redis down), requests are served unthrottled and a
warning is logged. The cache is then left alone for ``RETRY_AFTER_FAILURE_S``, so an
outage costs a request nothing at all, and at most one connect timeout per period.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from rest_framework.throttling import SimpleRateThrottle

from api.core.cache_outage import CACHE_ERRORS, RETRY_AFTER_FAILURE_S, Outage

__all__ = ["CACHE_ERRORS", "RETRY_AFTER_FAILURE_S", "Window", "WindowedRateThrottle", "count_request", "outage", "peek"]


@dataclass(frozen=True)
class Window:
    """A client's count in the current window."""

    used: int  # requests counted so far (refused ones included)
    resets_in: float  # seconds until the window ends


outage = Outage(
    "Rate limits are not enforced: the cache is unreachable (%s: %s); retrying in %.0f s.",
    "Rate limits are enforced again: the cache answers.",
    logging.getLogger(__name__),
)


def _window(key: str, duration: int, now: float) -> tuple[str, float]:
    index = math.floor(now / duration)
    return f"{key}:{index}", (index + 1) * duration - now


def count_request(cache, key: str, duration: int, now: float) -> Window | None:
    """Count one request of ``key``'s client; None (not counted) when the cache is unreachable."""
    if outage.skipping():
        return None
    window_key, resets_in = _window(key, duration, now)
    try:
        for _ in range(2):
            cache.add(window_key, 0, timeout=2 * duration)  # the window outlives its end: incr finds it
            try:
                used = cache.incr(window_key)
                break
            except ValueError:  # evicted between add and incr: add it again
                continue
        else:
            return None
    except CACHE_ERRORS as exc:
        outage.failed(exc)
        return None
    outage.succeeded()
    return Window(used, resets_in)


def peek(cache, key: str, duration: int, now: float) -> Window | None:
    """The current window's count without counting; None when the cache is unreachable."""
    if outage.skipping():
        return None
    window_key, resets_in = _window(key, duration, now)
    try:
        used = cache.get(window_key, 0)
    except CACHE_ERRORS as exc:
        outage.failed(exc)
        return None
    outage.succeeded()
    return Window(used, resets_in)


class WindowedRateThrottle(SimpleRateThrottle):
    """A DRF throttle counting in fixed windows (``count_request``); unthrottled while the cache is down."""

    window: Window | None = None

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.window = count_request(self.cache, self.key, self.duration, self.timer())
        return self.window is None or self.window.used <= self.num_requests

    def wait(self) -> float | None:
        """Seconds until the window ends (``Retry-After``)."""
        return self.window.resets_in if self.window is not None else None

    def current_window(self, request, view) -> Window | None:
        """This client's count so far, uncounted; ``Window(0, ...)`` if not throttled, None if unknown."""
        key = self.get_cache_key(request, view) if self.rate is not None else None
        if key is None:
            return Window(0, 0.0)
        return peek(self.cache, key, self.duration, self.timer())
