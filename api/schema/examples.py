"""Request examples in the schema: for every write, a body that works on a freshly seeded registry.

Each resource has a ``create`` body (POST, and PUT, which replaces a record whole) and an
``update`` body (PATCH), naming records the seed data holds, and the ``record`` (slug or id)
its detail operations act on. ``tests/api/test_schema_examples.py`` sends
every one to a seeded registry and expects it to be accepted. They show SDK users a body
that works, and give Schemathesis's examples phase writes that reach the API's logic.
"""

from __future__ import annotations

EXAMPLES: dict[str, dict[str, dict | str | int]] = {
    "organizations": {
        "record": "nasa",
        "create": {
            "slug": "tsniimash",
            "name": "Central Research Institute of Machine Building",
            "short_name": "TsNIIMash",
            "kind": "research_institute",
            "countries": ["RU"],
            "parent": "roscosmos",
            "founded_on": "1946-05",
        },
        "update": {"short_name": "NASA", "founded_on": "1958-07-29"},
    },
    "persons": {
        "record": "igor-komarov",
        "create": {"slug": "yuri-borisov", "name": "Yuri Borisov", "wikidata_id": "Q4197395"},
        "update": {"description": "General Director of Roscosmos, 2015-2018."},
    },
    "roles": {
        "record": 1,
        "create": {
            "person": "igor-komarov",
            "organization": "government-of-russia",
            "title": "Deputy Minister of Economic Development",
            "started_on": "2009",
            "ended_on": "2013-10",
        },
        "update": {"title": "Director General of Roscosmos"},
    },
    "agreements": {
        "record": "russia-china-lunar-deep-space-mou-2018",
        "create": {
            "slug": "russia-china-glonass-beidou-agreement-2018",
            "title": "Agreement on cooperation in the use of the GLONASS and BeiDou navigation systems",
            "kind": "agreement",
            "status": "in_force",
            "signed_on": "2018-11-07",
            "signed_place": "Beijing",
            "forum": "isef",
            "topics": ["navigation", "interoperability"],
        },
        "update": {"summary": "Cooperation in lunar and deep-space exploration."},
    },
    "parties": {
        "record": 1,
        "create": {"agreement": "russia-china-ilrs-mou-2021", "organization": "cnsa", "role": "party"},
        "update": {"note": "Named as the implementing agency."},
    },
    "signatories": {
        "record": 1,
        "create": {
            "agreement": "russia-china-ilrs-mou-2021",
            "person": "wu-yanhua",
            "on_behalf_of": "cnsa",
            "title": "Deputy Head of the CNSA",
        },
        "update": {"title": "Administrator of the CNSA"},
    },
    "relations": {
        "record": 1,
        "create": {
            "from_agreement": "russia-china-ilrs-mou-2021",
            "to_agreement": "russia-china-lunar-deep-space-mou-2018",
            "kind": "follows_up",
        },
        "update": {"note": "The ILRS memorandum follows the 2018 lunar memorandum."},
    },
    "agreement-missions": {
        "record": 1,
        "create": {"agreement": "russia-china-ilrs-mou-2021", "mission": "change-7", "role": "cooperation"},
        "update": {"note": "Chang'e 7 as an ILRS precursor."},
    },
    "missions": {
        "record": "luna-26",
        "create": {
            "slug": "luna-27",
            "name": "Luna 27",
            "kind": "lander",
            "target": "moon",
            "status": "planned",
            "parent": "russian-lunar-program",
        },
        "update": {"status": "active"},
    },
    "participants": {
        "record": 1,
        "create": {"mission": "luna-26", "organization": "cnsa", "role": "partner", "joined_on": "2018-03-03"},
        "update": {"note": "Data sharing under the lunar data center agreement."},
    },
    "milestones": {
        "record": 1,
        "create": {
            "mission": "luna-26",
            "kind": "launch",
            "status": "planned",
            "date": "2024",
            "source": "lunar-station-brief-2021",
            "stated_on": "2021-03",
        },
        "update": {"locator": "para 9"},
    },
    "sources": {
        "record": "parabolicarc-2018-03-07",
        "create": {
            "slug": "tass-2021-03-09",
            "title": "Russia and China sign a memorandum on an international lunar station",
            "publisher": "TASS",
            "web_url": "https://tass.com/science/1264849",
            "published_on": "2021-03-09",
            "kind": "news",
            "tier": "second_party",
            "language": "ru",
        },
        "update": {"notes": "Reprinted widely."},
    },
    "citations": {
        "record": 1,
        "create": {"subject_type": "organization", "subject_id": 1, "source": "curator-knowledge", "locator": "p. 1"},
        "update": {"locator": "p. 2"},
    },
    "labels": {
        "record": 1,
        "create": {
            "subject_type": "organization",
            "subject_id": 1,
            "language": "zh",
            "text": "中国国家航天局",
            "source": "curator-knowledge",
        },
        "update": {"note": "The agency's Chinese name."},
    },
}


def _examples(name: str, value: dict) -> dict:
    return {name: {"summary": f"A {name} that works on the seed data", "value": value}}


def request_examples(result, generator, request, public):
    """Postprocessing hook: each write's request body, and each record path, gets its example."""
    prefix = "/api/v1/"
    for path, operations in result.get("paths", {}).items():
        resource, _, rest = path.removeprefix(prefix).partition("/")
        examples = EXAMPLES.get(resource)
        if examples is None or not path.startswith(prefix):
            continue
        detail = rest not in ("", "/")
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            body = {"post": "create", "put": "create", "patch": "update"}.get(method)  # create: the whole record
            media = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and media is not None and (method == "post") != detail:
                media["examples"] = _examples(body, examples[body])
            if detail:
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") == "path" and parameter.get("name") in ("slug", "id"):
                        parameter["example"] = str(examples["record"])
    return result
