"""/api/v1/timeline/: one event per real event (issue 14).

Milestone claims that agree (same mission, milestone kind and status, one date containing the
other) are one event at the most precise date, carrying every claim and citation; of claims that
disagree only the current one shows unless ``include_superseded``. The SQL that picks each event's
lead claim and the Python that gathers its claims must agree on every set of claims.
"""

from __future__ import annotations

import random

import pytest

from cooperation.models import Milestone
from cooperation.selectors.timeline_claims import event_leads, merge_claims
from tests.support.factories import make_milestone, make_mission, make_source

URL = "/api/v1/timeline/"
ACHIEVED, PLANNED = Milestone.Status.ACHIEVED, Milestone.Status.PLANNED

pytestmark = pytest.mark.django_db


def milestones(api, mission, **params) -> list[tuple]:
    response = api.get(URL, {"mission": mission.slug, "limit": 1000, **params})
    assert response.status_code == 200, response.content
    return [
        (e["date"]["value"], e["status"], e["is_current"], [c["id"] for c in e["claims"]])
        for e in response.json()["results"]
    ]


def claim(mission, date, stated, status=PLANNED, **fields) -> Milestone:
    return make_milestone(mission, make_source(), date=date, stated=stated, status=status, **fields)


def test_agreeing_claims_are_one_event_at_the_finest_date_with_every_citation(api):
    queqiao = make_mission("queqiao-test")
    month = claim(queqiao, "2018-05", "2018-06-08", ACHIEVED, locator="para 3")
    day = claim(queqiao, "2018-05-20", "2019-01-01", ACHIEVED, locator="")
    (event,) = api.get(URL, {"mission": queqiao.slug}).json()["results"]
    assert event["id"] == f"milestone:{day.pk}" and event["record"]["id"] == day.pk
    assert event["date"]["value"] == "2018-05-20"
    assert (event["status"], event["is_current"]) == ("achieved", True)
    assert [c["id"] for c in event["claims"]] == [day.pk, month.pk]
    assert [(c["source"]["id"], c["locator"]) for c in event["citations"]] == [
        (day.source_id, ""),
        (month.source_id, "para 3"),
    ]
    assert milestones(api, queqiao, include_superseded="true") == milestones(api, queqiao)


def test_a_plan_refined_by_a_later_vaguer_one_is_one_event(api):
    mission = make_mission()
    day = claim(mission, "2026-03-15", "2020-01-01")
    month = claim(mission, "2026-03", "2021-01-01")
    year = claim(mission, "2026", "2022-01-01")  # the current claim: stated last
    assert milestones(api, mission) == [("2026-03-15", "planned", True, [day.pk, month.pk, year.pk])]
    assert milestones(api, mission, include_superseded="true") == milestones(api, mission)


def test_claims_that_disagree_show_the_current_one_and_the_rest_on_request(api):
    mission = make_mission()
    old = claim(mission, "2026-05", "2020-01-01")
    new = claim(mission, "2027", "2021-01-01")
    assert milestones(api, mission) == [("2027", "planned", True, [new.pk])]
    assert milestones(api, mission, include_superseded="true") == [
        ("2026-05", "superseded", False, [old.pk]),
        ("2027", "planned", True, [new.pk]),
    ]


def test_achieved_claims_that_disagree_show_the_current_one(api):
    mission = make_mission()
    current = claim(mission, "2018-05-20", "2019-06-01", ACHIEVED)  # as precise, stated later: current
    other = claim(mission, "2018-06-01", "2018-07-01", ACHIEVED)
    plan = claim(mission, "2018-05", "2017-01-01")  # a plan: superseded by the achievement, never merged with it
    assert milestones(api, mission) == [("2018-05-20", "achieved", True, [current.pk])]
    assert milestones(api, mission, include_superseded="true") == [
        ("2018-05", "superseded", False, [plan.pk]),
        ("2018-05-20", "achieved", True, [current.pk]),
        ("2018-06-01", "achieved", False, [other.pk]),
    ]


def test_a_vague_claim_joins_one_of_two_finer_ones_it_contains(api):
    mission = make_mission()
    march = claim(mission, "2026-03", "2020-01-01")
    july = claim(mission, "2026-07", "2021-01-01")  # stated later than March: preferred at equal precision
    year = claim(mission, "2026", "2022-01-01")  # current; contains both months
    assert milestones(api, mission) == [("2026-07", "planned", True, [july.pk, year.pk])]
    assert milestones(api, mission, include_superseded="true") == [
        ("2026-03", "superseded", False, [march.pk]),
        ("2026-07", "planned", True, [july.pk, year.pk]),
    ]


def test_different_milestones_never_merge(api):
    mission = make_mission()
    launch = claim(mission, "2026-03", "2020-01-01", kind=Milestone.Kind.LAUNCH)
    landing = claim(mission, "2026-03", "2020-01-01", kind=Milestone.Kind.LANDING)
    assert [event[3] for event in milestones(api, mission)] == [[launch.pk], [landing.pk]]
    other = make_mission()
    claim(other, "2026-03", "2020-01-01")
    assert len(api.get(URL, {"kind__in": "milestone"}).json()["results"]) == 3


def test_date_bounds_apply_to_the_events_date(api):
    mission = make_mission()
    claim(mission, "2018-05", "2018-06-08", ACHIEVED)
    claim(mission, "2018-05-20", "2019-01-01", ACHIEVED)
    assert milestones(api, mission, date_from="2018-05-21") == []
    assert [e[0] for e in milestones(api, mission, date_from="2018-05-20", date_to="2018-05-20")] == ["2018-05-20"]


DATES = ["2025", "2025-06", "2025-06-10", "2025-06-20", "2025-07", "2025-07-01", "2026", "2026-01"]


def test_sql_leads_and_python_merging_agree_on_random_claims():
    """Whatever the claims, the database pages exactly the events Python builds, and the default
    page holds exactly one event per milestone: the one with the current claim."""
    rng = random.Random(14)
    sources = [make_source() for _ in range(12)]
    for _ in range(15):
        mission = make_mission()
        for kind in (Milestone.Kind.LAUNCH, Milestone.Kind.LANDING):
            for source in rng.sample(sources, rng.randint(1, 6)):
                for status in rng.sample([PLANNED, ACHIEVED], rng.choice([1, 1, 2])):
                    stated = rng.choice([None, "2020", "2021-05", "2021-05-05", "2022-01-01"])
                    claim_date = rng.choice(DATES)
                    make_milestone(mission, source, kind=kind, status=status, date=claim_date, stated=stated)
    claims = list(Milestone.objects.all())
    merged = merge_claims(claims)
    everything = set(event_leads(Milestone.objects.all(), include_superseded=True).values_list("pk", flat=True))
    default = set(event_leads(Milestone.objects.all(), include_superseded=False).values_list("pk", flat=True))
    assert everything == set(merged)
    assert default == {lead for lead, event in merged.items() if event.is_current}
    assert len(default) == len({(c.mission_id, c.kind) for c in claims})
    assert sorted(c.pk for event in merged.values() for c in event.claims) == sorted(c.pk for c in claims)
    for event in merged.values():  # a chain: every claim contains the lead's date
        assert all(c.date <= event.lead.date and c.date_end >= event.lead.date_end for c in event.claims)
