"""API test fixtures: role users with tokens, and a client that checks every response against the schema.

Every response an API test receives through ``api`` (or ``as_role``) is validated
against the committed ``openapi.yaml`` (status code documented, body matching),
so the schema cannot drift from the code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache as django_cache
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from rest_framework.test import APIClient

from api.models import ApiToken
from cooperation.roles import sync_roles

SCHEMA_PATH = Path(settings.BASE_DIR) / "openapi.yaml"
ROLES = ("curator", "editor", "reader")


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
        assert set(response.json()) == {"status", "code", "detail", "errors"}
        return
    request = DjangoOpenAPIRequest(response.wsgi_request)
    try:
        openapi().validate_response(request, DjangoOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        # A URL or method the API does not have: only the error shape can be checked.
        assert response.status_code in (404, 405), f"{request.path} is served but not in the schema"
        assert set(response.json()) == {"status", "code", "detail", "errors"}


SPARSE = ("fields", "omit")
CONDITIONAL_WRITES = ("PUT", "PATCH", "DELETE")


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

    def generic(self, method, path, *args, **extra):
        if self.read_before_write and method in CONDITIONAL_WRITES and "HTTP_IF_MATCH" not in extra:
            current = self.get(path)
            if current.has_header("ETag"):
                extra["HTTP_IF_MATCH"] = current["ETag"]
        return super().generic(method, path, *args, **extra)

    def request(self, **kwargs):
        response = super().request(**kwargs)
        request = response.wsgi_request
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


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    """Rate-limit counters live in the cache; no test inherits another's."""
    django_cache.clear()
    yield
    django_cache.clear()


@pytest.fixture
def api(db) -> SchemaCheckedClient:
    """An anonymous client."""
    return SchemaCheckedClient()


def make_role_user(role: str) -> tuple[User, str]:
    if Group.objects.filter(name__in=ROLES).count() != len(ROLES):
        sync_roles()  # a transactional test before this one flushed the groups the migration made
    user = User.objects.create_user(username=f"{role}-user", password="unused-password-1")
    if role != "none":
        user.groups.add(Group.objects.get(name=role))
    _, key = ApiToken.issue(user, days=1, description=f"test {role}")
    return user, key


@pytest.fixture
def as_role(db):
    """``as_role("curator")``: a schema-checked client authenticated with a token of that role."""

    def client_for(role: str) -> SchemaCheckedClient:
        _, key = make_role_user(role)
        client = SchemaCheckedClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for


@pytest.fixture
def curator(as_role) -> SchemaCheckedClient:
    return as_role("curator")
