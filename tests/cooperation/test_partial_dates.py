"""The partial-date value type and the model mixin that stores it in three columns."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cooperation.models import PersonRole, Source
from cooperation.partial_dates import PartialDate, Precision, end_of, partial_date_stems
from tests.support.factories import make_person_role, make_source, unique_slug

D = dt.date


# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("2018-03-03", D(2018, 3, 3), Precision.DAY),
        ("2017-11", D(2017, 11, 1), Precision.MONTH),
        ("2022", D(2022, 1, 1), Precision.YEAR),
    ],
)
def test_parse_normalises_to_first_day_with_precision(text, start, precision):
    value = PartialDate.parse(text)
    assert value.start == start
    assert value.precision == precision


@pytest.mark.parametrize(
    "text",
    [
        "2018-13",  # no month 13
        "2018-00",  # no month 0
        "2018-02-30",  # no 30 February
        "2019-02-29",  # not a leap year
        "18-03-03",  # two-digit year
        "",
        "   ",
        "2018/03/03",
        " 2018-03-03x",
        "2018-3-3",
        "2018-03-03T10:00",
        "0000",  # year 0 does not exist in datetime.date
    ],
)
def test_parse_rejects_malformed_or_impossible_dates(text):
    with pytest.raises(ValueError, match="date"):
        PartialDate.parse(text)


@pytest.mark.parametrize("value", [None, 2018, D(2018, 3, 3)])
def test_parse_rejects_non_strings(value):
    with pytest.raises(ValueError):
        PartialDate.parse(value)


def test_parse_accepts_leap_day():
    assert PartialDate.parse("2020-02-29") == PartialDate(D(2020, 2, 29), Precision.DAY)


@pytest.mark.parametrize("text", [" 2017-11", "2017-11\n", " 2022 "])
def test_parse_rejects_surrounding_whitespace(text):
    """The API's schema pattern has no room for spaces, so the parser has none either."""
    with pytest.raises(ValueError):
        PartialDate.parse(text)


@pytest.mark.parametrize("text", ["\u0662\u0660\u0661\u0668", "\uff12\uff10\uff11\uff18-\uff10\uff13"])
def test_parse_rejects_non_ascii_digits(text):
    with pytest.raises(ValueError):
        PartialDate.parse(text)


# --- end of the covered range --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("2018-03-03", D(2018, 3, 3)),
        ("2017-11", D(2017, 11, 30)),
        ("2017-12", D(2017, 12, 31)),
        ("2020-02", D(2020, 2, 29)),  # leap year
        ("2019-02", D(2019, 2, 28)),
        ("1900-02", D(1900, 2, 28)),  # divisible by 100, not by 400: not leap
        ("2000-02", D(2000, 2, 29)),  # divisible by 400: leap
        ("2022", D(2022, 12, 31)),
    ],
)
def test_end_is_last_day_covered(text, end):
    assert PartialDate.parse(text).end == end


@pytest.mark.parametrize("text", ["2018-03-03", "2017-11", "2022", "2020-02-29", "0001"])
def test_isoformat_round_trips(text):
    value = PartialDate.parse(text)
    assert value.isoformat() == text
    assert str(value) == text
    assert PartialDate.parse(value.isoformat()) == value


# --- overlaps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        ("2017", D(2017, 6, 1), None, True),
        ("2017", D(2018, 1, 1), None, False),
        ("2017", None, D(2017, 1, 1), True),
        ("2017", None, D(2016, 12, 31), False),
        ("2017", None, None, True),
        ("2017-11", None, D(2017, 10, 31), False),
        ("2017-11", None, D(2017, 11, 1), True),
        ("2017-11", D(2017, 11, 30), None, True),
        ("2017-11", D(2017, 12, 1), None, False),
        ("2017-11", D(2017, 11, 10), D(2017, 11, 20), True),
        ("2018-03-03", D(2018, 3, 3), D(2018, 3, 3), True),
        ("2018-03-03", D(2018, 3, 4), None, False),
        ("2018-03-03", None, D(2018, 3, 2), False),
    ],
)
def test_overlaps_compares_the_covered_range_with_the_bounds(text, low, high, expected):
    assert PartialDate.parse(text).overlaps(low, high) is expected


# --- constructor ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "precision"),
    [
        (D(2017, 11, 5), Precision.MONTH),
        (D(2017, 3, 1), Precision.YEAR),
        (D(2017, 1, 2), Precision.YEAR),
        (D(2017, 1, 1), "week"),
        (D(2017, 1, 1), ""),
    ],
)
def test_constructor_rejects_non_normalised_start_or_unknown_precision(start, precision):
    with pytest.raises(ValueError):
        PartialDate(start, precision)


@pytest.mark.parametrize(
    ("start", "precision"),
    [(D(2017, 11, 5), Precision.DAY), (D(2017, 11, 1), Precision.MONTH), (D(2017, 1, 1), Precision.YEAR)],
)
def test_constructor_accepts_normalised_start(start, precision):
    assert PartialDate(start, precision).start == start


def test_partial_dates_are_ordered_by_start():
    dates = [PartialDate.parse(t) for t in ("2019", "2017-11", "2018-03-03")]
    assert [d.isoformat() for d in sorted(dates)] == ["2017-11", "2018-03-03", "2019"]


def test_end_of_is_none_for_incomplete_or_inconsistent_columns():
    assert end_of(None, Precision.DAY) is None
    assert end_of(D(2017, 11, 1), "") is None
    assert end_of(D(2017, 11, 5), Precision.MONTH) is None
    assert end_of(D(2017, 11, 1), Precision.MONTH) == D(2017, 11, 30)


def test_partial_date_stems_finds_every_date_with_both_twins():
    assert partial_date_stems(PersonRole) == ["ended_on", "started_on"]
    assert partial_date_stems(Source) == ["published_on"]


# --- PartialDateModel ----------------------------------------------------------------------------


def _unsaved_source(**fields) -> Source:
    return Source(
        slug=unique_slug("source"),
        title="A report",
        kind=Source.Kind.NEWS,
        tier=Source.Tier.SECOND_PARTY,
        **fields,
    )


@pytest.mark.parametrize("text", ["2018-03-03", "2017-11", "2022"])
def test_set_and_get_partial_date(text):
    source = _unsaved_source()
    source.set_partial_date("published_on", text)
    value = PartialDate.parse(text)
    assert (source.published_on, source.published_on_precision, source.published_on_end) == (
        value.start,
        value.precision,
        value.end,
    )
    assert source.get_partial_date("published_on") == value


def test_set_partial_date_accepts_a_value_and_none():
    source = _unsaved_source()
    source.set_partial_date("published_on", PartialDate(D(2020, 2, 1), Precision.MONTH))
    assert source.published_on_end == D(2020, 2, 29)
    source.set_partial_date("published_on", None)
    assert (source.published_on, source.published_on_precision, source.published_on_end) == (None, "", None)
    assert source.get_partial_date("published_on") is None


def test_set_partial_date_rejects_a_malformed_string():
    source = _unsaved_source()
    with pytest.raises(ValueError):
        source.set_partial_date("published_on", "2018-13")


def test_get_partial_date_is_none_without_precision():
    assert _unsaved_source(published_on=D(2020, 1, 1)).get_partial_date("published_on") is None


@pytest.mark.django_db
def test_clean_date_without_precision_is_an_error_on_the_precision_field():
    source = _unsaved_source(published_on=D(2020, 1, 1))
    with pytest.raises(ValidationError) as info:
        source.full_clean()
    assert set(info.value.message_dict) == {"published_on_precision"}


@pytest.mark.django_db
def test_clean_precision_without_date_is_an_error_on_the_date_field():
    source = _unsaved_source(published_on_precision=Precision.MONTH)
    with pytest.raises(ValidationError) as info:
        source.full_clean()
    assert set(info.value.message_dict) == {"published_on"}


@pytest.mark.django_db
def test_clean_non_normalised_date_is_an_error_on_the_date_field():
    source = _unsaved_source(published_on=D(2020, 3, 1), published_on_precision=Precision.YEAR)
    with pytest.raises(ValidationError) as info:
        source.full_clean()
    assert set(info.value.message_dict) == {"published_on"}
    assert "January" in info.value.message_dict["published_on"][0]


@pytest.mark.django_db
def test_clean_reports_each_bad_date_of_a_model():
    role = make_person_role(started="2015")
    role.started_on_precision = ""
    role.ended_on_precision = Precision.DAY
    with pytest.raises(ValidationError) as info:
        role.full_clean()
    assert set(info.value.message_dict) == {"started_on_precision", "ended_on"}


@pytest.mark.django_db
def test_clean_derives_the_end_column():
    source = _unsaved_source(published_on=D(2019, 2, 1), published_on_precision=Precision.MONTH)
    source.full_clean()
    assert source.published_on_end == D(2019, 2, 28)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "precision", "end"),
    [
        (D(2020, 2, 1), Precision.MONTH, D(2020, 2, 29)),
        (D(2019, 2, 1), Precision.MONTH, D(2019, 2, 28)),
        (D(2021, 1, 1), Precision.YEAR, D(2021, 12, 31)),
        (D(2021, 7, 14), Precision.DAY, D(2021, 7, 14)),
    ],
)
def test_save_derives_end_column(start, precision, end):
    source = _unsaved_source(published_on=start, published_on_precision=precision, published_on_end=None)
    source.save()
    source.refresh_from_db()
    assert source.published_on_end == end


@pytest.mark.django_db
def test_save_recomputes_a_stale_end_column():
    source = make_source(published="2017-11")
    source.published_on = D(2017, 1, 1)
    source.published_on_precision = Precision.YEAR  # end still says 2017-11-30
    source.save()
    source.refresh_from_db()
    assert source.published_on_end == D(2017, 12, 31)
    assert source.get_partial_date("published_on") == PartialDate.parse("2017")


@pytest.mark.django_db
def test_save_clears_end_column_when_date_is_cleared():
    source = make_source(published="2017-11")
    source.published_on, source.published_on_precision = None, ""
    source.save()
    source.refresh_from_db()
    assert source.published_on_end is None
