"""Schemathesis extensions for ``tests/schemathesis/run``: two checks, each narrowing a configured allowance.

* ``valid_reads_are_refused_only_for_unstatable_rules``: ``schemathesis.toml`` lets
  schema-valid requests be answered 400, because some rules cannot be written in JSON
  Schema (see the comments there). For writes those are many: referenced records must
  exist, and the models' own rules (dates in order, a signatory's organization a party, no
  agreement related to itself...) apply. A read may be refused for far fewer reasons, and
  this check holds reads (every method but POST, PUT and PATCH) to them. Anything else is a
  400 for a value the schema calls valid: a schema too loose, or a server too strict.
* ``records_conform_to_the_schema``: the built-in ``response_schema_conformance``, except
  for sparse records (``fields``/``omit``), which by design lack fields the schema marks
  required; they must hold exactly what was asked for instead.

It also counts, per phase, the writes the API carried out (``$SCHEMATHESIS_REACH_REPORT``,
a JSON file the runner summarises), and serialises ``ast.parse`` (see ``_serialised``).
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import threading
from collections import Counter

import schemathesis
from schemathesis.specs.openapi.checks import response_schema_conformance

WRITES = frozenset({"POST", "PUT", "PATCH"})

# (field, code) of errors no schema can rule out; None matches any field.
UNSTATABLE = {
    # A slug or id that names no record: existence is data, not shape.
    (None, "does_not_exist"),
    # `q` must hold a letter or digit in any script: JSON Schema regexes (ECMA-262) and
    # Python's disagree on what a letter is, so no pattern says it portably.
    ("q", "invalid"),
    # A cursor is valid only as the API issued it (a position in the request's ordering, and
    # not with `offset`): like a record's existence, that is data, not shape.
    ("cursor", "invalid"),
}
# Operations with rules between parameters, e.g. the graph: at most one of organization,
# agreement and mission; depth only with one of them; types must include its kind.
RULES_BETWEEN_PARAMETERS = frozenset({"/api/v1/graph/"})


def _unstatable(error: dict) -> bool:
    return (None, error.get("code")) in UNSTATABLE or (error.get("field"), error.get("code")) in UNSTATABLE


def _sent_blank(case) -> set[str]:
    """The query parameters the case sent empty.

    The schema gives every string query parameter ``minLength: 1`` (``tests/api/test_schema.py``),
    so such a case is not schema-valid whatever mode generated it: the stateful phase's inferred
    links fill parameters from earlier responses' fields, e.g. an organization's empty
    ``wikidata_id`` (seed 1178810483).
    """
    blank = set()
    for name, value in (case.query or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(item == "" for item in values):
            blank.add(name)
    return blank


@schemathesis.check
def valid_reads_are_refused_only_for_unstatable_rules(ctx, response, case):
    """A schema-valid read answered 400 must only name records that do not exist (or a bad ``q``)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    if case.method.upper() in WRITES or case.operation.path in RULES_BETWEEN_PARAMETERS:
        return None
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        errors = []
    if any(error.get("code") == "blank" and error.get("field") in _sent_blank(case) for error in errors):
        return None  # the case broke the parameter's minLength: not a schema-valid read
    if not errors or not all(_unstatable(error) for error in errors):
        raise AssertionError(
            "A schema-valid read was refused for a reason the schema could state: "
            f"{[(e.get('field'), e.get('code')) for e in errors] or response.text[:200]}"
        )
    return None


def _names(value) -> set[str]:
    """A ``fields``/``omit`` value as sent: a list, or comma-separated text."""
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return {str(item).strip() for item in items if str(item).strip()}


@schemathesis.check
def records_conform_to_the_schema(ctx, response, case):
    """Full records must match the schema; sparse ones hold only the fields asked for, and none omitted."""
    query = case.query or {}
    sparse = response.status_code == 200 and ("fields" in query or "omit" in query)
    content_type = (response.headers.get("content-type") or [""])[0]  # lower-case keys, lists of values
    if not sparse or not content_type.startswith("application/json"):
        return response_schema_conformance(ctx, response, case)
    body = response.json()
    records = body["results"] if isinstance(body, dict) and "results" in body and "count" in body else [body]
    wanted, omitted = _names(query.get("fields", "")), _names(query.get("omit", ""))
    for record in records:
        keys = set(record) if isinstance(record, dict) else set()
        if not isinstance(record, dict) or (wanted and not keys <= wanted) or keys & omitted:
            raise AssertionError(
                f"A sparse record does not hold what was asked for (fields={sorted(wanted)}, "
                f"omit={sorted(omitted)}): {sorted(keys) if isinstance(record, dict) else record!r}"
            )
    return None


# --- how far the run reached -------------------------------------------------------------------

WRITES_AND_DELETES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_reached: Counter[str] = Counter()
_reached_lock = threading.Lock()


@schemathesis.hook
def after_call(ctx, case, response):
    """Count each write by phase, operation and outcome: ``"fuzzing|PUT /api/v1/roles/{id}/|2xx"``."""
    method = case.method.upper()
    if method not in WRITES_AND_DELETES or method != case.operation.method.upper():
        return  # a read, or a method the operation does not have (a 405 probe)
    phase = case.meta.phase.name.value if case.meta is not None else "unknown"
    with _reached_lock:
        _reached[f"{phase}|{method} {case.operation.path}|{response.status_code // 100}xx"] += 1


@atexit.register
def _write_reach_report() -> None:
    path = os.environ.get("SCHEMATHESIS_REACH_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as report:
            json.dump(dict(sorted(_reached.items())), report, indent=1)


# --- CPython 3.11: ast.parse is not thread-safe --------------------------------------------------

_parse = ast.parse
_parse_lock = threading.Lock()


def _serialised(*args, **kwargs):
    """``ast.parse`` one thread at a time.

    Hypothesis parses the source of the lambdas it describes, in both of Schemathesis's
    worker threads; CPython 3.11 keeps the AST validator's recursion depth per interpreter,
    not per thread, so two parses at once can fail with "SystemError: AST constructor
    recursion depth mismatch" (python/cpython#106905), a Runtime Error that fails the run.
    """
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _serialised
