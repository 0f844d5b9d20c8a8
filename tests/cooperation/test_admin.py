"""Every model is in the admin, and its pages load on the seeded data."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.support.admin_forms import form_data

MODELS = list(apps.get_app_config("cooperation").get_models())


def test_every_model_is_registered():
    assert MODELS
    assert [m.__name__ for m in MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_load(model, admin_client, seeded):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"the seed has no {opts.model_name}"
    change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200


@pytest.mark.django_db
def test_agreement_search_reaches_signatory_names(admin_client, seeded):
    response = admin_client.get(reverse("admin:cooperation_agreement_changelist"), {"q": "Rogozin"})
    assert response.status_code == 200
    titles = {a.slug for a in response.context["cl"].result_list}
    assert titles == {"russia-china-ilrs-mou-2021", "russia-china-space-navigation-protocols-2014"}


@pytest.mark.django_db
def test_search_finds_russian_labels(admin_client, seeded):
    response = admin_client.get(reverse("admin:cooperation_organization_changelist"), {"q": "Роскосмос"})
    assert [o.slug for o in response.context["cl"].result_list] == ["roscosmos"]


@pytest.mark.django_db
def test_admin_rejects_a_signatory_who_is_not_for_a_party(admin_client, seeded):
    from cooperation.models import Agreement, Organization, Person, Signatory

    agreement = Agreement.objects.get(slug="russia-china-ilrs-mou-2021")
    response = admin_client.post(
        reverse("admin:cooperation_signatory_add"),
        {
            "agreement": agreement.pk,
            "person": Person.objects.get(slug="elon-musk").pk,
            "on_behalf_of": Organization.objects.get(slug="spacex").pk,
            "title": "CEO",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "is not a party to this agreement" in response.content.decode()
    assert not Signatory.objects.filter(agreement=agreement, person__slug="elon-musk").exists()


@pytest.mark.django_db
def test_removing_a_party_that_signatories_act_for_is_a_form_error(admin_client, seeded):
    from cooperation.models import Agreement, AgreementParty

    agreement = Agreement.objects.get(slug="russia-china-ilrs-mou-2021")
    url = reverse("admin:cooperation_agreement_change", args=[agreement.pk])
    page = admin_client.get(url)
    data = form_data(page)
    china = AgreementParty.objects.get(agreement=agreement, organization__slug="government-of-china")
    parties = next(i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is AgreementParty)
    prefix = next(form.prefix for form in parties.initial_forms if form.instance.pk == china.pk)
    data[f"{prefix}-DELETE"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "signed on its behalf" in response.content.decode()
    assert AgreementParty.objects.filter(pk=china.pk).exists()
