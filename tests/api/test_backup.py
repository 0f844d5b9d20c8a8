"""Backup round trip: ``manage.py export``, an emptied database, ``manage.py loaddata``: the same API.

Every list endpoint (every registry resource, the change log and the timeline; all
pages, heavy fields expanded) must answer exactly as before, ids, timestamps and
history included, and the same token must still work.
"""

from __future__ import annotations

import gzip
import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection

from api.core.resource_urls import resource_for
from api.resources import registry_viewsets
from api.views.changes import ChangeViewSet
from cooperation.history.models import ChangeRecord
from cooperation.management.commands.export import NOT_EXPORTED, exported_models
from cooperation.models import Organization

API = "/api/v1"


def list_urls() -> list[str]:
    urls = []
    for viewset in [*registry_viewsets(), ChangeViewSet]:
        url = f"{API}/{resource_for(viewset.queryset.model).prefix}/"
        expandable = getattr(viewset.serializer_class.Meta, "expandable", ())
        urls.append(f"{url}?expand={','.join(expandable)}" if expandable else url)
    return [*urls, f"{API}/timeline/?include_superseded=true"]


def every_page(client, url: str) -> list[dict]:
    records, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        records += body["results"]
        url, pages = body["next"], pages + 1
    return records


def capture(client) -> dict[str, list[dict]]:
    return {url: every_page(client, url) for url in list_urls()}


def first_difference(old: list[dict], new: list[dict]) -> str:
    if len(old) != len(new):
        return f"{len(old)} records before, {len(new)} after"
    for a, b in zip(old, new, strict=True):
        if a != b:
            keys = sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
            return f"record {a.get('id')}: " + "; ".join(f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in keys)
    return "none"


def make_history(client) -> None:
    """API writes, so the change log has creations, updates and deletions attributed to a user."""
    response = client.post(
        f"{API}/organizations/", {"slug": "backup-test-agency", "name": "Backup Test", "kind": "company"}
    )
    assert response.status_code == 201, response.content
    url = f"{API}/organizations/backup-test-agency/"
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"name": "Backup Test Agency"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    person = client.post(f"{API}/persons/", {"slug": "backup-test-person", "name": "Backup Person"})
    assert person.status_code == 201, person.content
    url = f"{API}/persons/backup-test-person/"
    response = client.delete(url, HTTP_IF_MATCH=client.get(url)["ETag"])
    assert response.status_code == 204, response.content


def test_export_then_loaddata_into_an_emptied_database_gives_the_same_api(seeded, curator, tmp_path):
    curator.default_format = "json"
    make_history(curator)
    before = capture(curator)
    assert len(before) == len(registry_viewsets()) + 2
    assert all(before.values()), [url for url, records in before.items() if not records]
    assert len(before[f"{API}/citations/"]) > 50, "the citations span several pages"
    assert {change["action"] for change in before[f"{API}/changes/"]} == {"created", "updated", "deleted"}

    backup = tmp_path / "registry.json.gz"
    call_command("export", output=str(backup), verbosity=0)
    # The test's writes share one transaction with the flush; PostgreSQL refuses to TRUNCATE
    # tables with deferred foreign-key checks pending, so run those checks now.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    assert not Organization.objects.exists() and not User.objects.exists() and not ChangeRecord.objects.exists()

    call_command("loaddata", str(backup), verbosity=0)
    after = capture(curator)  # the same token: accounts, roles and tokens are restored too

    for url in before:
        assert after[url] == before[url], (
            f"{url} differs after the round trip: {first_difference(before[url], after[url])}"
        )
    again = tmp_path / "again.json.gz"
    call_command("export", output=str(again), verbosity=0)
    assert gzip.decompress(again.read_bytes()) == gzip.decompress(backup.read_bytes())


def test_export_keeps_microseconds_and_uses_natural_keys_only_for_accounts(seeded, curator, tmp_path):
    curator.get(f"{API}/organizations/")  # the token's first use is recorded
    backup = tmp_path / "registry.json"
    call_command("export", output=str(backup), verbosity=0)
    records = json.loads(backup.read_text(encoding="utf-8"))
    by_model: dict[str, list[dict]] = {}
    for record in records:
        by_model.setdefault(record["model"], []).append(record)

    assert not set(by_model) & set(NOT_EXPORTED)
    assert [r["model"] for r in records[: len(by_model["auth.group"])]] == ["auth.group"] * 3, "groups come first"
    assert all("pk" not in r for r in by_model["auth.group"] + by_model["auth.user"]), "accounts by natural key"
    assert by_model["auth.user"][0]["fields"]["groups"] == [["curator"]]
    token = by_model["api.apitoken"][0]["fields"]
    assert token["user"] == ["curator-user"]

    organization = Organization.objects.order_by("pk").first()
    exported = next(r for r in by_model["cooperation.organization"] if r["pk"] == organization.pk)
    assert exported["fields"]["parent"] is None or isinstance(exported["fields"]["parent"], int), "ids, not slugs"
    assert exported["fields"]["last_updated"] == organization.last_updated.isoformat()
    assert {model._meta.label_lower for model in exported_models()} >= set(by_model)


@pytest.mark.parametrize("name", ["backup.json", "backup.json.gz"])
def test_export_to_a_directory_or_a_file_and_to_stdout(db, tmp_path, name):
    call_command("export", output=str(tmp_path / name), verbosity=0)
    raw = (tmp_path / name).read_bytes()
    text = gzip.decompress(raw) if name.endswith(".gz") else raw
    assert {r["model"] for r in json.loads(text)} >= {"auth.group"}
    assert Group.objects.count() == 3

    call_command("export", output=str(tmp_path), verbosity=1)
    (written,) = tmp_path.glob("registry-*.json.gz")
    assert json.loads(gzip.decompress(written.read_bytes())) == json.loads(text)
    assert not list(tmp_path.glob(".*.partial")), "no partial file is left behind"

    out, err = io.StringIO(), io.StringIO()
    call_command("export", verbosity=1, stdout=out, stderr=err)
    assert json.loads(out.getvalue()) == json.loads(text)
    assert err.getvalue().startswith("Exported "), "the summary goes to stderr when stdout carries the data"
