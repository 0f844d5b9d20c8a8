"""API fixtures: clients that check every response against ``openapi.yaml``, anonymous or by role (tests.support)."""

from __future__ import annotations

import pytest
from django.core.cache import cache as django_cache
from django.db import transaction

from tests.support.roles import token_client
from tests.support.schema_checked_client import SchemaCheckedClient


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


@pytest.fixture
def as_role(db):
    """``as_role("curator")``: a schema-checked client authenticated with a token of that role."""

    def client_for(role: str) -> SchemaCheckedClient:
        return token_client(role)[1]

    return client_for


@pytest.fixture
def curator(as_role) -> SchemaCheckedClient:
    return as_role("curator")


@pytest.fixture
def committed_seed(request, transactional_db):
    """The seed committed, for what is kept per version (a transaction that wrote keeps nothing). ``seeded``
    inserts model by model, so in one atomic block, as foreign keys are checked at its end."""
    with transaction.atomic():
        request.getfixturevalue("seeded")


@pytest.fixture
def answers_built(settings):
    """Nothing kept (``api.core.kept_answers``, ``api.sql.document_cache``): for the tests of how answers are
    built, statement by statement. ``tests/api/test_kept_answers.py`` tests what is kept."""
    settings.API_KEEP_DOCUMENTS = False
