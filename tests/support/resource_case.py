"""The generic resource suite, after NetBox's ``APIViewTestCases``.

A concrete class per resource (``tests/api/test_resources.py``) declares:

* ``prefix``: the URL segment under ``/api/v1/``;
* ``model``: the model behind it;
* ``lookup``: the record attribute its detail URL is built from (``"slug"`` or ``"pk"``);
* ``existing``: filter kwargs picking the seeded record that reads and updates act on;
* ``create_data``: a valid POST body built from seeded records (related records by slug,
  or by id through ``Pk(...)``, resolved when the test runs); see ``write_bodies``;
* ``update_data``: a valid PATCH body for the ``existing`` record;
* ``unfiltered``: the model's fields deliberately without a filter, each with its reason, and
  ``filter_names``: a field's filter name where it differs from the field's;
* ``brief_fields`` and ``brief_in`` (with ``BriefFormTests``): the keys of the brief form
  and a (model, field) that nests this resource as a brief object.

and inherits the tests of ``ResourceTests``: list, retrieve, create/update/delete by each
role, the query-parameter contract, sparse fields, 404, and the missing-filters check.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.db import models
from django.urls import resolve

from api.resources import RESOURCES
from cooperation import models as m
from cooperation.partial_dates import PartialDate, partial_date_stems
from tests.support.error_shape import assert_error
from tests.support.filterset_coverage import filterable_fields, missing_filters, missing_parameters
from tests.support.records import rows
from tests.support.write_bodies import materialize

API = "/api/v1"
HOST = "http://testserver"
# API field names that differ from the model's.
ALIASES = {(m.Source, "web_url"): "url"}
ARC_KEYS = ("subject_type", "subject_id")


# --- helpers -------------------------------------------------------------------------------


def detail_path(obj: models.Model, lookup: str | None = None) -> str:
    resource = RESOURCES[type(obj)]
    lookup = lookup or ("slug" if resource.has_slug else "pk")
    return f"{API}/{resource.prefix}/{getattr(obj, lookup)}/"


def related(field: models.Field, value):
    if value is None:
        return None
    key = {"slug": value} if isinstance(value, str) else {"pk": value}
    return field.related_model.objects.get(**key)


def expected_values(model: type[models.Model], data: dict) -> dict[str, Any]:
    """What a write body should leave in the model's attributes (partial dates as PartialDate)."""
    data = materialize(data)
    stems = set(partial_date_stems(model))
    out: dict[str, Any] = {}
    if "subject_type" in data:
        kind = data["subject_type"]
        for name in model.arc_fields:
            out[name] = None
        out[kind] = model._meta.get_field(kind).related_model.objects.get(pk=data["subject_id"])
    for key, value in data.items():
        if key in ARC_KEYS:
            continue
        name = ALIASES.get((model, key), key)
        field = model._meta.get_field(name)
        if name in stems:
            out[name] = PartialDate.parse(value) if value else None
        elif field.is_relation:
            out[name] = related(field, value)
        elif name == "countries":
            out[name] = sorted(value)  # stored (and read) in order
        else:
            out[name] = value
    return out


def stored_values(obj: models.Model, names) -> dict[str, Any]:
    stems = set(partial_date_stems(type(obj)))
    out = {}
    for name in names:
        if name in stems:
            out[name] = obj.get_partial_date(name)
        elif name == "countries":
            out[name] = sorted(getattr(country, "code", country) for country in obj.countries)
        else:
            out[name] = getattr(obj, name)
    return out


def assert_stored(obj: models.Model, data: dict) -> None:
    obj.refresh_from_db()
    expected = expected_values(type(obj), data)
    assert stored_values(obj, expected) == expected


def assert_body_matches(body: dict, model: type[models.Model], data: dict) -> None:
    """The response shows the written values in their read shapes."""
    data = materialize(data)
    stems = set(partial_date_stems(model))
    for key, value in data.items():
        if key == "subject_type":
            assert body["subject"]["type"] == value
        elif key == "subject_id":
            assert body["subject"]["id"] == value
        elif ALIASES.get((model, key), key) in stems:
            shown = body[key]["value"] if body[key] else None
            assert shown == (PartialDate.parse(value).isoformat() if value else None), key
        elif key == "countries":
            assert body[key] == sorted(value)
        elif model._meta.get_field(ALIASES.get((model, key), key)).is_relation and value is not None:
            assert body[key]["slug" if isinstance(value, str) else "id"] == value, key
        else:
            assert body[key] == value, key


def build_record(model: type[models.Model], data: dict) -> models.Model:
    """Create a record from a write body through the ORM (not the API)."""
    instance = model()
    for name, value in expected_values(model, data).items():
        if isinstance(value, PartialDate) or (value is None and name in partial_date_stems(model)):
            instance.set_partial_date(name, value)
        else:
            setattr(instance, name, value)
    instance.full_clean_and_save()
    return instance


# --- the generic suite -----------------------------------------------------------------------


class ResourceTests:
    prefix: ClassVar[str]
    model: ClassVar[type[models.Model]]
    lookup: ClassVar[str] = "pk"
    existing: ClassVar[dict] = {}
    create_data: ClassVar[dict]
    update_data: ClassVar[dict]
    unfiltered: ClassVar[dict[str, str]] = {}  # model field -> why it has no filter
    filter_names: ClassVar[dict[str, str]] = {}  # model field -> its filter's name, where they differ

    # --- plumbing

    @property
    def list_url(self) -> str:
        return f"{API}/{self.prefix}/"

    def detail_url(self, obj: models.Model) -> str:
        return f"{API}/{self.prefix}/{getattr(obj, self.lookup)}/"

    def get_existing(self) -> models.Model:
        obj = self.model.objects.filter(**self.existing).order_by("pk").first()
        assert obj is not None, f"no seeded {self.model.__name__} matches {self.existing}"
        return obj

    def put_data(self) -> dict:
        return {**self.create_data, **self.update_data}

    def expected_display(self, obj: models.Model) -> str:
        return str(obj)

    @property
    def filterset_class(self):
        return resolve(self.list_url).func.cls.filterset_class

    # --- reads

    def test_list(self, api, seeded):
        response = api.get(self.list_url)
        assert response.status_code == 200
        body = response.json()
        count = self.model.objects.count()
        assert count > 0
        assert body["count"] == count and body["count_exact"] is True
        assert len(body["results"]) == min(count, 50)
        for result in body["results"]:
            assert {"id", "url", "display"} <= set(result)

    def test_list_every_record(self, api, seeded):
        response = api.get(self.list_url, {"limit": 1000})
        assert response.status_code == 200
        results = response.json()["results"]
        records = {obj.pk: obj for obj in self.model.objects.all()}
        assert sorted(r["id"] for r in results) == sorted(records)
        for result in results:
            obj = records[result["id"]]
            assert result["url"] == HOST + self.detail_url(obj)
            assert result["display"] == self.expected_display(obj)

    def test_retrieve(self, api, seeded):
        obj = self.get_existing()
        response = api.get(self.detail_url(obj))
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == obj.pk
        assert body["url"] == HOST + self.detail_url(obj)
        assert body["display"] == self.expected_display(obj)

    def test_missing_record_is_404(self, api, as_role, seeded):
        url = f"{self.list_url}{'no-such-record' if self.lookup == 'slug' else '987654'}/"
        assert_error(api.get(url), 404, "not_found")
        curator = as_role("curator")
        assert_error(curator.patch(url, materialize(self.update_data), format="json"), 404, "not_found")
        assert_error(curator.put(url, materialize(self.put_data()), format="json"), 404, "not_found")
        assert_error(curator.delete(url), 404, "not_found")

    def test_unknown_query_parameter_on_list(self, api, seeded):
        body = assert_error(api.get(self.list_url, {"limit": 5, "colour": "red"}), 400, "unknown_parameter")
        assert [e["field"] for e in body["errors"]] == ["colour"]
        assert "colour" in body["detail"]

    def test_unknown_query_parameter_on_detail(self, api, seeded):
        url = self.detail_url(self.get_existing())
        body = assert_error(api.get(url, {"colour": "red"}), 400, "unknown_parameter")
        assert [e["field"] for e in body["errors"]] == ["colour"]
        # List-only parameters are unknown on a detail URL.
        body = assert_error(api.get(url, {"limit": 5}), 400, "unknown_parameter")
        assert [e["field"] for e in body["errors"]] == ["limit"]

    def test_unknown_query_parameter_on_a_write_writes_nothing(self, as_role, seeded):
        client, obj = as_role("curator"), self.get_existing()
        before = rows(self.model)
        for method, url, data in (
            ("post", self.list_url, self.create_data),
            ("patch", self.detail_url(obj), self.update_data),
            ("delete", self.detail_url(obj), None),
        ):
            kwargs = {"data": materialize(data), "format": "json"} if data is not None else {}
            response = getattr(client, method)(f"{url}?colour=red", **kwargs)
            body = assert_error(response, 400, "unknown_parameter")
            assert [e["field"] for e in body["errors"]] == ["colour"], method
        assert rows(self.model) == before

    def test_sparse_fields(self, api, seeded):
        response = api.get(self.list_url, {"fields": "id,url"})
        assert response.status_code == 200
        results = response.json()["results"]
        assert results
        assert all(set(result) == {"id", "url"} for result in results)
        obj = self.get_existing()
        response = api.get(self.detail_url(obj), {"fields": "id,url"})
        assert response.status_code == 200
        assert response.json() == {"id": obj.pk, "url": HOST + self.detail_url(obj)}

    def test_sparse_fields_reject_unknown_names(self, api, seeded):
        body = assert_error(api.get(self.list_url, {"fields": "id,colour"}), 400, "invalid_parameter", ["fields"])
        assert "colour" in body["detail"]

    # --- writes by role

    def test_create_as_curator(self, as_role, seeded):
        before = self.model.objects.count()
        response = as_role("curator").post(self.list_url, materialize(self.create_data), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert self.model.objects.count() == before + 1
        obj = self.model.objects.get(pk=body["id"])
        assert body["url"] == HOST + self.detail_url(obj)
        assert_stored(obj, self.create_data)
        assert_body_matches(body, self.model, self.create_data)

    def test_create_with_related_records_by_id(self, as_role, seeded):
        """The same body with every related record given by id instead of slug."""
        data, swapped = dict(materialize(self.create_data)), []
        for key, value in data.items():
            if key not in ARC_KEYS and isinstance(value, str):
                field = self.model._meta.get_field(ALIASES.get((self.model, key), key))
                if field.is_relation:
                    data[key] = related(field, value).pk
                    swapped.append(key)
        if not swapped:
            pytest.skip("create_data names no related record")
        response = as_role("curator").post(self.list_url, data, format="json")
        assert response.status_code == 201, response.content
        obj = self.model.objects.get(pk=response.json()["id"])
        assert_stored(obj, self.create_data)  # the same records as the slugs name
        assert_body_matches(response.json(), self.model, data)

    def test_create_as_editor(self, as_role, seeded):
        before = self.model.objects.count()
        response = as_role("editor").post(self.list_url, materialize(self.create_data), format="json")
        assert response.status_code == 201, response.content
        assert self.model.objects.count() == before + 1
        assert_stored(self.model.objects.get(pk=response.json()["id"]), self.create_data)

    def test_patch_as_curator(self, as_role, seeded):
        obj = self.get_existing()
        before = self.model.objects.filter(pk=obj.pk).values().get()
        assert stored_values(obj, expected_values(self.model, self.update_data)) != expected_values(
            self.model, self.update_data
        ), "update_data must change the record"
        response = as_role("curator").patch(self.detail_url(obj), materialize(self.update_data), format="json")
        assert response.status_code == 200, response.content
        assert_stored(obj, self.update_data)
        assert_body_matches(response.json(), self.model, self.update_data)
        # A PATCH leaves every field it does not name alone.
        after = self.model.objects.filter(pk=obj.pk).values().get()
        touched = {"last_updated", "search_text"}  # derived columns
        for name in expected_values(self.model, self.update_data):
            touched |= {name, f"{name}_id", f"{name}_precision", f"{name}_end"}
        assert {k: v for k, v in after.items() if k not in touched} == {
            k: v for k, v in before.items() if k not in touched
        }

    def test_patch_as_editor(self, as_role, seeded):
        obj = self.get_existing()
        response = as_role("editor").patch(self.detail_url(obj), materialize(self.update_data), format="json")
        assert response.status_code == 200, response.content
        assert_stored(obj, self.update_data)

    def test_put_as_curator(self, as_role, seeded):
        obj = build_record(self.model, self.create_data)
        expected = expected_values(self.model, self.put_data())
        assert stored_values(obj, expected) != expected, "the PUT must change the record"
        response = as_role("curator").put(self.detail_url(obj), materialize(self.put_data()), format="json")
        assert response.status_code == 200, response.content
        obj = self.model.objects.get(pk=obj.pk)
        assert_stored(obj, self.put_data())
        assert_body_matches(response.json(), self.model, self.put_data())

    def test_delete_as_curator(self, as_role, seeded):
        obj = build_record(self.model, self.create_data)
        before = self.model.objects.count()
        response = as_role("curator").delete(self.detail_url(obj))
        assert response.status_code == 204, response.content
        assert response.content == b""
        assert not self.model.objects.filter(pk=obj.pk).exists()
        assert self.model.objects.count() == before - 1

    def test_delete_as_editor_is_refused(self, as_role, seeded):
        obj = self.get_existing()
        before = rows(self.model)
        assert_error(as_role("editor").delete(self.detail_url(obj)), 403, "permission_denied")
        assert rows(self.model) == before

    def every_write(self, client, obj):
        """Create, partially update, update and delete (``obj``) through ``client``: (method, url, response)."""
        for method, url, data in (
            ("post", self.list_url, self.create_data),
            ("patch", self.detail_url(obj), self.update_data),
            ("put", self.detail_url(obj), self.put_data()),
            ("delete", self.detail_url(obj), None),
        ):
            kwargs = {"data": materialize(data), "format": "json"} if data is not None else {}
            yield method, url, getattr(client, method)(url, **kwargs)

    @pytest.mark.parametrize("role", ["reader", "none"])
    def test_writes_without_a_write_role_are_refused(self, as_role, seeded, role):
        client = as_role(role)
        obj = self.get_existing()
        before = rows(self.model)
        assert client.get(self.detail_url(obj)).status_code == 200  # reads stay open
        for method, url, response in self.every_write(client, obj):
            assert response.status_code == 403, f"{method.upper()} {url}: {response.status_code}"
            assert_error(response, 403, "permission_denied")
        assert rows(self.model) == before

    def test_anonymous_writes_are_refused(self, api, seeded):
        obj = self.get_existing()
        before = rows(self.model)
        for method, url, response in self.every_write(api, obj):
            assert response.status_code == 401, f"{method.upper()} {url}: {response.status_code}"
            assert_error(response, 401, "not_authenticated")
            assert response["WWW-Authenticate"].startswith("Token")
        assert rows(self.model) == before

    # --- filters

    def test_missing_filters(self):
        """NetBox's check: every model field meant to be filterable has a filter (fields from the model)."""
        missing = missing_filters(self.model, self.filterset_class, unfiltered=self.unfiltered, names=self.filter_names)
        assert missing == [], "\n".join(missing)

    def test_unfiltered_fields_are_real_and_still_unfiltered(self):
        fields = {field.name: field for field in self.model._meta.concrete_fields}
        assert set(self.unfiltered) | set(self.filter_names) <= set(fields), "names a field the model lacks"
        shared = set(self.unfiltered) - {field.name for field in filterable_fields(self.model)}
        assert shared == set(), "already excluded for every model (filterset_coverage)"
        stale = [
            name
            for name in self.unfiltered
            if not missing_parameters(fields[name], self.filterset_class, self.filter_names)
        ]
        assert stale == [], f"these fields have filters now: drop them from unfiltered: {stale}"


class BriefFormTests:
    """For resources other records point at: the brief form they are nested as."""

    brief_fields: ClassVar[set[str]] = {"id", "url", "slug", "display"}
    brief_in: ClassVar[tuple[type[models.Model], str]]

    def test_brief_form(self, api, seeded):
        holder_model, field = self.brief_in
        holder = holder_model.objects.filter(**{f"{field}__isnull": False}).order_by("pk").first()
        target = getattr(holder, field)
        response = api.get(detail_path(holder))
        assert response.status_code == 200
        nested = response.json()[field]
        assert set(nested) == self.brief_fields
        assert nested["id"] == target.pk
        assert nested["url"] == HOST + self.detail_url(target)
        assert nested["display"] == str(target)
        if "slug" in self.brief_fields:
            assert nested["slug"] == target.slug
        followed = api.get(nested["url"])
        assert followed.status_code == 200
        assert followed.json()["id"] == target.pk
