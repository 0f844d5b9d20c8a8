"""A stand-in replica for the hub tests, and control over what it reports.

``stand_in_replica`` (module scope: it must exist before the test's database setup) adds
a ``replica`` database alias that is a TEST MIRROR of ``default``: a second connection to
the same test database. Inside a test's transaction (the ``db`` fixture) it does not see
the test's uncommitted rows, which makes it a replica that has not replayed them yet: a
read it serves misses them, a read the primary serves finds them.

What the replica reports about its replay (``ReplicaState``) is faked by ``replica_at``;
PostgreSQL tests can also let the mirror answer for itself (a server that is not a
standby counts as caught up). On SQLite, whose databases have no WAL position, the
primary's position after a write is faked too (``positions``).
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection, connections

from config.hubs import REPLICA, replica
from config.hubs import health as hub_health
from config.hubs.positions import ReplicaState
from tests.support.hubs import CAUGHT_UP
from tests.support.roles import make_role_user
from tests.support.schema_checked_client import SchemaCheckedClient


@pytest.fixture(scope="module")
def stand_in_replica(django_db_setup):
    primary = connections["default"].settings_dict
    settings.DATABASES[REPLICA] = {
        **primary,
        "OPTIONS": dict(primary.get("OPTIONS", {})),
        "ATOMIC_REQUESTS": False,
        "TEST": {**primary.get("TEST", {}), "MIRROR": "default"},
    }
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    del settings.DATABASES[REPLICA]


@pytest.fixture(autouse=True)
def _fresh_state():
    """No throttle counts or suspended databases carried over from another test."""
    cache.clear()
    replica._suspended_until.clear()
    yield
    replica._suspended_until.clear()


@pytest.fixture
def quick_wait(settings):
    settings.REPLICA_WAIT_MS = 40
    return settings


@dataclass
class FakeReplica:
    """What the replica reports; ``looks`` counts how often it was asked."""

    replayed: int = 0
    lag_s: float = 0.0
    down: bool = False
    catch_up_after: int | None = None  # looks after which it has replayed everything
    looks: int = 0

    def __call__(self, alias):
        self.looks += 1
        if self.down:
            raise OperationalError("connection to server failed: Connection refused")
        if self.catch_up_after is not None and self.looks > self.catch_up_after:
            self.replayed = CAUGHT_UP
        received = self.replayed + (1 if self.lag_s else 0)
        return ReplicaState(standby=True, replayed=self.replayed, received=received, replay_age_s=self.lag_s)


@pytest.fixture
def replica_at(monkeypatch, stand_in_replica):
    """``replica_at(replayed=..., lag_s=..., down=...)``: the replica reports that from now on.

    (The hub forgets that an earlier one was down: the new one is tried at once.)
    """

    def report(**state) -> FakeReplica:
        fake = FakeReplica(**state)
        monkeypatch.setattr(replica, "replica_state", fake)
        monkeypatch.setattr(hub_health, "replica_state", fake)
        replica._suspended_until.clear()
        return fake

    return report


@pytest.fixture
def primary_down(monkeypatch):
    """``with primary_down():`` the primary refuses connections (the replica, a connection of its own, does not)."""

    @contextmanager
    def down():
        def refuse():
            raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

        primary = connections["default"]
        with monkeypatch.context() as patch:
            patch.setattr(primary, "ensure_connection", refuse)
            # As in a server process: no connection, and no transaction open (the test's is restored on exit).
            patch.setattr(primary, "connection", None)
            patch.setattr(primary, "in_atomic_block", False)
            yield

    return down


class Positions:
    """The primary's WAL position: real on PostgreSQL, a counter on SQLite."""

    def __init__(self, monkeypatch):
        self.fake = connection.vendor != "postgresql"
        if self.fake:
            self.counter = itertools.count(1000, 100)
            self.last = 0
            monkeypatch.setattr("config.hubs.middleware.primary_position", self._next)

    def _next(self, alias):
        self.last = next(self.counter)
        return self.last

    def now(self) -> int:
        if self.fake:
            return self.last
        from config.hubs.positions import primary_position

        return primary_position("default")


@pytest.fixture
def positions(monkeypatch) -> Positions:
    return Positions(monkeypatch)


@pytest.fixture
def anonymous(db) -> SchemaCheckedClient:
    return SchemaCheckedClient(raise_request_exception=False)  # errors are answered as in production


@pytest.fixture
def curator(db) -> SchemaCheckedClient:
    _, key = make_role_user("curator")
    client = SchemaCheckedClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.read_before_write = False  # its GET would be served by the replica, which lacks the test's rows
    return client
