"""Records' documents kept for the registry's version they were built at: in each process, and in Redis.

Building a page's documents is most of what a list costs in PostgreSQL: some 50 ``json_build_object``
trees with their nested parties and signatories, for the same records on every request. A record's
document depends only on the registry's rows and on how it is asked for (the compiled statement: shape,
site, language), so it is kept under that statement's digest, the registry's version (migration
``0019_registry_version``), the database and the record's ``pk``, and taken from there while the
version stands. Every committed change raises the version, so a kept document is never stale: nothing
is invalidated; old versions' documents stop being asked for, and leave this process's memory (least
recently used first, ``DOCUMENTS_KEPT_LOCALLY``) and Redis (``API_DOCUMENTS_TTL``).

Each process keeps documents in its memory (free to read); the shared cache (Redis, with ``REDIS_URL``)
gives every worker the documents another built. A page's statement (``api.sql.documents``) reads the
page's ids and the version, not the documents; the documents kept nowhere are built by a second
statement, which also reads the version: where it moved in between, the page is read again in one
statement, uncached (one snapshot per page, always). A transaction that wrote sees no version (its
changes are not committed) and builds its documents in its one statement. While Redis is unreachable
(``Outage``) each process keeps documents alone.

Only the registry's records are kept (the ``cooperation`` app): the change log is not versioned. A
detail's documents are kept as a page's (``Documents.record``); ``find`` and ``keep`` also hold the
timeline's, search's and graph's whole answers (``api.core.kept_answers``), in the same two layers.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

from cachetools import LRUCache
from django.conf import settings
from django.core.cache import caches
from django.db import connections

from api.core.cache_outage import CACHE_ERRORS, Outage

CACHE = "documents"  # the shared cache's alias (config.settings: Redis, with REDIS_URL)

outage = Outage(
    "Kept documents are not shared between workers: the cache is unreachable (%s: %s); retrying in %.0f s.",
    "Kept documents are shared again: the cache answers.",
    logging.getLogger(__name__),
)
_databases: dict[str, str] = {}
_local: LRUCache = LRUCache(maxsize=settings.DOCUMENTS_KEPT_LOCALLY)  # (never stale either: no expiry needed)
_lock = threading.Lock()  # (gunicorn's threads share it; cachetools' caches are not thread-safe)


def keeps(model) -> bool:
    """Whether documents of ``model``'s records are kept: the registry's records, unless the settings say not."""
    return model._meta.app_label == "cooperation" and settings.API_KEEP_DOCUMENTS


def database_key(alias: str) -> str:
    """Which database ``alias`` is (a replica shares its primary's data, but not its snapshots' order)."""
    if alias not in _databases:
        config = connections[alias].settings_dict
        seen = f"{alias}|{config['HOST']}|{config['PORT']}|{config['NAME']}"
        _databases[alias] = hashlib.blake2b(seen.encode(), digest_size=6).hexdigest()
    return _databases[alias]


def statement_key(sql: str, params: tuple) -> str:
    """The digest of a compiled documents statement: its shape, site and language."""
    return hashlib.blake2b(f"{sql}|{params!r}".encode(), digest_size=12).hexdigest()


def page_documents(
    statement: str, alias: str, version: int, ids: list[int], build: Callable[[list[int]], dict[int, str] | None]
) -> str | None:
    """The JSON array of the records ``ids``' documents, in order: kept ones from this process's memory,
    then from the shared cache, the rest from ``build`` (then kept in both). ``build`` returns None when
    the version moved; so does this."""
    prefix = f"doc:{database_key(alias)}:{statement}:{version}:"
    keys = [f"{prefix}{pk}" for pk in ids]
    found = find(keys)
    missing = list(dict.fromkeys(pk for pk, key in zip(ids, keys, strict=True) if key not in found))  # (once each)
    if missing:
        built = build(missing)
        if built is None or len(built) != len(missing):
            return None
        fresh = {f"{prefix}{pk}": document for pk, document in built.items()}
        keep(fresh)
        found.update(fresh)
    return "[" + ",".join(found[key] for key in keys) + "]"


def find(keys: list[str]) -> dict[str, str]:
    """The texts kept under ``keys``: from this process's memory, then from the shared cache."""
    with _lock:
        found = {key: _local[key] for key in keys if key in _local}
    if len(found) < len(keys):
        shared = _get_many([key for key in keys if key not in found])
        _keep_locally(shared)
        found.update(shared)
    return found


def keep(texts: dict[str, str]) -> None:
    """Keep ``texts`` by key, in this process's memory and in the shared cache."""
    _keep_locally(texts)
    _set_many(texts)


def forget() -> None:
    """Drop this process's kept documents (tests; the shared cache is cleared with ``caches[CACHE]``)."""
    with _lock:
        _local.clear()


def _keep_locally(documents: dict[str, str]) -> None:
    if documents:
        with _lock:
            _local.update(documents)


def _shared():
    return caches[CACHE] if CACHE in settings.CACHES else None


def _get_many(keys: list[str]) -> dict[str, str]:
    shared = _shared()
    if shared is None or outage.skipping():
        return {}
    try:
        found = shared.get_many(keys)
    except CACHE_ERRORS as exc:
        outage.failed(exc)
        return {}
    outage.succeeded()
    return found


def _set_many(documents: dict[str, str]) -> None:
    shared = _shared()
    if shared is None or outage.skipping():
        return
    try:
        shared.set_many(documents, timeout=settings.API_DOCUMENTS_TTL)
    except CACHE_ERRORS as exc:
        outage.failed(exc)
