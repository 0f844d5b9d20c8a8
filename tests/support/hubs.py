"""Hub tests' markers and constants: both database aliases, PostgreSQL-only tests, a caught-up position."""

from __future__ import annotations

import pytest
from django.db import connection

from config.hubs import REPLICA

CAUGHT_UP = 2**62  # a replayed position past anything the primary has written
both_databases = pytest.mark.django_db(databases=["default", REPLICA])
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="WAL positions are PostgreSQL's")
