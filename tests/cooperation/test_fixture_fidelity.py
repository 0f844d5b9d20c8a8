"""Concrete facts from each of the five documents, as the seed records them.

Each test names the document it checks (000 RT/Global Research, 001 Parabolic Arc,
002 The Moscow Times, 003 SouthFront, 004 the 2021 lunar station brief).
"""

import pytest

from cooperation.models import (
    Agreement,
    AgreementParty,
    Citation,
    Label,
    Milestone,
    Mission,
    Organization,
    PersonRole,
    claim_statuses,
)

RT, ARC, MT, SF, BRIEF, CURATOR = (
    "rt-globalresearch-2018-03-04",
    "parabolicarc-2018-03-07",
    "moscowtimes-2018-06-08",
    "southfront-2021-04",
    "lunar-station-brief-2021",
    "curator-knowledge",
)
TOKYO_2018 = "roscosmos-cnsa-lunar-data-center-agreement-2018"
MOU_2021 = "russia-china-ilrs-mou-2021"
PROGRAM = "roscosmos-cnsa-cooperation-program-2018-2022"
GATEWAY_2017 = "us-russia-gateway-joint-statement-2017"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seed(seeded):
    """Every test here reads the seeded database."""


def date(obj, stem: str) -> str:
    return str(obj.get_partial_date(stem))


def claims(slug: str, kind: str) -> dict[str, str]:
    """Milestone claims for a mission and kind, as {source slug: date}."""
    return {m.source.slug: m.date_display for m in Milestone.objects.filter(mission__slug=slug, kind=kind)}


def cited_claims(agreement: str, field: str) -> dict[str, str]:
    rows = Citation.objects.filter(agreement__slug=agreement, field=field).select_related("source")
    return {c.source.slug: c.claim for c in rows}


def signatories(slug: str) -> set[tuple[str, str, str]]:
    agreement = Agreement.objects.get(slug=slug)
    return {(s.person.slug, s.on_behalf_of.slug, s.title) for s in agreement.signatories.all()}


def parties(slug: str, role=AgreementParty.Role.PARTY) -> set[str]:
    return set(
        AgreementParty.objects.filter(agreement__slug=slug, role=role).values_list("organization__slug", flat=True)
    )


# --- 000: RT report republished by Global Research --------------------------------


def test_000_agreement_of_intent_signed_at_isef_in_tokyo():
    agreement = Agreement.objects.get(slug=TOKYO_2018)
    assert agreement.kind == Agreement.Kind.AGREEMENT_OF_INTENT
    assert agreement.signed_place == "Tokyo"
    assert agreement.forum.slug == "isef"
    assert Citation.objects.filter(agreement=agreement, source__slug=RT).exists()


def test_000_luna_26_launch_planned_for_2022():
    assert claims("luna-26", "launch")[RT] == "2022"


def test_000_energia_lunar_base_between_2040_and_2050():
    claim = Milestone.objects.get(mission__slug="russian-lunar-base", kind="construction", source__slug=RT)
    assert claim.date_display == "2040/2050"
    assert claim.mission.participant_links.get(role="lead").organization.slug == "rsc-energia"


def test_000_gateway_first_modules_between_2024_and_2026():
    assert claims("gateway", "first_module")[RT] == "2024/2026"


def test_000_gateway_agreed_in_september_2017():
    assert cited_claims(GATEWAY_2017, "signed_on")[RT] == "2017-09"


def test_000_program_said_to_be_signed_in_2017():
    assert cited_claims(PROGRAM, "signed_on")[RT] == "2017"


# --- 001: Parabolic Arc, reprinting the Roscosmos press release --------------------


def test_001_signed_on_march_3_2018():
    agreement = Agreement.objects.get(slug=TOKYO_2018)
    assert date(agreement, "signed_on") == "2018-03-03"
    assert cited_claims(TOKYO_2018, "signed_on")[ARC] == "2018-03-03"


def test_001_komarov_and_wu_yanhua_signed_for_their_agencies():
    assert signatories(TOKYO_2018) == {
        ("igor-komarov", "roscosmos", "General Director of the Roscosmos State Corporation"),
        ("wu-yanhua", "cnsa", "Deputy Head of the China National Space Administration"),
    }
    assert Label.objects.filter(person__slug="wu-yanhua", text="Y. Yanhua", source__slug=ARC).exists()


def test_001_technology_protection_agreement_dates_and_parties():
    agreement = Agreement.objects.get(slug="russia-china-technology-protection-agreement-2016")
    assert date(agreement, "signed_on") == "2016-06-25"
    assert date(agreement, "entered_into_force_on") == "2016-12-18"
    assert parties(agreement.slug) == {"government-of-russia", "government-of-china"}


def test_001_program_signed_november_2017_at_heads_of_government_meeting():
    program = Agreement.objects.get(slug=PROGRAM)
    assert cited_claims(PROGRAM, "signed_on")[ARC] == "2017-11"
    assert date(program, "signed_on") == "2017-11"
    assert "22nd" in program.signing_event
    assert (date(program, "valid_from"), date(program, "valid_until")) == ("2018", "2022")


def test_001_program_has_six_sections():
    topics = Agreement.objects.get(slug=PROGRAM).topics
    assert len(topics) == 6  # the press release separates its six sections with semicolons
    assert topics[0] == "the study of the Moon and deep space, space science and related technology"
    assert topics[-1] == "other topics"


def test_001_forum_name_disagreement_keeps_both_names():
    isef = Organization.objects.get(slug="isef")
    names = {c.source.slug: c.claim for c in Citation.objects.filter(organization=isef, field="name")}
    assert names[RT] == "International Space Exploration Forum"
    assert names[ARC] == "International Space Development Forum"
    assert isef.labels.filter(text="International Space Development Forum", source__slug=ARC).exists()


def test_001_luna_resurs_1_is_an_alias_of_luna_26():
    assert Label.objects.get(text="Luna-Resurs-1").mission.slug == "luna-26"


# --- 002: The Moscow Times, June 2018 ------------------------------------------------


def test_002_june_memorandum_follows_up_march_agreement():
    mou = Agreement.objects.get(slug="russia-china-lunar-deep-space-mou-2018")
    relation = mou.relations_from.get()
    assert (relation.kind, relation.to_agreement.slug) == ("follows_up", TOKYO_2018)
    assert relation.citations.filter(source__slug=MT).exists()
    assert date(mou, "signed_on") == "2018-06"


def test_002_rogozin_new_head_of_roscosmos_and_former_deputy_prime_minister():
    roles = {r.organization.slug: r for r in PersonRole.objects.filter(person__slug="dmitry-rogozin")}
    assert date(roles["roscosmos"], "started_on") == "2018-05"
    assert date(roles["government-of-russia"], "ended_on") == "2018-05"
    assert roles["roscosmos"].citations.filter(source__slug=MT).exists()


def test_002_far_side_relay_launched_in_may_2018():
    assert claims("queqiao", "launch")[MT] == "2018-05"
    assert Milestone.objects.get(mission__slug="queqiao", source__slug=MT).status == "achieved"


def test_002_rogozin_signed_2014_protocols_as_deputy_prime_minister():
    assert signatories("russia-china-space-navigation-protocols-2014") == {
        ("dmitry-rogozin", "government-of-russia", "Deputy Prime Minister of Russia")
    }


def test_002_putin_pledged_a_moon_mission_the_next_year():
    assert claims("russian-lunar-program", "launch")[MT] == "2019"


# --- 003: SouthFront, April 2021 -------------------------------------------------------


def test_003_memorandum_signed_by_videoconference_on_march_9_2021():
    mou = Agreement.objects.get(slug=MOU_2021)
    assert date(mou, "signed_on") == "2021-03-09"
    assert mou.signing_mode == Agreement.SigningMode.VIDEOCONFERENCE


def test_003_rogozin_and_zhang_kejian_signed_for_the_two_governments():
    assert signatories(MOU_2021) == {
        ("dmitry-rogozin", "government-of-russia", "Director General of the Roscosmos State Corporation"),
        ("zhang-kejian", "government-of-china", "Head of the China National Space Administration"),
    }
    assert parties(MOU_2021) == {"government-of-russia", "government-of-china"}


def test_003_russia_left_the_gateway_in_january_2021():
    participant = Mission.objects.get(slug="gateway").participant_links.get(organization__slug="roscosmos")
    assert (date(participant, "joined_on"), date(participant, "left_on")) == ("2017-09", "2021-01")
    party = AgreementParty.objects.get(agreement__slug=GATEWAY_2017, organization__slug="roscosmos")
    assert date(party, "withdrawn_on") == "2021-01"


def test_003_artemis_schedule_from_the_september_2020_plan():
    assert claims("artemis-1", "launch")[SF] == "2021"
    assert claims("artemis-2", "launch")[SF] == "2023"
    assert claims("artemis-3", "landing")[SF] == "2024"


def test_003_dearmoon_flyby_in_2023_aboard_starship():
    assert claims("dearmoon", "flyby")[SF] == "2023"
    assert Mission.objects.get(slug="dearmoon").participant_links.filter(organization__slug="spacex").exists()


def test_003_russia_plans_its_own_lunar_program_from_2028():
    assert claims("russian-lunar-program", "program_start")[SF] == "2028"


# --- 004: the 2021 lunar station brief ------------------------------------------------


def test_004_kremlin_authorized_the_memorandum_on_february_11_2021():
    mou = Agreement.objects.get(slug=MOU_2021)
    assert date(mou, "authorized_on") == "2021-02-11"
    assert parties(MOU_2021, AgreementParty.Role.AUTHORIZING_BODY) == {"kremlin"}


def test_004_change_7_landing_claims_2023_then_2024_and_2024_is_current():
    assert claims("change-7", "landing") == {RT: "2023", ARC: "2023", BRIEF: "2024"}
    landing = Milestone.objects.filter(mission__slug="change-7", kind="landing")
    statuses = {m.source.slug: s for m in landing for pk, s in claim_statuses(landing).items() if pk == m.pk}
    assert statuses == {RT: "superseded", ARC: "superseded", BRIEF: "planned"}
    (current,) = Mission.objects.get(slug="change-7").current_milestones()
    assert current.source.slug == BRIEF


def test_004_september_2020_agreement_coordinates_luna_26_and_change_7():
    agreement = Agreement.objects.get(slug="roscosmos-cnsa-luna-26-change-7-agreement-2020")
    coordinated = set(agreement.mission_links.filter(role="coordination").values_list("mission__slug", flat=True))
    assert coordinated == {"luna-26", "change-7"}
    assert date(agreement, "signed_on") == "2020-09"


def test_004_disagrees_on_the_programs_year_and_kind():
    assert cited_claims(PROGRAM, "signed_on") == {RT: "2017", ARC: "2017-11", BRIEF: "2018"}
    assert cited_claims(PROGRAM, "kind") == {ARC: "cooperation_program", BRIEF: "framework_agreement"}


def test_004_russia_did_not_sign_the_artemis_accords():
    accords = Agreement.objects.get(slug="artemis-accords")
    assert cited_claims("artemis-accords", "signed_on")[BRIEF] == "2020-10"
    signers = parties("artemis-accords")
    assert "roscosmos" not in signers and "government-of-russia" not in signers
    assert "eight nations" in accords.summary


# --- Across documents -------------------------------------------------------------------


def test_outside_knowledge_is_cited_as_such():
    assert Label.objects.get(text="Роскосмос").source.slug == CURATOR
    assert Label.objects.get(text="国家航天局").organization.slug == "cnsa"
    achieved = Milestone.objects.get(mission__slug="artemis-1", status="achieved")
    assert (achieved.source.slug, achieved.date_display) == (CURATOR, "2022-11-16")


def test_reader_comments_are_not_recorded():
    comment_words = ["ThomasLMatula", "duheagle", "Glazyev", "BFR", "Stoly", "perilun", "Zed_WEASEL"]
    texts = [
        *Citation.objects.values_list("quote", flat=True),
        *Citation.objects.values_list("note", flat=True),
        *Label.objects.values_list("text", flat=True),
        *Milestone.objects.values_list("quote", flat=True),
    ]
    assert texts
    assert not [t for t in texts for word in comment_words if word in t]
