"""The parity check that guards the baseline comparison (no database needed)."""

import copy

import pytest

from bench.parity import ParityError, check_parity, differences

PAGE = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "id": 7,
            "title": "Agreement",
            "parties": [{"id": 1, "organization": {"id": 3, "slug": "esa"}, "role": "party"}],
            "signatories": [{"id": 2, "person": {"id": 4, "slug": "ann"}, "title": "Director"}],
        }
    ],
}


def changed(mutate):
    page = copy.deepcopy(PAGE)
    mutate(page)
    return page


def test_identical_pages_pass():
    assert differences(PAGE, copy.deepcopy(PAGE)) == []
    assert check_parity(PAGE, copy.deepcopy(PAGE)) == 1


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda p: p["results"][0]["parties"][0]["organization"].update(slug="nasa"),
         "$.results[0].parties[0].organization.slug: API 'esa' != baseline 'nasa'"),
        (lambda p: p["results"][0]["signatories"][0].pop("title"), "$.results[0].signatories[0].title: API only"),
        (lambda p: p["results"][0].update(extra=1), "$.results[0].extra: baseline only"),
        (lambda p: p["results"][0]["parties"].append({}),
         "$.results[0].parties: 1 items in the API, 2 in the baseline"),
        (lambda p: p.update(count=True), "$.count: API 1 != baseline True"),
    ],
    ids=["nested value", "missing key", "extra key", "extra row", "type"],
)  # fmt: skip
def test_any_difference_is_named(mutate, expected):
    baseline = changed(mutate)
    assert differences(PAGE, baseline) == [expected]
    with pytest.raises(ParityError, match="disagree"):
        check_parity(PAGE, baseline)


def test_an_empty_page_proves_nothing():
    empty = {**PAGE, "count": 0, "results": []}
    with pytest.raises(ParityError, match="empty"):
        check_parity(empty, copy.deepcopy(empty))


def test_a_page_without_nested_rows_proves_nothing():
    bare = changed(lambda p: p["results"][0].update(parties=[], signatories=[]))
    with pytest.raises(ParityError, match="no nested parties or signatories"):
        check_parity(bare, copy.deepcopy(bare))
