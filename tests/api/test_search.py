"""``?q=`` finds records by names, labels and aliases in every language, ranked."""

import pytest

pytestmark = pytest.mark.usefixtures("seeded")


def found(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return [r["slug"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/organizations/?q=Роскосмос", "roscosmos"),
        ("/api/v1/organizations/?q=роскосмос", "roscosmos"),  # case-folded beyond ASCII, on SQLite too
        ("/api/v1/organizations/?q=国家航天局", "cnsa"),
        ("/api/v1/organizations/?q=Federal Space Agency", "roscosmos"),  # a former name
        ("/api/v1/missions/?q=Luna-Resurs", "luna-26"),  # an alias
        ("/api/v1/missions/?q=luna resurs", "luna-26"),  # punctuation-insensitive
        ("/api/v1/missions/?q=嫦娥", "change-7"),
        ("/api/v1/missions/?q=Chang'e 7", "change-7"),
        ("/api/v1/missions/?q=Change-7", "change-7"),
        ("/api/v1/persons/?q=Рогозин", "dmitry-rogozin"),
        ("/api/v1/persons/?q=Dmitri", "dmitry-rogozin"),  # a transliteration
        ("/api/v1/persons/?q=吴艳华", "wu-yanhua"),
        ("/api/v1/agreements/?q=ILRS memorandum", "russia-china-ilrs-mou-2021"),
        ("/api/v1/sources/?q=Parabolic", "parabolicarc-2018-03-07"),
    ],
)
def test_search_in_every_language(api, url, expected):
    assert expected in found(api, url)


def test_exact_name_ranks_before_substring_matches(api):
    # "ISS" is the ISS's short label; other missions merely contain the letters.
    results = found(api, "/api/v1/missions/?q=iss")
    assert results[0] == "iss"
    results = found(api, "/api/v1/organizations/?q=nasa")
    assert results[0] == "nasa"


def test_search_combines_with_filters_and_explicit_ordering(api):
    assert found(api, "/api/v1/organizations/?q=government&country=CN") == ["government-of-china"]
    by_name = found(api, "/api/v1/organizations/?q=government&ordering=-name")
    assert by_name == ["government-of-usa", "government-of-russia", "government-of-china"]


def test_search_matching_nothing_is_empty_not_an_error(api):
    assert found(api, "/api/v1/organizations/?q=zzzz-no-such-name") == []


def test_search_needs_a_letter_or_digit(api):
    response = api.get("/api/v1/organizations/?q=---")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "q"


def test_link_tables_have_no_q(api):
    response = api.get("/api/v1/parties/?q=roscosmos")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "q"
