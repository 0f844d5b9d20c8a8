"""The orjson renderer writes exactly the bytes DRF's JSONRenderer would."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from api.json_renderer import ORJSONRenderer
from api.resources import RESOURCES

API = "/api/v1"


def assert_same_bytes(data) -> None:
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_awkward_values_render_as_drf_renders_them():
    assert_same_bytes(
        {
            "text": 'Роскосмос 国家航天局 \u2028 line \u2029 para "quoted" \\ back',
            "when": datetime.datetime(2018, 3, 3, 12, 30, tzinfo=datetime.UTC),
            "day": datetime.date(2018, 3, 3),
            "amount": decimal.Decimal("1.50"),
            "lazy": gettext_lazy("Not found."),
            "nested": [{"a": None, "b": True, "c": 1.25, "d": 2**62}],
            3: "int key",
        }
    )


@pytest.mark.parametrize("prefix", sorted(r.prefix for r in RESOURCES.values()))
def test_every_list_renders_identically(seeded, api, prefix):
    response = api.get(f"{API}/{prefix}/", {"limit": 1000})
    assert response.status_code == 200
    assert_same_bytes(response.data)
    assert response.content == JSONRenderer().render(response.data)


def test_indented_responses_still_work(seeded, api):
    response = api.get(f"{API}/organizations/roscosmos/", HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert response.content.startswith(b'{\n  "id"')
