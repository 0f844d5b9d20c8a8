"""Whole answers kept for the registry's version (``api.core.kept_answers``): the timeline, search and graph.

On committed data (a transaction that wrote keeps nothing): an answer asked again is read from the
cache in one statement (the version) and equals the answer built from the registry, in every language
and for every host; a committed change shows in the next answer; an answer built while a change was
committed, errors and the CSV export are never kept.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from api.views.timeline import TimelineView
from cooperation.models import Organization
from tests.support.kept_documents import clear_kept

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the registry's version is kept on PostgreSQL only"),
]
ANSWERS = [
    "/api/v1/timeline/",
    "/api/v1/timeline/?organization=roscosmos&limit=5",
    "/api/v1/search/?q=lunar",
    "/api/v1/graph/?organization=cnsa&depth=2",
]


@pytest.fixture(autouse=True)
def _nothing_kept_before(committed_seed):
    clear_kept()


def answer(api, url: str, **extra):
    response = api.get(url, **extra)
    assert response.status_code == 200, response.content
    return response


def statements(api, url: str, **extra) -> tuple[bytes, int]:
    """The answer's body, and how many statements it took (savepoints aside)."""
    with CaptureQueriesContext(connection) as queries:
        body = answer(api, url, **extra).content
    return body, sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for q in queries.captured_queries)


def built(api, settings, url: str, **extra) -> bytes:
    """The answer as the registry's statements build it, nothing kept."""
    settings.API_KEEP_DOCUMENTS = False
    try:
        with api.unchecked():
            return answer(api, url, **extra).content
    finally:
        settings.API_KEEP_DOCUMENTS = True


@pytest.mark.parametrize("url", ANSWERS)
@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
def test_an_answer_asked_again_is_read_in_one_statement(api, settings, url, language):
    first, cold = statements(api, url, HTTP_ACCEPT_LANGUAGE=language)
    again, warm = statements(api, url, HTTP_ACCEPT_LANGUAGE=language)
    assert cold >= 3 and warm == 1  # the version, the answer's statements, the version again; then the version
    assert first == again == built(api, settings, url, HTTP_ACCEPT_LANGUAGE=language)


def test_languages_and_hosts_are_kept_apart(api, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hub.example.org"]
    url = "/api/v1/timeline/?limit=3"
    english = answer(api, url, HTTP_ACCEPT_LANGUAGE="en").content
    russian = answer(api, url, HTTP_ACCEPT_LANGUAGE="ru").content
    elsewhere = answer(api, url, HTTP_ACCEPT_LANGUAGE="en", HTTP_HOST="hub.example.org").content
    assert len({english, russian, elsewhere}) == 3
    assert b"http://hub.example.org/api/v1/" in elsewhere and b"hub.example.org" not in english
    assert answer(api, url, HTTP_ACCEPT_LANGUAGE="en").content == english
    assert russian == built(api, settings, url, HTTP_ACCEPT_LANGUAGE="ru")


def test_a_committed_change_shows_in_the_next_answer(api, settings):
    url = "/api/v1/search/?q=roscosmos"
    before = answer(api, url).json()
    assert before["results"]
    Organization.objects.filter(slug="roscosmos").update(name="Roscosmos Renamed")
    after, count = statements(api, url)
    assert count >= 3  # a new version: built again
    assert b"Roscosmos Renamed" in after and after == built(api, settings, url)


def test_an_answer_built_while_a_change_was_committed_is_not_kept(api, settings, monkeypatch):
    built_answer = TimelineView.answer
    dsn = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}

    def committed_meanwhile(self, request):
        response = built_answer(self, request)
        with psycopg.connect(**dsn, autocommit=True) as other:
            other.execute("UPDATE cooperation_organization SET name = 'Renamed Meanwhile' WHERE slug = 'roscosmos'")
        return response

    url = "/api/v1/timeline/?organization=roscosmos"
    monkeypatch.setattr(TimelineView, "answer", committed_meanwhile)
    answer(api, url)
    monkeypatch.undo()
    after, count = statements(api, url)
    assert count >= 3  # nothing was kept: built again
    assert b"Renamed Meanwhile" in after and after == built(api, settings, url)


def test_a_transaction_that_wrote_keeps_nothing(api):
    url = "/api/v1/graph/?organization=cnsa"
    with transaction.atomic():
        Organization.objects.filter(slug="cnsa").update(short_name="Uncommitted")
        for _ in range(2):
            body, count = statements(api, url)
            assert count == 2 and b"Uncommitted" in body  # the version (none), the graph's statement
        transaction.set_rollback(True)
    body, count = statements(api, url)
    assert count >= 3 and b"Uncommitted" not in body


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("/api/v1/timeline/?format=csv", {}),
        ("/api/v1/timeline/", {"HTTP_ACCEPT": "text/csv"}),
        ("/api/v1/graph/?organization=no-such-organization", {}),
        ("/api/v1/search/?q=lunar&type__in=planet", {}),
    ],
)
def test_errors_and_the_csv_export_are_never_kept(api, url, extra):
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url, **extra)
            if response.status_code == 200:
                assert response["Content-Type"].startswith("text/csv")
                assert b"".join(response.streaming_content).count(b"\n") > 1  # (its statements run as it streams)
            else:
                assert response.status_code == 400
        counts.append(sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE")) for q in queries.captured_queries))
    assert counts[0] == counts[1] >= 1  # asked again, answered again as the first time
