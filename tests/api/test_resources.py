"""Every resource through one generic test suite, after NetBox's ``APIViewTestCases``.

A concrete class per resource declares:

* ``prefix``: the URL segment under ``/api/v1/``;
* ``model``: the model behind it;
* ``lookup``: the record attribute its detail URL is built from (``"slug"`` or ``"pk"``);
* ``existing``: filter kwargs picking the seeded record that reads and updates act on;
* ``create_data``: a valid POST body built from seeded records (related records by slug,
  or by id through ``Pk(...)``, resolved when the test runs);
* ``update_data``: a valid PATCH body for the ``existing`` record;
* ``brief_fields`` and ``brief_in`` (with ``BriefFormTests``): the keys of the brief form
  and a (model, field) that nests this resource as a brief object.

and inherits the tests of ``ResourceTests``: list, retrieve, create/update/delete by each
role, the query-parameter contract, sparse fields and 404. Resource-specific write rules
(signatories, partial dates, enums, related records by slug or id, protected deletes)
follow the generic classes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from django.apps import apps
from django.db import models

from api.core.resource_urls import RESOURCES
from cooperation import models as m
from cooperation.partial_dates import PartialDate, partial_date_stems

API = "/api/v1"
HOST = "http://testserver"
# API field names that differ from the model's.
ALIASES = {(m.Source, "web_url"): "url"}
ARC_KEYS = ("subject_type", "subject_id")


# --- helpers -------------------------------------------------------------------------------


class Pk:
    """The id of a seeded record, resolved when the test runs: ``Pk(m.Mission, slug="luna-26")``."""

    def __init__(self, model: type[models.Model], **lookup):
        self.model, self.lookup = model, lookup

    def resolve(self) -> int:
        return self.model.objects.get(**self.lookup).pk

    def __repr__(self) -> str:
        return f"Pk({self.model.__name__}, {self.lookup})"


def materialize(data: dict) -> dict:
    return {key: value.resolve() if isinstance(value, Pk) else value for key, value in data.items()}


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


def rows(model: type[models.Model]) -> list[dict]:
    return list(model.objects.order_by("pk").values())


def all_rows() -> dict[str, list[dict]]:
    return {model.__name__: rows(model) for model in apps.get_app_config("cooperation").get_models()}


def assert_error(response, status: int, code: str | None = None, fields=()) -> dict:
    """The one error shape, with this status and code, naming at least ``fields``."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    named = {error["field"] for error in body["errors"]}
    assert set(fields) <= named, body
    return body


# --- the generic suite -----------------------------------------------------------------------


class ResourceTests:
    prefix: ClassVar[str]
    model: ClassVar[type[models.Model]]
    lookup: ClassVar[str] = "pk"
    existing: ClassVar[dict] = {}
    create_data: ClassVar[dict]
    update_data: ClassVar[dict]

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

    # --- reads

    def test_list(self, api, seeded):
        response = api.get(self.list_url)
        assert response.status_code == 200
        body = response.json()
        count = self.model.objects.count()
        assert count > 0
        assert body["count"] == count
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

    @pytest.mark.parametrize("role", ["reader", "none"])
    def test_writes_without_a_write_role_are_refused(self, as_role, seeded, role):
        client = as_role(role)
        obj = self.get_existing()
        before = rows(self.model)
        assert client.get(self.detail_url(obj)).status_code == 200  # reads stay open
        for method, url, data in (
            ("post", self.list_url, self.create_data),
            ("patch", self.detail_url(obj), self.update_data),
            ("put", self.detail_url(obj), self.put_data()),
            ("delete", self.detail_url(obj), None),
        ):
            kwargs = {"data": materialize(data), "format": "json"} if data is not None else {}
            response = getattr(client, method)(url, **kwargs)
            assert response.status_code == 403, f"{method.upper()} {url}: {response.status_code}"
            assert_error(response, 403, "permission_denied")
        assert rows(self.model) == before

    def test_anonymous_writes_are_refused(self, api, seeded):
        obj = self.get_existing()
        before = rows(self.model)
        for method, url, data in (
            ("post", self.list_url, self.create_data),
            ("patch", self.detail_url(obj), self.update_data),
            ("put", self.detail_url(obj), self.put_data()),
            ("delete", self.detail_url(obj), None),
        ):
            kwargs = {"data": materialize(data), "format": "json"} if data is not None else {}
            response = getattr(api, method)(url, **kwargs)
            assert response.status_code == 401, f"{method.upper()} {url}: {response.status_code}"
            assert_error(response, 401, "not_authenticated")
            assert response["WWW-Authenticate"].startswith("Token")
        assert rows(self.model) == before


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


# --- one class per resource --------------------------------------------------------------------


class TestOrganizations(BriefFormTests, ResourceTests):
    prefix = "organizations"
    model = m.Organization
    lookup = "slug"
    existing = {"slug": "nasa"}
    brief_in = (m.PersonRole, "organization")
    create_data = {
        "slug": "tsniimash",
        "name": "Central Research Institute of Machine Building",
        "short_name": "TsNIIMash",
        "kind": "research_institute",
        "countries": ["RU"],
        "parent": "roscosmos",
        "founded_on": "1946-05",
        "website": "https://www.tsniimash.ru/",
        "wikidata_id": "Q4505981",
        "description": "Roscosmos's head research institute.",
    }
    update_data = {
        "short_name": "NASA (US)",
        "founded_on": "1958-07-29",
        "countries": ["US", "GB"],
        "description": "Updated through the API.",
    }


class TestPersons(BriefFormTests, ResourceTests):
    prefix = "persons"
    model = m.Person
    lookup = "slug"
    existing = {"slug": "igor-komarov"}
    brief_in = (m.PersonRole, "person")
    create_data = {
        "slug": "yuri-borisov",
        "name": "Yuri Borisov",
        "wikidata_id": "Q4197395",
        "description": "Director General of Roscosmos from July 2022.",
    }
    update_data = {"wikidata_id": "Q4213010", "description": "General Director of Roscosmos, 2015-2018."}


class TestRoles(ResourceTests):
    prefix = "roles"
    model = m.PersonRole
    existing = {"person__slug": "igor-komarov", "organization__slug": "roscosmos"}
    create_data = {
        "person": "igor-komarov",
        "organization": "government-of-russia",
        "title": "Deputy Minister of Economic Development",
        "started_on": "2009",
        "ended_on": "2013-10",
    }
    update_data = {"title": "Director General of Roscosmos", "started_on": "2012-05-21"}


class TestAgreements(BriefFormTests, ResourceTests):
    prefix = "agreements"
    model = m.Agreement
    lookup = "slug"
    existing = {"slug": "russia-china-lunar-deep-space-mou-2018"}
    brief_in = (m.AgreementParty, "agreement")
    create_data = {
        "slug": "russia-china-glonass-beidou-agreement-2018",
        "title": "Agreement on cooperation in the use of the GLONASS and BeiDou navigation systems",
        "short_title": "2018 GLONASS-BeiDou agreement",
        "kind": "agreement",
        "status": "in_force",
        "authorized_on": "2018-10",
        "signed_on": "2018-11-07",
        "signed_place": "Beijing",
        "signing_mode": "in_person",
        "signing_event": "The 23rd meeting of the heads of government",
        "forum": "isef",
        "entered_into_force_on": "2019",
        "entry_into_force_condition": "On the last notification of ratification.",
        "valid_from": "2019-09",
        "valid_until": "2029",
        "summary": "Interoperability of GLONASS and BeiDou.",
        "topics": ["navigation", "interoperability"],
    }
    update_data = {
        "status": "in_force",
        "entered_into_force_on": "2019-01",
        "summary": "Updated through the API.",
        "topics": ["lunar exploration", "deep space"],
    }


class TestParties(ResourceTests):
    prefix = "parties"
    model = m.AgreementParty
    existing = {"agreement__slug": "russia-china-ilrs-mou-2021", "organization__slug": "government-of-china"}
    create_data = {
        "agreement": "russia-china-ilrs-mou-2021",
        "organization": "cnsa",
        "role": "party",
        "note": "Named as the implementing agency.",
    }
    update_data = {"withdrawn_on": "2024-03", "note": "Updated through the API."}


class TestSignatories(ResourceTests):
    prefix = "signatories"
    model = m.Signatory
    existing = {"agreement__slug": "russia-china-ilrs-mou-2021", "person__slug": "zhang-kejian"}
    create_data = {
        "agreement": "russia-china-ilrs-mou-2021",
        "person": "wu-yanhua",
        "on_behalf_of": "cnsa",  # part of the Chinese government, which is a party
        "title": "Deputy Head of the CNSA",
        "note": "Countersigned for the implementing agency.",
    }
    update_data = {"title": "Administrator of the CNSA", "note": "Updated through the API."}


class TestRelations(ResourceTests):
    prefix = "relations"
    model = m.AgreementRelation
    existing = {"from_agreement__slug": "russia-china-lunar-deep-space-mou-2018"}
    create_data = {
        "from_agreement": "russia-china-ilrs-mou-2021",
        "to_agreement": "russia-china-lunar-deep-space-mou-2018",
        "kind": "follows_up",
        "note": "The ILRS memorandum follows the 2018 lunar memorandum.",
    }
    update_data = {"kind": "implements", "note": "Updated through the API."}


class TestAgreementMissions(ResourceTests):
    prefix = "agreement-missions"
    model = m.AgreementMission
    existing = {"agreement__slug": "russia-china-ilrs-mou-2021", "mission__slug": "ilrs"}
    create_data = {
        "agreement": "russia-china-ilrs-mou-2021",
        "mission": "change-7",
        "role": "cooperation",
        "note": "Chang'e 7 as an ILRS precursor.",
    }
    update_data = {"role": "cooperation", "note": "Updated through the API."}


class TestMissions(BriefFormTests, ResourceTests):
    prefix = "missions"
    model = m.Mission
    lookup = "slug"
    existing = {"slug": "luna-26"}
    brief_in = (m.MissionParticipant, "mission")
    create_data = {
        "slug": "luna-27",
        "name": "Luna 27",
        "kind": "lander",
        "target": "moon",
        "status": "planned",
        "parent": "russian-lunar-program",
        "wikidata_id": "Q1811208",
        "description": "Russian lunar south-pole lander.",
    }
    update_data = {"status": "active", "target": "lunar_orbit", "description": "Updated through the API."}


class TestParticipants(ResourceTests):
    prefix = "participants"
    model = m.MissionParticipant
    existing = {"mission__slug": "luna-26", "organization__slug": "roscosmos"}
    create_data = {
        "mission": "luna-26",
        "organization": "cnsa",
        "role": "partner",
        "joined_on": "2018-03-03",
        "left_on": "2019",
        "note": "Data sharing under the lunar data center agreement.",
    }
    update_data = {"joined_on": "2013", "left_on": "2024-08", "note": "Updated through the API."}


class TestMilestones(ResourceTests):
    prefix = "milestones"
    model = m.Milestone
    existing = {"mission__slug": "luna-26", "source__slug": "parabolicarc-2018-03-07"}
    create_data = {
        "mission": "luna-26",
        "kind": "launch",
        "status": "planned",
        "date": "2024",
        "window_end": "2025",
        "source": "lunar-station-brief-2021",
        "stated_on": "2021-03",
        "locator": "para 5",
        "quote": "Luna 26 is now expected no earlier than 2024.",
        "note": "A window claim.",
    }
    update_data = {"date": "2023-07", "locator": "para 9", "quote": "Updated through the API."}


class TestSources(BriefFormTests, ResourceTests):
    prefix = "sources"
    model = m.Source
    lookup = "slug"
    existing = {"slug": "parabolicarc-2018-03-07"}
    brief_in = (m.Milestone, "source")
    create_data = {
        "slug": "tass-2021-03-09",
        "title": "Russia and China sign a memorandum on an international lunar station",
        "publisher": "TASS",
        "author": "Staff",
        "web_url": "https://tass.com/science/1264849",
        "published_on": "2021-03-09",
        "kind": "news",
        "tier": "second_party",
        "language": "ru",
        "document": "tass-2021-03-09.pdf",
        "notes": "Reprinted widely.",
    }
    update_data = {"title": "Updated through the API", "published_on": "2018-03", "web_url": "https://example.org/a"}


class TestCitations(ResourceTests):
    prefix = "citations"
    model = m.Citation
    existing = {"agreement__slug": "russia-china-ilrs-mou-2021"}
    create_data = {
        "subject_type": "agreement",
        "subject_id": Pk(m.Agreement, slug="russia-china-ilrs-mou-2021"),
        "source": "lunar-station-brief-2021",
        "field": "signed_on",
        "locator": "para 99",
        "quote": "signed on March 9",
        "claim": "2021-03-09",
        "note": "Added through the API.",
    }
    update_data = {"locator": "para 12", "quote": "Updated through the API.", "claim": "2021-03"}

    def expected_display(self, obj):
        kind = obj.subject_kind
        where = f".{obj.field}" if obj.field else ""
        return f"{kind} #{getattr(obj, f'{kind}_id')}{where} cites {obj.source.slug}"


class TestLabels(ResourceTests):
    prefix = "labels"
    model = m.Label
    existing = {"organization__slug": "roscosmos"}
    create_data = {
        "subject_type": "mission",
        "subject_id": Pk(m.Mission, slug="luna-26"),
        "language": "zh",
        "text": "月球26号",
        "kind": "official",
        "source": "curator-knowledge",
        "note": "Added through the API.",
    }
    update_data = {"language": "zh", "text": "俄罗斯联邦航天局", "kind": "former", "note": "Updated through the API."}


RESOURCE_CLASSES = [
    TestOrganizations, TestPersons, TestRoles, TestAgreements, TestParties, TestSignatories, TestRelations,
    TestAgreementMissions, TestMissions, TestParticipants, TestMilestones, TestSources, TestCitations, TestLabels,
]  # fmt: skip


def test_every_resource_has_a_test_class():
    declared = {cls.prefix: (cls.model, cls.lookup) for cls in RESOURCE_CLASSES}
    routed = {r.prefix: (model, r.lookup_field) for model, r in RESOURCES.items()}
    assert declared == routed


# --- resource-specific write rules ------------------------------------------------------------

ILRS = "russia-china-ilrs-mou-2021"


@pytest.fixture
def curator(as_role):
    return as_role("curator")


class TestSignatoryMustActForAParty:
    @pytest.mark.parametrize(
        "organization",
        [
            pytest.param("nasa", id="not-a-party"),
            pytest.param("kremlin", id="authorizing-body-only"),
            pytest.param("spacex", id="unrelated-company"),
        ],
    )
    def test_create_on_behalf_of_a_non_party(self, curator, seeded, organization):
        before = rows(m.Signatory)
        data = {"agreement": ILRS, "person": "igor-komarov", "on_behalf_of": organization}
        body = assert_error(curator.post(f"{API}/signatories/", data, format="json"), 400, "invalid")
        assert [e["field"] for e in body["errors"]] == ["on_behalf_of"]
        assert rows(m.Signatory) == before

    @pytest.mark.parametrize("organization", ["government-of-russia", "roscosmos", "rsc-energia"])
    def test_create_on_behalf_of_a_party_or_part_of_one(self, curator, seeded, organization):
        # roscosmos is part of the Russian government (a party); RSC Energia is part of roscosmos.
        data = {"agreement": ILRS, "person": "igor-komarov", "on_behalf_of": organization}
        response = curator.post(f"{API}/signatories/", data, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["on_behalf_of"]["slug"] == organization
        assert m.Signatory.objects.get(pk=response.json()["id"]).on_behalf_of.slug == organization

    def test_patch_on_behalf_of_to_a_non_party(self, curator, seeded):
        obj = m.Signatory.objects.get(agreement__slug=ILRS, person__slug="zhang-kejian")
        before = rows(m.Signatory)
        response = curator.patch(f"{API}/signatories/{obj.pk}/", {"on_behalf_of": "nasa"}, format="json")
        assert_error(response, 400, "invalid", ["on_behalf_of"])
        assert rows(m.Signatory) == before

    def test_patch_agreement_to_one_the_organization_is_not_party_to(self, curator, seeded):
        obj = m.Signatory.objects.get(agreement__slug=ILRS, person__slug="zhang-kejian")  # for government-of-china
        before = rows(m.Signatory)
        response = curator.patch(f"{API}/signatories/{obj.pk}/", {"agreement": "artemis-accords"}, format="json")
        assert_error(response, 400, "invalid", ["on_behalf_of"])
        assert rows(m.Signatory) == before

    @pytest.mark.parametrize(
        ("method", "data"),
        [
            pytest.param("patch", {"role": "authorizing_body"}, id="demote-to-authorizing-body"),
            pytest.param("patch", {"organization": "nasa"}, id="repoint-to-another-organization"),
            pytest.param("delete", None, id="delete"),
        ],
    )
    def test_party_a_signatory_acts_for_cannot_be_taken_away(self, curator, seeded, method, data):
        party = m.AgreementParty.objects.get(agreement__slug=ILRS, organization__slug="government-of-china")
        signatory = m.Signatory.objects.get(agreement__slug=ILRS, on_behalf_of__slug="government-of-china")
        before = rows(m.AgreementParty)
        kwargs = {"data": data, "format": "json"} if data is not None else {}
        response = getattr(curator, method)(f"{API}/parties/{party.pk}/", **kwargs)
        assert response.status_code in (400, 409), (response.status_code, response.content)
        assert rows(m.AgreementParty) == before
        signatory.full_clean()  # still acts for a party


class TestPartialDateWrites:
    URL = f"{API}/agreements/russia-china-lunar-deep-space-mou-2018/"

    @pytest.mark.parametrize(
        "value",
        ["2018-13", "2018-02-30", "2018-00", "2018-3-3", "03/03/2018", "18", "", "2018-03-03T10:00", 2018, ["2018"]],
    )
    def test_invalid_partial_date_is_rejected(self, curator, seeded, value):
        before = rows(m.Agreement)
        body = assert_error(curator.patch(self.URL, {"signed_on": value}, format="json"), 400, "invalid")
        assert [e["field"] for e in body["errors"]] == ["signed_on"]
        data = {**TestAgreements.create_data, "signed_on": value}
        assert_error(curator.post(f"{API}/agreements/", data, format="json"), 400, "invalid", ["signed_on"])
        assert rows(m.Agreement) == before

    @pytest.mark.parametrize(
        ("value", "precision", "start", "end"),
        [
            ("2018-03-03", "day", "2018-03-03", "2018-03-03"),
            ("2017-11", "month", "2017-11-01", "2017-11-30"),
            ("2016-02", "month", "2016-02-01", "2016-02-29"),
            ("2022", "year", "2022-01-01", "2022-12-31"),
        ],
    )
    def test_precision_and_range_are_read_back(self, curator, seeded, value, precision, start, end):
        response = curator.patch(self.URL, {"valid_from": value}, format="json")
        assert response.status_code == 200, response.content
        expected = {"value": value, "precision": precision, "start": start, "end": end}
        assert response.json()["valid_from"] == expected
        obj = m.Agreement.objects.get(slug="russia-china-lunar-deep-space-mou-2018")
        assert (obj.valid_from, obj.valid_from_precision, obj.valid_from_end) == (
            dt.date.fromisoformat(start),
            precision,
            dt.date.fromisoformat(end),
        )

    def test_null_clears_a_partial_date(self, curator, seeded):
        response = curator.patch(self.URL, {"signed_on": None}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["signed_on"] is None
        obj = m.Agreement.objects.get(slug="russia-china-lunar-deep-space-mou-2018")
        assert (obj.signed_on, obj.signed_on_precision, obj.signed_on_end) == (None, "", None)

    def test_a_date_range_cannot_be_reversed(self, curator, seeded):
        before = rows(m.Agreement)
        # Signed in 2018-06: entering into force in 2017 is before signing.
        response = curator.patch(self.URL, {"entered_into_force_on": "2017"}, format="json")
        assert_error(response, 400, "invalid", ["entered_into_force_on"])
        assert rows(m.Agreement) == before


class TestEnumWrites:
    @pytest.mark.parametrize(
        ("prefix", "field", "value"),
        [
            ("agreements", "kind", "Memorandum"),
            ("agreements", "kind", "MEMORANDUM"),
            ("agreements", "kind", "treaty"),
            ("agreements", "kind", "memorandum of understanding"),  # the label, not the value
            ("agreements", "status", "Signed"),
            ("agreements", "signing_mode", "zoom"),
            ("parties", "role", "Party"),
            ("missions", "target", "Moon"),
            ("milestones", "status", "Achieved"),
            ("sources", "tier", "first-party"),
            ("labels", "language", "EN"),
            ("labels", "language", "fr"),
            ("citations", "subject_type", "Agreement"),
            ("organizations", "countries", ["ru"]),
        ],
    )
    def test_unknown_or_miscased_choice_is_rejected(self, curator, seeded, prefix, field, value):
        cls = next(c for c in RESOURCE_CLASSES if c.prefix == prefix)
        before = all_rows()
        data = {**materialize(cls.create_data), field: value}
        body = assert_error(curator.post(f"{API}/{prefix}/", data, format="json"), 400, "invalid")
        assert {e["field"] for e in body["errors"]} in ({field}, {f"{field}.0"}), body
        obj = cls().get_existing()
        cls_url = cls().detail_url(obj)
        body = assert_error(curator.patch(cls_url, {field: value}, format="json"), 400, "invalid")
        assert {e["field"] for e in body["errors"]} in ({field}, {f"{field}.0"}), body
        assert all_rows() == before


class TestRelatedBySlugOrId:
    def test_create_with_slug_and_with_id(self, curator, seeded):
        komarov = m.Person.objects.get(slug="igor-komarov")
        nasa = m.Organization.objects.get(slug="nasa")
        for data in (
            {"person": "igor-komarov", "organization": nasa.pk, "title": "Visitor"},
            {"person": komarov.pk, "organization": "nasa", "title": "Guest"},
        ):
            response = curator.post(f"{API}/roles/", data, format="json")
            assert response.status_code == 201, response.content
            role = m.PersonRole.objects.get(pk=response.json()["id"])
            assert (role.person, role.organization, role.title) == (komarov, nasa, data["title"])
            assert response.json()["person"] == {
                "id": komarov.pk,
                "url": f"{HOST}{API}/persons/igor-komarov/",
                "slug": "igor-komarov",
                "display": "Igor Komarov",
            }

    def test_patch_with_id_then_slug(self, curator, seeded):
        participant = m.MissionParticipant.objects.get(mission__slug="luna-26", organization__slug="roscosmos")
        url = f"{API}/participants/{participant.pk}/"
        cnsa = m.Organization.objects.get(slug="cnsa")
        response = curator.patch(url, {"organization": cnsa.pk}, format="json")
        assert response.status_code == 200, response.content
        participant.refresh_from_db()
        assert participant.organization == cnsa
        response = curator.patch(url, {"organization": "roscosmos"}, format="json")
        assert response.status_code == 200, response.content
        participant.refresh_from_db()
        assert participant.organization.slug == "roscosmos"

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param("no-such-org", id="unknown-slug"),
            pytest.param(987654, id="unknown-id"),
            pytest.param(True, id="bool"),
            pytest.param(1.5, id="float"),
            pytest.param({"slug": "nasa"}, id="object"),
        ],
    )
    def test_unresolvable_related_record_is_rejected(self, curator, seeded, value):
        before = rows(m.PersonRole)
        data = {"person": "igor-komarov", "organization": value, "title": "Visitor"}
        body = assert_error(curator.post(f"{API}/roles/", data, format="json"), 400, "invalid")
        assert [e["field"] for e in body["errors"]] == ["organization"]
        assert rows(m.PersonRole) == before

    def test_forum_must_be_a_forum(self, curator, seeded):
        url = f"{API}/agreements/russia-china-lunar-deep-space-mou-2018/"
        assert_error(curator.patch(url, {"forum": "roscosmos"}, format="json"), 400, "invalid", ["forum"])
        response = curator.patch(url, {"forum": m.Organization.objects.get(slug="isef").pk}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["forum"]["slug"] == "isef"

    def test_subject_by_id_of_a_record_without_slug(self, curator, seeded):
        party = m.AgreementParty.objects.get(agreement__slug=ILRS, organization__slug="government-of-russia")
        data = {"subject_type": "agreement_party", "subject_id": party.pk, "source": "southfront-2021-04"}
        response = curator.post(f"{API}/citations/", data, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["subject"] == {
            "type": "agreement_party",
            "id": party.pk,
            "url": f"{HOST}{API}/parties/{party.pk}/",
        }
        assert m.Citation.objects.get(pk=response.json()["id"]).agreement_party == party

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            pytest.param({"subject_type": "agreement", "subject_id": 987654}, "subject_id", id="unknown-id"),
            pytest.param({"subject_type": "agreement", "subject_id": "artemis-accords"}, "subject_id", id="slug"),
            pytest.param({"subject_type": "agreement"}, "subject_id", id="type-alone"),
            pytest.param({"subject_type": "source", "subject_id": 1}, "subject_type", id="not-a-subject"),
        ],
    )
    def test_invalid_subject_is_rejected(self, curator, seeded, data, field):
        before = rows(m.Citation)
        body = {"source": "southfront-2021-04", "locator": "para 1", **data}
        assert_error(curator.post(f"{API}/citations/", body, format="json"), 400, "invalid", [field])
        assert rows(m.Citation) == before


class TestProtectedDeletes:
    def test_protected_delete_whose_dependants_need_no_query(self, curator, seeded):
        # The US government's only protecting dependant is NASA (a child organization); its cascading
        # labels and citations must survive the refused delete too.
        before = all_rows()
        body = assert_error(curator.delete(f"{API}/organizations/government-of-usa/"), 409, "protected")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("organization", "protected")]
        assert "NASA" in body["errors"][0]["detail"]
        assert all_rows() == before

    def test_deleting_roscosmos_is_refused_and_lists_dependants(self, curator, seeded):
        before = all_rows()
        body = assert_error(curator.delete(f"{API}/organizations/roscosmos/"), 409, "protected")
        assert body["errors"], "the dependants are listed"
        assert all(e["code"] == "protected" for e in body["errors"])
        named = {e["field"] for e in body["errors"]}
        # Roscosmos is a party, a signatory's organization, an employer, a participant and a parent.
        assert named & {"agreementparty", "signatory", "personrole", "missionparticipant", "organization"}
        assert named <= {"agreementparty", "signatory", "personrole", "missionparticipant", "organization", None}
        protecting = (
            m.AgreementParty.objects.filter(organization__slug="roscosmos").count()
            + m.Signatory.objects.filter(on_behalf_of__slug="roscosmos").count()
            + m.PersonRole.objects.filter(organization__slug="roscosmos").count()
            + m.MissionParticipant.objects.filter(organization__slug="roscosmos").count()
            + m.Organization.objects.filter(parent__slug="roscosmos").count()
        )
        listed = [e for e in body["errors"] if e["field"] is not None]
        assert len(listed) == min(protecting, 10)
        if protecting > 10:
            assert body["errors"][-1]["field"] is None
            assert str(protecting - 10) in body["errors"][-1]["detail"]
        # Nothing at all was deleted: not the organization, nor its cascading labels and citations.
        assert all_rows() == before

    @pytest.mark.parametrize(
        ("url", "dependant"),
        [
            (f"{API}/persons/dmitry-rogozin/", "signatory"),
            (f"{API}/missions/luna-26/", "agreementmission"),
            (f"{API}/sources/parabolicarc-2018-03-07/", "citation"),
            (f"{API}/agreements/roscosmos-cnsa-lunar-data-center-agreement-2018/", "agreementrelation"),
        ],
    )
    def test_other_protected_deletes(self, curator, seeded, url, dependant):
        before = all_rows()
        body = assert_error(curator.delete(url), 409, "protected")
        assert dependant in {e["field"] for e in body["errors"]}
        assert all_rows() == before

    def test_deleting_an_agreement_cascades_to_its_own_rows(self, curator, seeded):
        agreement = m.Agreement.objects.get(slug="artemis-accords")
        assert agreement.party_links.exists() and agreement.citations.exists()
        response = curator.delete(f"{API}/agreements/artemis-accords/")
        assert response.status_code == 204, response.content
        assert not m.AgreementParty.objects.filter(agreement_id=agreement.pk).exists()
        assert not m.Citation.objects.filter(agreement_id=agreement.pk).exists()
        assert m.Organization.objects.filter(slug="nasa").exists()


class TestOtherWriteRules:
    def test_duplicate_is_rejected_without_writing(self, curator, seeded):
        before = rows(m.AgreementParty)
        data = {"agreement": ILRS, "organization": "government-of-china", "role": "party"}
        assert_error(curator.post(f"{API}/parties/", data, format="json"), 400, "invalid")
        assert rows(m.AgreementParty) == before

    def test_duplicate_slug_is_rejected(self, curator, seeded):
        data = {**TestOrganizations.create_data, "slug": "nasa"}
        assert_error(curator.post(f"{API}/organizations/", data, format="json"), 400, "invalid", ["slug"])

    def test_organization_cannot_be_its_own_ancestor(self, curator, seeded):
        before = rows(m.Organization)
        url = f"{API}/organizations/government-of-russia/"
        assert_error(curator.patch(url, {"parent": "rsc-energia"}, format="json"), 400, "invalid", ["parent"])
        assert rows(m.Organization) == before

    def test_agreement_cannot_relate_to_itself(self, curator, seeded):
        data = {"from_agreement": ILRS, "to_agreement": ILRS, "kind": "amends"}
        assert_error(curator.post(f"{API}/relations/", data, format="json"), 400, "invalid", ["to_agreement"])

    def test_citation_field_must_exist_on_its_subject(self, curator, seeded):
        data = {**materialize(TestCitations.create_data), "field": "colour"}
        assert_error(curator.post(f"{API}/citations/", data, format="json"), 400, "invalid", ["field"])

    def test_put_without_a_required_field_is_rejected(self, curator, seeded):
        obj = m.Mission.objects.get(slug="luna-26")
        data = {k: v for k, v in TestMissions.create_data.items() if k != "name"}
        before = rows(m.Mission)
        assert_error(curator.put(f"{API}/missions/{obj.slug}/", data, format="json"), 400, "invalid", ["name"])
        assert rows(m.Mission) == before

    def test_milestone_stated_on_defaults_to_the_source_publication_date(self, curator, seeded):
        data = {k: v for k, v in TestMilestones.create_data.items() if k != "stated_on"}
        data["source"] = "parabolicarc-2018-03-07"
        data["mission"] = "change-7"
        response = curator.post(f"{API}/milestones/", data, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["stated_on"] is not None, "stated_on was not defaulted"
        assert response.json()["stated_on"]["value"] == "2018-03-07"
        claim = m.Milestone.objects.get(pk=response.json()["id"])
        assert claim.get_partial_date("stated_on") == PartialDate.parse("2018-03-07")


class TestSearchTextAfterWrites:
    """``q`` searches names and labels; writes through the API keep the stored search text true."""

    @staticmethod
    def found(api, prefix: str, q: str) -> list[str]:
        response = api.get(f"{API}/{prefix}/", {"q": q})
        assert response.status_code == 200
        return [r["slug"] for r in response.json()["results"]]

    def test_a_new_label_makes_its_subject_findable(self, curator, api, seeded):
        assert self.found(api, "missions", "luna glob") == []
        data = {**materialize(TestLabels.create_data), "language": "en", "text": "Luna-Glob lander"}
        assert curator.post(f"{API}/labels/", data, format="json").status_code == 201
        assert self.found(api, "missions", "luna glob") == ["luna-26"]

    def test_a_deleted_label_no_longer_finds_its_subject(self, curator, api, seeded):
        label = m.Label.objects.get(organization__slug="roscosmos", text="Roskosmos")
        assert self.found(api, "organizations", "roskosmos") == ["roscosmos"]
        assert curator.delete(f"{API}/labels/{label.pk}/").status_code == 204
        assert self.found(api, "organizations", "roskosmos") == []

    def test_saving_a_source_does_not_index_the_labels_it_supports(self, curator, api, seeded):
        # 'Roskosmos' is a label of roscosmos whose source is parabolicarc-2018-03-07.
        assert self.found(api, "sources", "roskosmos") == []
        url = f"{API}/sources/parabolicarc-2018-03-07/"
        assert curator.patch(url, {"notes": "Checked."}, format="json").status_code == 200
        assert self.found(api, "sources", "roskosmos") == []

    def test_moving_a_label_drops_it_from_the_old_subject(self, curator, api, seeded):
        label = m.Label.objects.get(organization__slug="roscosmos", text="Roskosmos")
        nasa = m.Organization.objects.get(slug="nasa")
        data = {"subject_type": "organization", "subject_id": nasa.pk}
        assert curator.patch(f"{API}/labels/{label.pk}/", data, format="json").status_code == 200
        assert self.found(api, "organizations", "roskosmos") == ["nasa"]
