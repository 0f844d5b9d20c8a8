"""Database constraints hold even when Python validation is bypassed.

Every write here goes around ``full_clean()`` and ``save()`` (``update()``,
``bulk_create`` or ``create`` of a duplicate) so that only the database can
refuse it. Each case first writes a valid variant, which must succeed, so a
failure can only come from the rule under test; ``violates`` then checks that
the error names the expected constraint.
"""

import datetime as dt

import pytest
from django.db.models import ProtectedError

from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Citation,
    Label,
    Language,
    Milestone,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Signatory,
    Source,
)
from cooperation.partial_dates import Precision, partial_date_stems
from tests.support.factories import (
    add_party,
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
    partial_date_columns,
    unique_slug,
    violates,
)

pytestmark = pytest.mark.django_db

D = dt.date
cols = partial_date_columns


def assert_update(instance, **values) -> None:
    """Write ``values`` with a bare UPDATE (no save(), no signals) and check they were stored."""
    model = type(instance)
    assert model.objects.filter(pk=instance.pk).update(**values) == 1
    stored = model.objects.values(*values).get(pk=instance.pk)
    assert stored == {name: getattr(value, "pk", value) for name, value in values.items()}


def update(instance, **values) -> None:
    type(instance).objects.filter(pk=instance.pk).update(**values)


# --- one partial date: date, precision and end must agree ------------------------------------------------


def _columns(start, precision, end) -> dict:
    return {"published_on": start, "published_on_precision": precision, "published_on_end": end}


BAD_PARTIAL_DATES = [
    pytest.param(_columns(D(2017, 11, 5), Precision.MONTH, D(2017, 11, 30)), id="month-precision-day-5"),
    pytest.param(_columns(D(2017, 3, 1), Precision.YEAR, D(2017, 12, 31)), id="year-precision-not-january"),
    pytest.param(_columns(D(2017, 1, 2), Precision.YEAR, D(2017, 12, 31)), id="year-precision-not-day-1"),
    pytest.param(_columns(None, Precision.DAY, None), id="precision-without-date"),
    pytest.param(_columns(None, Precision.MONTH, D(2017, 11, 30)), id="precision-and-end-without-date"),
    pytest.param(_columns(None, "", D(2017, 11, 30)), id="end-alone"),
    pytest.param(_columns(D(2017, 11, 1), "", None), id="date-without-precision"),
    pytest.param(_columns(D(2017, 11, 1), "", D(2017, 11, 30)), id="date-and-end-without-precision"),
    pytest.param(_columns(D(2017, 11, 1), Precision.MONTH, None), id="end-missing"),
    pytest.param(_columns(D(2017, 11, 1), "week", D(2017, 11, 30)), id="unknown-precision"),
    pytest.param(_columns(D(2018, 3, 3), Precision.DAY, D(2018, 3, 4)), id="day-end-not-start"),
    pytest.param(_columns(D(2017, 11, 1), Precision.MONTH, D(2017, 12, 31)), id="month-end-next-month"),
    pytest.param(_columns(D(2017, 11, 1), Precision.MONTH, D(2018, 11, 30)), id="month-end-next-year"),
    pytest.param(_columns(D(2017, 11, 1), Precision.MONTH, D(2017, 11, 15)), id="month-end-mid-month"),
    pytest.param(_columns(D(2017, 11, 1), Precision.MONTH, D(2017, 10, 31)), id="month-end-before-start"),
    pytest.param(_columns(D(2017, 1, 1), Precision.YEAR, D(2018, 12, 31)), id="year-end-next-year"),
    pytest.param(_columns(D(2017, 1, 1), Precision.YEAR, D(2017, 11, 30)), id="year-end-not-december"),
    pytest.param(_columns(D(2017, 1, 1), Precision.YEAR, D(2017, 1, 1)), id="year-end-is-start"),
]


@pytest.mark.parametrize("bad", BAD_PARTIAL_DATES)
def test_partial_date_columns_must_agree(bad):
    source = make_source(published="2018-03-03")
    for text in ("2017-11", "2020-02", "2017", "2018-03-03", None):  # every valid shape saves
        assert_update(source, **cols("published_on", text))
    with violates("cooperation_source_published_on_precision_matches"):
        update(source, **bad)
    source.refresh_from_db()
    assert source.published_on_precision == ""  # the failed write left the last valid row


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(_columns(D(2017, 11, 1), Precision.MONTH, D(2017, 11, 28)), id="november-ends-28"),
        pytest.param(_columns(D(2017, 12, 1), Precision.MONTH, D(2017, 12, 30)), id="december-ends-30"),
    ],
)
def test_partial_date_month_end_must_be_the_last_day(bad):
    source = make_source(published="2017-11")
    with violates("cooperation_source_published_on_precision_matches"):
        update(source, **bad)


def test_bulk_create_without_derived_end_is_rejected():
    """bulk_create skips save() and pre_save, so nothing derives the end column but the check catches it."""

    def source(**fields):
        return Source(slug=unique_slug("source"), title="t", kind=Source.Kind.NEWS, tier=Source.Tier.CURATOR, **fields)

    Source.objects.bulk_create([source(**cols("published_on", "2017-11"))])
    assert Source.objects.filter(published_on_end=D(2017, 11, 30)).count() == 1
    with violates("cooperation_source_published_on_precision_matches"):
        Source.objects.bulk_create([source(published_on=D(2017, 11, 1), published_on_precision=Precision.MONTH)])
    assert Source.objects.count() == 1


# Every partial date of every model carries the check, not only Source.published_on.
def _bare(model):
    return {
        Source: lambda: make_source(published=None),
        Organization: make_organization,
        PersonRole: make_person_role,
        Agreement: lambda: make_agreement(dates={"signed_on": None}),
        AgreementParty: lambda: add_party(make_agreement(), make_organization()),
        MissionParticipant: lambda: make_participant(make_mission(), make_organization()),
        Milestone: lambda: make_milestone(date="2000"),
    }[model]()


PARTIAL_DATES = [
    pytest.param(model, stem, id=f"{model.__name__}.{stem}")
    for model in (Source, Organization, PersonRole, Agreement, AgreementParty, MissionParticipant, Milestone)
    for stem in partial_date_stems(model)
]


def test_every_partial_date_is_covered():
    covered = {(p.values[0], p.values[1]) for p in PARTIAL_DATES}
    assert len(covered) == 15
    assert (Agreement, "entered_into_force_on") in covered
    assert (Milestone, "window_end") in covered


@pytest.mark.parametrize(("model", "stem"), PARTIAL_DATES)
def test_each_partial_date_has_its_check(model, stem):
    instance = _bare(model)
    assert_update(instance, **cols(stem, "2030-11"))
    with violates(f"cooperation_{model._meta.model_name}_{stem}_precision_matches"):
        update(instance, **{stem: D(2030, 11, 5)})
    with violates(f"cooperation_{model._meta.model_name}_{stem}_precision_matches"):
        update(instance, **{f"{stem}_end": D(2030, 12, 31)})


# --- ranges and self-references ---------------------------------------------------------------------------


RANGE_CASES = [
    pytest.param(
        lambda: make_agreement(dates={"signed_on": None, "valid_from": "2020-05-01"}),
        lambda o: cols("valid_until", "2020-05"),  # overlaps the start: may be the same day
        lambda o: cols("valid_until", "2020-04"),
        "cooperation_agreement_validity_not_reversed",
        id="agreement-valid-until-before-valid-from",
    ),
    pytest.param(
        lambda: make_agreement(dates={"signed_on": "2018-03-03"}),
        lambda o: cols("entered_into_force_on", "2018-03-03"),
        lambda o: cols("entered_into_force_on", "2018-03-02"),
        "cooperation_agreement_force_not_before_signing",
        id="agreement-in-force-before-signed",
    ),
    pytest.param(
        lambda: make_agreement(dates={"signed_on": "2018-03-03"}),
        lambda o: cols("authorized_on", "2018-03"),
        lambda o: cols("authorized_on", "2018-03-04"),
        "cooperation_agreement_signing_not_before_authorization",
        id="agreement-signed-before-authorized",
    ),
    pytest.param(
        lambda: make_person_role(started="2015-06"),
        lambda o: cols("ended_on", "2015-06"),
        lambda o: cols("ended_on", "2015-05"),
        "cooperation_personrole_ended_not_before_started",
        id="person-role-ended-before-started",
    ),
    pytest.param(
        lambda: make_participant(make_mission(), make_organization(), joined="2019-07-01"),
        lambda o: cols("left_on", "2019"),
        lambda o: cols("left_on", "2019-06-30"),
        "cooperation_missionparticipant_left_not_before_joined",
        id="participant-left-before-joined",
    ),
    pytest.param(
        lambda: make_milestone(date="2026"),
        lambda o: cols("window_end", "2026-01"),
        lambda o: cols("window_end", "2025"),
        "cooperation_milestone_window_not_reversed",
        id="milestone-window-end-before-date",
    ),
    pytest.param(
        lambda: make_milestone(date="2026"),
        lambda o: cols("date", "2027-05"),
        lambda o: cols("date", None),
        "cooperation_milestone_date_required",
        id="milestone-without-date",
    ),
    pytest.param(
        lambda: AgreementRelation.objects.create(
            from_agreement=make_agreement(), to_agreement=make_agreement(), kind=AgreementRelation.Kind.FOLLOWS_UP
        ),
        lambda o: {"to_agreement": make_agreement()},
        lambda o: {"to_agreement_id": o.from_agreement_id},
        "cooperation_agreementrelation_not_self",
        id="agreement-related-to-itself",
    ),
    pytest.param(
        make_organization,
        lambda o: {"parent": make_organization()},
        lambda o: {"parent_id": o.pk},
        "cooperation_organization_not_own_parent",
        id="organization-own-parent",
    ),
    pytest.param(
        make_mission,
        lambda o: {"parent": make_mission()},
        lambda o: {"parent_id": o.pk},
        "cooperation_mission_not_own_parent",
        id="mission-own-parent",
    ),
]


@pytest.mark.parametrize(("make", "good", "bad", "constraint"), RANGE_CASES)
def test_check_constraint(make, good, bad, constraint):
    instance = make()
    assert_update(instance, **good(instance))
    with violates(constraint):
        update(instance, **bad(instance))


# --- uniqueness ---------------------------------------------------------------------------------------------


def _sqlite_unique(table: str, *columns: str) -> str:
    return "UNIQUE constraint failed: " + ", ".join(f"cooperation_{table}.{c}" for c in columns)


def test_agreement_party_unique_per_agreement_organization_role():
    agreement, org = make_agreement(), make_organization()
    AgreementParty.objects.create(agreement=agreement, organization=org, role=AgreementParty.Role.PARTY)
    AgreementParty.objects.create(agreement=agreement, organization=org, role=AgreementParty.Role.AUTHORIZING_BODY)
    AgreementParty.objects.create(agreement=make_agreement(), organization=org, role=AgreementParty.Role.PARTY)
    with violates(
        "cooperation_agreementparty_unique",
        sqlite_message=_sqlite_unique("agreementparty", "agreement_id", "organization_id", "role"),
    ):
        AgreementParty.objects.bulk_create(
            [AgreementParty(agreement=agreement, organization=org, role=AgreementParty.Role.PARTY, note="again")]
        )
    assert AgreementParty.objects.filter(agreement=agreement).count() == 2


def test_signatory_unique_per_agreement_person_organization():
    agreement, person, org, other = make_agreement(), make_person(), make_organization(), make_organization()
    Signatory.objects.create(agreement=agreement, person=person, on_behalf_of=org)
    Signatory.objects.create(agreement=agreement, person=person, on_behalf_of=other)
    Signatory.objects.create(agreement=make_agreement(), person=person, on_behalf_of=org)
    with violates(
        "cooperation_signatory_unique",
        sqlite_message=_sqlite_unique("signatory", "agreement_id", "person_id", "on_behalf_of_id"),
    ):
        Signatory.objects.create(agreement=agreement, person=person, on_behalf_of=org, title="Minister")
    assert Signatory.objects.filter(agreement=agreement).count() == 2


def test_milestone_one_claim_per_source():
    mission, source = make_mission(), make_source()
    make_milestone(mission, source, date="2026")
    make_milestone(mission, source, date="2027-01-03", status=Milestone.Status.ACHIEVED)
    make_milestone(mission, source, date="2027", kind=Milestone.Kind.LANDING)
    make_milestone(mission, make_source(), date="2028")
    with violates(
        "cooperation_milestone_one_claim_per_source",
        sqlite_message=_sqlite_unique("milestone", "mission_id", "kind", "status", "source_id"),
    ):
        Milestone.objects.bulk_create(
            [
                Milestone(
                    mission=mission,
                    source=source,
                    kind=Milestone.Kind.LAUNCH,
                    status=Milestone.Status.PLANNED,
                    **cols("date", "2029"),
                )
            ]
        )
    assert Milestone.objects.filter(mission=mission).count() == 4


def test_label_unique_per_subject_language_text():
    org, other, mission = make_organization(), make_organization(), make_mission()
    make_label(org, "Roscosmos", Language.EN)
    make_label(org, "Roscosmos", Language.RU)  # another language
    make_label(org, "Роскосмос", Language.RU)  # another text
    make_label(other, "Roscosmos", Language.EN)  # another organization
    make_label(mission, "Roscosmos", Language.EN)  # another kind of subject
    with violates(
        "cooperation_label_unique_organization",
        sqlite_message=_sqlite_unique("label", "organization_id", "language", "text"),
    ):
        Label.objects.create(
            organization=org, text="Roscosmos", language=Language.EN, kind=Label.Kind.SHORT, source=make_source()
        )
    assert Label.objects.filter(organization=org).count() == 3


def test_citation_unique_per_subject_source_field_locator():
    agreement, source = make_agreement(), make_source()
    make_citation(agreement, source, field="signed_on", locator="p. 1")
    make_citation(agreement, source, field="signed_on", locator="p. 2")
    make_citation(agreement, source, field="signed_place", locator="p. 1")
    make_citation(agreement, source, field="", locator="p. 1")
    make_citation(agreement, make_source(), field="signed_on", locator="p. 1")
    make_citation(make_agreement(), source, field="signed_on", locator="p. 1")
    with violates(
        "cooperation_citation_unique_agreement",
        sqlite_message=_sqlite_unique("citation", "agreement_id", "source_id", "field", "locator"),
    ):
        Citation.objects.create(agreement=agreement, source=source, field="signed_on", locator="p. 1", quote="x")
    assert Citation.objects.filter(agreement=agreement).count() == 5


@pytest.mark.parametrize(
    "make_subject",
    [make_person, lambda: add_party(make_agreement(), make_organization()), make_mission],
    ids=["person", "agreement_party", "mission"],
)
def test_citation_uniqueness_applies_to_every_kind_of_subject(make_subject):
    subject, source = make_subject(), make_source()
    citation = make_citation(subject, source, locator="para 2")
    kind = citation.subject_kind
    with violates(
        f"cooperation_citation_unique_{kind}",
        sqlite_message=_sqlite_unique("citation", f"{kind}_id", "source_id", "field", "locator"),
    ):
        Citation.objects.create(source=source, locator="para 2", **{citation.subject_kind: subject})


# --- exclusive arc: exactly one subject ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_row", "constraint"),
    [
        (lambda: make_citation(make_organization()), "cooperation_citation_subject"),
        (lambda: make_label(make_organization()), "cooperation_label_subject"),
    ],
    ids=["citation", "label"],
)
def test_exactly_one_subject(make_row, constraint):
    row = make_row()
    person = make_person()
    assert_update(row, organization=None, person=person)  # moving to another subject is fine
    with violates(constraint):
        update(row, person=None)  # no subject
    with violates(constraint):
        update(row, organization=make_organization())  # two subjects
    with violates(constraint):
        update(row, mission=make_mission())  # two subjects of other kinds
    row.refresh_from_db()
    assert (row.subject_kind, row.subject) == ("person", person)


def test_citation_subject_checked_on_bulk_create():
    source = make_source()
    Citation.objects.bulk_create([Citation(source=source, mission=make_mission())])
    with violates("cooperation_citation_subject"):
        Citation.objects.bulk_create([Citation(source=source, locator="no subject")])
    with violates("cooperation_citation_subject"):
        Citation.objects.bulk_create(
            [Citation(source=source, person_role=make_person_role(), agreement_mission=_agreement_mission())]
        )
    assert Citation.objects.filter(source=source).count() == 1


def _agreement_mission() -> AgreementMission:
    return AgreementMission.objects.create(
        agreement=make_agreement(), mission=make_mission(), role=AgreementMission.Role.COOPERATION
    )


# --- on_delete=PROTECT --------------------------------------------------------------------------------------


def test_organization_that_is_a_party_cannot_be_deleted():
    agreement, party, bystander = make_agreement(), make_organization(), make_organization()
    link = add_party(agreement, party)
    with pytest.raises(ProtectedError) as info:
        party.delete()
    assert link in info.value.protected_objects
    assert Organization.objects.filter(pk=party.pk).exists()
    bystander.delete()  # an organization nothing depends on can go
    assert not Organization.objects.filter(pk=bystander.pk).exists()
    agreement.delete()  # cascades to the party link, which then no longer protects
    party.delete()
    assert not Organization.objects.filter(pk=party.pk).exists()


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda source: make_citation(make_organization(), source), id="cited"),
        pytest.param(lambda source: make_milestone(source=source), id="milestone-claim"),
        pytest.param(lambda source: make_label(make_mission(), source=source), id="label"),
    ],
)
def test_source_in_use_cannot_be_deleted(use):
    source, unused = make_source(), make_source()
    user = use(source)
    with pytest.raises(ProtectedError) as info:
        source.delete()
    assert user in info.value.protected_objects
    assert Source.objects.filter(pk=source.pk).exists()
    unused.delete()
    assert not Source.objects.filter(pk=unused.pk).exists()


def test_person_who_signed_cannot_be_deleted():
    agreement, org = make_agreement(), make_organization()
    add_party(agreement, org)
    signer, other = make_person(), make_person()
    signature = make_signatory(agreement, signer, org)
    role = make_person_role(other, org)
    with pytest.raises(ProtectedError) as info:
        signer.delete()
    assert signature in info.value.protected_objects
    assert Person.objects.filter(pk=signer.pk).exists()
    other.delete()  # roles cascade with the person
    assert not PersonRole.objects.filter(pk=role.pk).exists()
