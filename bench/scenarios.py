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


def scenarios(facts: dict) -> list[Scenario]:
    """The timed scenarios; the filtered one is also the page the baseline serves."""
    party, word = facts["parties"][0], facts["words"][0]
    slugs = facts["agreement_slugs"]
    filtered = {"party": party, "signed_on__gte": SINCE}
    return [
        Scenario("agreements_list", AGREEMENTS, "first page of 50, parties and signatories nested"),
        Scenario(BASELINE_SCENARIO, AGREEMENTS + _query(**filtered), f"party={party}, signed_on__gte={SINCE}"),
        Scenario("agreements_search", AGREEMENTS + _query(q=word), f"q={word}"),
        Scenario(SCALE_SCENARIO, AGREEMENTS + _query(**filtered, q=word), f"the filter and q={word}"),
        Scenario("agreement_detail", f"{AGREEMENTS}{slugs[len(slugs) // 2]}/", "one agreement, every field"),
        Scenario("missions_list", "/api/v1/missions/", "first page of 50 missions"),
    ]


def load_mix(facts: dict) -> list[str]:
    """The rotation of ``bench/load``: list, filter, search and detail requests, interleaved."""
    lists = [f"{AGREEMENTS}?offset={offset}" for offset in range(0, 500, 50)] + ["/api/v1/missions/"]
    filters = [AGREEMENTS + _query(party=party, signed_on__gte=SINCE) for party in facts["parties"]]
    searches = [AGREEMENTS + _query(q=word) for word in facts["words"]] + [
        "/api/v1/missions/" + _query(q=facts["words"][0])
    ]
    details = [f"{AGREEMENTS}{slug}/" for slug in facts["agreement_slugs"]]
    groups = [lists, filters, searches, details]
    rounds = max(len(group) for group in groups)
    cycles = [itertools.cycle(group) for group in groups]
    return [next(cycle) for _ in range(rounds) for cycle in cycles]
