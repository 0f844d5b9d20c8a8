"""Per-request routing, consistency tokens and the ``Registry-Hub`` header.

``HubRoutingMiddleware`` (last in ``MIDDLEWARE``, so every other ``process_view`` has run)
calls the view itself on the database it chose, a write inside the request's transaction
there; that is what ``ATOMIC_REQUESTS`` would do, but on one database decided per request
rather than on every configured one (the replica must not need the primary, and a read at a
far hub must not pay a round trip to it). Reads run in autocommit: at READ COMMITTED a
transaction gives a read no snapshot its statements would not each have anyway, and its
``BEGIN`` and ``COMMIT`` were two round trips more than the one statement most reads are.

- ``GET``/``HEAD``/``OPTIONS`` read from the replica (``config.hubs.replica``), honouring
  the client's ``Consistency-Token``: the header, or the one the session keeps from the
  browser's last write. A read the replica fails mid-way (it went down, or answered 503) runs again on
  the primary. A malformed header is a 400.
- Anything else runs wholly on the primary. A write answered below 400 gets a
  ``Consistency-Token``: the primary's WAL position read after the commit. A browser
  session keeps it too, so the admin's next pages show the write.
- Views marked ``non_atomic_requests`` (the health probes) pick their databases themselves.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack

from django.conf import settings
from django.db import connections, transaction
from django.http import HttpResponse, JsonResponse

from api.core.errors import body
from api.core.exceptions import DATABASE_UNAVAILABLE_ERRORS
from api.core.hub_headers import HUB_HEADER, TOKEN_HEADER
from config.hubs import PRIMARY, REPLICA, has_replica
from config.hubs.positions import MalformedToken, format_token, parse_token, primary_position
from config.hubs.replica import read_alias, suspend
from config.hubs.routing import Routing, current, routed_iterator, routing

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
UNAVAILABLE = 503  # a database outage, as the API answers it: on the replica, the read is tried on the primary
SESSION_KEY = "_hub_consistency_token"


def is_api(request) -> bool:
    return request.path.startswith("/api/")


class HubHeaderMiddleware:
    """``Registry-Hub: <HUB_NAME>`` on every response under ``/api/`` (first in ``MIDDLEWARE``: redirects too)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_api(request):
            response[HUB_HEADER] = settings.HUB_NAME
        return response


class ReplicaFailure:
    """An execute wrapper noting that the replica failed as a server does when it goes away."""

    def __init__(self):
        self.seen = False

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except DATABASE_UNAVAILABLE_ERRORS:
            self.seen = True
            raise


class HubRoutingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = Routing()
        with routing(state):
            response = self.get_response(request)
        if response.streaming:
            response.streaming_content = routed_iterator(response.streaming_content, state)
        return response

    def process_view(self, request, view, args, kwargs):
        if PRIMARY in getattr(view, "_non_atomic_requests", ()):
            return None  # Django calls it, as it is, outside any request transaction
        if request.method in SAFE_METHODS:
            return self.read(request, view, args, kwargs)
        return self.write(request, view, args, kwargs)

    # --- reads ---------------------------------------------------------------------------------

    def read(self, request, view, args, kwargs):
        try:
            token = self.presented_token(request)
        except MalformedToken as exc:
            return malformed_token(request, str(exc))
        if read_alias(token) == REPLICA:
            failure = ReplicaFailure()
            try:
                with connections[REPLICA].execute_wrapper(failure):
                    response = call_in_transaction(REPLICA, view, request, args, kwargs)
                if not failure.seen and response.status_code != UNAVAILABLE:
                    return response
            except DATABASE_UNAVAILABLE_ERRORS as exc:  # outside a DRF view, or when the transaction ended
                logger.warning("Read of %s failed on the replica, trying the primary: %s", request.path, exc)
            if failure.seen:
                suspend(REPLICA)
        return call_in_transaction(PRIMARY, view, request, args, kwargs)

    def presented_token(self, request) -> int | None:
        """The newer of the header's token and the session's (the session only where there is a replica)."""
        tokens = []
        header = request.headers.get(TOKEN_HEADER)
        if header is not None:
            tokens.append(parse_token(header.strip()))
        if has_replica() and settings.SESSION_COOKIE_NAME in request.COOKIES:
            kept = session_token(request)
            if kept is not None:
                tokens.append(kept)
        return max(tokens, default=None)

    # --- writes --------------------------------------------------------------------------------

    def write(self, request, view, args, kwargs):
        response = call_in_transaction(PRIMARY, view, request, args, kwargs)
        if response.status_code < 400:
            self.issue_token(request, response)
        return response

    def issue_token(self, request, response) -> None:
        """The primary's position after the commit, in the response and in a browser's session."""
        try:
            position = primary_position(PRIMARY)
        except DATABASE_UNAVAILABLE_ERRORS as exc:
            # Committed, but the primary went away before we could ask: answer without a token.
            logger.warning("No consistency token for %s %s: %s", request.method, request.path, exc)
            return
        if position is None:
            return
        token = format_token(position)
        response[TOKEN_HEADER] = token
        session = getattr(request, "session", None)
        if session is not None and session.session_key is not None:
            session[SESSION_KEY] = token


def call_in_transaction(alias: str, view, request, args, kwargs):
    """The view, reading from ``alias``; a write in the request's transaction there (unless the view opts out)."""
    current().reads = alias
    with ExitStack() as transactions:
        if alias != PRIMARY and connections[PRIMARY].in_atomic_block:
            # Only inside an outer transaction on the primary (a test's): DRF marks every ATOMIC_REQUESTS
            # database in a transaction for rollback when a view fails, so the request needs a savepoint there.
            transactions.enter_context(transaction.atomic(using=PRIMARY))
        if alias not in getattr(view, "_non_atomic_requests", ()) and (
            request.method not in SAFE_METHODS or connections[alias].in_atomic_block
        ):
            # (A read runs in autocommit; only inside an outer transaction, a test's, does it take a
            # savepoint, for DRF's rollback mark on a failing view to undo the read and no more.)
            transactions.enter_context(transaction.atomic(using=alias))
        return view(request, *args, **kwargs)


def session_token(request) -> int | None:
    """The token the session keeps; read from the primary, or from the replica when the primary is down."""
    try:
        value = request.session.get(SESSION_KEY)
    except DATABASE_UNAVAILABLE_ERRORS:
        current().sessions = REPLICA
        value = request.session.get(SESSION_KEY)
    try:
        return None if value is None else parse_token(value)
    except MalformedToken:
        return None  # written by another version: no longer meaningful


def malformed_token(request, detail: str) -> HttpResponse:
    if is_api(request):
        error = {"field": TOKEN_HEADER, "code": "invalid", "detail": detail}
        return JsonResponse(body(400, "invalid_header", detail, [error]), status=400)
    return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
