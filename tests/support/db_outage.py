"""Simulated database outages for tests: the server cannot be reached, or a statement fails mid-request."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
CLOSED = "server closed the connection unexpectedly"


@contextmanager
def connections_refused():
    """Within the block, every attempt to connect (or to use the connection) fails as while the server is down.

    Undone before the test's own teardown, which needs the database.
    """

    def refuse(*args, **kwargs):
        raise OperationalError(REFUSED)

    with pytest.MonkeyPatch.context() as patch:
        # On the backend's class, so that undoing it leaves nothing behind on the connection object.
        patch.setattr(type(connections[DEFAULT_DB_ALIAS]), "ensure_connection", refuse)
        yield


def fail_statements(*prefixes: str):
    """An execute wrapper (``connection.execute_wrapper``) failing statements that start with a prefix."""

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(prefixes):
            raise OperationalError(CLOSED)
        return execute(sql, params, many, context)

    return wrapper


def drop_connection_at(marker: str):
    """An execute wrapper that loses the connection (closes it, then fails) at the first statement containing marker.

    ``wrapper.fired`` tells whether it happened.
    """

    def wrapper(execute, sql, params, many, context):
        if marker in sql and not wrapper.fired:
            wrapper.fired = True
            context["connection"].connection.close()
            raise OperationalError(CLOSED)
        return execute(sql, params, many, context)

    wrapper.fired = False
    return wrapper
