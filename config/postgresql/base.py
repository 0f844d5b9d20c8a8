"""Django's PostgreSQL backend; a connection that answered a moment ago is not health-checked again.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before each request's first query, so a
persistent connection the server dropped (a restart, say) is replaced instead of failing the request.
That is one round trip more than a detail's one statement, about a quarter of its time. As
PgBouncer's ``server_check_delay`` does, the check is skipped while the connection's previous
request ended without a database error less than ``settings.DB_HEALTH_CHECK_DELAY`` seconds ago
(the environment's ``DB_HEALTH_CHECK_DELAY``, default 0.25; 0 checks before every request, as Django does). So the
check is skipped only under sustained traffic, where it costs. A server restarted within that
quarter second would cost one request a 503 (``api.core.errors``), and the connection is then replaced
as before; the quickest restart ``bench/outage`` measures (an idle cluster: stop 0.12 s, start 0.18 s)
takes longer.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    answered_at: float | None = None  # when the last request that used the connection ended without errors

    def close_if_unusable_or_obsolete(self):
        # Called as each request starts and ends: the connection answered the request that ends if
        # its health was settled in it (checked, or skipped below) and no statement failed since.
        answered = self.connection is not None and self.health_check_done and not self.errors_occurred
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self.answered_at = None
        elif answered:
            self.answered_at = time.monotonic()

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and not self.health_check_done
            and self.answered_at is not None
            and time.monotonic() - self.answered_at < settings.DB_HEALTH_CHECK_DELAY
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
