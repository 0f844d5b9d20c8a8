"""The database router and the per-request choice it follows.

Outside a request (management commands, the shell, tests' own queries) everything
reads and writes the primary. Within one, ``HubRoutingMiddleware`` decides where its
reads go: a safe request's to the replica when it may, anything else's to the primary.
Writes always go to the primary; sessions are read there too (they carry the
consistency token, so they must not lag), unless the primary is unreachable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from config.hubs import PRIMARY


@dataclass
class Routing:
    """Where this request's reads go, and where its session is read."""

    reads: str = PRIMARY
    sessions: str = PRIMARY


_current: ContextVar[Routing | None] = ContextVar("hub_routing", default=None)


def current() -> Routing:
    return _current.get() or Routing()


def read_primary() -> None:
    """The rest of this request reads the primary: it needs rows the replica has not replayed yet."""
    current().reads = PRIMARY


@contextmanager
def routing(state: Routing) -> Iterator[Routing]:
    """Route the block's queries by ``state`` (mutable: the middleware decides after the request starts)."""
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


def routed_iterator(chunks: Iterable, state: Routing) -> Iterator:
    """``chunks`` consumed under ``state``: a streamed response's queries run after the middleware returned."""
    iterator = iter(chunks)
    while True:
        with routing(state):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


class HubRouter:
    """``DATABASE_ROUTERS``: reads where the request's routing says, writes and migrations on the primary."""

    def db_for_read(self, model, **hints):
        state = current()
        return state.sessions if model._meta.app_label == "sessions" else state.reads

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY  # a replica replays the primary's schema; it cannot be migrated
