"""Records' documents kept for the registry's version (migration 0019, ``api.sql.document_cache``).

On committed data (a transaction that wrote keeps nothing): a page asked again takes its documents
from the process's memory or Redis, in one statement; every change to the registry shows in the next
page; the answers are those of the page built whole, in every language, by offset and by cursor, read
forwards and from the end; and with Redis down or absent every page is still served.
"""

from __future__ import annotations

import itertools
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from api.sql import document_cache
from api.sql.documents import Documents
from cooperation.models import Agreement, AgreementParty, Organization
from cooperation.row_counts import REGISTRY_VERSION, TABLE
from tests.support.factories import make_agreement
from tests.support.kept_documents import clear_kept

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the registry's version is kept on PostgreSQL only"),
]
URL = "/api/v1/agreements/"


@pytest.fixture(autouse=True)
def _nothing_kept_before(committed_seed):
    """No document kept from before the seed was committed, and the shared cache answering."""
    clear_kept()
    yield
    document_cache.outage.until, document_cache.outage.failing = 0.0, False


def version() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUM(n)::bigint FROM {TABLE} WHERE table_name = %s", [REGISTRY_VERSION])
        return cursor.fetchone()[0]


def built_whole(api, settings, url: str, **extra) -> dict:
    """The page as one statement builds it, documents and all (nothing kept)."""
    settings.API_KEEP_DOCUMENTS = False
    try:
        with api.unchecked():
            return page(api, url, **extra)
    finally:
        settings.API_KEEP_DOCUMENTS = True


def page(api, url: str, **extra) -> dict:
    response = api.get(url, **extra)
    assert response.status_code == 200, response.content
    return response.json()


def statements(api, url: str, **extra) -> tuple[dict, int]:
    """The page, and how many statements it took (savepoints aside: a request inside a test's transaction)."""
    with CaptureQueriesContext(connection) as queries:
        body = page(api, url, **extra)
    return body, sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for q in queries.captured_queries)


def test_every_change_to_the_registry_raises_the_version_and_a_rollback_does_not():
    seen = [version()]
    organization = Organization.objects.create(name="Versioned", slug="versioned", kind="company")
    seen.append(version())
    Organization.objects.filter(pk=organization.pk).update(short_name="V")
    seen.append(version())
    agreement = make_agreement(title="Versioned Accord")
    seen.append(version())
    AgreementParty.objects.create(agreement=agreement, organization=organization, role="party")
    seen.append(version())
    agreement.delete()
    seen.append(version())
    with pytest.raises(RuntimeError), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(name="Rolled back")
        raise RuntimeError
    seen.append(version())
    assert all(a < b for a, b in itertools.pairwise(seen[:-1])), seen
    assert seen[-1] == seen[-2]


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
def test_a_page_asked_again_takes_its_documents_from_the_cache(api, settings, language):
    url = f"{URL}?limit=4"
    first, cold = statements(api, url, HTTP_ACCEPT_LANGUAGE=language)
    again, warm = statements(api, url, HTTP_ACCEPT_LANGUAGE=language)
    assert (cold, warm) == (2, 1)  # the page's ids and version, then the missing documents; then ids only
    assert first == again == built_whole(api, settings, url, HTTP_ACCEPT_LANGUAGE=language)
    assert len(first["results"]) == 4


def test_pages_sharing_records_build_each_document_once(api, settings):
    page(api, f"{URL}?limit=3")
    with CaptureQueriesContext(connection) as queries:
        body = page(api, f"{URL}?limit=5")
    built = queries.captured_queries[-1]["sql"]
    assert len(queries) == 2 and "UNNEST" in built
    assert body == built_whole(api, settings, f"{URL}?limit=5")


def test_a_committed_change_shows_in_the_next_page(api, settings):
    before = page(api, URL)
    party = before["results"][0]["parties"][0]["organization"]
    Organization.objects.filter(pk=party["id"]).update(name="Renamed Agency", short_name="")
    after, count = statements(api, URL)
    assert count == 2  # a new version: every document built again
    shown = {
        p["organization"]["display"]
        for r in after["results"]
        for p in r["parties"]
        if p["organization"]["id"] == party["id"]
    }
    assert shown == {"Renamed Agency"}
    assert after == built_whole(api, settings, URL)


def test_a_transaction_that_wrote_builds_its_page_and_keeps_nothing(api):
    page(api, URL)  # (kept at the committed version)
    with transaction.atomic():
        Agreement.objects.filter(pk=Agreement.objects.order_by("signed_on", "slug", "pk").first().pk).update(
            title="Uncommitted Title", short_title=""
        )
        body, count = statements(api, URL)
        assert count == 1 and body["results"][0]["title"] == "Uncommitted Title"
        transaction.set_rollback(True)
    again, count = statements(api, URL)
    assert count == 1 and again["results"][0]["title"] != "Uncommitted Title"


def test_a_change_between_the_two_statements_reads_the_page_again_in_one(api, settings, monkeypatch):
    """The documents are built at a later version than the page's ids: the page is read whole, once more."""
    target = Organization.objects.filter(party_links__isnull=False).order_by("pk").first()
    built = Documents.built
    dsn = connection.get_connection_params()

    def committed_in_between(self, model, at, ids):
        with psycopg.connect(**{k: v for k, v in dsn.items() if k != "cursor_factory"}, autocommit=True) as other:
            other.execute("UPDATE cooperation_organization SET name = 'Renamed Meanwhile' WHERE id = %s", [target.pk])
        return built(self, model, at, ids)

    monkeypatch.setattr(Documents, "built", committed_in_between)
    body, count = statements(api, URL)
    monkeypatch.undo()
    assert count == 3  # ids and version; the documents, at another version; the page whole
    names = {
        p["organization"]["display"]
        for r in body["results"]
        for p in r["parties"]
        if p["organization"]["id"] == target.pk
    }
    assert names and all(name.startswith("Renamed Meanwhile") for name in names)
    assert body == built_whole(api, settings, URL)


def test_cursor_pages_and_pages_from_the_end_take_kept_documents(api, settings):
    total = Agreement.objects.count()
    for url in (f"{URL}?cursor=start&limit=3", f"{URL}?cursor=end&limit=3", f"{URL}?offset={total - 2}&limit=2"):
        clear_kept()
        first, cold = statements(api, url)
        again, warm = statements(api, url)
        assert warm == 1 and cold >= 2, url
        assert first == again == built_whole(api, settings, url), url


def test_the_change_log_is_not_kept(as_role):
    client = as_role("curator")
    client.get("/api/v1/changes/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/changes/").status_code == 200
    assert not any("UNNEST" in q["sql"] for q in queries.captured_queries)
    assert document_cache.keeps(Agreement) and not document_cache.keeps(Agreement.history.model)


def test_with_redis_down_pages_are_served_and_each_process_keeps_its_documents(api, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        document_cache.CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # (nothing listens there)
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    first, cold = statements(api, URL)
    assert cold == 2 and document_cache.outage.failing
    assert "Kept documents are not shared between workers" in caplog.text
    again, warm = statements(api, URL)
    assert warm == 1  # from this process's memory (Redis left alone meanwhile)
    assert first == again == built_whole(api, settings, URL)


def test_without_redis_each_process_keeps_its_documents(api, settings):
    settings.CACHES = {"default": settings.CACHES["default"]}
    body, cold = statements(api, URL)
    again, warm = statements(api, URL)
    assert (cold, warm) == (2, 1)
    assert body == again == built_whole(api, settings, URL)


@pytest.mark.skipif(document_cache.CACHE not in settings.CACHES, reason="no shared cache without REDIS_URL")
def test_a_document_another_process_built_is_taken_from_redis(api, settings):
    first, cold = statements(api, URL)
    document_cache.forget()  # (as another worker: nothing in its memory)
    again, warm = statements(api, URL)
    assert (cold, warm) == (2, 1)
    assert first == again == built_whole(api, settings, URL)


def detail_url(api, resource: str) -> str:
    """The path of the first record a list of ``resource`` shows (and nothing kept: a record's document in a
    list can be the same as its detail's)."""
    url = urlsplit(page(api, f"/api/v1/{resource}/?limit=1")["results"][0]["url"]).path
    clear_kept()
    return url


@pytest.mark.parametrize("resource", ["agreements", "organizations", "persons", "missions", "sources"])
def test_a_record_asked_again_takes_its_document_from_the_cache(api, settings, resource):
    url = detail_url(api, resource)
    first, cold = statements(api, url)
    again, warm = statements(api, url)
    assert (cold, warm) == (2, 1)  # the record's pk and the version, then its document; then the pk only
    assert first == again == built_whole(api, settings, url)
    settings.API_KEEP_DOCUMENTS = False
    whole_etag = api.get(url)["ETag"]
    settings.API_KEEP_DOCUMENTS = True
    assert api.get(url)["ETag"] == whole_etag


def test_a_shaped_record_keeps_both_its_renderings_and_the_etag_of_the_whole(api, settings):
    url = detail_url(api, "missions")
    shaped = f"{url}?fields=id,name"
    with api.unchecked():  # (the checking client would also ask for the whole record)
        body, cold = statements(api, shaped)
        again, warm = statements(api, shaped)
    assert (cold, warm) == (3, 1)  # pk and version; the shaped document; the whole one (the ETag's)
    assert set(body) == {"id", "name"} and body == again == built_whole(api, settings, shaped)
    assert api.get(shaped)["ETag"] == api.get(url)["ETag"]


def test_a_committed_change_shows_in_the_next_record(api, settings):
    url = detail_url(api, "organizations")
    before = page(api, url)
    Organization.objects.filter(pk=before["id"]).update(name="Renamed Record", short_name="")
    after, count = statements(api, url)
    assert count == 2 and after["name"] == "Renamed Record"
    assert after == built_whole(api, settings, url)
