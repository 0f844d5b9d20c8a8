"""Whole answers kept for the registry's version: the timeline, global search and the graph.

These reads derive their answer from the registry's rows and from the request alone: its URL (path and
query string), scheme, host and language. No user, no clock. So, as ``api.sql.document_cache`` keeps a
record's document, an answer is kept under a digest of those and the registry's version (migration
``0019_registry_version``), and a request asking the same at the same version is answered from it: one
statement (the version), instead of the events', hits' or graph's statements and their rendering.

The version is read before building the answer and again after it. The answer is kept only when both
readings agree: no change to the registry was committed in between, so every statement that built it
saw that version. A transaction that wrote sees no version, and keeps nothing. Errors, other status
codes and other formats (the timeline's CSV) are never kept. ``API_KEEP_DOCUMENTS`` turns this off too.

A count past its bound is an estimate made when the answer was built (``count_exact`` false): a kept
answer repeats that estimate while the version stands, although a fresh one might estimate otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import router
from rest_framework.response import Response

from api.renderers.json import ORJSONRenderer, RawJSON, json_text
from api.sql import document_cache
from cooperation.localization import active_language
from cooperation.row_counts import registry_version


def kept_answer(request, model, build: Callable[[], Response]) -> Response:
    """``build()``'s answer to ``request``, or the one kept for this request at the registry's version.

    ``model`` is a registry model: the answer is read from the database its reads are routed to."""
    if not document_cache.keeps(model) or not isinstance(request.accepted_renderer, ORJSONRenderer):
        return build()
    alias = router.db_for_read(model)
    version = registry_version(alias)
    if version is None:  # not PostgreSQL, or a transaction that wrote
        return build()
    key = f"answer:{document_cache.database_key(alias)}:{_request_key(request)}:{version}"
    kept = document_cache.find([key]).get(key)
    if kept is not None:
        return Response(RawJSON(kept))
    response = build()
    if response.status_code != 200 or response.streaming or registry_version(alias) != version:
        return response
    response.data = RawJSON(json_text(response.data))  # (written once: kept, and rendered as it is)
    document_cache.keep({key: response.data.text})
    return response


def _request_key(request) -> str:
    """What the answer depends on besides the registry: the URL as asked, the site and the language."""
    asked = f"{request.method}|{request.scheme}|{request.get_host()}|{request.get_full_path()}|{active_language()}"
    return hashlib.blake2b(asked.encode(), digest_size=12).hexdigest()


__all__ = ["kept_answer"]
