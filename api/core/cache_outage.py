"""When the shared cache (Redis) fails, stop asking it for a while: an outage costs a request nothing.

Used by the rate-limit counts (``api.core.throttle_counts``) and the kept documents
(``api.sql.document_cache``): each keeps its own ``Outage``, per process.
"""

from __future__ import annotations

import logging
import threading
import time

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis-py is in requirements.txt
    RedisError = OSError

CACHE_ERRORS = (RedisError, OSError)
RETRY_AFTER_FAILURE_S = 5.0


class Outage:
    """Whether the cache failed lately (per process): then it is not tried until ``until``.

    ``failing`` and ``recovered`` are the warnings ``logger`` logs when it fails (formatted with
    the error's type, the error and the retry period) and when it answers again.
    """

    def __init__(self, failing: str, recovered: str, logger: logging.Logger) -> None:
        self.until = 0.0
        self.failing = False
        self.lock = threading.Lock()
        self.messages = (failing, recovered)
        self.logger = logger

    def skipping(self) -> bool:
        return time.monotonic() < self.until

    def failed(self, exc: Exception) -> None:
        with self.lock:
            if not self.skipping():
                self.logger.warning(self.messages[0], type(exc).__name__, exc, RETRY_AFTER_FAILURE_S)
            self.until = time.monotonic() + RETRY_AFTER_FAILURE_S
            self.failing = True

    def succeeded(self) -> None:
        if self.failing:
            with self.lock:
                if self.failing:
                    self.failing = False
                    self.logger.warning(self.messages[1])
