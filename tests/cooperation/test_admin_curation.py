"""The curator backend: roles, partial dates, one-page agreement entry, actions, query counts."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.models import Agreement, AgreementParty, Mission, Organization, Person, Signatory
from tests.support.admin_forms import add_inline_row, form_data, inline_prefix
from tests.support.roles import staff_client

MODELS = list(apps.get_app_config("cooperation").get_models())
pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_page_loads_for_a_curator(model, seeded):
    curator = staff_client("curator")
    obj = model.objects.order_by("pk").first()
    for url in (admin_url(model, "changelist"), admin_url(model, "add"), admin_url(model, "change", obj.pk)):
        assert curator.get(url).status_code == 200, url


def test_editor_can_change_but_not_delete(seeded):
    editor = staff_client("editor")
    org = Organization.objects.get(slug="isef")
    assert editor.get(admin_url(Organization, "change", org.pk)).status_code == 200
    assert editor.get(admin_url(Organization, "delete", org.pk)).status_code == 403
    assert editor.post(admin_url(Organization, "delete", org.pk), {"post": "yes"}).status_code == 403
    assert Organization.objects.filter(pk=org.pk).exists()
    page = editor.get(admin_url(Agreement, "change", Agreement.objects.first().pk)).content.decode()
    assert "-DELETE" not in page  # inline rows offer no delete box either


def test_reader_sees_but_cannot_save(seeded):
    reader = staff_client("reader")
    org = Organization.objects.get(slug="cnsa")
    page = reader.get(admin_url(Organization, "change", org.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = reader.post(admin_url(Organization, "change", org.pk), {"name": "Hijacked", "kind": "company"})
    assert response.status_code == 403
    assert Organization.objects.get(pk=org.pk).name == "China National Space Administration"
    assert reader.get(admin_url(Organization, "add")).status_code == 403


def test_partial_dates_are_typed_as_one_value(seeded):
    curator = staff_client("curator")
    agreement = Agreement.objects.get(slug="russia-china-lunar-deep-space-mou-2018")
    url = admin_url(Agreement, "change", agreement.pk)
    page = curator.get(url)
    assert 'value="2018-06"' in page.content.decode()
    data = form_data(page)
    data["signed_on"] = "2018-06-08"
    assert curator.post(url, data).status_code == 302
    agreement.refresh_from_db()
    assert str(agreement.get_partial_date("signed_on")) == "2018-06-08"
    assert agreement.signed_on_precision == "day"


@pytest.mark.parametrize("typed", ["2018-13", "2018-02-30", "18-06", "June 2018", "2018/06"])
def test_an_invalid_partial_date_is_a_form_error_on_its_field(seeded, typed):
    curator = staff_client("curator")
    agreement = Agreement.objects.get(slug="russia-china-lunar-deep-space-mou-2018")
    url = admin_url(Agreement, "change", agreement.pk)
    data = form_data(curator.get(url))
    data["signed_on"] = typed
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "signed_on" in response.context["adminform"].form.errors
    agreement.refresh_from_db()
    assert str(agreement.get_partial_date("signed_on")) == "2018-06"


def new_agreement_data(curator, signatory_org: str) -> dict:
    page = curator.get(admin_url(Agreement, "add"))
    data = form_data(page)
    data.update({"title": "Test memorandum", "slug": "test-memorandum", "kind": "memorandum", "status": "signed"})
    data["signed_on"] = "2024-05"
    parties, signatories = inline_prefix(page, "agreementparty"), inline_prefix(page, "signatory")
    for slug in ("roscosmos", "cnsa"):
        add_inline_row(data, parties, {"organization": Organization.objects.get(slug=slug).pk, "role": "party"})
    for person, org in (("igor-komarov", "roscosmos"), ("wu-yanhua", signatory_org)):
        add_inline_row(
            data,
            signatories,
            {
                "person": Person.objects.get(slug=person).pk,
                "on_behalf_of": Organization.objects.get(slug=org).pk,
                "title": "Head",
            },
        )
    return data


def test_one_page_adds_an_agreement_with_parties_and_signatories(seeded):
    curator = staff_client("curator")
    response = curator.post(admin_url(Agreement, "add"), new_agreement_data(curator, "cnsa"))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    agreement = Agreement.objects.get(slug="test-memorandum")
    assert set(agreement.party_links.values_list("organization__slug", flat=True)) == {"roscosmos", "cnsa"}
    assert agreement.signatories.count() == 2
    assert str(agreement.get_partial_date("signed_on")) == "2024-05"


def test_a_signatory_for_a_non_party_is_rejected_and_nothing_saved(seeded):
    curator = staff_client("curator")
    response = curator.post(admin_url(Agreement, "add"), new_agreement_data(curator, "nasa"))
    assert response.status_code == 200
    assert "is not a party to this agreement" in response.content.decode()
    assert not Agreement.objects.filter(slug="test-memorandum").exists()
    assert not Signatory.objects.filter(title="Head").exists()


def test_mark_expired_and_csv_export_actions(seeded):
    curator = staff_client("curator")
    tokyo = Agreement.objects.get(slug="roscosmos-cnsa-lunar-data-center-agreement-2018")
    url = admin_url(Agreement, "changelist")
    response = curator.post(url, {"action": "export_csv", "_selected_action": [tokyo.pk]})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "title,kind,status,signed,signed place,parties"
    assert "Tokyo" in lines[1] and len(lines) == 2
    curator.post(url, {"action": "mark_expired", "_selected_action": [tokyo.pk]})
    tokyo.refresh_from_db()
    assert tokyo.status == "expired"
    assert staff_client("editor").post(url, {"action": "mark_expired", "_selected_action": [1]}).status_code == 302


def test_mission_shows_its_current_dates_read_only(seeded):
    page = staff_client("curator").get(admin_url(Mission, "change", Mission.objects.get(slug="change-7").pk))
    text = page.content.decode()
    assert "landing: 2024 (planned, per lunar-station-brief-2021)" in text


def test_search_reaches_signatories_and_russian_names(seeded):
    curator = staff_client("curator")
    for query in ("Rogozin", "Рогозин"):
        response = curator.get(admin_url(Agreement, "changelist"), {"q": query})
        assert {a.slug for a in response.context["cl"].result_list} == {
            "russia-china-ilrs-mou-2021",
            "russia-china-space-navigation-protocols-2014",
        }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(model, seeded):
    curator = staff_client("curator")
    url = admin_url(model, "changelist")
    curator.get(url)  # warm caches (content types, permissions)
    counts = []
    for per_page in (2, 50):
        model_admin = __import__("django.contrib.admin", fromlist=["site"]).site._registry[model]
        model_admin.list_per_page = per_page
        try:
            with CaptureQueriesContext(connection) as ctx:
                assert curator.get(url).status_code == 200
        finally:
            model_admin.list_per_page = 50
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], f"{model.__name__}: {counts}"


def test_removing_a_party_that_a_signatory_acts_for_is_a_form_error(seeded):
    curator = staff_client("curator")
    agreement = Agreement.objects.get(slug="russia-china-ilrs-mou-2021")
    url = admin_url(Agreement, "change", agreement.pk)
    page = curator.get(url)
    data = form_data(page)
    prefix = inline_prefix(page, "agreementparty")
    china = AgreementParty.objects.get(agreement=agreement, organization__slug="government-of-china")
    index = next(i for i in range(int(data[f"{prefix}-TOTAL_FORMS"])) if data.get(f"{prefix}-{i}-id") == china.pk)
    data[f"{prefix}-{index}-DELETE"] = "on"
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "signed on its behalf" in response.content.decode()
    assert AgreementParty.objects.filter(pk=china.pk).exists()


def test_records_link_to_their_public_api_url(seeded):
    curator = staff_client("curator")
    org = Organization.objects.get(slug="roscosmos")
    page = curator.get(admin_url(Organization, "change", org.pk)).content.decode()
    assert "/api/v1/organizations/roscosmos/" in page
    party = AgreementParty.objects.first()
    assert f"/api/v1/parties/{party.pk}/" in curator.get(admin_url(AgreementParty, "change", party.pk)).content.decode()
    assert "Created" in page and "Last updated" in page


def test_citations_and_labels_can_be_added_with_a_new_record(seeded):
    curator = staff_client("curator")
    page = curator.get(admin_url(Organization, "add"))
    data = form_data(page)
    data.update({"name": "European Space Agency", "short_name": "ESA", "slug": "esa", "kind": "space_agency"})
    source = Organization._meta.apps.get_model("cooperation", "Source").objects.get(slug="curator-knowledge").pk
    add_inline_row(data, inline_prefix(page, "citation"), {"source": source, "locator": "founding convention"})
    add_inline_row(
        data, inline_prefix(page, "label"), {"language": "ru", "kind": "name", "text": "ЕКА", "source": source}
    )
    response = curator.post(admin_url(Organization, "add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    esa = Organization.objects.get(slug="esa")
    assert esa.citations.get().locator == "founding convention"
    assert esa.labels.get().text == "ЕКА"


def test_saving_without_touching_topics_does_not_change_them(seeded):
    from django.contrib.admin.models import LogEntry

    curator = staff_client("curator")
    agreement = Agreement.objects.get(slug="russia-china-ilrs-mou-2021")
    url = admin_url(Agreement, "change", agreement.pk)
    data = form_data(curator.get(url))
    data["title"] = "Renamed memorandum"
    assert curator.post(url, data).status_code == 302
    message = LogEntry.objects.filter(object_id=str(agreement.pk)).latest("action_time").get_change_message()
    assert "Title" in message and "Topics" not in message


def test_history_shows_field_level_changes_and_reverts(seeded):
    curator = staff_client("curator")
    org = Organization.objects.get(slug="cnsa")
    url = admin_url(Organization, "change", org.pk)
    for name in ("CNSA renamed once", "CNSA renamed twice"):
        data = form_data(curator.get(url))
        data["name"] = name
        assert curator.post(url, data).status_code == 302
    history = curator.get(admin_url(Organization, "history", org.pk))
    assert history.status_code == 200
    text = history.content.decode()
    assert "CNSA renamed once" in text and "CNSA renamed twice" in text  # the diff column shows old and new
    assert "curator-staff" in text  # who

    first_edit = org.history.get(name="CNSA renamed once")
    revert_url = reverse("admin:cooperation_organization_simple_history", args=[org.pk, first_edit.history_id])
    data = form_data(curator.get(revert_url))
    assert curator.post(revert_url, data).status_code == 302
    org.refresh_from_db()
    assert org.name == "CNSA renamed once"
    assert org.history.count() >= 3  # the revert is itself recorded


def test_readers_can_read_history_but_not_revert(seeded):
    reader = staff_client("reader")
    org = Organization.objects.get(slug="nasa")
    org.name = "Edited for history"
    org.save()
    assert reader.get(admin_url(Organization, "history", org.pk)).status_code == 200
    record = org.history.first()
    revert_url = reverse("admin:cooperation_organization_simple_history", args=[org.pk, record.history_id])
    assert reader.post(revert_url, {"name": "Hijacked"}).status_code == 403
