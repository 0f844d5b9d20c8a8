"""The orjson renderer writes exactly the bytes DRF's JSONRenderer would (JSON PostgreSQL wrote goes as it is)."""

from __future__ import annotations

import datetime
import decimal

import orjson
import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from api.renderers.json import ORJSONRenderer, RawJSON
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


@pytest.mark.parametrize(
    "text",
    ["em dash \u2014, curly \u2019quotes\u201d", "only \u2029 a paragraph", "\u2014 then \u2028", "plain ascii"],
)
def test_line_separators_among_other_characters_of_their_first_byte(text):
    # Both separators start with byte E2, as do dashes and curly quotes: only the separators are escaped.
    assert_same_bytes({"text": text})
    raw = ORJSONRenderer().render({"raw": RawJSON(orjson.dumps(text).decode())})
    assert raw == b'{"raw":' + JSONRenderer().render(text) + b"}"


def parsed(data):
    """``response.data`` with the JSON text PostgreSQL wrote parsed (its whitespace is its own)."""
    if isinstance(data, dict) and isinstance(data.get("results"), RawJSON):
        return {**data, "results": orjson.loads(data["results"].text)}
    return data


@pytest.mark.parametrize("prefix", sorted(r.prefix for r in RESOURCES.values()))
def test_every_list_renders_identically(seeded, api, prefix):
    response = api.get(f"{API}/{prefix}/", {"limit": 1000})
    assert response.status_code == 200
    data = parsed(response.data)
    assert_same_bytes(data)
    assert orjson.loads(response.content) == orjson.loads(JSONRenderer().render(data))


def test_raw_json_goes_out_as_it_is():
    raw = '[{"id" : 1, "name" : "Роскосмос \u2028"}, \n {"id" : 2, "name" : "CNSA"}]'
    data = {"count": 2, "results": RawJSON(raw)}
    out = ORJSONRenderer().render(data)
    assert out == b'{"count":2,"results":' + raw.encode().replace("\u2028".encode(), b"\\u2028") + b"}"
    assert orjson.loads(out)["results"] == orjson.loads(raw)
    indented = ORJSONRenderer().render(data, "application/json; indent=2")
    assert indented.startswith(b'{\n  "count": 2,\n  "results": [\n    {\n      "id": 1')
    assert orjson.loads(indented) == orjson.loads(out)


def test_indented_responses_still_work(seeded, api):
    response = api.get(f"{API}/organizations/roscosmos/", HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert response.content.startswith(b'{\n  "id"')
    listed = api.get(f"{API}/agreements/", {"limit": 2}, HTTP_ACCEPT="application/json; indent=2")
    assert listed.status_code == 200
    assert listed.content.startswith(b'{\n  "count"')
    assert orjson.loads(listed.content) == api.get(f"{API}/agreements/", {"limit": 2}).json()
