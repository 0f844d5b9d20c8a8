"""The admin refuses deletes that the API refuses with 409, and names what depends on the record."""

import pytest
from django.urls import reverse

from cooperation.models import Organization, Source
from tests.support.roles import staff_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "key", "dependant"),
    [
        (Organization, {"slug": "roscosmos"}, "Agreement party"),
        (Source, {"slug": "parabolicarc-2018-03-07"}, "Citation"),
    ],
    ids=["party organization", "cited source"],
)
def test_deleting_a_record_others_depend_on_is_refused_and_explained(seeded, model, key, dependant):
    obj = model.objects.get(**key)
    curator = staff_client("curator")
    url = reverse(f"admin:cooperation_{model._meta.model_name}_delete", args=[obj.pk])

    page = curator.get(url)
    assert page.status_code == 200
    assert page.context["protected"], "the confirmation page lists the protected dependants"
    text = page.content.decode()
    assert f"Cannot delete {model._meta.verbose_name}" in text
    assert dependant.lower() in text.lower()

    refused = curator.post(url, {"post": "yes"})
    assert refused.status_code == 200  # the same refusal page, not a redirect to the changelist
    assert model.objects.filter(pk=obj.pk).exists()


def test_bulk_delete_action_is_refused_too(seeded):
    curator = staff_client("curator")
    roscosmos = Organization.objects.get(slug="roscosmos")
    url = reverse("admin:cooperation_organization_changelist")
    response = curator.post(url, {"action": "delete_selected", "_selected_action": [roscosmos.pk], "post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete" in response.content.decode()
    assert Organization.objects.filter(pk=roscosmos.pk).exists()
