"""An API client that checks every response against the committed ``openapi.yaml``.

Every response a test receives through it is validated (status code documented, body
matching), so the schema cannot drift from the code.
"""

from __future__ import annotations

import contextlib
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from rest_framework.test import APIClient

from tests.support.error_shape import ERROR_KEYS

SCHEMA_PATH = Path(settings.BASE_DIR) / "openapi.yaml"
SPARSE = ("fields", "omit")
CONDITIONAL_WRITES = ("PUT", "PATCH", "DELETE")


@cache
def committed_schema() -> dict:
    """``openapi.yaml`` as a dictionary, parsed once per process (with libyaml's parser when present):
    the schema is over a megabyte, and parsing it in pure Python took seconds per test. Read-only."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(SCHEMA_PATH.read_text(), Loader=loader)


@cache
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SCHEMA_PATH))


def validate_against_schema(response) -> None:
    """Fail unless the response's status and body are what the schema documents."""
    if response.streaming:
        assert response["Content-Type"].startswith("text/csv"), "only CSV exports are streamed"
        return
    if response.status_code == 413:
        # openapi-core would re-read the oversized body; every write documents 413 (test_schema.py).
        assert set(response.json()) == ERROR_KEYS
        return
    request = DjangoOpenAPIRequest(response.wsgi_request)
    try:
        openapi().validate_response(request, DjangoOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        # A URL or method the API does not have: only the error shape can be checked.
        assert response.status_code in (404, 405), f"{request.path} is served but not in the schema"
        assert set(response.json()) == ERROR_KEYS


class SchemaCheckedClient(APIClient):
    """An APIClient whose every response must match the OpenAPI schema.

    Sparse responses (``fields``/``omit``) lack fields the schema requires by
    design; for those the full response to the same request is validated, and the
    sparse record's keys must be a subset of it.

    Like a well-behaved SDK user, it reads before it writes: ``PUT``, ``PATCH`` and
    ``DELETE`` without an explicit ``HTTP_IF_MATCH`` first GET the record and send its
    ``ETag`` as ``If-Match``. Set ``read_before_write = False`` to send writes bare.
    """

    read_before_write = True
    check_schema = True

    @contextlib.contextmanager
    def unchecked(self):
        """Responses inside are not validated: for a reference response that the test compares, whole, with one
        that was (the parity suites ask each request both ways, and checking one of two equal bodies suffices)."""
        self.check_schema = False
        try:
            yield self
        finally:
            self.check_schema = True

    def generic(self, method, path, *args, **extra):
        if self.read_before_write and method in CONDITIONAL_WRITES and "HTTP_IF_MATCH" not in extra:
            current = self.get(path)
            if current.has_header("ETag"):
                extra["HTTP_IF_MATCH"] = current["ETag"]
        return super().generic(method, path, *args, **extra)

    def request(self, **kwargs):
        response = super().request(**kwargs)
        request = response.wsgi_request
        if not self.check_schema:
            return response
        if not request.path.startswith("/api/v1/") or "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            return response  # not the API, or a CORS preflight answered by the middleware
        query = response.wsgi_request.GET
        if response.status_code == 200 and any(name in query for name in SPARSE):
            full_query = query.copy()
            for name in SPARSE:
                full_query.pop(name, None)
            full = self.request(**{**kwargs, "QUERY_STRING": full_query.urlencode()})
            assert_sparse_subset(response.json(), full.json())
        else:
            validate_against_schema(response)
        return response


def _records(body):
    return body["results"] if isinstance(body, dict) and "results" in body else [body]


def assert_sparse_subset(sparse, full) -> None:
    for small, big in zip(_records(sparse), _records(full), strict=True):
        assert set(small) <= set(big), f"sparse record has keys the full one lacks: {set(small) - set(big)}"
        assert all(small[key] == big[key] for key in small)
