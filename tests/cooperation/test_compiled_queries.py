"""Queries compiled once and run with other values: the ORM's rows, converted as the ORM converts them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cooperation.compiled_queries import CompiledQuery


def _joined(username):
    return User.objects.filter(username=username).values_list("pk", "username", "date_joined", "is_active")


JOINED = CompiledQuery(_joined, "compiled-query-test-marker")


@pytest.mark.django_db
def test_rows_are_the_orms_for_every_value():
    when = timezone.now() - dt.timedelta(days=3)
    for name in ("ada", "grace", "o'brien %s"):
        User.objects.create_user(name, date_joined=when)
    for name in ("ada", "grace", "o'brien %s", "nobody"):
        rows = JOINED.rows(User, name)
        assert rows == list(_joined(name)), name
    (row,) = JOINED.rows(User, "ada")
    assert row[2] == when and row[2].tzinfo is not None  # aware, as the ORM returns it (SQLite too)


@pytest.mark.django_db
def test_it_is_one_query_and_compiled_once(monkeypatch):
    User.objects.create_user("ada")
    JOINED.rows(User, "ada")
    built = []
    monkeypatch.setattr(JOINED, "build", lambda *values: built.append(values))
    with CaptureQueriesContext(connection) as queries:
        assert [row[1] for row in JOINED.rows(User, "ada")] == ["ada"]
    assert len(queries) == 1 and built == []


@pytest.mark.django_db
def test_a_marker_the_statement_does_not_take_as_a_parameter_is_refused():
    unused = CompiledQuery(lambda name: User.objects.values_list("pk"), "compiled-query-unused-marker")
    with pytest.raises(ValueError, match="marker"):
        unused.rows(User, "ada")
