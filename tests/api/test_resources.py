"""Every resource through the kit's generic suite (``tests/support/resource_case.py``), after NetBox's
``APIViewTestCases``: one class per resource, declaring what the suite needs. Write rules of
particular resources are in ``test_write_rules.py``.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from api.resources import RESOURCES
from cooperation import models as m
from cooperation.history.models import ChangeRecord
from cooperation.models.provenance import ArcModel
from cooperation.partial_dates import PartialDate, partial_date_stems
from cooperation.search_text import SearchableModel, search_text_for
from tests.support.error_shape import assert_error
from tests.support.records import all_rows
from tests.support.resource_case import API, BriefFormTests, ResourceTests, build_record, detail_path, expected_values
from tests.support.write_bodies import CREATE, UPDATE


class TestOrganizations(BriefFormTests, ResourceTests):
    prefix = "organizations"
    model = m.Organization
    lookup = "slug"
    existing = {"slug": "nasa"}
    brief_in = (m.PersonRole, "organization")
    filter_names = {"countries": "country"}  # one country per value
    create_data = CREATE["organizations"]
    update_data = UPDATE["organizations"]


class TestPersons(BriefFormTests, ResourceTests):
    prefix = "persons"
    model = m.Person
    lookup = "slug"
    existing = {"slug": "igor-komarov"}
    brief_in = (m.PersonRole, "person")
    create_data = CREATE["persons"]
    update_data = UPDATE["persons"]


class TestRoles(ResourceTests):
    prefix = "roles"
    model = m.PersonRole
    existing = {"person__slug": "igor-komarov", "organization__slug": "roscosmos"}
    create_data = CREATE["roles"]
    update_data = UPDATE["roles"]


class TestAgreements(BriefFormTests, ResourceTests):
    prefix = "agreements"
    model = m.Agreement
    lookup = "slug"
    existing = {"slug": "russia-china-lunar-deep-space-mou-2018"}
    brief_in = (m.AgreementParty, "agreement")
    unfiltered = {
        "entry_into_force_condition": "prose: the condition in the agreement's words",
        # TODO: a ``topic`` filter (any of the listed topics) needs JSON containment, which SQLite's
        # JSONField lacks: a method filter working on both databases (and the SQL list path) first.
        "topics": "a JSON list of strings",
    }
    create_data = CREATE["agreements"]
    update_data = UPDATE["agreements"]


class TestParties(ResourceTests):
    prefix = "parties"
    model = m.AgreementParty
    existing = {"agreement__slug": "russia-china-ilrs-mou-2021", "organization__slug": "government-of-china"}
    create_data = CREATE["parties"]
    update_data = UPDATE["parties"]


class TestSignatories(ResourceTests):
    prefix = "signatories"
    model = m.Signatory
    existing = {"agreement__slug": "russia-china-ilrs-mou-2021", "person__slug": "zhang-kejian"}
    create_data = CREATE["signatories"]
    update_data = UPDATE["signatories"]


class TestRelations(ResourceTests):
    prefix = "relations"
    model = m.AgreementRelation
    existing = {"from_agreement__slug": "russia-china-lunar-deep-space-mou-2018"}
    create_data = CREATE["relations"]
    update_data = UPDATE["relations"]


class TestAgreementMissions(ResourceTests):
    prefix = "agreement-missions"
    model = m.AgreementMission
    existing = {"agreement__slug": "russia-china-ilrs-mou-2021", "mission__slug": "ilrs"}
    create_data = CREATE["agreement-missions"]
    update_data = UPDATE["agreement-missions"]


class TestMissions(BriefFormTests, ResourceTests):
    prefix = "missions"
    model = m.Mission
    lookup = "slug"
    existing = {"slug": "luna-26"}
    brief_in = (m.MissionParticipant, "mission")
    create_data = CREATE["missions"]
    update_data = UPDATE["missions"]


class TestParticipants(ResourceTests):
    prefix = "participants"
    model = m.MissionParticipant
    existing = {"mission__slug": "luna-26", "organization__slug": "roscosmos"}
    create_data = CREATE["participants"]
    update_data = UPDATE["participants"]


class TestMilestones(ResourceTests):
    prefix = "milestones"
    model = m.Milestone
    existing = {"mission__slug": "luna-26", "source__slug": "parabolicarc-2018-03-07"}
    create_data = CREATE["milestones"]
    update_data = UPDATE["milestones"]


class TestSources(BriefFormTests, ResourceTests):
    prefix = "sources"
    model = m.Source
    lookup = "slug"
    existing = {"slug": "parabolicarc-2018-03-07"}
    brief_in = (m.Milestone, "source")
    filter_names = {"url": "web_url"}
    unfiltered = {"document": "the archived copy's file name: where to find it, not what to select by"}
    create_data = CREATE["sources"]
    update_data = UPDATE["sources"]


class TestCitations(ResourceTests):
    prefix = "citations"
    model = m.Citation
    existing = {"agreement__slug": "russia-china-ilrs-mou-2021"}
    create_data = CREATE["citations"]
    update_data = UPDATE["citations"]

    def expected_display(self, obj):
        kind = obj.subject_kind
        where = f".{obj.field}" if obj.field else ""
        return f"{kind} #{getattr(obj, f'{kind}_id')}{where} cites {obj.source.slug}"


class TestLabels(ResourceTests):
    prefix = "labels"
    model = m.Label
    existing = {"organization__slug": "roscosmos"}
    create_data = CREATE["labels"]
    update_data = UPDATE["labels"]


RESOURCE_CLASSES = [
    TestOrganizations, TestPersons, TestRoles, TestAgreements, TestParties, TestSignatories, TestRelations,
    TestAgreementMissions, TestMissions, TestParticipants, TestMilestones, TestSources, TestCitations, TestLabels,
]  # fmt: skip


def test_every_resource_has_a_test_class():
    declared = {cls.prefix: (cls.model, cls.lookup) for cls in RESOURCE_CLASSES}
    routed = {r.prefix: (model, r.lookup_field) for model, r in RESOURCES.items()}
    assert declared == routed
    assert set(CREATE) == set(UPDATE) == set(routed), "a write body for every resource"


# --- deletes: every resource, with every kind of dependant (the generic delete test) ---
# Deleting a record of every resource, with every kind of dependant it can have.
#
# Parametrized over the API's own resource list (``api.resources.RESOURCES``), so a new
# resource is covered the day it is declared. For each one the test builds a fresh record
# from the resource's ``create_data`` (``test_resources.py``), then one dependant through
# every foreign key that points at the record's model (labels, citations, roles, parties,
# signatories, relations, participants, milestone claims, child records...), and deletes it
# as a curator with the record's ``ETag`` as ``If-Match``:
#
# * if any dependant protects the record, the answer is the documented 409 naming every
#   protecting dependant's model, and nothing is written, logged or recomputed;
# * those dependants are then deleted through the API (each a 204 or a 409, never a 500),
#   and the record's delete is a 204 that takes exactly the record and its cascading
#   dependants;
# * afterwards the derived data agrees with what is left: every stored search text equals
#   the one computed afresh, the change log (``/api/v1/changes/``) has one ``deleted``
#   entry per vanished row by the curator, named as the row read before it went, and the
#   admin's history page (django-simple-history) of every vanished row still renders.

PROTECTING = (models.PROTECT, models.RESTRICT)
RowKey = tuple[str, int]  # (model label, id)


def create_data_for(model: type[models.Model]) -> dict:
    cls = next((cls for cls in RESOURCE_CLASSES if cls.model is model), None)
    assert cls is not None, f"{model.__name__} has no test class with create_data in test_resources.py"
    return cls.create_data


def dependant_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    """Every foreign key of a registry resource that points at ``model`` (its kinds of dependant)."""
    return [
        relation.remote_field
        for relation in model._meta.related_objects
        if relation.one_to_many and relation.related_model in RESOURCES
    ]


def build_dependant(key: models.ForeignKey, record: models.Model, validate: bool) -> models.Model:
    """A record of ``key.model`` built from its ``create_data``, pointing at ``record`` through ``key``."""
    model = key.model
    values = expected_values(model, create_data_for(model))
    if issubclass(model, ArcModel) and key.name in model.arc_fields:
        values.update(dict.fromkeys(model.arc_fields))
        if "field" in values and values["field"] not in {f.name for f in type(record)._meta.concrete_fields}:
            values["field"] = ""  # a citation of the whole record: this kind of subject lacks the cited field
    values[key.name] = record
    if "slug" in values:
        values["slug"] = f"{values['slug']}-of-{record.pk}"
    instance = model()
    for name, value in values.items():
        if isinstance(value, PartialDate) or (value is None and name in partial_date_stems(model)):
            instance.set_partial_date(name, value)
        else:
            setattr(instance, name, value)
    if validate:
        instance.full_clean_and_save()
    else:
        instance.save()
    return instance


def build_dependants(
    record: models.Model, keys: list[models.ForeignKey]
) -> list[tuple[models.ForeignKey, models.Model]]:
    """One dependant through each of ``keys``, valid where the rules allow.

    Dependants are validated as the API would (``full_clean``); one that needs another
    first (a signatory needs its organization to be a party) is retried once the others
    exist. One the record's own values rule out (an agreement's ``forum`` must be an
    organization of kind forum) is saved without model validation: the database holds
    it, and a delete must cope with whatever the database holds.
    """
    pending, built = list(keys), []
    while pending:
        failed = []
        for key in pending:
            try:
                built.append((key, build_dependant(key, record, validate=True)))
            except ValidationError:
                failed.append(key)
        if len(failed) == len(pending):
            built += [(key, build_dependant(key, record, validate=False)) for key in failed]
            break
        pending = failed
    return built


def row_key(obj: models.Model) -> RowKey:
    return obj._meta.label_lower, obj.pk


def existing_rows() -> set[RowKey]:
    return {(model._meta.label_lower, pk) for model in RESOURCES for pk in model.objects.values_list("pk", flat=True)}


def stale_search_texts() -> list[str]:
    """Searchable records whose stored search text differs from the one computed afresh."""
    stale = []
    for model in RESOURCES:
        if issubclass(model, SearchableModel):
            for record in model.objects.prefetch_related("labels") if model.labelled else model.objects.all():
                if record.search_text != search_text_for(record.search_terms()):
                    stale.append(f"{model.__name__} {record.pk}")
    return stale


def assert_deletes_logged(curator, vanished: dict[RowKey, str], username: str) -> None:
    """One ``deleted`` change per vanished row, by the curator, named as the row read before it went."""
    for (label, pk), text in vanished.items():
        response = curator.get(f"{API}/changes/", {"action": "deleted", "model": label, "object_id": pk})
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        assert len(results) == 1, (label, pk, results)
        assert results[0]["user"] == username
        assert results[0]["object_repr"] == text[:400]
        assert results[0]["object_url"] is None


def assert_admin_history_renders(admin_client, vanished: dict[RowKey, str]) -> None:
    for label, pk in vanished:
        app_label, model_name = label.split(".")
        response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_history", args=[pk]))
        assert response.status_code == 200, (label, pk, response.status_code)
        assert b"Deleted" in response.content, (label, pk)


def delete_until_gone(curator, records: list[models.Model]) -> None:
    """Delete records through the API in whatever order works: each answer a 204 or a 409."""
    pending = list(records)
    while pending:
        refused = []
        for obj in pending:
            response = curator.delete(detail_path(obj))
            assert response.status_code in (204, 409), (detail_path(obj), response.status_code, response.content)
            if response.status_code == 409:
                refused.append(obj)
        assert len(refused) < len(pending), f"no protecting dependant could be deleted: {refused}"
        pending = refused


def assert_delete_is_consistent(curator, admin_client, record, dependants) -> None:
    """Delete ``record`` (a 409 first if a dependant protects it), then check every piece of derived data."""
    protecting = [obj for key, obj in dependants if key.remote_field.on_delete in PROTECTING]
    cascading = [obj for key, obj in dependants if key.remote_field.on_delete not in PROTECTING]

    if protecting:
        before, changes_before = all_rows(), ChangeRecord.objects.count()
        body = assert_error(curator.delete(detail_path(record)), 409, "protected")
        named = {error["field"] for error in body["errors"]}
        assert {obj._meta.model_name for obj in protecting} <= named, body
        assert all_rows() == before, "a refused delete changes nothing"
        assert ChangeRecord.objects.count() == changes_before
        delete_until_gone(curator, protecting)

    names = {row_key(obj): str(obj) for obj in [record, *cascading]}
    present = existing_rows()
    response = curator.delete(detail_path(record))
    assert response.status_code == 204, response.content
    vanished = present - existing_rows()
    assert vanished == set(names), "exactly the record and its cascading dependants are deleted"

    assert stale_search_texts() == []
    assert_deletes_logged(curator, names, "curator-user")
    assert_admin_history_renders(admin_client, names)


def resource_id(model: type[models.Model]) -> str:
    return RESOURCES[model].prefix


@pytest.mark.parametrize("model", list(RESOURCES), ids=resource_id)
def test_delete_with_every_kind_of_dependant(model, as_role, admin_client, seeded):
    record = build_record(model, create_data_for(model))
    dependants = build_dependants(record, dependant_keys(model))
    assert {key for key, _ in dependants} == set(dependant_keys(model)), "a dependant of every kind"
    assert_delete_is_consistent(as_role("curator"), admin_client, record, dependants)


# Alone, a kind of dependant can change the order the cascade deletes in: Django orders a
# record after the dependants whose foreign key is NOT NULL, and is free to delete it before
# nullable ones (labels and citations point at their subject through nullable columns), which
# is how a person with only labels and citations used to crash (see test_schemathesis_findings.py).
ONE_KIND = [
    pytest.param(model, key, id=f"{resource_id(model)}-{key.model._meta.model_name}.{key.name}")
    for model in RESOURCES
    for key in dependant_keys(model)
]


@pytest.mark.parametrize(("model", "key"), ONE_KIND)
def test_delete_with_one_kind_of_dependant(model, key, as_role, admin_client, seeded):
    record = build_record(model, create_data_for(model))
    dependants = build_dependants(record, [key])
    assert_delete_is_consistent(as_role("curator"), admin_client, record, dependants)


def test_every_resource_can_have_its_record_built():
    """The parametrization covers the API's resource list, each with create data to build from."""
    assert all(create_data_for(model) for model in RESOURCES)
    # Every foreign key between resources is a kind of dependant of the model it points at.
    keys = {(key.model, key.name) for _, key in (p.values for p in ONE_KIND)}
    assert keys == {
        (model, field.name) for model in RESOURCES for field in model._meta.fields if field.related_model in RESOURCES
    }
    assert (m.Label, "person") in keys and (m.Citation, "source") in keys
