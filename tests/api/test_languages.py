"""How the API picks its language, and what every response says about it (issue 15).

Negotiation (``api.core.languages``): ``lang`` over ``Accept-Language`` (q-values, regional and
script variants) over English, never an error; ``Content-Language`` and ``Vary: Accept-Language``
on every response, errors and streams included; ETags per language; error details translated
while codes and field names stay; the explore page in three languages.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import RequestFactory

from api.core.languages import accepted, negotiate
from cooperation.models import Organization
from tests.support.factories import make_source

API = "/api/v1"
pytestmark = pytest.mark.usefixtures("seeded")


# --- negotiation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("zh-CN,zh;q=0.9", "zh"),
        ("zh-Hans", "zh"),
        ("zh-Hans-CN", "zh"),
        ("zh-TW", "zh"),  # Traditional Chinese readers get Simplified Chinese (Wikidata's zh-hant -> zh-hans)
        ("zh-Hant-HK, en;q=0.5", "zh"),
        ("zh_CN", "zh"),  # a common mistake, read leniently
        ("en;q=0.2, ru;q=0.9", "ru"),  # q-values, not the order, decide
        ("ru;q=0.5, zh;q=0.5", "ru"),  # equal q: the order decides
        ("ru;q=0, zh;q=0.3", "zh"),  # q=0: not acceptable
        ("fr-FR, de;q=0.9, zh;q=0.1", "zh"),  # the first the API speaks
        ("fr-FR, de;q=0.9", "en"),
        ("*", "en"),
        ("fr, *;q=0.5, ru;q=0.4", "en"),
        ("", "en"),
        ("!!garbage!!, ru", "ru"),  # a malformed item is skipped, not fatal
        ("ru;q=2", "en"),  # an out-of-range q-value is not a preference
        ("x" * 5000, "en"),
    ],
)
def test_accept_language(header, expected):
    assert negotiate(RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE=header)) == expected


@pytest.mark.parametrize(
    ("lang", "header", "expected"),
    [
        ("ru", "zh-CN", "ru"),  # lang overrides the header
        ("zh", "ru", "zh"),
        ("en", "ru", "en"),
        ("ru-RU", "", "ru"),
        ("zh-Hans", "", "zh"),
        ("ZH", "", "zh"),
        ("fr", "ru", "en"),  # unsupported: English, never an error
        ("klingon-tlh", "", "en"),
    ],
)
def test_the_lang_parameter_overrides_the_header(lang, header, expected):
    assert negotiate(RequestFactory().get("/", {"lang": lang}, HTTP_ACCEPT_LANGUAGE=header)) == expected


def test_ranges_are_read_in_order_of_preference():
    assert accepted("en;q=0.1, ru, zh;q=0.5, de;q=0") == ["ru", "zh", "en"]


@pytest.mark.parametrize(
    ("params", "header", "content_language", "display"),
    [
        ({}, "", "en", "China National Space Administration (CNSA)"),
        ({}, "zh-CN,zh;q=0.9", "zh-Hans", "国家航天局"),
        ({}, "ru-RU", "ru", "Национальное космическое управление Китая"),
        ({"lang": "zh"}, "ru", "zh-Hans", "国家航天局"),
        ({"lang": "de"}, "zh", "en", "China National Space Administration (CNSA)"),
    ],
)
def test_a_record_in_the_negotiated_language(api, params, header, content_language, display):
    response = api.get(f"{API}/organizations/cnsa/", params, HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 200
    assert response["Content-Language"] == content_language
    assert "Accept-Language" in response["Vary"]
    assert response.json()["display"] == display


def test_lang_is_a_parameter_of_every_endpoint_but_blank_is_still_a_400(api):
    for url in ("/organizations/", "/organizations/cnsa/", "/timeline/", "/graph/", "/throttle/", "/"):
        assert api.get(f"{API}{url}", {"lang": "ru"}).status_code == 200, url
    response = api.get(f"{API}/organizations/", {"lang": ""})
    assert response.status_code == 400 and response.json()["errors"][0] == {
        "field": "lang",
        "code": "blank",
        "detail": "Give a value, or leave the parameter out.",
    }


# --- headers on every kind of response ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/organizations/",
        "/agreements/?format=csv",  # streamed
        "/timeline/?format=csv",  # streamed
        "/search/?q=luna",
        "/graph/?organization=cnsa",
        "/organizations/no-such-org/",  # 404
        "/organizations/?bogus=1",  # 400
        "/no/such/url/",  # the catch-all JSON 404
    ],
)
def test_every_response_says_its_language_and_varies_on_it(api, url):
    response = api.get(f"{API}{url}", HTTP_ACCEPT_LANGUAGE="ru")
    assert response["Content-Language"] == "ru"
    assert "Accept-Language" in response["Vary"]


def test_a_streamed_export_is_written_in_the_language_of_its_request(api):
    """The body of a stream is produced after the view returned: it must still be Russian."""
    response = api.get(f"{API}/timeline/", {"format": "csv", "organization": "cnsa", "lang": "ru"})
    text = b"".join(response.streaming_content).decode()
    header, *rows = text.splitlines()
    assert header.startswith("id,kind,date,title,")
    assert any("подписывают документ" in row for row in rows), rows[:3]


# --- ETags -------------------------------------------------------------------------------------


def test_etags_differ_between_languages_and_304_only_within_one(api):
    url = f"{API}/organizations/roscosmos/"
    tags = {lang: api.get(url, {"lang": lang})["ETag"] for lang in ("en", "ru", "zh")}
    assert len(set(tags.values())) == 3
    assert api.get(url, {"lang": "ru"}, HTTP_IF_NONE_MATCH=tags["ru"]).status_code == 304
    assert api.get(url, {"lang": "zh"}, HTTP_IF_NONE_MATCH=tags["ru"]).status_code == 200
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="ru", HTTP_IF_NONE_MATCH=tags["ru"]).status_code == 304


def test_even_byte_identical_bodies_have_their_own_etag_per_language(api):
    """An undated source with a publisher displays alike in English and Russian; its ETags still
    differ, as its Content-Language does."""
    source = make_source(published=None, publisher="TASS", title="A report")
    url = f"{API}/sources/{source.slug}/"
    english, russian = api.get(url, {"lang": "en"}), api.get(url, {"lang": "ru"})
    assert english.json() == russian.json()
    assert english["ETag"] != russian["ETag"]


def test_a_tag_read_in_one_language_is_good_for_a_write_in_another(curator):
    url = f"{API}/organizations/cnsa/"
    tag = curator.get(url, {"lang": "zh"})["ETag"]
    response = curator.patch(url, {"website": "https://www.cnsa.gov.cn/"}, HTTP_IF_MATCH=tag)
    assert response.status_code == 200, response.content
    assert response["Content-Language"] == "en"
    stale = curator.patch(url, {"website": "https://example.org/"}, HTTP_IF_MATCH=tag, HTTP_ACCEPT_LANGUAGE="ru")
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert stale.json()["detail"].startswith("Запись изменилась после выдачи этого ETag")


def test_canonical_fields_survive_a_round_trip_in_another_language(curator):
    url = f"{API}/organizations/cnsa/"
    record = curator.get(url, {"lang": "zh"})
    body = record.json()
    writable = {key: body[key] for key in ("slug", "name", "short_name", "kind", "countries", "website")}
    response = curator.put(url + "?lang=zh", writable, HTTP_IF_MATCH=record["ETag"])
    assert response.status_code == 200, response.content
    assert Organization.objects.get(slug="cnsa").name == "China National Space Administration"
    assert response.json()["display"] == "国家航天局"


# --- errors ------------------------------------------------------------------------------------


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}
    return body


@pytest.mark.parametrize(
    ("lang", "detail", "field_detail"),
    [
        ("en", "Unknown query parameter: bogus.", "Not a parameter of this endpoint."),
        ("ru", "Неизвестный параметр запроса: bogus.", "У этого адреса API нет такого параметра."),
        ("zh", "未知的查询参数：bogus。", "此接口没有这个参数。"),
    ],
)
def test_error_details_follow_the_language_codes_and_fields_do_not(api, lang, detail, field_detail):
    body = error(api.get(f"{API}/agreements/", {"bogus": "1", "lang": lang}))
    assert body["code"] == "unknown_parameter"
    assert body["detail"] == detail
    assert body["errors"] == [{"field": "bogus", "code": "unknown_parameter", "detail": field_detail}]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", "Не найдено: организация с slug 'no-such-org'."),
        ("zh", "不存在 slug 为 'no-such-org' 的组织。"),
    ],
)
def test_a_filter_naming_no_record(api, lang, expected):
    body = error(api.get(f"{API}/agreements/", {"party": "no-such-org", "lang": lang}))
    assert body["code"] == "invalid"
    (problem,) = body["errors"]
    assert problem["field"] == "party" and problem["code"] == "does_not_exist"
    assert problem["detail"] == expected


def test_django_and_drf_messages_come_translated_too(api, curator):
    assert error(api.get(f"{API}/organizations/no-such-org/", {"lang": "ru"}))["detail"] == "Страница не найдена."
    assert error(api.get(f"{API}/organizations/no-such-org/", {"lang": "zh"}))["detail"] == "未找到。"
    missing = error(curator.post(f"{API}/organizations/?lang=ru", {"slug": "x-agency"}))
    assert missing["code"] == "invalid"
    assert {e["field"]: e["detail"] for e in missing["errors"]}["name"] == "Обязательное поле."
    assert {e["field"]: e["code"] for e in missing["errors"]}["name"] == "required"
    bad_token = error(api.get(f"{API}/changes/", {"lang": "zh"}, HTTP_AUTHORIZATION="Token nope"))
    assert (bad_token["code"], bad_token["detail"]) == ("authentication_failed", "未知的令牌。")


def test_the_domain_s_query_errors_are_translated(api):
    graph = error(api.get(f"{API}/graph/", {"depth": "2", "lang": "ru"}))
    assert graph["errors"] == [
        {
            "field": "depth",
            "code": "invalid",
            "detail": "depth задаётся вместе с отправной точкой: укажите также organization, agreement или mission.",
        }
    ]
    search = error(api.get(f"{API}/search/", {"q": "!!", "lang": "zh"}))
    assert search["errors"][0]["detail"] == "q 必须至少包含一个字母或数字。"


def test_the_catch_all_404_is_translated(api):
    body = error(api.get(f"{API}/nowhere/", HTTP_ACCEPT_LANGUAGE="zh-CN"))
    assert body == {"status": 404, "code": "not_found", "detail": "API 中没有这个地址：/api/v1/nowhere/", "errors": []}


# --- the explore page --------------------------------------------------------------------------


def page_config(response) -> dict:
    found = re.search(r'<script id="explore-i18n" type="application/json">(.*?)</script>', response.text, re.S)
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("params", "header", "html_lang", "heading", "claim"),
    [
        ({}, "", "en", "Timeline", "planned"),
        ({"lang": "ru"}, "zh", "ru", "Хронология", "запланировано"),
        ({}, "zh-CN", "zh-Hans", "时间线", "计划中"),
    ],
)
def test_the_explore_page_speaks_the_chosen_language(client, params, header, html_lang, heading, claim):
    response = client.get("/explore/", params, HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 200
    assert response["Content-Language"] == html_lang
    assert f'<html lang="{html_lang}"' in response.text
    assert f'id="timeline-title">{heading}' in response.text
    config = page_config(response)
    assert config["claim_statuses"]["planned"] == claim
    assert set(config["types"]) == {"organization", "person", "agreement", "mission", "source"}
    for code in ("en", "ru", "zh"):
        assert f'href="?lang={code}"' in response.text


def test_every_sentence_of_the_explore_page_is_translated(client):
    english = page_config(client.get("/explore/", {"lang": "en"}))
    for lang in ("ru", "zh"):
        config = page_config(client.get("/explore/", {"lang": lang}))
        for group in ("messages", "kinds", "statuses", "roles", "claim_statuses", "types"):
            assert set(config[group]) == set(english[group])
            for key, text in config[group].items():
                words = re.sub(r"\{\w+\}", "", english[group][key])
                if re.search(r"[A-Za-z]", words):  # (a template of placeholders and punctuation may stay as it is)
                    assert text != english[group][key], (lang, group, key)
                assert re.findall(r"\{\w+\}", text) == re.findall(r"\{\w+\}", english[group][key]), (lang, key)
