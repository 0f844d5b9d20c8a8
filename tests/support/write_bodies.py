"""A valid create body and a valid update body for every resource, by URL prefix.

Built on the seed data: related records are named by slug, or by id through ``Pk(...)``,
resolved when the test runs (``materialize``). The generic resource suite writes them as
they are; write-rule scenarios break one rule of a body known to be valid.
"""

from __future__ import annotations

from django.db import models

from cooperation import models as m


class Pk:
    """The id of a seeded record, resolved when the test runs: ``Pk(m.Mission, slug="luna-26")``."""

    def __init__(self, model: type[models.Model], **lookup):
        self.model, self.lookup = model, lookup

    def resolve(self) -> int:
        return self.model.objects.get(**self.lookup).pk

    def __repr__(self) -> str:
        return f"Pk({self.model.__name__}, {self.lookup})"


def materialize(data: dict) -> dict:
    """The body with every ``Pk`` resolved to an id."""
    return {key: value.resolve() if isinstance(value, Pk) else value for key, value in data.items()}


CREATE: dict[str, dict] = {
    "organizations": {
        "slug": "tsniimash",
        "name": "Central Research Institute of Machine Building",
        "short_name": "TsNIIMash",
        "kind": "research_institute",
        "countries": ["RU"],
        "parent": "roscosmos",
        "founded_on": "1946-05",
        "website": "https://www.tsniimash.ru/",
        "wikidata_id": "Q4505981",
        "description": "Roscosmos's head research institute.",
    },
    "persons": {
        "slug": "yuri-borisov",
        "name": "Yuri Borisov",
        "wikidata_id": "Q4197395",
        "description": "Director General of Roscosmos from July 2022.",
    },
    "roles": {
        "person": "igor-komarov",
        "organization": "government-of-russia",
        "title": "Deputy Minister of Economic Development",
        "started_on": "2009",
        "ended_on": "2013-10",
    },
    "agreements": {
        "slug": "russia-china-glonass-beidou-agreement-2018",
        "title": "Agreement on cooperation in the use of the GLONASS and BeiDou navigation systems",
        "short_title": "2018 GLONASS-BeiDou agreement",
        "kind": "agreement",
        "status": "in_force",
        "authorized_on": "2018-10",
        "signed_on": "2018-11-07",
        "signed_place": "Beijing",
        "signing_mode": "in_person",
        "signing_event": "The 23rd meeting of the heads of government",
        "forum": "isef",
        "entered_into_force_on": "2019",
        "entry_into_force_condition": "On the last notification of ratification.",
        "valid_from": "2019-09",
        "valid_until": "2029",
        "summary": "Interoperability of GLONASS and BeiDou.",
        "topics": ["navigation", "interoperability"],
    },
    "parties": {
        "agreement": "russia-china-ilrs-mou-2021",
        "organization": "cnsa",
        "role": "party",
        "note": "Named as the implementing agency.",
    },
    "signatories": {
        "agreement": "russia-china-ilrs-mou-2021",
        "person": "wu-yanhua",
        "on_behalf_of": "cnsa",  # part of the Chinese government, which is a party
        "title": "Deputy Head of the CNSA",
        "note": "Countersigned for the implementing agency.",
    },
    "relations": {
        "from_agreement": "russia-china-ilrs-mou-2021",
        "to_agreement": "russia-china-lunar-deep-space-mou-2018",
        "kind": "follows_up",
        "note": "The ILRS memorandum follows the 2018 lunar memorandum.",
    },
    "agreement-missions": {
        "agreement": "russia-china-ilrs-mou-2021",
        "mission": "change-7",
        "role": "cooperation",
        "note": "Chang'e 7 as an ILRS precursor.",
    },
    "missions": {
        "slug": "luna-27",
        "name": "Luna 27",
        "kind": "lander",
        "target": "moon",
        "status": "planned",
        "parent": "russian-lunar-program",
        "wikidata_id": "Q1811208",
        "description": "Russian lunar south-pole lander.",
    },
    "participants": {
        "mission": "luna-26",
        "organization": "cnsa",
        "role": "partner",
        "joined_on": "2018-03-03",
        "left_on": "2019",
        "note": "Data sharing under the lunar data center agreement.",
    },
    "milestones": {
        "mission": "luna-26",
        "kind": "launch",
        "status": "planned",
        "date": "2024",
        "window_end": "2025",
        "source": "lunar-station-brief-2021",
        "stated_on": "2021-03",
        "locator": "para 5",
        "quote": "Luna 26 is now expected no earlier than 2024.",
        "note": "A window claim.",
    },
    "sources": {
        "slug": "tass-2021-03-09",
        "title": "Russia and China sign a memorandum on an international lunar station",
        "publisher": "TASS",
        "author": "Staff",
        "web_url": "https://tass.com/science/1264849",
        "published_on": "2021-03-09",
        "kind": "news",
        "tier": "second_party",
        "language": "ru",
        "document": "tass-2021-03-09.pdf",
        "notes": "Reprinted widely.",
    },
    "citations": {
        "subject_type": "agreement",
        "subject_id": Pk(m.Agreement, slug="russia-china-ilrs-mou-2021"),
        "source": "lunar-station-brief-2021",
        "field": "signed_on",
        "locator": "para 99",
        "quote": "signed on March 9",
        "claim": "2021-03-09",
        "note": "Added through the API.",
    },
    "labels": {
        "subject_type": "mission",
        "subject_id": Pk(m.Mission, slug="luna-26"),
        "language": "zh",
        "text": "月球26号",
        "kind": "official",
        "source": "curator-knowledge",
        "note": "Added through the API.",
    },
}

# Each changes the record the generic suite's ``existing`` picks (declared in tests/api/test_resources.py).
UPDATE: dict[str, dict] = {
    "organizations": {
        "short_name": "NASA (US)",
        "founded_on": "1958-07-29",
        "countries": ["US", "GB"],
        "description": "Updated through the API.",
    },
    "persons": {"wikidata_id": "Q4213010", "description": "General Director of Roscosmos, 2015-2018."},
    "roles": {"title": "Director General of Roscosmos", "started_on": "2012-05-21"},
    "agreements": {
        "status": "in_force",
        "entered_into_force_on": "2019-01",
        "summary": "Updated through the API.",
        "topics": ["lunar exploration", "deep space"],
    },
    "parties": {"withdrawn_on": "2024-03", "note": "Updated through the API."},
    "signatories": {"title": "Administrator of the CNSA", "note": "Updated through the API."},
    "relations": {"kind": "implements", "note": "Updated through the API."},
    "agreement-missions": {"role": "cooperation", "note": "Updated through the API."},
    "missions": {"status": "active", "target": "lunar_orbit", "description": "Updated through the API."},
    "participants": {"joined_on": "2013", "left_on": "2024-08", "note": "Updated through the API."},
    "milestones": {"date": "2023-07", "locator": "para 9", "quote": "Updated through the API."},
    "sources": {"title": "Updated through the API", "published_on": "2018-03", "web_url": "https://example.org/a"},
    "citations": {"locator": "para 12", "quote": "Updated through the API.", "claim": "2021-03"},
    "labels": {"language": "zh", "text": "俄罗斯联邦航天局", "kind": "former", "note": "Updated through the API."},
}
