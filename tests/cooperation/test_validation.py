"""Python-level rules (``full_clean``), derived claim statuses, and natural keys."""

import datetime as dt
import json

import pytest
from django.core import serializers
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from cooperation.models import (
    AgreementParty,
    Citation,
    Label,
    Language,
    Milestone,
    Organization,
    PersonRole,
    Signatory,
    claim_statuses,
)
from cooperation.partial_dates import PartialDate, Precision
from tests.support.factories import (
    add_party,
    arc_field,
    make_agreement,
    make_citation,
    make_label,
    make_milestone,
    make_mission,
    make_organization,
    make_participant,
    make_person,
    make_person_role,
    make_signatory,
    make_source,
)

pytestmark = pytest.mark.django_db

D = dt.date
PLANNED, ACHIEVED, SUPERSEDED = (
    Milestone.ClaimStatus.PLANNED,
    Milestone.ClaimStatus.ACHIEVED,
    Milestone.ClaimStatus.SUPERSEDED,
)


def error_fields(instance) -> set[str]:
    """Run ``full_clean`` and return the keys of the errors it raised."""
    with pytest.raises(ValidationError) as info:
        instance.full_clean()
    return set(info.value.message_dict)


# --- signatories sign on behalf of a party, or of part of one -------------------------------------------


@pytest.fixture
def agreement_with_parties():
    """An agreement between a government (with an agency under it) and a company; a ministry authorizes it."""
    government = make_organization("government", kind=Organization.Kind.GOVERNMENT)
    agency = make_organization("agency", parent=government)
    institute = make_organization("institute", parent=agency, kind=Organization.Kind.RESEARCH_INSTITUTE)
    company = make_organization("company", kind=Organization.Kind.COMPANY)
    ministry = make_organization("ministry", kind=Organization.Kind.GOVERNMENT)
    department = make_organization("department", parent=ministry, kind=Organization.Kind.GOVERNMENT)
    outsider = make_organization("outsider")
    agreement = make_agreement("the-agreement")
    add_party(agreement, government)
    add_party(agreement, company)
    add_party(agreement, ministry, AgreementParty.Role.AUTHORIZING_BODY)
    return agreement, {o.slug: o for o in (government, agency, institute, company, ministry, department, outsider)}


@pytest.mark.parametrize("slug", ["government", "company", "agency", "institute"])
def test_signatory_for_a_party_or_part_of_one_is_valid(agreement_with_parties, slug):
    agreement, orgs = agreement_with_parties
    signatory = Signatory(agreement=agreement, person=make_person(), on_behalf_of=orgs[slug])
    signatory.full_clean()
    signatory.save()
    assert agreement.signatories.get().on_behalf_of == orgs[slug]


@pytest.mark.parametrize(
    "slug",
    [
        "outsider",  # nothing to do with the agreement
        "ministry",  # only the authorizing body
        "department",  # part of the authorizing body
    ],
)
def test_signatory_for_a_non_party_is_rejected_on_on_behalf_of(agreement_with_parties, slug):
    agreement, orgs = agreement_with_parties
    signatory = Signatory(agreement=agreement, person=make_person(), on_behalf_of=orgs[slug])
    assert error_fields(signatory) == {"on_behalf_of"}


def test_signatory_for_the_parent_of_a_party_is_rejected():
    government = make_organization(kind=Organization.Kind.GOVERNMENT)
    agency = make_organization(parent=government)
    agreement = make_agreement()
    add_party(agreement, agency)
    signatory = Signatory(agreement=agreement, person=make_person(), on_behalf_of=government)
    assert error_fields(signatory) == {"on_behalf_of"}


def test_signatory_becomes_valid_once_its_organization_is_added_as_party():
    agreement, org = make_agreement(), make_organization()
    signatory = Signatory(agreement=agreement, person=make_person(), on_behalf_of=org)
    assert error_fields(signatory) == {"on_behalf_of"}
    add_party(agreement, org, AgreementParty.Role.AUTHORIZING_BODY)
    assert error_fields(signatory) == {"on_behalf_of"}
    add_party(agreement, org)
    signatory.full_clean()


# --- organization hierarchy ---------------------------------------------------------------------------------


def test_organization_cannot_be_its_own_parent():
    org = make_organization()
    org.parent = org
    assert error_fields(org) == {"parent"}


def test_organization_parent_cycle_is_rejected():
    top = make_organization()
    middle = make_organization(parent=top)
    bottom = make_organization(parent=middle)
    top.parent = bottom  # top -> bottom -> middle -> top
    assert error_fields(top) == {"parent"}
    middle.parent = bottom  # middle -> bottom -> middle
    assert error_fields(middle) == {"parent"}


def test_organization_reparenting_without_cycle_is_valid():
    a, b = make_organization(), make_organization()
    c = make_organization(parent=a)
    c.parent = b
    c.full_clean()
    c.save()
    assert c.ancestors() == [b]
    a.parent = b  # b is no descendant of a
    a.full_clean()


def test_organization_clean_stops_on_an_existing_cycle_above_it():
    b, c = make_organization(), make_organization()
    Organization.objects.filter(pk=b.pk).update(parent=c)
    Organization.objects.filter(pk=c.pk).update(parent=b)  # a cycle the database allows (not a self-parent)
    parent = Organization.objects.get(pk=b.pk)
    newcomer = Organization(slug="newcomer", name="Newcomer", kind=Organization.Kind.COMPANY, parent=parent)
    assert error_fields(newcomer) == {"parent"}


# --- date ranges in Python ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: make_agreement(dates={"valid_from": "2020-05-01"}), "valid_until"),
        (lambda: make_person_role(started="2020-05-01"), "ended_on"),
        (lambda: make_participant(make_mission(), make_organization(), joined="2020-05-01"), "left_on"),
        (lambda: make_milestone(date="2020-05-01"), "window_end"),
    ],
)
def test_range_end_before_start_is_an_error_on_the_end(build, field):
    instance = build()
    instance.set_partial_date(field, "2020-04")
    assert error_fields(instance) == {field}
    instance.set_partial_date(field, "2020-05")  # same month as the start: may be the same day
    instance.full_clean()


def test_agreement_signed_before_authorized_is_an_error_on_signed_on():
    agreement = make_agreement(dates={"authorized_on": "2018-03-03", "signed_on": "2018-03-03"})
    agreement.set_partial_date("signed_on", "2018-02")
    assert error_fields(agreement) == {"signed_on"}


# --- citations ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_subject", "field"),
    [
        (make_agreement, "signed_on"),
        (make_agreement, "signed_on_precision"),
        (make_organization, "parent"),
        (make_organization, "founded_on"),
        (make_person, "name"),
    ],
)
def test_citation_of_a_field_the_subject_has_is_valid(make_subject, field):
    citation = make_citation(make_subject(), field=field)
    assert Citation.objects.get(pk=citation.pk).field == field


@pytest.mark.parametrize(
    ("make_subject", "field"),
    [
        (make_agreement, "launch_date"),
        (make_organization, "signed_on"),  # an Agreement field, not an Organization one
        (make_person, "parent"),
        (make_agreement, "parties"),  # many-to-many: not a column of the record
    ],
)
def test_citation_of_a_field_the_subject_lacks_is_rejected_on_field(make_subject, field):
    subject = make_subject()
    citation = Citation(source=make_source(), field=field, **{arc_field(Citation, subject): subject})
    assert error_fields(citation) == {"field"}


def test_citation_without_subject_fails_clean():
    citation = Citation(source=make_source(), field="name")
    with pytest.raises(ValidationError, match="got 0"):
        citation.clean()
    assert NON_FIELD_ERRORS in error_fields(citation)


def test_citation_with_two_subjects_fails_clean():
    citation = Citation(source=make_source(), organization=make_organization(), person=make_person())
    with pytest.raises(ValidationError, match="got 2"):
        citation.clean()


def test_label_needs_exactly_one_subject():
    label = Label(language=Language.EN, text="Luna-25", source=make_source())
    with pytest.raises(ValidationError, match="got 0"):
        label.clean()
    label.mission = make_mission()
    label.full_clean()


# --- milestones ---------------------------------------------------------------------------------------------


def _milestone(source, **fields) -> Milestone:
    milestone = Milestone(
        mission=fields.pop("mission", None) or make_mission(),
        source=source,
        kind=Milestone.Kind.LAUNCH,
        status=Milestone.Status.PLANNED,
        **fields,
    )
    if "date" not in fields:
        milestone.set_partial_date("date", "2026")
    return milestone


def test_milestone_clean_copies_stated_on_from_source_publication():
    milestone = _milestone(make_source(published="2021-06"))
    assert milestone.stated_on is None
    milestone.full_clean()
    assert milestone.get_partial_date("stated_on") == PartialDate.parse("2021-06")
    assert milestone.stated_on_end == D(2021, 6, 30)


def test_milestone_clean_keeps_an_explicit_stated_on():
    milestone = _milestone(make_source(published="2021-06"))
    milestone.set_partial_date("stated_on", "2019-12-24")
    milestone.full_clean()
    assert milestone.get_partial_date("stated_on") == PartialDate.parse("2019-12-24")


def test_milestone_clean_leaves_stated_on_empty_for_an_undated_source():
    milestone = _milestone(make_source(published=None))
    milestone.full_clean()
    assert (milestone.stated_on, milestone.stated_on_precision, milestone.stated_on_end) == (None, "", None)


def test_milestone_without_date_is_an_error_on_date():
    milestone = _milestone(make_source(), date=None)
    assert error_fields(milestone) == {"date"}
    milestone.date_precision = Precision.YEAR  # precision alone is still no date
    assert error_fields(milestone) == {"date"}


# --- derived claim statuses ---------------------------------------------------------------------------------


def test_latest_stated_planned_claim_is_current():
    mission = make_mission()
    newer = make_milestone(mission, make_source(published="2021"), date="2026")  # recorded first
    older = make_milestone(mission, make_source(published="2018"), date="2024")
    assert newer.pk < older.pk  # so recording order cannot explain the result
    assert (newer.get_partial_date("stated_on"), older.get_partial_date("stated_on")) == (
        PartialDate.parse("2021"),
        PartialDate.parse("2018"),
    )
    expected = {newer.pk: PLANNED, older.pk: SUPERSEDED}
    assert claim_statuses([newer, older]) == expected
    assert claim_statuses([older, newer]) == expected
    assert mission.current_milestones() == [newer]


def test_achieved_claim_supersedes_every_planned_claim():
    mission = make_mission()
    early = make_milestone(mission, make_source(published="2017"), date="2020-01", status=Milestone.Status.ACHIEVED)
    planned_2018 = make_milestone(mission, make_source(published="2018"), date="2019")
    planned_2021 = make_milestone(mission, make_source(published="2021"), date="2023")
    assert claim_statuses(mission.milestones.all()) == {
        early.pk: ACHIEVED,
        planned_2018.pk: SUPERSEDED,
        planned_2021.pk: SUPERSEDED,
    }
    assert mission.current_milestones() == [early]


def test_claims_of_different_kinds_and_missions_are_independent():
    mission, other_mission = make_mission(), make_mission()
    old, new = make_source(published="2018"), make_source(published="2021")
    launch_old = make_milestone(mission, old, date="2024")
    launch_new = make_milestone(mission, new, date="2026")
    landing_old = make_milestone(mission, old, date="2024-06", kind=Milestone.Kind.LANDING)
    flyby_done = make_milestone(mission, new, date="2025-03-01", kind=Milestone.Kind.FLYBY, status="achieved")
    other_old = make_milestone(other_mission, old, date="2025")
    statuses = claim_statuses(Milestone.objects.all())
    assert statuses == {
        launch_old.pk: SUPERSEDED,
        launch_new.pk: PLANNED,
        landing_old.pk: PLANNED,
        flyby_done.pk: ACHIEVED,
        other_old.pk: PLANNED,
    }


def test_claims_stated_on_the_same_date_are_ordered_by_recording():
    mission, published = make_mission(), "2021-04-12"
    first = make_milestone(mission, make_source(published=published), date="2026")
    second = make_milestone(mission, make_source(published=published), date="2027")
    assert claim_statuses([second, first]) == {first.pk: SUPERSEDED, second.pk: PLANNED}


def test_undated_claim_loses_to_a_dated_one():
    mission = make_mission()
    dated = make_milestone(mission, make_source(published="1999"), date="2026")
    undated = make_milestone(mission, make_source(published=None), date="2027")
    assert undated.stated_on is None
    assert claim_statuses([undated, dated]) == {dated.pk: PLANNED, undated.pk: SUPERSEDED}


def test_claim_statuses_of_nothing_is_empty():
    assert claim_statuses([]) == {}


# --- natural keys -------------------------------------------------------------------------------------------


@pytest.fixture
def records():
    """One of each record with a natural key, wired together."""
    nasa = make_organization("nasa")
    roscosmos = make_organization("roscosmos")
    agreement = make_agreement("iss-agreement")
    party = add_party(agreement, nasa)
    add_party(agreement, nasa, AgreementParty.Role.AUTHORIZING_BODY)
    add_party(agreement, roscosmos)
    signer = make_person("bill-nelson")
    signatory = make_signatory(agreement, signer, nasa)
    source = make_source("tass-2021")
    mission = make_mission("luna-25")
    milestone = make_milestone(mission, source, date="2023-08")
    return {
        "organization": nasa,
        "agreement": agreement,
        "party": party,
        "signatory": signatory,
        "source": source,
        "mission": mission,
        "milestone": milestone,
        "role": make_person_role(signer, nasa, title="Administrator"),
    }


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("organization", ("nasa",)),
        ("party", ("iss-agreement", "nasa", "party")),
        ("signatory", ("iss-agreement", "bill-nelson", "nasa")),
        ("milestone", ("luna-25", "launch", "planned", "tass-2021")),
        ("role", ("bill-nelson", "nasa", "Administrator")),
    ],
)
def test_natural_key_round_trip(records, name, key):
    record = records[name]
    assert record.natural_key() == key
    assert type(record).objects.get_by_natural_key(*key) == record


def test_natural_key_lookup_checks_arity_and_existence():
    make_organization("nasa")
    with pytest.raises(Organization.DoesNotExist, match="needs 1 values"):
        Organization.objects.get_by_natural_key("nasa", "extra")
    with pytest.raises(AgreementParty.DoesNotExist):
        AgreementParty.objects.get_by_natural_key("no-such-agreement", "nasa", "party")


@pytest.mark.parametrize(
    ("subject", "field", "locator", "key"),
    [
        ("organization", "founded_on", "", ("tass-2021", "founded_on", "", "organization", "nasa")),
        (
            "party",
            "",
            "article 1",
            ("tass-2021", "", "article 1", "agreement_party", "iss-agreement", "nasa", "party"),
        ),
        (
            "signatory",
            "title",
            "para 3",
            ("tass-2021", "title", "para 3", "signatory", "iss-agreement", "bill-nelson", "nasa"),
        ),
        (
            "role",
            "",
            "",
            ("tass-2021", "", "", "person_role", "bill-nelson", "nasa", "Administrator"),
        ),
    ],
)
def test_citation_natural_key_round_trip(records, subject, field, locator, key):
    citation = make_citation(records[subject], records["source"], field=field, locator=locator)
    make_citation(records[subject], records["source"], field=field, locator=locator + " (bis)")  # a near miss
    assert citation.natural_key() == key
    assert Citation.objects.get_by_natural_key(*key) == citation


def test_label_natural_key_round_trip(records):
    label = make_label(records["organization"], "美国国家航空航天局", Language.ZH)
    make_label(records["mission"], "美国国家航空航天局", Language.ZH)  # same words, another subject
    key = ("zh", "美国国家航空航天局", "organization", "nasa")
    assert label.natural_key() == key
    assert Label.objects.get_by_natural_key(*key) == label
    assert Label.objects.get_by_natural_key("zh", "美国国家航空航天局", "mission", "luna-25") != label


def test_arc_natural_key_rejects_an_unknown_subject_kind(records):
    make_label(records["organization"], "NASA")
    with pytest.raises(Label.DoesNotExist, match="signatory"):
        Label.objects.get_by_natural_key("en", "NASA", "signatory", "iss-agreement", "bill-nelson", "nasa")
    with pytest.raises(Organization.DoesNotExist):
        Label.objects.get_by_natural_key("en", "NASA", "organization", "esa")


def test_natural_keys_let_fixtures_update_existing_rows(records):
    """Serialized by natural keys (as fixtures are), a citation and a label load onto their existing rows."""
    citation = make_citation(records["signatory"], records["source"], field="title", locator="para 3")
    label = make_label(records["agreement"], "ISS agreement", source=records["source"])
    data = json.loads(
        serializers.serialize("json", [citation, label], use_natural_foreign_keys=True, use_natural_primary_keys=True)
    )
    assert all("pk" not in entry for entry in data)
    assert data[0]["fields"]["signatory"] == ["iss-agreement", "bill-nelson", "nasa"]
    data[0]["fields"]["quote"] = "signed for NASA by its Administrator"
    data[1]["fields"]["note"] = "as printed"
    for loaded in serializers.deserialize("json", json.dumps(data)):
        loaded.save()
    assert (Citation.objects.count(), Label.objects.count()) == (1, 1)
    citation.refresh_from_db()
    label.refresh_from_db()
    assert citation.quote == "signed for NASA by its Administrator"
    assert label.note == "as printed"


def test_person_role_natural_key_is_unique():
    role = make_person_role(title="Chief Designer")
    assert PersonRole.objects.get_by_natural_key(*role.natural_key()) == role


def test_mission_parent_cycle_is_rejected():
    program = make_mission()
    child = make_mission(parent=program)
    program.parent = child  # program -> child -> program
    assert error_fields(program) == {"parent"}
    child.parent = None
    child.full_clean()


def test_arc_natural_key_that_is_too_short_is_a_clear_does_not_exist():
    with pytest.raises(Citation.DoesNotExist, match="subject kind"):
        Citation.objects.get_by_natural_key("some-source", "", "")
    with pytest.raises(Label.DoesNotExist, match="subject kind"):
        Label.objects.get_by_natural_key("en")
