"""What changes with the language and what never does (issue 15).

Localized: ``display`` (records and nested brief objects), ``localized_name`` (which text, its real
language, official/translation/transliteration, fallback), choice labels inside displays, timeline
titles, global-search displays and snippets, graph labels, CSV display columns. Never: canonical
fields, slugs and codes, CSV headers. Lists stay free of N+1 queries in every language.
"""

from __future__ import annotations

import csv
import io
import re

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from api.core.resource_urls import RESOURCES
from api.resources import registry_viewsets
from api.sql import timeline as timeline_sql
from cooperation.localization import LOCALES, localized_names_for
from cooperation.models import Label, Milestone, Organization
from tests.support.factories import (
    add_party,
    make_agreement,
    make_label,
    make_milestone,
    make_mission,
    make_organization,
    make_person,
    make_person_role,
    make_signatory,
    make_source,
)

API = "/api/v1"
LANGUAGES = ("en", "ru", "zh")
PRESENTATION = {"display", "localized_name", "label", "title", "snippet"}


@pytest.fixture
def world(db):
    """Two agencies, a memorandum between them, a mission with a planned landing, a person's role.

    Alpha has an official Russian name and a Russian short name; Beta a Chinese name only; the
    memorandum a Russian name; the mission a Russian name; the person a Chinese transliteration.
    """
    source = make_source()
    alpha = make_organization("alpha-org", name="Alpha Space Agency", short_name="ASA")
    beta = make_organization("beta", name="Beta Space Agency", short_name="BSA")
    make_label(alpha, "Альфа-агентство", "ru", source, kind=Label.Kind.OFFICIAL)
    make_label(alpha, "АКА", "ru", source, kind=Label.Kind.SHORT)
    make_label(alpha, "Alpha-агентство", "ru", source, kind=Label.Kind.ALIAS)  # never a display
    make_label(beta, "贝塔航天局", "zh", source, kind=Label.Kind.NAME)
    memorandum = make_agreement(
        "alpha-beta", title="Memorandum between Alpha and Beta", short_title="Alpha-Beta memorandum"
    )
    make_label(memorandum, "Меморандум Альфа–Бета", "ru", source, kind=Label.Kind.NAME)
    add_party(memorandum, alpha)
    add_party(memorandum, beta)
    person = make_person("ivan-petrov", name="Ivan Petrov")
    make_label(person, "伊万·彼得罗夫", "zh", source, kind=Label.Kind.TRANSLITERATION)
    make_signatory(memorandum, person, alpha)
    make_person_role(person, alpha, title="Administrator", started="2019-05")
    mission = make_mission("luna-99", name="Luna 99")
    make_label(mission, "Луна-99", "ru", source, kind=Label.Kind.OFFICIAL)
    make_milestone(mission, source, date="2027", kind=Milestone.Kind.LANDING)
    return {"alpha": alpha, "beta": beta, "memorandum": memorandum, "person": person, "mission": mission}


# --- display and localized_name ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "display", "name"),
    [
        (
            "en",
            "Alpha Space Agency (ASA)",
            {"text": "Alpha Space Agency", "language": "en", "status": None, "is_fallback": False},
        ),
        (
            "ru",
            "Альфа-агентство (АКА)",
            {"text": "Альфа-агентство", "language": "ru", "status": "official", "is_fallback": False},
        ),
        (
            "zh",
            "Alpha Space Agency (ASA)",
            {"text": "Alpha Space Agency", "language": "en", "status": None, "is_fallback": True},
        ),
    ],
)
def test_a_record_s_display_and_localized_name(api, world, lang, display, name):
    body = api.get(f"{API}/organizations/alpha-org/", {"lang": lang}).json()
    assert body["display"] == display
    assert body["localized_name"] == name
    assert (body["name"], body["short_name"], body["slug"]) == ("Alpha Space Agency", "ASA", "alpha-org")


def test_translations_and_transliterations_are_told_apart(api, world):
    beta = api.get(f"{API}/organizations/beta/", {"lang": "zh"}).json()
    assert beta["display"] == "贝塔航天局"
    assert beta["localized_name"] == {
        "text": "贝塔航天局",
        "language": "zh",
        "status": "translation",
        "is_fallback": False,
    }
    person = api.get(f"{API}/persons/ivan-petrov/", {"lang": "zh"}).json()
    assert person["localized_name"]["status"] == "transliteration"
    assert person["display"] == "伊万·彼得罗夫"


def test_nested_brief_objects_are_localized(api, world):
    body = api.get(f"{API}/agreements/alpha-beta/", {"lang": "zh"}).json()
    assert body["display"] == "Alpha-Beta memorandum (2018-03-03)"  # no Chinese name: the English display
    assert [p["organization"]["display"] for p in body["parties"]] == ["Alpha Space Agency (ASA)", "贝塔航天局"]
    assert body["signatories"][0]["person"]["display"] == "伊万·彼得罗夫"
    russian = api.get(f"{API}/agreements/alpha-beta/", {"lang": "ru"}).json()
    assert russian["display"] == "Меморандум Альфа–Бета (2018-03-03)"
    assert russian["localized_name"]["text"] == "Меморандум Альфа–Бета"
    assert russian["title"] == "Memorandum between Alpha and Beta"


def test_choice_labels_inside_displays_are_translated(api, world):
    party = api.get(f"{API}/parties/", {"agreement": "alpha-beta", "organization": "beta", "lang": "zh"}).json()
    (link,) = party["results"]
    assert link["display"] == "贝塔航天局为Alpha-Beta memorandum (2018-03-03)的缔约方"
    assert link["role"] == "party"  # the code never changes
    claims = api.get(f"{API}/milestones/", {"mission": "luna-99", "lang": "ru"}).json()["results"]
    assert claims[0]["display"].startswith("Луна-99: посадка, запланировано, 2027 (по данным ")
    labels = api.get(f"{API}/labels/", {"language": "ru", "kind": "official", "lang": "zh"}).json()["results"]
    assert "Альфа-агентство（俄语，官方名称）" in [label["display"] for label in labels]


def test_every_choice_label_of_the_models_is_translated():
    """Every label of every model field's choices has a Russian and a Chinese translation."""
    labels = {
        (model.__name__, field.name, value): label
        for app in ("cooperation", "history")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if getattr(field, "choices", None) and not field.auto_created
        for value, label in field.flatchoices or ()
    }
    assert len(labels) > 40  # the kinds, statuses and roles of the domain, not an empty loop
    with translation.override("en"):
        english = {key: str(label) for key, label in labels.items()}
    for lang in ("ru", "zh"):
        with translation.override(LOCALES[lang]):
            untranslated = [key for key, label in labels.items() if str(label) == english[key]]
        assert untranslated == [], lang


# --- what never changes ------------------------------------------------------------------------


def canonical(value):
    """A response without its presentation: what must be identical in every language."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items() if key not in PRESENTATION}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("prefix", sorted(r.prefix for r in RESOURCES.values()))
def test_canonical_fields_never_change_with_the_language(api, prefix):
    viewset = next(v for v in registry_viewsets() if RESOURCES[v.queryset.model].prefix == prefix)
    expandable = getattr(viewset.serializer_class.Meta, "expandable", ())
    params = {"limit": 1000, **({"expand": ",".join(expandable)} if expandable else {})}
    bodies = {lang: api.get(f"{API}/{prefix}/", {**params, "lang": lang}).json() for lang in LANGUAGES}
    assert bodies["en"]["results"]
    assert canonical(bodies["ru"]) == canonical(bodies["en"]) == canonical(bodies["zh"])


@pytest.mark.usefixtures("seeded")
def test_csv_headers_never_change_but_the_display_column_does(api):
    exports = {}
    for lang in LANGUAGES:
        response = api.get(f"{API}/organizations/", {"format": "csv", "lang": lang})
        exports[lang] = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert list(exports["en"][0]) == list(exports["ru"][0]) == list(exports["zh"][0])
    by_slug = {lang: {row["slug"]: row for row in rows} for lang, rows in exports.items()}
    assert by_slug["en"]["cnsa"]["display"] == "China National Space Administration (CNSA)"
    assert by_slug["zh"]["cnsa"]["display"] == "国家航天局"
    assert by_slug["zh"]["cnsa"]["localized_name"] == "国家航天局"
    assert by_slug["ru"]["cnsa"]["name"] == by_slug["en"]["cnsa"]["name"]


# --- timeline, search, graph ---------------------------------------------------------------------


def titles(api, lang, **params) -> list[str]:
    return [event["title"] for event in api.get(f"{API}/timeline/", {**params, "lang": lang}).json()["results"]]


def test_timeline_titles_are_translated_templates_with_localized_names(api, world):
    assert titles(api, "en", agreement="alpha-beta") == ["ASA and BSA sign the Alpha-Beta memorandum"]
    assert titles(api, "ru", agreement="alpha-beta") == ["АКА и BSA подписывают документ «Меморандум Альфа–Бета»"]
    assert titles(api, "zh", agreement="alpha-beta") == ["ASA和贝塔航天局签署《Alpha-Beta memorandum》"]
    assert titles(api, "ru", mission="luna-99") == ["Луна-99: посадка, планируемый срок — 2027"]
    assert titles(api, "zh", mission="luna-99") == ["Luna 99：着陆计划于2027"]
    assert titles(api, "zh", kind__in="role_started") == ["伊万·彼得罗夫就任：Administrator"]


def test_timeline_records_and_organizations_are_localized(api, world):
    (event,) = api.get(f"{API}/timeline/", {"agreement": "alpha-beta", "lang": "ru"}).json()["results"]
    assert [org["display"] for org in event["organizations"]] == ["Альфа-агентство (АКА)", "Beta Space Agency (BSA)"]
    assert event["subject"]["display"] == "Меморандум Альфа–Бета (2018-03-03)"
    assert event["kind"] == "signed"


def test_search_results_and_snippets_in_the_reader_s_language(api, world):
    results = api.get(f"{API}/search/", {"q": "alpha", "type__in": "organization", "lang": "ru"}).json()["results"]
    (alpha,) = [r for r in results if r["slug"] == "alpha-org"]
    assert alpha["display"] == "Альфа-агентство (АКА)"
    # The English name and a Russian alias both start with "Alpha": each reader sees the one in their language.
    assert alpha["snippet"] == "<mark>Alpha</mark>-агентство"
    english = api.get(f"{API}/search/", {"q": "alpha", "type__in": "organization"}).json()["results"]
    assert [r["snippet"] for r in english if r["slug"] == "alpha-org"] == ["<mark>Alpha</mark> Space Agency"]


def test_graph_node_labels_are_localized(api, world):
    nodes = api.get(f"{API}/graph/", {"agreement": "alpha-beta", "lang": "zh"}).json()["nodes"]
    labels = {node["id"]: node["label"] for node in nodes}
    assert labels["organization:beta"] == "贝塔航天局"
    assert labels["person:ivan-petrov"] == "伊万·彼得罗夫"
    assert labels["organization:alpha-org"] == "Alpha Space Agency (ASA)"


# --- queries -----------------------------------------------------------------------------------


def count_queries(api, url, params) -> int:
    timeline_sql._HELD.clear()  # each asked as new: the timeline's page kept from another language skips a statement
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/agreements/",
        "/parties/",
        "/signatories/",
        "/roles/",
        "/participants/",
        "/milestones/",
        "/labels/",
        "/timeline/",
    ],
)
def test_localized_lists_do_not_query_per_record(api, world, url):
    """Labels come with the page: as many queries for many records as for few, in every language."""
    few = {lang: count_queries(api, f"{API}{url}", {"lang": lang}) for lang in LANGUAGES}
    source = make_source()
    for index in range(4):
        org = make_organization(f"extra-{index}")
        make_label(org, f"Доп-{index}", "ru", source)
        make_label(org, f"额外{index}", "zh", source)
        agreement = make_agreement(f"extra-agreement-{index}")
        make_label(agreement, f"Доп-соглашение-{index}", "ru", source)
        add_party(agreement, org)
        person = make_person(f"extra-person-{index}")
        make_signatory(agreement, person, org)
        make_person_role(person, org, started="2020")
        mission = make_mission(f"extra-mission-{index}")
        make_milestone(mission, source)
    many = {lang: count_queries(api, f"{API}{url}", {"lang": lang}) for lang in LANGUAGES}
    assert many == few
    assert few["ru"] == few["zh"] == few["en"]  # names are a column of the rows already read


# --- the derived names -------------------------------------------------------------------------


def test_names_follow_their_labels(api, curator, world):
    """Adding, changing, moving and deleting a label updates the names it gives (``localized_names``)."""
    alpha, beta = world["alpha"], world["beta"]
    source = alpha.labels.first().source
    url = f"{API}/organizations/beta/"
    assert api.get(url, {"lang": "ru"}).json()["localized_name"]["is_fallback"] is True
    label = make_label(beta, "Бета", "ru", source, kind=Label.Kind.NAME)
    assert api.get(url, {"lang": "ru"}).json()["display"] == "Бета"
    official = make_label(beta, "Бета-агентство", "ru", source, kind=Label.Kind.OFFICIAL)
    assert api.get(url, {"lang": "ru"}).json()["localized_name"] == {
        "text": "Бета-агентство",
        "language": "ru",
        "status": "official",
        "is_fallback": False,
    }
    response = curator.patch(f"{API}/labels/{official.pk}/", {"text": "Бета-космос"})
    assert response.status_code == 200, response.content
    assert api.get(url, {"lang": "ru"}).json()["display"] == "Бета-космос"
    response = curator.patch(f"{API}/labels/{official.pk}/", {"subject_type": "organization", "subject_id": alpha.pk})
    assert response.status_code == 200, response.content
    assert api.get(url, {"lang": "ru"}).json()["display"] == "Бета"  # moved away: the other label again
    assert api.get(f"{API}/organizations/alpha-org/", {"lang": "ru"}).json()["display"] == "Альфа-агентство (АКА)"
    assert curator.delete(f"{API}/labels/{label.pk}/").status_code == 204
    assert api.get(url, {"lang": "ru"}).json()["display"] == "Beta Space Agency (BSA)"


def test_a_generated_corpus_carries_its_names(db):
    from cooperation.corpus import CorpusBuilder, CorpusSize

    CorpusBuilder(CorpusSize(5), seed=3).build()
    generated = Organization.objects.filter(slug__startswith="corpus-org-")
    assert generated.exists()
    for org in generated:
        assert org.localized_names == localized_names_for(list(org.labels.all())), org.slug
        assert set(org.localized_names) == {"ru", "zh"}


# --- the catalogue -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh_Hans"])
def test_translations_keep_their_placeholders(lang):
    """A template's placeholders are filled by name: a translation without one (or with a new one)
    would fail at run time."""
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po"))
    for entry in catalogue:
        assert entry.msgstr, entry.msgid
        for pattern in (r"\{\w+(?:!r)?\}", r"%\(\w+\)s"):
            assert sorted(re.findall(pattern, entry.msgstr)) == sorted(re.findall(pattern, entry.msgid)), entry.msgid
