"""Filters return exactly the expected records; malformed values are a 400 naming the parameter."""

import pytest

pytestmark = pytest.mark.usefixtures("seeded")


def slugs(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return [r.get("slug", r["id"]) for r in body["results"]]


def test_party_and_signed_on_range(api):
    assert slugs(api, "/api/v1/agreements/?party=roscosmos&signed_on__gte=2021-01-01") == []
    assert slugs(api, "/api/v1/agreements/?party=roscosmos&signed_on__gte=2018-01-01") == [
        "roscosmos-cnsa-lunar-data-center-agreement-2018",
        "roscosmos-cnsa-luna-26-change-7-agreement-2020",
    ]
    assert slugs(api, "/api/v1/agreements/?party=government-of-russia&signed_on__gte=2021-01-01") == [
        "russia-china-ilrs-mou-2021"
    ]


def test_partial_dates_compare_by_range(api):
    # The program was signed "2017-11": it may fall on or after 2017-06-01, and within 2017.
    program = "roscosmos-cnsa-cooperation-program-2018-2022"
    assert program in slugs(api, "/api/v1/agreements/?signed_on__gte=2017-06-01&signed_on__lte=2017-12-31")
    assert program in slugs(api, "/api/v1/agreements/?signed_on=2017")
    assert program in slugs(api, "/api/v1/agreements/?signed_on=2017-11")
    assert program not in slugs(api, "/api/v1/agreements/?signed_on=2017-11-15")  # not wholly within that day
    assert program not in slugs(api, "/api/v1/agreements/?signed_on__gte=2017-12")
    # The 2014 protocols are known only to the year: they overlap any bound inside 2014.
    assert "russia-china-space-navigation-protocols-2014" in slugs(api, "/api/v1/agreements/?signed_on__lte=2014-02")


def test_signatory_kind_in_and_negation(api):
    assert slugs(api, "/api/v1/agreements/?signatory=dmitry-rogozin") == [
        "russia-china-space-navigation-protocols-2014",
        "russia-china-ilrs-mou-2021",
    ]
    memoranda_and_agreements = slugs(api, "/api/v1/agreements/?kind__in=memorandum,agreement")
    assert sorted(memoranda_and_agreements) == [
        "roscosmos-cnsa-luna-26-change-7-agreement-2020",
        "russia-china-ilrs-mou-2021",
        "russia-china-lunar-deep-space-mou-2018",
        "russia-china-technology-protection-agreement-2016",
    ]
    everything = slugs(api, "/api/v1/agreements/")
    others = slugs(api, "/api/v1/agreements/?kind__n=memorandum,agreement")
    assert sorted(others + memoranda_and_agreements) == sorted(everything)
    assert slugs(api, "/api/v1/agreements/?party__n=roscosmos&party__n=government-of-russia") == ["artemis-accords"]


def test_related_filters_by_id_and_slug_agree(api):
    roscosmos = api.get("/api/v1/organizations/roscosmos/").json()["id"]
    assert slugs(api, f"/api/v1/agreements/?party_id={roscosmos}") == slugs(api, "/api/v1/agreements/?party=roscosmos")
    assert slugs(api, "/api/v1/agreements/?authorized_by=kremlin") == ["russia-china-ilrs-mou-2021"]


def test_missions_by_participant_and_status(api):
    assert slugs(api, "/api/v1/missions/?participant=cnsa&status=planned") == [
        "change-7",
        "ilrs",
        "lunar-data-center",
    ]


def test_incremental_sync_by_last_updated(api):
    assert len(slugs(api, "/api/v1/agreements/?last_updated__gte=2026-01-01T00:00:00Z")) == 9
    assert slugs(api, "/api/v1/agreements/?last_updated__gte=2999-01-01T00:00:00Z") == []


def test_organizations_by_country(api):
    assert slugs(api, "/api/v1/organizations/?country=RU") == [
        "government-of-russia",
        "roscosmos",
        "rsc-energia",
        "kremlin",
    ]
    assert slugs(api, "/api/v1/organizations/?country=US&kind=space_agency") == ["nasa"]


def test_text_lookups(api):
    assert slugs(api, "/api/v1/organizations/?name__ic=space ADMIN") == ["cnsa", "nasa"]
    assert slugs(api, "/api/v1/milestones/?mission=change-7&date=2024") != []
    assert slugs(api, "/api/v1/labels/?language=zh&mission=change-7") != []


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("colour=red", "colour"),
        ("signed_on__gte=2018-13", "signed_on__gte"),
        ("signed_on=18-03-03", "signed_on"),
        ("signed_on__lte=2018-02-30", "signed_on__lte"),
        ("kind=bogus", "kind"),
        ("kind=Memorandum", "kind"),
        ("kind__in=memorandum,Bogus", "kind__in"),
        ("party_id=abc", "party_id"),
        ("party=no-such-org", "party"),
        ("last_updated__gte=yesterday", "last_updated__gte"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("offset=-1", "offset"),
        ("ordering=colour", "ordering"),
        ("id=x", "id"),
        ("id=1.5", "id"),
        ("id=99999999999999999999999", "id"),
        ("party_id=99999999999999999999999", "party_id"),
        ("party_id=1.5", "party_id"),
        ("expand=nothing", "expand"),
        ("fields=nothing", "fields"),
    ],
)
def test_malformed_values_are_a_400_naming_the_parameter(api, query, parameter):
    response = api.get(f"/api/v1/agreements/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [parameter]


def test_ordering(api):
    records = api.get("/api/v1/agreements/?ordering=title").json()["results"]
    titles = [r["title"] for r in records]
    assert titles == sorted(titles)
    by_title = [r["slug"] for r in records]
    assert slugs(api, "/api/v1/agreements/?ordering=-title") == list(reversed(by_title))
    assert slugs(api, "/api/v1/agreements/")[0] == "russia-china-space-navigation-protocols-2014"  # by signing date


def test_pagination(api):
    first = api.get("/api/v1/citations/?limit=5").json()
    second = api.get(first["next"]).json()
    assert first["count"] == second["count"] > 10
    assert len(first["results"]) == 5
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
    assert second["previous"].endswith("limit=5")


def test_ids_beyond_the_id_range_are_not_found(api):
    assert api.get("/api/v1/parties/99999999999999999999999/").status_code == 404
    assert api.get("/api/v1/parties/0/").status_code == 404


@pytest.mark.parametrize(
    "query, missing",
    [
        ("party=no-such-org", ["'no-such-org'"]),
        ("party=roscosmos&party=no-such-org", ["'no-such-org'"]),
        ("party__n=no-such-org", ["'no-such-org'"]),
        ("party_id=999999", ["'999999'"]),
        ("party_id=0{id}", ["'0{id}'"]),  # not the id's own spelling: no record has it
        ("party=Roscosmos", ["'Roscosmos'"]),  # slugs are case-sensitive
    ],
)
def test_related_records_that_do_not_exist_are_named(api, query, missing):
    """Wherever the existence check runs (its own query, or the page's statement on PostgreSQL)."""
    from cooperation.models import Organization

    roscosmos = Organization.objects.get(slug="roscosmos").pk
    response = api.get(f"/api/v1/agreements/?{query.format(id=roscosmos)}")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [e["code"] for e in errors] == ["does_not_exist"]
    assert [e["detail"].split(" ")[-1].rstrip(".") for e in errors] == [m.format(id=roscosmos) for m in missing]


def test_a_missing_record_is_named_with_the_other_problems(api):
    response = api.get("/api/v1/agreements/?party=no-such-org&signed_on__gte=2018-13")
    assert response.status_code == 400
    assert sorted((e["field"], e["code"]) for e in response.json()["errors"]) == [
        ("party", "does_not_exist"),
        ("signed_on__gte", "invalid"),
    ]


def test_existing_records_by_slug_and_id_filter_alike(api):
    from cooperation.models import Organization

    ids = {slug: Organization.objects.get(slug=slug).pk for slug in ("roscosmos", "cnsa")}
    by_slug = slugs(api, "/api/v1/agreements/?party=roscosmos&party=cnsa&party=roscosmos")
    by_id = slugs(api, f"/api/v1/agreements/?party_id={ids['roscosmos']}&party_id={ids['cnsa']}")
    assert by_slug == by_id and by_slug
    not_roscosmos = slugs(api, "/api/v1/agreements/?party__n=roscosmos&limit=1000")
    assert not set(not_roscosmos) & set(slugs(api, "/api/v1/agreements/?party=roscosmos"))
