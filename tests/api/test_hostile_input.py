"""A corpus of malformed and hostile requests against every write and list endpoint.

The corpus is generated from the API's own registry (``registry_viewsets()`` and the change
log), their serializers' writable fields and their filtersets, so a new resource,
field or filter is attacked without anyone writing a case for it. Every case is a
request that MUST be refused; each answer must be a documented 4xx in the one error
shape (checked against ``openapi.yaml`` by the ``api`` client), must name the
offending field or parameter where there is one, and the database must be
unchanged, row for row, in every table, afterwards.

Cases are grouped by endpoint and method (one test each): a group shares one
seeded database and one before/after snapshot, and its failure lists every case
that was not refused as it should be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

import django_filters
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from api.core.fields import BriefRelatedField, PartialDateField
from api.core.resource_urls import resource_for
from api.filtersets.base import IdFilter, PartialDateFilter, RelatedFilter
from api.models import ApiToken
from api.resources import registry_viewsets
from api.serializers.common import CountryCodesField
from api.views.changes import ChangeViewSet
from tests.support.error_shape import ERROR_KEYS
from tests.support.roles import make_role_user
from tests.support.schema_checked_client import SchemaCheckedClient, committed_schema

API = "/api/v1"
OVERSIZED = max(10 * 1024 * 1024, settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)  # 10 MB, or more than the limit
HUGE_INT = 2**64  # beyond every 64-bit id column


@dataclass(frozen=True)
class Case:
    """One request that must be refused."""

    name: str
    method: str
    path: str  # may contain {record}: the lookup of an existing record, filled in at run time
    query: str = ""  # raw query string, exactly as sent (percent-encoding included)
    body: bytes | None = None
    padding: int = 0  # bytes of filler inside the body's JSON string, added when sent (big bodies stay unbuilt)
    content_type: str = "application/json"
    status: int = 400
    fields: tuple[str, ...] = ()  # each must be named in errors[].field
    codes: tuple[str, ...] = ()  # each must appear in errors[].code


@dataclass
class Endpoint:
    """A group of cases: one method on one resource's list or detail URL."""

    label: str  # e.g. "POST organizations"
    model: type
    detail: bool
    cases: list[Case] = field(default_factory=list)


def js(data) -> bytes:
    return json.dumps(data).encode()


# --- hostile values by field type -----------------------------------------------------------

IMPOSSIBLE_DATES = [
    ("impossible date", "2021-02-30"),
    ("month 13", "2021-13"),
    ("malformed precision", "2021-2"),
    ("two-digit year", "21"),
    ("date as a number", 20210101),
    ("datetime for a partial date", "2021-02-03T10:00:00Z"),
    ("SQL injection", "2021'; DROP TABLE cooperation_agreement; --"),
]
ID_VALUES = [
    ("id as a string", "1"),
    ("slug for an id", "roscosmos"),
    ("float id", 1.5),
    ("boolean id", True),
    ("id beyond 64 bits", HUGE_INT),
    ("negative id", -1),
    ("object for an id", {"id": 1}),
]
SLUG_OR_ID_VALUES = [
    ("unknown slug with SQL injection", "x' OR '1'='1"),
    ("float id", 1.5),
    ("boolean id", False),
    ("id beyond 64 bits", HUGE_INT),
    ("negative id", -1),
    ("object for a slug", {"slug": "roscosmos"}),
    ("script injection slug", "<script>alert(1)</script>"),
]
INTEGER_VALUES = [
    ("string for an integer", "abc"),
    ("float for an integer", 1.5),
    ("boolean for an integer", True),
    ("integer beyond 64 bits", HUGE_INT),
    ("negative integer", -1),
]
SLUG_VALUES = [
    ("SQL injection slug", "x'; DROP TABLE cooperation_organization; --"),
    ("script injection slug", "<script>alert(1)</script>"),
    ("object for a slug", {"slug": "x"}),
    ("NUL in a slug", "a\u0000b"),
]
URL_VALUES = [
    ("javascript: URL", "javascript:alert(1)"),
    ("script injection URL", "<script>alert(1)</script>"),
    ("object for a URL", {"href": "https://example.org/"}),
]
TEXT_VALUES = [
    ("object for text", {"text": "x"}),
    ("list for text", ["x"]),
    ("boolean for text", True),
    ("NUL escape in text", "a\u0000b"),
]
COUNTRY_VALUES = [
    ("lower-case country code", ["ru"]),
    ("countries not a list", "RU"),
    ("duplicate country codes", ["RU", "RU"]),
    ("SQL injection country", ["RU' OR '1'='1"]),
]
LIST_VALUES = [
    ("string for a list", "one topic"),
    ("object in a list of strings", [{"topic": "x"}]),
    ("more than 100 items", ["t"] * 101),
]


def wrong_case(choice: str) -> str:
    return choice.upper() if choice.upper() != choice else choice.lower()


def choice_values(field: serializers.ChoiceField) -> list[tuple[str, object]]:
    first = next(iter(field.choices))
    return [
        ("enum value in the wrong case", wrong_case(str(first))),
        ("SQL injection for an enum", f"{first}' OR '1'='1"),
        ("list for an enum", [first]),
        ("script injection for an enum", "<script>alert(1)</script>"),
    ]


def hostile_values(model, field: serializers.Field) -> list[tuple[str, object]]:
    """Values the field must refuse, whatever else the body holds."""
    if isinstance(field, BriefRelatedField):
        return SLUG_OR_ID_VALUES if resource_for(field.get_queryset().model).has_slug else ID_VALUES
    if isinstance(field, PartialDateField):
        return IMPOSSIBLE_DATES
    if isinstance(field, CountryCodesField):
        return COUNTRY_VALUES
    if isinstance(field, serializers.ListField):
        return LIST_VALUES
    if isinstance(field, serializers.ChoiceField):
        return choice_values(field)
    if isinstance(field, serializers.IntegerField):
        return INTEGER_VALUES
    if isinstance(field, serializers.SlugField):
        return SLUG_VALUES
    if isinstance(field, serializers.URLField):
        return URL_VALUES
    if isinstance(field, serializers.CharField):
        values = list(TEXT_VALUES)
        if field.max_length:
            values.append(("text over max_length", "x" * (field.max_length + 1)))
        return values
    raise AssertionError(f"{model.__name__}.{field.field_name}: no hostile values for {type(field).__name__}")


def writable_fields(viewset) -> dict[str, serializers.Field]:
    return {name: f for name, f in viewset.serializer_class().fields.items() if not f.read_only}


def read_only_fields(viewset) -> list[str]:
    return sorted(name for name, f in viewset.serializer_class().fields.items() if f.read_only)


@cache
def schema() -> dict:
    return committed_schema()


def request_component(path: str, method: str) -> dict:
    ref = schema()["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return schema()["components"]["schemas"][ref.rsplit("/", 1)[1]]


# --- body cases, shared by POST, PUT and PATCH -------------------------------------------------


def parser_cases(method: str, path: str, index: int) -> list[Case]:
    """Bodies refused before any field is looked at: not JSON, not UTF-8, too big, too deep."""
    deep = b'{"note": ' + b"[" * 100 + b"]" * 100 + b"}"
    deepest = b"[" * 100_000 + b"]" * 100_000
    malformed = [b'{"slug": ', b'{"note": "x",}', b"{'note': 'x'}", b'{"note": NaN}', b'{"note": Infinity}']
    cases = [
        Case("malformed JSON", method, path, body=malformed[index % len(malformed)]),
        Case("body of 10 MB", method, path, body=b'{"note": ""}', padding=OVERSIZED, status=413),
        Case("JSON nested 100 deep", method, path, body=deep),
        Case("JSON nested 100000 deep", method, path, body=deepest),
        Case("NUL byte in the body", method, path, body=b'{"note": "a\x00b"}'),
        Case("invalid UTF-8 in the body", method, path, body=b'{"note": "caf\xe9"}'),
        Case("UTF-16 body", method, path, body='{"note": "x"}'.encode("utf-16")),
        Case("JSON array body", method, path, body=b"[]"),
        Case("JSON string body", method, path, body=b'"note"'),
        Case("text/plain body", method, path, body=b'{"note": "x"}', content_type="text/plain", status=415),
        Case(
            "form-encoded body",
            method,
            path,
            body=b"note=x",
            content_type="application/x-www-form-urlencoded",
            status=415,
        ),
        Case("XML body", method, path, body=b"<note>x</note>", content_type="application/xml", status=415),
    ]
    return cases


def field_cases(viewset, method: str, path: str, rotation: int) -> Iterator[Case]:
    """Per writable field, a hostile value (a different one per method, so the corpus spreads)."""
    model = viewset.queryset.model
    for position, (name, serializer_field) in enumerate(writable_fields(viewset).items()):
        values = hostile_values(model, serializer_field)
        label, value = values[(position + rotation) % len(values)]
        yield Case(f"{name}: {label} {value!r:.40}", method, path, body=js({name: value}), fields=(name,))


def key_cases(viewset, method: str, path: str, api_path: str, openapi_method: str) -> Iterator[Case]:
    """Unknown keys, read-only keys, and (for full writes) every required field missing."""
    read_only = read_only_fields(viewset)
    yield Case(
        "unknown field",
        method,
        path,
        body=js({"no_such_field": 1}),
        fields=("no_such_field",),
        codes=("unknown_field",),
    )
    yield Case("misspelled field", method, path, body=js({"nmae": "x"}), fields=("nmae",), codes=("unknown_field",))
    yield Case(
        "read-only fields: " + ",".join(read_only),
        method,
        path,
        body=js(dict.fromkeys(read_only)),
        fields=tuple(read_only),
        codes=("unknown_field",),
    )
    yield Case("read-only id alone", method, path, body=js({"id": 1}), fields=("id",))
    if method in ("POST", "PUT"):
        required = tuple(request_component(api_path, openapi_method).get("required", ()))
        assert required, f"{api_path} {openapi_method}: nothing is required?"
        yield Case(
            "empty object: every required field missing", method, path, body=b"{}", fields=required, codes=("required",)
        )
        yield Case("null body", method, path, body=b"null")
        if method == "POST":
            yield Case("empty body", method, path, body=b"", fields=required, codes=("required",))


# --- query-string cases --------------------------------------------------------------------------

ID_PARAM_VALUES = ["abc", "1.5", "-1", str(HUGE_INT), "1%20OR%201%3D1", "true", "1;DROP%20TABLE%20x"]
SLUG_PARAM_VALUES = ["no-such-slug", "x%27%20OR%20%271%27%3D%271", "%3Cscript%3Ealert(1)%3C/script%3E"]
DATE_PARAM_VALUES = ["2021-02-30", "2021-13", "2021-2", "21", "2021%27%3B--", "2021-02-03T00:00"]
DATETIME_PARAM_VALUES = ["2021-02-30T00:00:00Z", "yesterday", "2021-01-01T25:00:00Z", "%27%20OR%201%3D1%20--"]
TEXT_PARAM_VALUES = ["a%00b", "caf%E9", "%FF%FE"]


def choice_param_values(choices) -> list[str]:
    first = str(next(iter(choices))[0])
    return [wrong_case(first), f"{first}%27%20OR%20%271%27%3D%271", "%3Cscript%3E"]


def filter_value(name: str, list_filter, position: int) -> tuple[str, tuple[str, ...]] | None:
    """A query-string value the filter must refuse, and the error code(s) expected (if fixed)."""

    def pick(values):
        return values[position % len(values)]

    if isinstance(list_filter, IdFilter):  # IdInFilter too
        return pick(ID_PARAM_VALUES), ()
    if isinstance(list_filter, RelatedFilter):
        by_slug = list_filter.extra.get("to_field_name") is not None  # slug, username
        return pick(SLUG_PARAM_VALUES if by_slug else ID_PARAM_VALUES), ()
    if isinstance(list_filter, PartialDateFilter):
        return pick(DATE_PARAM_VALUES), ()
    if isinstance(list_filter, django_filters.IsoDateTimeFilter):
        return pick(DATETIME_PARAM_VALUES), ()
    if isinstance(list_filter, django_filters.ChoiceFilter):  # ChoiceInFilter too
        return pick(choice_param_values(list_filter.extra["choices"])), ()
    if isinstance(list_filter, django_filters.CharFilter):  # any text is a valid filter value, but not NUL/bad bytes
        value = pick(TEXT_PARAM_VALUES)
        return value, ("null_character",) if "%00" in value else ("invalid_utf8",)
    return None


def list_cases(viewset, path: str) -> Iterator[Case]:
    filterset = viewset.filterset_class
    for position, (name, list_filter) in enumerate(filterset.base_filters.items()):
        found = filter_value(name, list_filter, position)
        assert found is not None, f"{viewset.__name__}: no hostile value for filter {name} ({type(list_filter)})"
        value, codes = found
        yield Case(f"{name}={value}", "GET", path, query=f"{name}={value}", fields=(name,), codes=codes)
    first_filter = next(iter(filterset.base_filters))
    sortable = next(iter(viewset.ordering_fields))
    generic = [
        ("no_such_param=1", ("no_such_param",)),
        (f"{first_filter}x=1", (f"{first_filter}x",)),
        ("limit=100000000000000000000000000000", ("limit",)),
        ("limit=-1", ("limit",)),
        ("limit=0", ("limit",)),
        (f"limit={settings.API_MAX_PAGE_SIZE + 1}", ("limit",)),
        ("limit=1e3", ("limit",)),
        ("limit=%00", ("limit",)),
        ("offset=-1", ("offset",)),
        ("offset=abc", ("offset",)),
        ("ordering=no_such_field", ("ordering",)),
        (f"ordering={sortable}%3BDROP%20TABLE%20x", ("ordering",)),
        ("fields=no_such_field", ("fields",)),
        ("omit=no_such_field", ("omit",)),
        ("expand=no_such_field", ("expand",)),
        ("format=xml", ("format",)),
        ("%00=1", ("\x00",)),
        ("q=caf%E9", ("q",)),
        ("q=a%00b", ("q",)),
        ("q=%C0%AF", ("q",)),  # overlong UTF-8 for "/"
    ]
    for query, fields in generic:
        yield Case(query, "GET", path, query=query, fields=fields)
    yield Case("raw byte 0xFF in the query string", "GET", path, query="q=\xff", fields=("q",))


def detail_query_cases(method: str, path: str) -> list[Case]:
    return [
        Case("unknown query parameter", method, path, query="force=true", body=b"{}", fields=("force",)),
        Case("invalid UTF-8 query parameter", method, path, query="x=%FF", body=b"{}", fields=("x",)),
        Case("NUL in a query parameter", method, path, query="fields=%00", body=b"{}", fields=("fields",)),
    ]


def lookup_cases(model, method: str, rotation: int) -> list[Case]:
    """Detail URLs that name no record: ids of another type, overflowing or negative, bad bytes."""
    prefix = f"{API}/{resource_for(model).prefix}"
    if resource_for(model).has_slug:
        lookups = ["no-such-slug", "1.5", "%FF", "a%00b", "x'%20OR%20'1'='1"]
    else:
        lookups = ["roscosmos", "1.5", "-1", str(HUGE_INT), "%FF", "1%00"]
    picked = [lookups[(rotation + step) % len(lookups)] for step in (0, 1)]
    return [Case(f"lookup {lookup}", method, f"{prefix}/{lookup}/", body=b"{}", status=404) for lookup in picked]


# --- the corpus -----------------------------------------------------------------------------------


def corpus() -> list[Endpoint]:
    endpoints = []
    for viewset in [*registry_viewsets(), ChangeViewSet]:
        model = viewset.queryset.model
        resource = resource_for(model)
        list_path = f"{API}/{resource.prefix}/"
        endpoints.append(Endpoint(f"GET {resource.prefix}", model, False, list(list_cases(viewset, list_path))))
        if viewset is ChangeViewSet:
            continue  # read-only
        detail_path = f"{list_path}{{record}}/"
        schema_detail = f"{list_path}{{{resource.lookup_field if resource.has_slug else 'id'}}}/"
        for rotation, (method, path, schema_path) in enumerate(
            [("POST", list_path, list_path), ("PUT", detail_path, schema_detail), ("PATCH", detail_path, schema_detail)]
        ):
            cases = [
                *parser_cases(method, path, rotation),
                *key_cases(viewset, method, path, schema_path, method.lower()),
                *field_cases(viewset, method, path, rotation),
            ]
            if method != "POST":
                cases += [*detail_query_cases(method, path), *lookup_cases(model, method, rotation)]
            endpoints.append(Endpoint(f"{method} {resource.prefix}", model, method != "POST", cases))
        endpoints.append(
            Endpoint(
                f"DELETE {resource.prefix}",
                model,
                True,
                [*detail_query_cases("DELETE", detail_path), *lookup_cases(model, "DELETE", 3)],
            )
        )
    for path in ("timeline", "search", "graph"):
        url = f"{API}/{path}/"
        endpoints.append(
            Endpoint(
                f"GET {path}",
                None,
                False,
                [
                    Case("unknown parameter", "GET", url, query="no_such_param=1", fields=("no_such_param",)),
                    Case("invalid UTF-8", "GET", url, query="q=caf%E9", fields=("q",)),
                    Case("NUL", "GET", url, query="q=a%00b", fields=("q",)),
                ],
            )
        )
    return endpoints


ENDPOINTS = corpus()


def test_the_corpus_is_large_and_covers_every_write_and_list_endpoint():
    cases = [case for endpoint in ENDPOINTS for case in endpoint.cases]
    assert len(cases) >= 200, len(cases)
    labels = {endpoint.label for endpoint in ENDPOINTS}
    for viewset in registry_viewsets():
        prefix = resource_for(viewset.queryset.model).prefix
        assert {f"{method} {prefix}" for method in ("GET", "POST", "PUT", "PATCH", "DELETE")} <= labels
    for endpoint in ENDPOINTS:
        names = [case.name for case in endpoint.cases]
        assert len(names) == len(set(names)), f"{endpoint.label}: duplicate case names"


# --- running a group ------------------------------------------------------------------------------


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table in the database (Django's and anything else), as the driver returns it."""
    snapshot = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            snapshot[table] = sorted(cursor.fetchall(), key=repr)
    return snapshot


def curator_client() -> SchemaCheckedClient:
    user, key = make_role_user("curator")
    # Authentication records a token's last use at most once a minute; a last use "in the
    # future" keeps it from writing at all, so the snapshot sees only what the requests do.
    ApiToken.objects.filter(user=user).update(last_used=timezone.now() + timedelta(days=1))
    client = SchemaCheckedClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def record_lookup(model) -> str:
    record = model._default_manager.order_by("pk").first()
    assert record is not None, f"the seed data has no {model.__name__}"
    return str(record.slug if resource_for(model).has_slug else record.pk)


def send(client, case: Case, record: str | None, etag: str | None):
    path = case.path.replace("{record}", record or "")
    body = case.body or b""
    if case.padding:
        body = body.replace(b'""', b'"' + b"x" * case.padding + b'"', 1)
    headers = {"QUERY_STRING": case.query}
    if etag and case.method in ("PUT", "PATCH", "DELETE"):
        headers["HTTP_IF_MATCH"] = etag
    return client.generic(case.method, path, body, content_type=case.content_type, **headers)


def names(named: set, name: str) -> bool:
    """Whether the error fields name ``name`` itself or a part of it (``countries.0``, ``topics[1]``)."""
    return any(field == name or str(field).startswith((f"{name}.", f"{name}[")) for field in named)


def problems(case: Case, response) -> list[str]:
    """What is wrong with the answer to a hostile request (nothing, when it is a proper refusal)."""
    if not 400 <= response.status_code < 500:
        return [f"status {response.status_code}, not a 4xx"]
    found = []
    if response.status_code != case.status:
        found.append(f"status {response.status_code}, expected {case.status}")
    if not response["Content-Type"].startswith("application/json"):
        return [*found, f"Content-Type {response['Content-Type']}"]
    body = response.json()
    if set(body) != ERROR_KEYS:
        return [*found, f"keys {sorted(body)}"]
    if body["status"] != response.status_code:
        found.append(f"body status {body['status']} != HTTP {response.status_code}")
    named = {error["field"] for error in body["errors"]}
    codes = {error["code"] for error in body["errors"]}
    if missing := [name for name in case.fields if not names(named, name)]:
        found.append(f"errors do not name {missing} (named: {sorted(named, key=str)})")
    if missing := [code for code in case.codes if code not in codes]:
        found.append(f"errors lack code(s) {missing} (codes: {sorted(codes)})")
    return found


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.label)
def test_hostile_requests_are_refused_and_write_nothing(seeded, endpoint: Endpoint):
    client = curator_client()
    record = record_lookup(endpoint.model) if endpoint.detail else None
    # Writes need If-Match with the record's ETag: send it, so the cases reach body validation.
    etag = client.get(f"{API}/{resource_for(endpoint.model).prefix}/{record}/").get("ETag") if record else None
    before = database_snapshot()
    failures = []
    for case in endpoint.cases:
        try:
            response = send(client, case, record, etag)
        except Exception as exc:  # a crash, or an answer the schema does not document
            failures.append(f"{case.name}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        failures += [f"{case.name}: {problem}" for problem in problems(case, response)]
    after = database_snapshot()
    changed = sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))
    assert not failures, f"{len(failures)} of {len(endpoint.cases)} hostile requests:\n" + "\n".join(failures)
    assert not changed, f"hostile requests changed tables {changed}"


def test_request_schemas_are_closed_and_match_the_writable_fields():
    """The schema refuses exactly the keys the server refuses (``additionalProperties: false``)."""
    for viewset in registry_viewsets():
        prefix = resource_for(viewset.queryset.model).prefix
        for method, component_name in (("post", "create"), ("patch", "partial update")):
            paths = schema()["paths"]
            path = (
                f"{API}/{prefix}/"
                if method == "post"
                else next(p for p in paths if p.startswith(f"{API}/{prefix}/{{") and method in paths[p])
            )
            component = request_component(path, method)
            assert component["additionalProperties"] is False, f"{prefix} {component_name}"
            assert set(component["properties"]) == set(writable_fields(viewset)), f"{prefix} {component_name}"
