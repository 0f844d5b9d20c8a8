"""``/api/v1/graph/``: scope, depth, period and type filters on the seed, the node bound, errors, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation import models as m

pytestmark = pytest.mark.usefixtures("answers_built")  # (the statements themselves: nothing kept)
URL = "/api/v1/graph/"

CNSA = "organization:cnsa"
CHINA = "organization:government-of-china"
RUSSIA = "organization:government-of-russia"
ROSCOSMOS = "organization:roscosmos"
PROGRAM_2017 = "agreement:roscosmos-cnsa-cooperation-program-2018-2022"
LUNA_CHANGE_2020 = "agreement:roscosmos-cnsa-luna-26-change-7-agreement-2020"
DATA_CENTER_2018 = "agreement:roscosmos-cnsa-lunar-data-center-agreement-2018"
ILRS_MOU = "agreement:russia-china-ilrs-mou-2021"
DEEP_SPACE_2018 = "agreement:russia-china-lunar-deep-space-mou-2018"
NAVIGATION_2014 = "agreement:russia-china-space-navigation-protocols-2014"
PROTECTION_2016 = "agreement:russia-china-technology-protection-agreement-2016"
GATEWAY_2017 = "agreement:us-russia-gateway-joint-statement-2017"

CNSA_DEPTH_1_NODES = [  # breadth-first order: the parent, then agreements, then missions (each by slug)
    CNSA,
    CHINA,
    PROGRAM_2017,
    LUNA_CHANGE_2020,
    DATA_CENTER_2018,
    "mission:change-7",
    "mission:ilrs",
    "mission:lunar-data-center",
    "mission:queqiao",
]
CNSA_DEPTH_1_EDGES = {
    (CNSA, CHINA, "parent"),
    (CNSA, PROGRAM_2017, "party"),
    (CNSA, LUNA_CHANGE_2020, "party"),
    (CNSA, DATA_CENTER_2018, "party"),
    (CNSA, "mission:change-7", "participant"),
    (CNSA, "mission:ilrs", "participant"),
    (CNSA, "mission:lunar-data-center", "participant"),
    (CNSA, "mission:queqiao", "participant"),
    # between nodes of the last level: the subgraph is the induced one
    (LUNA_CHANGE_2020, PROGRAM_2017, "follows_up"),
    (LUNA_CHANGE_2020, "mission:change-7", "coordination"),
    (LUNA_CHANGE_2020, "mission:lunar-data-center", "cooperation"),
    (DATA_CENTER_2018, "mission:change-7", "cooperation"),
    (DATA_CENTER_2018, "mission:lunar-data-center", "establishment"),
}
CNSA_DEPTH_2_ADDED = {
    ILRS_MOU,
    DEEP_SPACE_2018,
    NAVIGATION_2014,
    PROTECTION_2016,
    ROSCOSMOS,
    "mission:luna-26",
    "person:igor-komarov",
    "person:wu-yanhua",
}


def get_graph(client, query: str = "") -> dict:
    response = client.get(f"{URL}?{query}" if query else URL)
    assert response.status_code == 200, response.content
    graph = response.json()
    ids = [node["id"] for node in graph["nodes"]]
    assert len(ids) == len(set(ids)) == graph["node_count"]
    assert len({edge["id"] for edge in graph["edges"]}) == len(graph["edges"]) == graph["edge_count"]
    for edge in graph["edges"]:
        assert edge["source"] in ids and edge["target"] in ids, edge
    return graph


def node_ids(graph: dict) -> list[str]:
    return [node["id"] for node in graph["nodes"]]


def triples(graph: dict) -> set[tuple[str, str, str]]:
    return {(edge["source"], edge["target"], edge["type"]) for edge in graph["edges"]}


def edge(graph: dict, source: str, target: str, type_: str) -> dict:
    return next(e for e in graph["edges"] if (e["source"], e["target"], e["type"]) == (source, target, type_))


def every_triple() -> set[tuple[str, str, str]]:
    """Every relation in the database, read straight from the models (the oracle for the whole graph)."""
    out = {
        (f"organization:{o.slug}", f"organization:{o.parent.slug}", "parent")
        for o in m.Organization.objects.filter(parent__isnull=False).select_related("parent")
    }
    for p in m.AgreementParty.objects.select_related("organization", "agreement"):
        out.add((f"organization:{p.organization.slug}", f"agreement:{p.agreement.slug}", "party"))
    for s in m.Signatory.objects.select_related("person", "agreement"):
        out.add((f"person:{s.person.slug}", f"agreement:{s.agreement.slug}", "signed"))
    for r in m.AgreementRelation.objects.select_related("from_agreement", "to_agreement"):
        out.add((f"agreement:{r.from_agreement.slug}", f"agreement:{r.to_agreement.slug}", r.kind))
    for p in m.MissionParticipant.objects.select_related("organization", "mission"):
        out.add((f"organization:{p.organization.slug}", f"mission:{p.mission.slug}", "participant"))
    for a in m.AgreementMission.objects.select_related("agreement", "mission"):
        out.add((f"agreement:{a.agreement.slug}", f"mission:{a.mission.slug}", a.role))
    return out


def induced(nodes) -> set[tuple[str, str, str]]:
    nodes = set(nodes)
    return {t for t in every_triple() if t[0] in nodes and t[1] in nodes}


# --- scopes and depth ----------------------------------------------------------------------------


def test_organization_depth_1(api, seeded):
    graph = get_graph(api, "organization=cnsa")
    assert node_ids(graph) == CNSA_DEPTH_1_NODES
    assert triples(graph) == CNSA_DEPTH_1_EDGES
    assert graph["truncated"] is False
    assert graph == get_graph(api, "organization=cnsa&depth=1")  # the default depth

    cnsa = graph["nodes"][0]
    assert cnsa["type"] == "organization"
    assert cnsa["label"] == str(m.Organization.objects.get(slug="cnsa"))
    assert cnsa["url"] == "http://testserver/api/v1/organizations/cnsa/"
    assert edge(graph, CNSA, DATA_CENTER_2018, "party")["attributes"] == {"role": "party", "withdrawn_on": None}
    assert edge(graph, CNSA, "mission:lunar-data-center", "participant")["attributes"] == {
        "role": "partner",
        "joined_on": "2018-03-03",
        "left_on": None,
    }
    party = edge(graph, CNSA, DATA_CENTER_2018, "party")
    record = m.AgreementParty.objects.get(organization__slug="cnsa", agreement__slug=DATA_CENTER_2018.split(":")[1])
    assert party["id"] == f"parties:{record.pk}"
    assert edge(graph, CNSA, CHINA, "parent")["id"] == "parent:organization:cnsa"


def test_depth_2_grows_breadth_first(api, seeded):
    depth_2 = get_graph(api, "organization=cnsa&depth=2")
    ids = node_ids(depth_2)
    assert ids[: len(CNSA_DEPTH_1_NODES)] == CNSA_DEPTH_1_NODES  # the first level comes first
    assert set(ids) == set(CNSA_DEPTH_1_NODES) | CNSA_DEPTH_2_ADDED
    assert triples(depth_2) == induced(ids)
    assert triples(depth_2) > CNSA_DEPTH_1_EDGES
    assert {
        (CHINA, ILRS_MOU, "party"),
        (ROSCOSMOS, PROGRAM_2017, "party"),
        ("person:wu-yanhua", DATA_CENTER_2018, "signed"),
        (DEEP_SPACE_2018, DATA_CENTER_2018, "follows_up"),
        (ROSCOSMOS, "mission:luna-26", "participant"),  # both at the last level
    } <= triples(depth_2)
    signed = edge(depth_2, "person:wu-yanhua", DATA_CENTER_2018, "signed")
    assert signed["attributes"] == {
        "on_behalf_of": CNSA,
        "title": "Deputy Head of the China National Space Administration",
    }

    depth_3 = get_graph(api, "organization=cnsa&depth=3")
    assert set(ids) < set(node_ids(depth_3))
    assert {RUSSIA, "organization:kremlin", "person:dmitry-rogozin", "organization:rsc-energia"} <= set(
        node_ids(depth_3)
    )
    assert triples(depth_3) == induced(node_ids(depth_3))


def test_agreement_scope(api, seeded):
    graph = get_graph(api, "agreement=russia-china-ilrs-mou-2021")
    assert node_ids(graph) == [
        ILRS_MOU,
        CHINA,
        RUSSIA,
        "organization:kremlin",
        "person:dmitry-rogozin",
        "person:zhang-kejian",
        "mission:ilrs",
        "mission:lunar-data-center",
    ]
    assert triples(graph) == {
        (CHINA, ILRS_MOU, "party"),
        (RUSSIA, ILRS_MOU, "party"),
        ("organization:kremlin", ILRS_MOU, "party"),
        ("person:dmitry-rogozin", ILRS_MOU, "signed"),
        ("person:zhang-kejian", ILRS_MOU, "signed"),
        (ILRS_MOU, "mission:ilrs", "establishment"),
        (ILRS_MOU, "mission:lunar-data-center", "establishment"),
    }
    kremlin = edge(graph, "organization:kremlin", ILRS_MOU, "party")
    assert kremlin["attributes"] == {"role": "authorizing_body", "withdrawn_on": None}
    assert edge(graph, "person:dmitry-rogozin", ILRS_MOU, "signed")["attributes"]["on_behalf_of"] == RUSSIA


def test_mission_scope(api, seeded):
    graph = get_graph(api, "mission=gateway")
    assert set(node_ids(graph)) == {
        "mission:gateway",
        "organization:nasa",
        ROSCOSMOS,
        "organization:rsc-energia",
        "organization:spacex",
        GATEWAY_2017,
    }
    assert node_ids(graph)[0] == "mission:gateway"
    assert triples(graph) == {
        ("organization:nasa", "mission:gateway", "participant"),
        (ROSCOSMOS, "mission:gateway", "participant"),
        ("organization:rsc-energia", "mission:gateway", "participant"),
        ("organization:spacex", "mission:gateway", "participant"),
        (GATEWAY_2017, "mission:gateway", "establishment"),
        ("organization:nasa", GATEWAY_2017, "party"),
        (ROSCOSMOS, GATEWAY_2017, "party"),
        ("organization:rsc-energia", ROSCOSMOS, "parent"),
    }
    assert edge(graph, ROSCOSMOS, "mission:gateway", "participant")["attributes"] == {
        "role": "partner",
        "joined_on": "2017-09",
        "left_on": "2021-01",
    }
    assert edge(graph, ROSCOSMOS, GATEWAY_2017, "party")["attributes"] == {"role": "party", "withdrawn_on": "2021-01"}


def test_whole_graph(api, seeded):
    graph = get_graph(api)
    counts = sum(model.objects.count() for model in (m.Organization, m.Agreement, m.Mission, m.Person))
    assert graph["node_count"] == counts
    assert triples(graph) == every_triple()
    assert graph["edge_count"] == len(every_triple())  # no two relations of one kind between the same records here
    assert graph["truncated"] is False
    assert node_ids(graph)[0] == ROSCOSMOS  # the best connected node first
    assert "organization:isef" in node_ids(graph)  # nodes without edges too


# --- the period ----------------------------------------------------------------------------------


def test_date_to_drops_later_relations(api, seeded):
    graph = get_graph(api, "organization=cnsa&depth=2&date_to=2017-12-31")
    assert set(node_ids(graph)) == {
        CNSA,
        CHINA,
        PROGRAM_2017,  # signed 2017-11
        "mission:change-7",  # undated participations are kept
        "mission:ilrs",
        "mission:queqiao",
        NAVIGATION_2014,
        PROTECTION_2016,
        ROSCOSMOS,
    }
    assert triples(graph) == {
        (CNSA, CHINA, "parent"),
        (CNSA, PROGRAM_2017, "party"),
        (CNSA, "mission:change-7", "participant"),
        (CNSA, "mission:ilrs", "participant"),
        (CNSA, "mission:queqiao", "participant"),
        (CHINA, NAVIGATION_2014, "party"),
        (CHINA, PROTECTION_2016, "party"),
        (ROSCOSMOS, PROGRAM_2017, "party"),
    }
    # the same with a year: partial dates cover their whole period
    assert get_graph(api, "organization=cnsa&depth=2&date_to=2017") == graph
    # a month before the program's signing month leaves it out
    october = get_graph(api, "organization=cnsa&date_to=2017-10")
    assert PROGRAM_2017 not in node_ids(october)
    assert set(node_ids(october)) == {CNSA, CHINA, "mission:change-7", "mission:ilrs", "mission:queqiao"}


def test_date_from_drops_ended_relations(api, seeded):
    before = get_graph(api, "mission=gateway&date_from=2020-12")
    assert (ROSCOSMOS, "mission:gateway", "participant") in triples(before)  # left 2021-01
    after = get_graph(api, "mission=gateway&date_from=2021-02")
    assert ROSCOSMOS not in node_ids(after)
    assert set(node_ids(after)) == {
        "mission:gateway",
        "organization:nasa",
        "organization:rsc-energia",
        "organization:spacex",
        GATEWAY_2017,
    }
    roscosmos = get_graph(api, "organization=roscosmos&date_from=2021-02")
    assert GATEWAY_2017 not in node_ids(roscosmos)  # Roscosmos withdrew in 2021-01
    assert (ROSCOSMOS, PROGRAM_2017, "party") in triples(roscosmos)  # agreements without end are kept
    assert (ROSCOSMOS, RUSSIA, "parent") in triples(roscosmos)  # undated


def test_period_on_the_whole_graph(api, seeded):
    graph = get_graph(api, "date_to=2017-12-31")
    ids = set(node_ids(graph))
    assert "agreement:artemis-accords" not in ids  # signed 2020
    assert DATA_CENTER_2018 not in ids and ILRS_MOU not in ids
    assert "organization:isef" not in ids  # no relation at all
    assert {CNSA, NAVIGATION_2014, GATEWAY_2017, PROGRAM_2017} <= ids
    assert triples(graph) <= every_triple()
    assert not any(DATA_CENTER_2018 in t or ILRS_MOU in t for t in triples(graph))


# --- types ---------------------------------------------------------------------------------------


def test_types_choose_the_node_kinds(api, seeded):
    graph = get_graph(api, "organization=cnsa&depth=2&types=organization,agreement")
    ids = node_ids(graph)
    assert {node["type"] for node in graph["nodes"]} == {"organization", "agreement"}
    assert set(ids) == {
        CNSA,
        CHINA,
        PROGRAM_2017,
        LUNA_CHANGE_2020,
        DATA_CENTER_2018,
        ILRS_MOU,
        DEEP_SPACE_2018,
        NAVIGATION_2014,
        PROTECTION_2016,
        ROSCOSMOS,
    }
    assert triples(graph) == induced(ids)
    assert {t[2] for t in triples(graph)} == {"parent", "party", "follows_up"}

    whole = get_graph(api, "types=organization,agreement")
    assert whole["node_count"] == m.Organization.objects.count() + m.Agreement.objects.count()
    assert {t[2] for t in triples(whole)} == {"parent", "party", "follows_up"}
    assert get_graph(api, "types=agreement&types=organization") == whole  # repeatable too

    persons = get_graph(api, "agreement=russia-china-ilrs-mou-2021&types=person,agreement")
    assert set(node_ids(persons)) == {ILRS_MOU, "person:dmitry-rogozin", "person:zhang-kejian"}
    assert {t[2] for t in triples(persons)} == {"signed"}


# --- the bound -----------------------------------------------------------------------------------


@pytest.fixture
def corpus(db):
    """A hub organization party to 1,000 agreements, each with two more parties among 2,000 organizations."""
    hub = m.Organization.objects.create(slug="hub", name="Hub", kind="space_agency")
    orgs = m.Organization.objects.bulk_create(
        m.Organization(slug=f"org-{i:04d}", name=f"Organization {i}", kind="company") for i in range(2000)
    )
    agreements = m.Agreement.objects.bulk_create(
        m.Agreement(slug=f"agreement-{i:04d}", title=f"Agreement {i}", kind="agreement", status="signed")
        for i in range(1000)
    )
    parties = [m.AgreementParty(agreement=a, organization=hub) for a in agreements]
    parties += [m.AgreementParty(agreement=a, organization=orgs[i]) for i, a in enumerate(agreements)]
    parties += [m.AgreementParty(agreement=a, organization=orgs[1000 + i]) for i, a in enumerate(agreements)]
    m.AgreementParty.objects.bulk_create(parties, batch_size=500)
    return hub


def test_the_bound_keeps_the_nodes_reached_first(api, corpus):
    graph = get_graph(api, "organization=hub&depth=3&max_nodes=50")
    assert graph["node_count"] == 50
    assert graph["truncated"] is True
    # the hub, then the first 49 of its 1,000 agreements (level 1, by slug); every edge among them
    assert node_ids(graph) == ["organization:hub", *(f"agreement:agreement-{i:04d}" for i in range(49))]
    assert triples(graph) == {("organization:hub", f"agreement:agreement-{i:04d}", "party") for i in range(49)}

    whole = get_graph(api, "max_nodes=50")
    assert whole["node_count"] == 50
    assert whole["truncated"] is True
    assert node_ids(whole)[0] == "organization:hub"


def test_the_bound_defaults_to_the_setting(api, corpus, settings):
    settings.API_GRAPH_MAX_NODES = 40
    graph = get_graph(api, "organization=hub")
    assert graph["node_count"] == 40
    assert graph["truncated"] is True
    assert get_graph(api, "organization=hub&max_nodes=40") == graph
    response = api.get(f"{URL}?organization=hub&max_nodes=41")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["max_nodes"]


def test_exactly_the_bound_is_not_truncated(api, seeded):
    size = get_graph(api, "agreement=russia-china-ilrs-mou-2021")["node_count"]
    assert get_graph(api, f"agreement=russia-china-ilrs-mou-2021&max_nodes={size}")["truncated"] is False
    smaller = get_graph(api, f"agreement=russia-china-ilrs-mou-2021&max_nodes={size - 1}")
    assert smaller["truncated"] is True
    assert smaller["node_count"] == size - 1


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("organization=cnsa&depth=0", ["depth"]),
        ("organization=cnsa&depth=4", ["depth"]),
        ("organization=cnsa&depth=two", ["depth"]),
        ("organization=cnsa&depth=", ["depth"]),
        ("organization=cnsa&depth=1&depth=2", ["depth"]),
        ("depth=2", ["depth"]),
        ("organization=no-such-org", ["organization"]),
        ("agreement=no-such-agreement", ["agreement"]),
        ("mission=no-such-mission", ["mission"]),
        ("organization=", ["organization"]),
        ("organization=cnsa%00", ["organization"]),
        ("mission=" + "x" * 300, ["mission"]),
        ("organization=cnsa&mission=ilrs", ["organization", "mission"]),
        ("date_from=2019-13", ["date_from"]),
        ("date_to=yesterday", ["date_to"]),
        ("date_from=2020&date_to=2019", ["date_to"]),
        ("types=organization,planet", ["types"]),
        ("types=", ["types"]),
        ("organization=cnsa&types=mission", ["types"]),
        ("max_nodes=0", ["max_nodes"]),
        ("max_nodes=501", ["max_nodes"]),
        ("max_nodes=-1", ["max_nodes"]),
        ("organization=nope&depth=9&date_to=x", ["organization", "depth", "date_to"]),
        ("organization=nope&depth=2&depth=3", ["organization", "depth"]),
        ("organization=nope&organization=cnsa", ["organization"]),
        ("organization=nope&mission=ilrs", ["organization", "organization", "mission"]),
        ("organization=nope&types=mission", ["organization"]),
        ("organization=nope&date_from=2020&date_to=2019", ["organization"]),
        ("organization=cnsa&date_from=2020&date_to=2019", ["date_to"]),
    ],
)
def test_bad_values_are_400s_naming_the_parameter(api, seeded, query, fields):
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert [e["field"] for e in body["errors"]] == fields


def test_unknown_parameters_are_400s(api, seeded):
    response = api.get(f"{URL}?organisation=cnsa")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_parameter"
    assert [e["field"] for e in response.json()["errors"]] == ["organisation"]


def test_root_lists_the_graph(api):
    assert api.get("/api/v1/").json()["graph"] == "http://testserver/api/v1/graph/"


# --- queries -------------------------------------------------------------------------------------


def count_queries(client, query: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        graph = get_graph(client, query)
    return len(ctx.captured_queries), graph


def grow_around_cnsa(n: int) -> None:
    """``n`` more agreements of CNSA, each signed by a new person and about a new mission."""
    cnsa = m.Organization.objects.get(slug="cnsa")
    agreements = m.Agreement.objects.bulk_create(
        m.Agreement(slug=f"extra-{i}", title=f"Extra {i}", kind="agreement", status="signed") for i in range(n)
    )
    persons = m.Person.objects.bulk_create(m.Person(slug=f"person-{i}", name=f"Person {i}") for i in range(n))
    missions = m.Mission.objects.bulk_create(
        m.Mission(slug=f"mission-{i}", name=f"Mission {i}", kind="orbiter", status="planned") for i in range(n)
    )
    m.AgreementParty.objects.bulk_create(m.AgreementParty(agreement=a, organization=cnsa) for a in agreements)
    m.Signatory.objects.bulk_create(
        m.Signatory(agreement=a, person=p, on_behalf_of=cnsa) for a, p in zip(agreements, persons, strict=True)
    )
    m.AgreementMission.objects.bulk_create(
        m.AgreementMission(agreement=a, mission=x, role="cooperation")
        for a, x in zip(agreements, missions, strict=True)
    )


@pytest.mark.parametrize("query", ["organization=cnsa&depth=2", "organization=cnsa&depth=3", ""])
def test_queries_do_not_grow_with_the_result(api, seeded, query):
    small, small_graph = count_queries(api, query)
    grow_around_cnsa(100)
    large, large_graph = count_queries(api, query)
    assert large_graph["node_count"] >= small_graph["node_count"] + 200
    assert not large_graph["truncated"]
    assert large == small
    if query and connection.vendor == "postgresql":  # one statement, the scope's lookup in it (api.sql.graph)
        assert small == 1 + 2  # (and the request's SAVEPOINT/RELEASE)
    else:  # scope lookup, at most six edge queries per level and for the last level, one per node kind
        assert small <= 1 + 6 * 3 + 6 + 4 + 2


def test_queries_of_a_truncated_graph(api, corpus):
    small, _ = count_queries(api, "organization=hub&depth=3&max_nodes=5")
    large, _ = count_queries(api, "organization=hub&depth=3&max_nodes=500")
    assert small == large


@pytest.mark.parametrize("param", ["fields=nodes", "omit=edges", "expand=nodes"])
def test_shape_parameters_are_not_accepted_where_they_do_not_apply(api, seeded, param):
    response = api.get(f"/api/v1/graph/?{param}")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_parameter"


def test_edge_ids_name_the_api_collection_of_their_record(api, seeded):
    """The domain's edge id prefixes are the API's collection names (``parties:7`` is /api/v1/parties/7/)."""
    from api.core.resource_urls import resource_for
    from cooperation.selectors.graph import EDGE_KINDS

    for kind in EDGE_KINDS:
        if kind.edge_id is None:
            assert kind.id_prefix == resource_for(kind.model).prefix, kind.name


def test_a_domain_rule_is_the_one_error_shape(api, seeded):
    response = api.get(f"{URL}?organization=cnsa&types=mission")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert body["errors"] == [
        {"field": "types", "code": "invalid", "detail": "types must include organization, the kind of the scope."}
    ]
