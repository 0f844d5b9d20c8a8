"""Optimistic concurrency under a real race: two writers holding the same ETag."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client

from api.core.etags import ConditionalWriteMixin
from api.models import ApiToken
from cooperation import models as m
from tests.support.roles import make_role_user

API = "/api/v1"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks (it serializes writers)")
def test_two_concurrent_writes_with_the_same_tag_never_both_succeed(monkeypatch):
    """Both requests pass the check before either writes, unless the row lock makes one wait.

    The barrier holds each request after its If-Match check until the other has passed
    its own: without ``SELECT ... FOR UPDATE`` both would then write (and the test
    fails); with it, the second request waits for the first to commit and then sees a
    changed record. The barrier's timeout lets the first request go on alone.
    """
    m.Organization.objects.create(slug="race", name="Race", kind="company")
    # Two curators, as in life (one token would also serialize them: its first use updates it).
    curator, key = make_role_user("curator")
    other = User.objects.create_user(username="other-curator", password="unused-password-2")
    other.groups.set(curator.groups.all())
    keys = {"first": key, "second": ApiToken.issue(other, days=1)[1]}
    url = f"{API}/organizations/race/"
    tag = Client().get(url)["ETag"]
    barrier = threading.Barrier(2, timeout=3)
    check = ConditionalWriteMixin.check_if_match

    def check_then_wait(self, instance):
        check(self, instance)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    monkeypatch.setattr(ConditionalWriteMixin, "check_if_match", check_then_wait)
    statuses: dict[str, int] = {}

    def write(name: str) -> None:
        try:
            response = Client().patch(
                url,
                {"short_name": name},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {keys[name]}",
                HTTP_IF_MATCH=tag,
            )
            statuses[name] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses.values()) == [200, 412], statuses
    winner = next(name for name, code in statuses.items() if code == 200)
    assert m.Organization.objects.get(slug="race").short_name == winner
