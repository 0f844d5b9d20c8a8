"""The baseline: the benchmark's agreements page from a minimal WSGI app where PostgreSQL writes the JSON.

``GET /api/v1/agreements/?party=<slug>&signed_on__gte=<date>&limit=&offset=`` answers
the same document as the API (count and count_exact, bounded as the API bounds them;
next, previous, and results with nested parties and signatories, same keys and
values, in English: the canonical language, which the benchmark asks for by sending
no Accept-Language), built by one SQL statement (three past the count's bound) with
``json_build_object``/``json_agg``; Python only picks the parameters and sends the
text. No Django, no ORM, no serializers: it is the ceiling the API is measured
against (``bench/run`` checks both answer the same before timing anything).

Run it under gunicorn as ``bench.baseline:application`` with ``DATABASE_URL``; each
worker process opens its own ``psycopg_pool`` pool (``BASELINE_POOL_SIZE``
connections, default 4: one per gunicorn thread).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import psycopg

PAGE_PATH = "/api/v1/agreements/"
DEFAULT_LIMIT, MAX_LIMIT = 50, 1000
PARAMETERS = {"party", "signed_on__gte", "limit", "offset"}
_PARTIAL = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")

PREFIX = "%(prefix)s::text"  # the absolute URL of /api/v1/, as the API builds it from the request


def partial_date(column: str) -> str:
    """SQL for a partial date as the API shows it: {value, precision, start, end}, or null."""
    value = (
        f"CASE {column}_precision WHEN 'day' THEN to_char({column}, 'YYYY-MM-DD') "
        f"WHEN 'month' THEN to_char({column}, 'YYYY-MM') ELSE to_char({column}, 'YYYY') END"
    )
    return (
        f"CASE WHEN {column} IS NULL OR {column}_precision = '' THEN NULL ELSE json_build_object("
        f"'value', {value}, 'precision', {column}_precision, "
        f"'start', to_char({column}, 'YYYY-MM-DD'), 'end', to_char({column}_end, 'YYYY-MM-DD')) END"
    )


def partial_date_text(column: str) -> str:
    """SQL for a partial date's ISO 8601 reduced-precision text, or null."""
    return (
        f"CASE WHEN {column} IS NULL OR {column}_precision = '' THEN NULL "
        f"WHEN {column}_precision = 'day' THEN to_char({column}, 'YYYY-MM-DD') "
        f"WHEN {column}_precision = 'month' THEN to_char({column}, 'YYYY-MM') ELSE to_char({column}, 'YYYY') END"
    )


def timestamp(column: str) -> str:
    """SQL for a timestamp as DRF renders it: ISO 8601 in UTC, microseconds only when non-zero, then Z."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN to_char({utc}, 'US') = '000000' THEN '' ELSE '.' || to_char({utc}, 'US') END || 'Z'"
    )


def url(segment: str, key: str) -> str:
    return f"{PREFIX} || '{segment}/' || {key} || '/'"


def organization(alias: str) -> str:
    display = (
        f"CASE WHEN {alias}.short_name <> '' AND {alias}.short_name <> {alias}.name "
        f"THEN {alias}.name || ' (' || {alias}.short_name || ')' ELSE {alias}.name END"
    )
    return (
        f"json_build_object('id', {alias}.id, 'url', {url('organizations', f'{alias}.slug')}, "
        f"'slug', {alias}.slug, 'display', {display})"
    )


def person(alias: str) -> str:
    return (
        f"json_build_object('id', {alias}.id, 'url', {url('persons', f'{alias}.slug')}, "
        f"'slug', {alias}.slug, 'display', {alias}.name)"
    )


PARTIES = f"""
    SELECT json_agg(json_build_object(
        'id', p.id, 'url', {url("parties", "p.id")}, 'organization', {organization("o")}, 'role', p.role,
        'withdrawn_on', {partial_date("p.withdrawn_on")}, 'note', p.note
    ) ORDER BY p.role, o.name, p.id)
    FROM cooperation_agreementparty p JOIN cooperation_organization o ON o.id = p.organization_id
    WHERE p.agreement_id = a.id
"""

SIGNATORIES = f"""
    SELECT json_agg(json_build_object(
        'id', s.id, 'url', {url("signatories", "s.id")}, 'person', {person("sp")},
        'on_behalf_of', {organization("so")}, 'title', s.title, 'note', s.note
    ) ORDER BY s.id)
    FROM cooperation_signatory s
    JOIN cooperation_person sp ON sp.id = s.person_id
    JOIN cooperation_organization so ON so.id = s.on_behalf_of_id
    WHERE s.agreement_id = a.id
"""

AGREEMENT = f"""json_build_object(
    'id', a.id, 'url', {url("agreements", "a.slug")},
    'display', COALESCE(NULLIF(a.short_title, ''), a.title)
        || COALESCE(' (' || {partial_date_text("a.signed_on")} || ')', ''),
    'slug', a.slug, 'title', a.title, 'short_title', a.short_title,
    'localized_name', json_build_object('text', a.title, 'language', 'en', 'status', NULL, 'is_fallback', false),
    'kind', a.kind, 'status', a.status,
    'authorized_on', {partial_date("a.authorized_on")}, 'signed_on', {partial_date("a.signed_on")},
    'signed_place', a.signed_place, 'signing_mode', a.signing_mode, 'signing_event', a.signing_event,
    'forum', CASE WHEN f.id IS NULL THEN NULL ELSE {organization("f")} END,
    'entered_into_force_on', {partial_date("a.entered_into_force_on")},
    'entry_into_force_condition', a.entry_into_force_condition,
    'valid_from', {partial_date("a.valid_from")}, 'valid_until', {partial_date("a.valid_until")},
    'summary', a.summary, 'topics', a.topics::json,
    'parties', COALESCE(({PARTIES}), '[]'::json),
    'signatories', COALESCE(({SIGNATORIES}), '[]'::json),
    'created', {timestamp("a.created")}, 'last_updated', {timestamp("a.last_updated")}
)"""

# The filters, as the API applies them; only those a request uses go into its WHERE clause.
FILTERS = {
    "parties": """a.id IN (
        SELECT p.agreement_id FROM cooperation_agreementparty p
        JOIN cooperation_organization o ON o.id = p.organization_id
        WHERE p.role = 'party' AND o.slug = ANY(%(parties)s::text[]))""",
    "since": "a.signed_on_end >= %(since)s::date",
}

PAGE_SQL = f"""
WITH matching AS (
    SELECT a.id FROM cooperation_agreement a WHERE {{where}}
),
total AS (
    SELECT count(*) AS n FROM (SELECT id FROM matching LIMIT %(cap)s + 1) bounded
),
page AS (
    SELECT a.* FROM cooperation_agreement a WHERE a.id IN (SELECT id FROM matching)
    ORDER BY a.signed_on, a.slug, a.id LIMIT %(limit)s OFFSET %(offset)s
)
SELECT json_build_object(
    'count', CASE WHEN total.n <= %(cap)s THEN total.n ELSE GREATEST(%(cap)s + 1, %(estimate)s::bigint) END,
    'count_exact', total.n <= %(cap)s,
    'next', CASE WHEN %(page_end)s < total.n THEN %(next)s::text END,
    'previous', %(previous)s::text,
    'results', COALESCE(
        (SELECT json_agg({AGREEMENT} ORDER BY a.signed_on, a.slug, a.id)
         FROM page a LEFT JOIN cooperation_organization f ON f.id = a.forum_id),
        '[]'::json)
)::text, total.n > %(cap)s
FROM total
"""
ESTIMATE_SQL = "EXPLAIN (FORMAT JSON) SELECT a.id FROM cooperation_agreement a WHERE {where}"


def page_sql(params: dict, sql: str = PAGE_SQL) -> str:
    """The statement for these parameters (a handful of distinct texts, so psycopg prepares each once)."""
    return sql.replace("{where}", " AND ".join(sql for name, sql in FILTERS.items() if params[name]) or "TRUE")


def count_bound() -> int:
    """The API's ``API_COUNT_BOUND`` (same environment variable, same default)."""
    return int(os.environ.get("API_COUNT_BOUND", "10000"))


class BadRequest(ValueError):
    """A query parameter the baseline does not accept."""


def with_query(url: str, **changes: int | None) -> str:
    """``url`` with query parameters set (or removed, for None), sorted by name like DRF's page links."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = [str(value)]
    return urlunsplit(parts._replace(query=urlencode(sorted(query.items()), doseq=True)))


def _whole_number(raw: str, name: str, minimum: int, maximum: int | None = None) -> int:
    if not raw.isascii() or not raw.isdigit() or int(raw) < minimum or (maximum is not None and int(raw) > maximum):
        raise BadRequest(f"{name} must be a whole number from {minimum}" + (f" to {maximum}." if maximum else "."))
    return int(raw)


def _first_day(raw: str) -> dt.date:
    if not _PARTIAL.fullmatch(raw):
        raise BadRequest("signed_on__gte must be YYYY, YYYY-MM or YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat((raw + "-01-01")[:10])
    except ValueError as exc:
        raise BadRequest(f"signed_on__gte is not a real date: {exc}") from None


def page_parameters(environ: dict, bound: int) -> dict:
    """The SQL parameters of the page a WSGI request asks for (``BadRequest`` for what it cannot serve)."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    unknown = set(query) - PARAMETERS
    if unknown:
        raise BadRequest(f"Unknown query parameter(s): {', '.join(sorted(unknown))}.")
    limit = _whole_number(query.get("limit", [str(DEFAULT_LIMIT)])[-1], "limit", 1, MAX_LIMIT)
    offset = _whole_number(query.get("offset", ["0"])[-1], "offset", 0)
    since = query.get("signed_on__gte", [""])[-1]
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    origin = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
    query_string = environ.get("QUERY_STRING", "")
    here = origin + environ.get("PATH_INFO", "") + (f"?{query_string}" if query_string else "")
    return {
        "prefix": f"{origin}/api/v1/",
        "parties": query.get("party", []),
        "since": _first_day(since) if since else None,
        "limit": limit,
        "offset": offset,
        "page_end": offset + limit,
        "cap": min(max(bound, offset + limit), 2**63 - 2),  # counted exactly up to here, as the API counts
        "estimate": None,
        "next": with_query(here, limit=limit, offset=offset + limit),
        "previous": None if offset <= 0 else with_query(here, limit=limit, offset=max(offset - limit, 0) or None),
    }


def _respond(start_response, status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _error(start_response, status: int, reason: str, code: str, detail: str) -> list[bytes]:
    body = json.dumps({"status": status, "code": code, "detail": detail, "errors": []}).encode()
    return _respond(start_response, f"{status} {reason}", body)


class BaselineApp:
    """The WSGI callable; ``connection()`` gives a context manager around a psycopg connection."""

    def __init__(self, connection: Callable[[], AbstractContextManager[psycopg.Connection]], bound: int | None = None):
        self.connection = connection
        self.bound = count_bound() if bound is None else bound

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PAGE_PATH:
            return _error(start_response, 404, "Not Found", "not_found", "The baseline serves one page only.")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _error(start_response, 405, "Method Not Allowed", "method_not_allowed", "Read only.")
        try:
            params = page_parameters(environ, self.bound)
        except BadRequest as exc:
            return _error(start_response, 400, "Bad Request", "invalid_parameter", str(exc))
        with self.connection() as conn:
            document, exceeded = conn.execute(page_sql(params), params).fetchone()
            if exceeded:  # past the bound, the planner's estimate, as the API gives (two statements more, only then)
                plan = conn.execute(page_sql(params, ESTIMATE_SQL), params).fetchone()[0]
                params["estimate"] = int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])
                document = conn.execute(page_sql(params), params).fetchone()[0]
        return _respond(start_response, "200 OK", document.encode())


class LazyPool:
    """One ``psycopg_pool.ConnectionPool`` per process, opened on first use (after gunicorn forks)."""

    def __init__(self, conninfo: str, size: int):
        self.conninfo, self.size = conninfo, size
        self._pool = None
        self._lock = threading.Lock()

    def __call__(self):
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    from psycopg_pool import ConnectionPool

                    self._pool = ConnectionPool(
                        self.conninfo, min_size=self.size, max_size=self.size, kwargs={"autocommit": True}, open=True
                    )
        return self._pool.connection()


application = BaselineApp(LazyPool(os.environ.get("DATABASE_URL", ""), int(os.environ.get("BASELINE_POOL_SIZE", "4"))))
