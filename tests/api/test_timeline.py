"""/api/v1/timeline/: events derived from agreements, withdrawals, milestone claims and roles.

Every response goes through the schema-checked ``api`` client, so each is also
validated against ``openapi.yaml``.
"""

from __future__ import annotations

import pytest
from django.db import connection

from api.sql import timeline as timeline_sql
from cooperation.models import Agreement
from cooperation.selectors.timeline import EventKind
from tests.support.query_counts import count_queries
from tests.support.timeline_records import more_of_everything

pytestmark = pytest.mark.usefixtures("seeded", "answers_built")  # (the statements themselves: nothing kept)

URL = "/api/v1/timeline/"
EVERYTHING = f"{URL}?limit=1000&include_superseded=true"

MOU_2021 = "russia-china-ilrs-mou-2021"
TECH_2016 = "russia-china-technology-protection-agreement-2016"
PROGRAM = "roscosmos-cnsa-cooperation-program-2018-2022"
GATEWAY_2017 = "us-russia-gateway-joint-statement-2017"
PROTOCOLS_2014 = "russia-china-space-navigation-protocols-2014"


def events(client, query: str = "") -> list[dict]:
    response = client.get(f"{URL}?limit=1000{'&' if query else ''}{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["results"]


def one(found: list[dict], **wanted) -> dict:
    """The only event whose fields (``subject__slug`` reaches into nested objects) have these values."""

    def value(event, path):
        for part in path.split("__"):
            event = event.get(part) if isinstance(event, dict) else None
        return event

    matches = [e for e in found if all(value(e, path) == v for path, v in wanted.items())]
    assert len(matches) == 1, f"{len(matches)} events match {wanted}"
    return matches[0]


def slugs(items: list[dict]) -> list[str]:
    return [item["slug"] for item in items]


def sources(event: dict) -> list[tuple[str, str, str]]:
    return [(c["source"]["slug"], c["field"], c["locator"]) for c in event["citations"]]


def bad_parameter(client, query: str, param: str) -> dict:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [param], body
    return body


# --- every kind of event ---------------------------------------------------------------------


def test_every_kind_in_the_seed_is_derived(api):
    found = events(api, "include_superseded=true")
    assert {e["kind"] for e in found} == set(EventKind.values)
    assert len({e["id"] for e in found}) == len(found), "event ids are unique"


def test_agreement_events(api):
    found = events(api)
    mou = Agreement.objects.get(slug=MOU_2021)

    authorized = one(found, kind="authorized", subject__slug=MOU_2021)
    assert authorized["id"] == f"agreement:{mou.pk}:authorized"
    assert authorized["date"] == {"value": "2021-02-11", "precision": "day", "start": "2021-02-11", "end": "2021-02-11"}
    assert authorized["subject"]["type"] == authorized["record"]["type"] == "agreement"
    assert authorized["subject"]["url"].endswith(f"/api/v1/agreements/{MOU_2021}/")
    assert authorized["title"] == "Kremlin authorizes the 2021 lunar station memorandum"
    assert slugs(authorized["organizations"]) == ["government-of-china", "government-of-russia", "kremlin"]
    assert sources(authorized) == [("lunar-station-brief-2021", "authorized_on", "para 1")]
    assert authorized["status"] is None and authorized["is_current"] is None and authorized["milestone_kind"] is None

    signed = one(found, kind="signed", subject__slug=MOU_2021)
    assert signed["date"]["value"] == "2021-03-09"
    assert slugs(signed["organizations"]) == ["government-of-china", "government-of-russia"]  # parties only
    assert "sign the 2021 lunar station memorandum" in signed["title"]

    in_force = one(found, kind="entered_into_force", subject__slug=TECH_2016)
    assert in_force["date"]["value"] == "2016-12-18"
    assert sources(in_force) == [("parabolicarc-2018-03-07", "entered_into_force_on", "para 4")]

    expired = one(found, kind="expired", subject__slug=PROGRAM)
    assert expired["date"] == {"value": "2022", "precision": "year", "start": "2022-01-01", "end": "2022-12-31"}
    assert slugs(expired["organizations"]) == ["cnsa", "roscosmos"]
    assert sources(expired) == [("moscowtimes-2018-06-08", "", "para 2")]  # no citation of valid_until: the record's

    # Citations of the date where there are some, else those of the whole record.
    protocols = one(found, kind="signed", subject__slug=PROTOCOLS_2014)
    assert sources(protocols) == [("moscowtimes-2018-06-08", "", "para 6")]
    assert {c[1] for c in sources(one(found, kind="signed", subject__slug=GATEWAY_2017))} == {"signed_on"}


def test_withdrawal_event(api):
    withdrawn = one(events(api), kind="withdrawn")
    assert withdrawn["subject"]["slug"] == GATEWAY_2017
    assert withdrawn["record"]["type"] == "agreement_party"
    assert withdrawn["id"] == f"party:{withdrawn['record']['id']}:withdrawn"
    assert withdrawn["record"]["url"].endswith(f"/api/v1/parties/{withdrawn['record']['id']}/")
    assert withdrawn["date"]["value"] == "2021-01"
    assert slugs(withdrawn["organizations"]) == ["roscosmos"]
    assert withdrawn["title"] == "Roscosmos withdraws from the 2017 US-Russia Gateway agreement"


def test_milestone_events(api):
    found = events(api, "include_superseded=true")
    landing = one(found, kind="milestone", subject__slug="change-7", date__value="2024")
    assert landing["id"] == f"milestone:{landing['record']['id']}"
    assert landing["subject"]["type"] == "mission" and landing["record"]["type"] == "milestone"
    assert landing["milestone_kind"] == "landing"
    assert (landing["status"], landing["is_current"]) == ("planned", True)
    assert slugs(landing["organizations"]) == ["cnsa"]
    assert sources(landing) == [("lunar-station-brief-2021", "date", "para 6")]
    assert landing["title"] == "Chang'e-7: landing planned for 2024"

    assert landing["claims"] == [landing["record"]]

    # Two achieved claims for Queqiao's launch, 2018-05 (The Moscow Times) and 2018-05-20 (curator knowledge),
    # agree: one launch, shown at the finer date and carrying both claims and citations. (Until issue 14 the
    # timeline showed them as two events.)
    (launch,) = [e for e in found if e["subject"]["slug"] == "queqiao"]
    assert (launch["date"]["value"], launch["status"], launch["is_current"]) == ("2018-05-20", "achieved", True)
    assert launch["claims"][0]["id"] == launch["record"]["id"]
    assert len(launch["claims"]) == len(launch["citations"]) == 2
    assert {c["source"]["slug"] for c in launch["citations"]} >= {"moscowtimes-2018-06-08"}
    assert launch["title"] == "Queqiao: launch"

    window = one(found, kind="milestone", subject__slug="ilrs")
    assert window["date"]["value"] == "2021" and window["window_end"]["value"] == "2031"
    assert slugs(window["organizations"]) == ["cnsa", "roscosmos"]


def test_role_events(api):
    rogozin = [e for e in events(api, "kind__in=role_started,role_ended") if e["subject"]["slug"] == "dmitry-rogozin"]
    assert [(e["kind"], e["date"]["value"], slugs(e["organizations"])) for e in rogozin] == [
        ("role_started", "2011-12", ["government-of-russia"]),
        ("role_ended", "2018-05", ["government-of-russia"]),
        ("role_started", "2018-05", ["roscosmos"]),  # same month: the end of one role before the start of the next
        ("role_ended", "2022-07", ["roscosmos"]),
    ]
    started = rogozin[2]
    assert started["id"] == f"role:{started['record']['id']}:started"
    assert started["record"]["type"] == "person_role" and started["subject"]["type"] == "person"
    assert started["title"] == "Dmitry Rogozin becomes Director General of Roscosmos"
    assert rogozin[3]["id"] == f"role:{started['record']['id']}:ended"


# --- order -----------------------------------------------------------------------------------


def _agreement_signed(slug: str, date: str) -> None:
    agreement = Agreement(slug=slug, title=f"Test agreement {slug}", kind="agreement", status="signed")
    agreement.set_partial_date("signed_on", date)
    agreement.save()


def test_mixed_precisions_sort_by_start_then_end(api):
    for slug, date in [("y", "2019"), ("d-late", "2019-03-03"), ("m", "2019-01"), ("d", "2019-01-01")]:
        _agreement_signed(f"order-{slug}", date)
    query = "kind__in=signed&date_from=2019&date_to=2019"
    ascending = [e["date"]["value"] for e in events(api, query)]
    assert ascending == ["2019-01-01", "2019-01", "2019", "2019-03-03"]
    descending = [e["date"]["value"] for e in events(api, f"{query}&ordering=-date")]
    assert descending == ascending[::-1]


def test_seed_feed_is_in_order(api):
    found = events(api, "include_superseded=true")
    keys = [(e["date"]["start"], e["date"]["end"]) for e in found]
    assert keys == sorted(keys)
    in_2021 = [(e["date"]["value"], e["kind"]) for e in events(api, "date_from=2021&date_to=2021")]
    assert in_2021 == [
        ("2021-01", "withdrawn"),
        ("2021", "milestone"),  # ILRS construction, 2021 to 2031
        ("2021-02-11", "authorized"),
        ("2021-02-18", "milestone"),  # Perseverance lands
        ("2021-03-09", "signed"),
    ]
    assert [e["id"] for e in events(api, "ordering=-date&include_superseded=true")] == [e["id"] for e in found][::-1]


# --- filters ---------------------------------------------------------------------------------


def test_date_range_filters_overlap(api):
    in_may_2018 = events(api, "date_from=2018-05&date_to=2018-05")
    assert [(e["kind"], e["date"]["value"]) for e in in_may_2018] == [
        ("role_ended", "2018-05"),
        ("role_ended", "2018-05"),
        ("role_started", "2018-05"),
        ("milestone", "2018-05-20"),  # Queqiao's launch, also claimed as 2018-05: one event (issue 14)
    ]
    # A year-precision date overlaps any bound inside its year.
    after_june_2021 = {e["date"]["value"] for e in events(api, "date_from=2021-06")}
    assert "2021" in after_june_2021 and "2021-03-09" not in after_june_2021 and "2022" in after_june_2021
    until_june_2016 = [e["date"]["value"] for e in events(api, "date_to=2016-06")]
    assert until_june_2016 == ["2011-12", "2014", "2016-06-25"]
    assert events(api, "date_from=2016-12-18&date_to=2016-12-18")[0]["kind"] == "entered_into_force"
    assert events(api, "date_from=2030&date_to=2039") == []


def test_superseded_claims_are_hidden_unless_asked(api):
    default = events(api, "mission=change-7")
    assert [(e["date"]["value"], e["status"], e["is_current"]) for e in default] == [("2024", "planned", True)]
    assert events(api, "mission=change-7&include_superseded=false") == default
    everything = events(api, "mission=change-7&include_superseded=true")
    # The two superseded claims of 2023 agree with each other: one event carrying both (issue 14).
    assert [(e["date"]["value"], e["status"], e["is_current"], len(e["claims"])) for e in everything] == [
        ("2023", "superseded", False, 2),
        ("2024", "planned", True, 1),
    ]
    assert all(e["status"] != "superseded" for e in events(api))


def test_organization_mission_and_agreement_filters(api):
    roscosmos = events(api, "organization=roscosmos")
    assert roscosmos and all("roscosmos" in slugs(e["organizations"]) for e in roscosmos)
    assert {"withdrawn", "signed", "expired", "role_started", "role_ended", "milestone"} <= {
        e["kind"] for e in roscosmos
    }
    assert not any(e["subject"].get("slug") == "artemis-accords" for e in roscosmos)

    either = events(api, "organization=nasa&organization=kremlin")
    assert {e["id"] for e in either} == {e["id"] for e in events(api, "organization=nasa")} | {
        e["id"] for e in events(api, "organization=kremlin")
    }
    assert [e["kind"] for e in events(api, "organization=kremlin")] == ["authorized"]  # an authorizing body

    queqiao = events(api, "mission=queqiao")
    assert [e["kind"] for e in queqiao] == ["milestone"]  # two claims that agree: one launch
    assert {e["subject"]["slug"] for e in events(api, "mission=queqiao&mission=luna-26")} == {"queqiao", "luna-26"}

    gateway = events(api, f"agreement={GATEWAY_2017}")
    assert [(e["kind"], e["date"]["value"]) for e in gateway] == [("signed", "2017-09-27"), ("withdrawn", "2021-01")]
    assert events(api, f"agreement={GATEWAY_2017}&kind__in=withdrawn")[0]["kind"] == "withdrawn"
    assert events(api, f"agreement={GATEWAY_2017}&mission=queqiao") == []  # filters combine with AND

    kinds = events(api, "kind__in=expired,entered_into_force")
    assert [(e["kind"], e["subject"]["slug"]) for e in kinds] == [
        ("entered_into_force", TECH_2016),
        ("expired", PROGRAM),
    ]


# --- the contract ----------------------------------------------------------------------------


def test_malformed_values_are_a_400_naming_the_parameter(api):
    body = bad_parameter(api, "kind__in=signed,launched", "kind__in")
    assert "launched" in body["errors"][0]["detail"]
    bad_parameter(api, "kind__in=signed,", "kind__in")
    bad_parameter(api, "date_from=2018-13", "date_from")
    bad_parameter(api, "date_to=18", "date_to")
    bad_parameter(api, "organization=no-such-agency", "organization")
    bad_parameter(api, "mission=no-such-mission", "mission")
    bad_parameter(api, "agreement=roscosmos", "agreement")
    bad_parameter(api, "include_superseded=maybe", "include_superseded")
    bad_parameter(api, "ordering=title", "ordering")
    bad_parameter(api, "limit=0", "limit")
    bad_parameter(api, "offset=-1", "offset")
    bad_parameter(api, "fields=id,color", "fields")
    bad_parameter(api, "expand=citations", "expand")
    bad_parameter(api, "format=xml", "format")


def test_unknown_parameters_are_a_400_naming_them(api):
    response = api.get(f"{URL}?kind=signed&organisation=nasa")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_parameter"
    assert [e["field"] for e in body["errors"]] == ["kind", "organisation"]


def test_pagination_and_sparse_fields(api):
    everything = events(api)
    page = api.get(f"{URL}?limit=5&offset=5").json()
    assert page["count"] == len(everything)
    assert page["results"] == everything[5:10]
    assert "offset=10" in page["next"] and "limit=5" in page["previous"]
    sparse = api.get(f"{URL}?limit=3&fields=id,kind,date").json()["results"]
    assert [set(e) for e in sparse] == [{"id", "kind", "date"}] * 3
    omitted = api.get(f"{URL}?limit=3&omit=citations,organizations").json()["results"]
    assert all("citations" not in e and "title" in e for e in omitted)


def test_csv_streams_every_matching_event(api):
    response = api.get(f"{URL}?format=csv&limit=1&organization=roscosmos")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,kind,date,title,subject,record,organizations")
    assert len(lines) == 1 + len(events(api, "organization=roscosmos"))


def test_root_lists_the_timeline(api):
    assert api.get("/api/v1/").json()["timeline"].endswith(URL)


@pytest.mark.parametrize(
    ("query", "in_python", "in_postgresql"),
    [
        # SAVEPOINT and RELEASE (ATOMIC_REQUESTS), the page's rows (the whole feed fits on it, so no count is
        # needed), then for the page's events only, each record loaded once (``timeline._PageContext``): the
        # withdrawing party links, the roles, the milestone claims of the leads' missions, the agreements, their
        # party links, the claims' missions, their participants, the roles' people, every organization named,
        # the citations of agreements, links and roles, and every source named.
        # On PostgreSQL the rows, their events' JSON and the count are one statement (``api.sql.timeline``),
        # after one reading the kinds on the page when the query can match several.
        ("", 14, 4),
        ("organization=roscosmos", 15, 5),  # + the organization's slug looked up
        # + the slug; only claims: them, their missions, participants, organizations and sources.
        ("kind__in=milestone&mission=change-7&include_superseded=true", 9, 4),
    ],
)
def test_queries_do_not_grow_with_the_page_or_the_registry(api, query, in_python, in_postgresql):
    # A page holding every kind of record runs every query; a smaller page may skip a kind it lacks, and a
    # full page also counts the events.
    expected = in_postgresql if connection.vendor == "postgresql" else in_python
    assert count_queries(api, f"{URL}?limit=500&{query}") == expected
    assert count_queries(api, f"{URL}?limit=1&{query}") <= expected + 1
    more_of_everything(10)
    timeline_sql._HELD.clear()  # asked as new: a page asked again skips the kinds statement (test_timeline_writer)
    assert count_queries(api, f"{URL}?limit=500&{query}") == expected
    assert count_queries(api, f"{URL}?limit=1000&{query}") == expected


@pytest.mark.parametrize("params", [{}, {"lang": "ru", "limit": "5"}, {"ordering": "-date"}], ids=str)
def test_a_query_without_filters_is_what_the_form_makes_of_it(params):
    """Without any of the form's parameters the view skips the form (its answer is made once): the same query."""
    from django.test import RequestFactory
    from rest_framework.request import Request

    from api.views.timeline import TimelineQueryForm, TimelineView
    from cooperation.selectors.timeline import TimelineQuery

    request = Request(RequestFactory().get(URL, params))
    data = TimelineQueryForm.parse(request)
    expected = TimelineQuery(
        kinds=data["kind__in"],
        organization_ids=data["organization"] or frozenset(),
        mission_ids=data["mission"] or frozenset(),
        agreement_ids=data["agreement"] or frozenset(),
        date_from=data["date_from"],
        date_to=data["date_to"],
        include_superseded=data["include_superseded"],
        descending=params.get("ordering") == "-date",
    )
    assert TimelineView.parse_query(request) == expected
