"""Change history: every registry model is tracked, and every change leaves a ChangeRecord with its diff.

API writes (token users) are tested in tests/api/test_changes.py.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from cooperation.history.models import ChangeRecord
from cooperation.history.recording import tracked_models
from cooperation.models import Agreement, AgreementParty, Citation, Organization, RegistryModel, Source
from cooperation.roles import sync_roles
from cooperation.search_text import SearchableModel
from cooperation.seeding import default_fixture_files, seed
from tests.support.admin_forms import form_data, inline_prefix
from tests.support.factories import (
    add_party,
    make_agreement,
    make_citation,
    make_organization,
    make_person,
    make_signatory,
    make_source,
)
from tests.support.records import changes_of

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = list(apps.get_app_config("cooperation").get_models())
HISTORY_MODELS = [model.history.model for model in REGISTRY_MODELS]


def history_row_count() -> int:
    return sum(model.objects.count() for model in HISTORY_MODELS)


# --- what is tracked ---------------------------------------------------------------------------------


def test_every_registry_model_is_tracked_in_the_history_app():
    assert len(REGISTRY_MODELS) == 14
    assert set(tracked_models()) == set(REGISTRY_MODELS)
    for model in HISTORY_MODELS:
        assert model._meta.app_label == "history", model
    names = {m.__name__ for m in apps.get_app_config("history").get_models()}
    assert names == {f"Historical{m.__name__}" for m in REGISTRY_MODELS} | {"ChangeRecord"}
    assert not hasattr(ChangeRecord, "history"), "the change log is not itself history-tracked"


def test_derived_search_text_is_not_recorded():
    for model in REGISTRY_MODELS:
        recorded = {f.name for f in model.history.model._meta.fields}
        assert "search_text" not in recorded
        assert {"id", "created", "last_updated", "history_user", "history_date", "history_type"} <= recorded
        if issubclass(model, SearchableModel):
            assert "search_text" in {f.name for f in model._meta.fields}


def test_historical_records_are_not_registry_records():
    for model in HISTORY_MODELS:
        assert not issubclass(model, RegistryModel | SearchableModel), model
    organization = make_organization(name="Agency", short_name="AG")
    record = organization.history.get()
    assert not isinstance(record, RegistryModel | SearchableModel)
    # The registry's pre_save receiver would stamp last_updated: a historical row keeps its own.
    assert record.last_updated == organization.last_updated
    rebuilt = record.instance  # excluded search_text is read from the live row
    assert isinstance(rebuilt, Organization)
    assert rebuilt.name == "Agency" and "\nagency\n" in rebuilt.search_text


# --- the ORM -----------------------------------------------------------------------------------------


def test_create_update_delete_are_recorded_with_diffs():
    organization = make_organization("esa", name="European Space Agency", countries=["FR", "DE"])
    organization.short_name = "ESA"
    organization.countries = ["FR", "DE", "IT"]
    organization.set_partial_date("founded_on", "1975-05")
    organization.full_clean_and_save()
    pk = organization.pk
    organization.delete()

    assert list(Organization.history.filter(id=pk).order_by("history_id").values_list("history_type", flat=True)) == [
        "+",
        "~",
        "-",
    ]
    created, updated, deleted = ChangeRecord.objects.filter(model="cooperation.organization", object_id=pk).order_by(
        "id"
    )
    assert [c.action for c in (created, updated, deleted)] == ["created", "updated", "deleted"]
    assert all(c.user is None and c.object_repr.startswith("European Space Agency") for c in (created, updated))
    assert created.changes == {
        "slug": {"old": None, "new": "esa"},
        "name": {"old": None, "new": "European Space Agency"},
        "kind": {"old": None, "new": "space_agency"},
        "countries": {"old": None, "new": ["DE", "FR"]},
    }
    assert updated.changes == {
        "short_name": {"old": "", "new": "ESA"},
        "countries": {"old": ["DE", "FR"], "new": ["DE", "FR", "IT"]},
        "founded_on": {"old": None, "new": "1975-05"},
    }
    assert deleted.changes["short_name"] == {"old": "ESA", "new": None}
    assert deleted.changes["founded_on"] == {"old": "1975-05", "new": None}
    assert deleted.object_repr == "European Space Agency (ESA)"
    assert created.changed_at < updated.changed_at < deleted.changed_at
    assert deleted.historical_record().history_type == "-"


def test_partial_dates_report_as_one_field_and_changes_are_json():
    agreement = make_agreement(dates={"signed_on": "2018-03-03"}, topics=["lunar data"])
    agreement.set_partial_date("signed_on", "2018-03")  # same first day, another precision
    agreement.topics = ["lunar data", "navigation"]
    agreement.full_clean_and_save()
    change = changes_of(agreement)[-1]
    assert change.changes == {
        "signed_on": {"old": "2018-03-03", "new": "2018-03"},
        "topics": {"old": ["lunar data"], "new": ["lunar data", "navigation"]},
    }
    change.refresh_from_db()
    assert json.loads(json.dumps(change.changes)) == change.changes


def test_saving_unchanged_records_an_update_without_fields():
    source = make_source()
    source.save()
    assert [(c.action, c.changes) for c in changes_of(source)][1:] == [("updated", {})]


def test_an_update_with_no_earlier_history_records_no_fields():
    """A record that predates the history (bulk-created here, like rows from before it) has nothing to diff."""
    (source,) = Source.objects.bulk_create([Source(slug="old", title="Old", kind="news", tier="commentary")])
    source.title = "Older"
    source.save()
    assert [(c.action, c.changes) for c in changes_of(source)] == [("updated", {})]


def test_inline_type_records_are_recorded():
    agreement = make_agreement()
    russia, china = make_organization(), make_organization()
    party = add_party(agreement, russia)
    other = add_party(agreement, china, note="Initial note")
    citation = make_citation(party, locator="para 1")

    other.organization = make_organization("roscosmos")
    other.set_partial_date("withdrawn_on", "2022")
    other.full_clean_and_save()
    citation.quote = "The parties agree."
    citation.full_clean_and_save()
    citation_changes = changes_of(citation)
    citation.delete()
    citation_changes += [ChangeRecord.objects.get(model="cooperation.citation", action="deleted")]

    party_created = changes_of(party)[0]
    assert party_created.action == "created"
    assert party_created.changes["agreement"] == {"old": None, "new": agreement.pk}
    assert party_created.changes["organization"] == {"old": None, "new": russia.pk}
    assert party_created.changes["role"] == {"old": None, "new": "party"}
    assert changes_of(other)[-1].changes == {
        "organization": {"old": china.pk, "new": other.organization.pk},
        "withdrawn_on": {"old": None, "new": "2022"},
    }
    assert [c.action for c in citation_changes] == ["created", "updated", "deleted"]
    assert citation_changes[1].changes == {"quote": {"old": "", "new": "The parties agree."}}
    assert citation_changes[2].changes["agreement_party"] == {"old": party.pk, "new": None}
    assert citation_changes[2].changes["locator"] == {"old": "para 1", "new": None}
    assert AgreementParty.history.filter(id=other.pk).count() == 2
    assert Citation.history.filter(id=citation_changes[0].object_id, history_type="-").exists()


def test_a_cascade_records_every_deleted_record_by_name():
    agreement = make_agreement(short_title="Lunar MoU")
    russia, person = make_organization(name="Russia"), make_person(name="Yuri Borisov")
    party = add_party(agreement, russia)
    signatory = make_signatory(agreement, person, russia)
    citation = make_citation(party, locator="para 2")
    expected = {
        ("cooperation.agreement", agreement.pk): str(agreement),
        ("cooperation.agreementparty", party.pk): f"Russia (party) in {agreement}",
        ("cooperation.signatory", signatory.pk): f"Yuri Borisov for Russia ({agreement})",
        ("cooperation.citation", citation.pk): f"Russia (party) in {agreement} cites {citation.source.slug} (para 2)",
    }
    agreement.delete()
    deleted = {
        (c.model, c.object_id): c.object_repr for c in ChangeRecord.objects.filter(action=ChangeRecord.Action.DELETED)
    }
    assert deleted == expected


# --- roles ---------------------------------------------------------------------------------------------


def test_every_role_reads_the_history_and_nobody_writes_it():
    sync_roles()
    history_perms = Permission.objects.filter(content_type__app_label="history")
    assert {p.codename for p in history_perms} >= {"view_changerecord", "view_historicalagreement"}
    for role in ("reader", "editor", "curator"):
        granted = set(Group.objects.get(name=role).permissions.filter(content_type__app_label="history"))
        assert granted == set(history_perms.filter(codename__startswith="view_")), role
    curator = Group.objects.get(name="curator").permissions.filter(content_type__app_label="cooperation")
    assert curator.filter(codename="delete_agreement").exists()


# --- seeding and loaddata --------------------------------------------------------------------------------


def test_seed_records_each_record_once_and_a_second_seed_records_nothing():
    seed()
    records = sum(model.objects.count() for model in REGISTRY_MODELS)
    assert history_row_count() == records
    assert ChangeRecord.objects.count() == records
    assert set(ChangeRecord.objects.values_list("action", flat=True)) == {"created"}
    assert not ChangeRecord.objects.filter(user__isnull=False).exists()
    call_command("seed", verbosity=0)
    assert history_row_count() == records
    assert ChangeRecord.objects.count() == records


def test_a_seed_that_restores_a_record_records_that_change():
    seed()
    organization = Organization.objects.get(slug="roscosmos")
    official = organization.name
    organization.name = "Edited by hand"
    organization.save()
    seed()
    edit, restore = ChangeRecord.objects.filter(action="updated").order_by("id")
    assert edit.changes == {"name": {"old": official, "new": "Edited by hand"}}
    assert restore.changes == {"name": {"old": "Edited by hand", "new": official}}
    assert (restore.model, restore.object_id, restore.user) == ("cooperation.organization", organization.pk, None)


def test_loaddata_records_no_history():
    call_command("loaddata", *default_fixture_files(), verbosity=0)
    assert Agreement.objects.exists()
    assert history_row_count() == 0
    assert not ChangeRecord.objects.exists()


# --- the admin ----------------------------------------------------------------------------------------------


def test_admin_changes_are_recorded_with_the_admin_user(admin_client, admin_user):
    organization = make_organization(name="Roscosmos", short_name="RKA")
    citation = make_citation(organization, locator="para 1")
    url = reverse("admin:cooperation_organization_change", args=[organization.pk])
    page = admin_client.get(url)
    data = form_data(page)
    data["short_name"] = "Roscosmos"
    prefix = inline_prefix(page, "citation")
    data[f"{prefix}-0-note"] = "Checked against the original."
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response

    org_change = changes_of(organization)[-1]
    assert (org_change.action, org_change.user) == ("updated", admin_user)
    assert org_change.changes == {"short_name": {"old": "RKA", "new": "Roscosmos"}}
    citation_change = changes_of(citation)[-1]
    assert (citation_change.action, citation_change.user) == ("updated", admin_user)
    assert citation_change.changes == {"note": {"old": "", "new": "Checked against the original."}}
    assert organization.history.latest().history_user == admin_user


def test_admin_deletes_are_recorded_with_the_admin_user(admin_client, admin_user):
    source = make_source()
    response = admin_client.post(reverse("admin:cooperation_source_delete", args=[source.pk]), {"post": "yes"})
    assert response.status_code == 302
    change = changes_of(source)[-1]
    assert (change.action, change.user) == ("deleted", admin_user)
