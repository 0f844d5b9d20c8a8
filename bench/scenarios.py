"""The benchmark's requests, with parameters picked from the data by ``bench.probe``."""

from __future__ import annotations

import itertools
import json
import subprocess
from dataclasses import dataclass
from urllib.parse import urlencode

from bench.env import PYTHON, ROOT, django_env

SINCE = "2000-01-01"  # signed_on__gte bound of the filtered scenarios
AGREEMENTS = "/api/v1/agreements/"
CSV_PATH = f"{AGREEMENTS}?format=csv"
SCALE_SCENARIO = "agreements_filtered_search"  # the scenario behind scale_ratio_p50
BASELINE_SCENARIO = "agreements_filtered"  # the page bench/baseline.py serves too


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    what: str
    token: bool = False  # needs a curator's token (the change log)
    rotation: tuple[str, ...] = ()  # several URLs sent in turn instead of ``path`` alone

    @property
    def paths(self) -> list[str]:
        return list(self.rotation) or [self.path]


def probe(database_url: str) -> dict:
    """Run ``bench.probe`` against the database and return its JSON."""
    done = subprocess.run(
        [PYTHON, "-W", "ignore", "-m", "bench.probe"],
        cwd=ROOT,
        env=django_env(database_url),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.probe failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _query(**params: str) -> str:
    return "?" + urlencode(params)


# Every list endpoint (first page of 50), by URL segment.
LISTS = (
    "organizations", "persons", "roles", "parties", "signatories", "relations", "agreement-missions",
    "missions", "participants", "milestones", "sources", "citations", "labels",
)  # fmt: skip


def scenarios(facts: dict) -> list[Scenario]:
    """The timed scenarios: every kind of read a frontend makes, each compared with the baseline's page.

    ``BASELINE_SCENARIO`` is also the page the baseline serves; ``facts`` come from
    ``bench.probe`` (records picked from the data, never hard-coded).
    """
    party, word = facts["parties"][0], facts["words"][0]
    slugs = facts["agreement_slugs"]
    filtered = {"party": party, "signed_on__gte": SINCE}
    middle = {key: facts[key][len(facts[key]) // 2] for key in ("organization_slugs", "person_slugs", "source_slugs")}
    mission = facts.get("busiest_mission") or facts["mission_slugs"][0]
    deep = max(0, facts["agreements"] - 100)
    plan = [
        Scenario("agreements_list", AGREEMENTS, "first page of 50, parties and signatories nested"),
        Scenario(BASELINE_SCENARIO, AGREEMENTS + _query(**filtered), f"party={party}, signed_on__gte={SINCE}"),
        Scenario("agreements_search", AGREEMENTS + _query(q=word), f"q={word}"),
        Scenario(SCALE_SCENARIO, AGREEMENTS + _query(**filtered, q=word), f"the filter and q={word}"),
        Scenario("agreements_deep_page", AGREEMENTS + _query(offset=str(deep)), f"offset={deep}"),
        Scenario(
            "agreements_cursor_deep",
            AGREEMENTS + _query(cursor=facts["deep_cursor"]),
            f"the same page by cursor (after record {deep - 1})",
        ),
        Scenario("agreement_detail", f"{AGREEMENTS}{slugs[len(slugs) // 2]}/", "one agreement, every field"),
        Scenario("organization_detail", f"/api/v1/organizations/{party}/", f"the busiest party, {party}"),
        Scenario("person_detail", f"/api/v1/persons/{middle['person_slugs']}/", "one person"),
        Scenario("mission_detail", f"/api/v1/missions/{mission}/", f"{mission}: the most milestone claims"),
        Scenario("source_detail", f"/api/v1/sources/{middle['source_slugs']}/", "one source"),
        *(Scenario(f"{name.replace('-', '_')}_list", f"/api/v1/{name}/", "first page of 50") for name in LISTS),
        Scenario("changes_list", "/api/v1/changes/", "the change log, first page (curator token)", token=True),
        Scenario("timeline", "/api/v1/timeline/", "first page of 50 events"),
        Scenario("timeline_organization", "/api/v1/timeline/" + _query(organization=party), f"organization={party}"),
        Scenario("timeline_mission", "/api/v1/timeline/" + _query(mission=mission), f"mission={mission}"),
        Scenario(
            "timeline_dates",
            "/api/v1/timeline/" + _query(date_from="2015", date_to="2020"),
            "date_from=2015, date_to=2020",
        ),
        Scenario("global_search", "/api/v1/search/" + _query(q=word), f"q={word}, every type"),
        Scenario(
            "global_search_varied",
            "/api/v1/search/" + _query(q=facts["search_queries"][0]),
            f"{len(facts['search_queries'])} queries in turn, none repeated on a connection soon (no plan kept for it)",
            rotation=tuple("/api/v1/search/" + _query(q=query) for query in facts["search_queries"]),
        ),
        Scenario("graph_depth_1", "/api/v1/graph/" + _query(organization=party, depth="1"), f"{party}, depth 1"),
        Scenario("graph_depth_2", "/api/v1/graph/" + _query(organization=party, depth="2"), f"{party}, depth 2"),
    ]
    return plan


def load_mix(facts: dict) -> list[str]:
    """The rotation of ``bench/load``: every kind of read a frontend makes, interleaved.

    Lists (agreements at several offsets and the first page of every other list), filters,
    searches (per resource and global), details of every kind, and the story endpoints
    (the timeline unfiltered and filtered, the graph at depth 1 and 2).
    """
    party = facts["parties"][0]
    mission = facts.get("busiest_mission") or facts["mission_slugs"][0]
    lists = [f"{AGREEMENTS}?offset={offset}" for offset in range(0, 500, 50)] + [f"/api/v1/{name}/" for name in LISTS]
    filters = [AGREEMENTS + _query(party=party, signed_on__gte=SINCE) for party in facts["parties"]]
    searches = (
        [AGREEMENTS + _query(q=word) for word in facts["words"]]
        + ["/api/v1/missions/" + _query(q=facts["words"][0])]
        + ["/api/v1/search/" + _query(q=word) for word in facts["words"]]
    )
    details = (
        [f"{AGREEMENTS}{slug}/" for slug in facts["agreement_slugs"]]
        + [f"/api/v1/organizations/{slug}/" for slug in facts["organization_slugs"]]
        + [f"/api/v1/persons/{slug}/" for slug in facts["person_slugs"]]
        + [f"/api/v1/missions/{slug}/" for slug in facts["mission_slugs"]]
        + [f"/api/v1/sources/{slug}/" for slug in facts["source_slugs"]]
    )
    stories = [
        "/api/v1/timeline/",
        "/api/v1/timeline/" + _query(organization=party),
        "/api/v1/timeline/" + _query(mission=mission),
        "/api/v1/timeline/" + _query(date_from="2015", date_to="2020"),
        "/api/v1/graph/" + _query(organization=party, depth="1"),
        "/api/v1/graph/" + _query(organization=party, depth="2"),
    ]
    groups = [lists, filters, searches, details, stories]
    rounds = max(len(group) for group in groups)
    cycles = [itertools.cycle(group) for group in groups]
    return [next(cycle) for _ in range(rounds) for cycle in cycles]
