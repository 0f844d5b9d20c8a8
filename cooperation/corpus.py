"""A reproducible synthetic corpus, for benchmarks and scale tests.

Everything is inserted with ``bulk_create`` (no row-by-row saves), in dependency
order, with the derived columns (partial-date ranges, ``search_text``, ``localized_names``) computed
here since bulk inserts skip ``save()``. The same ``seed`` gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django_countries import countries

from cooperation.localization import localized_names_for
from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Citation,
    Label,
    Milestone,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Signatory,
    Source,
)
from cooperation.partial_dates import PartialDate, Precision
from cooperation.search_text import search_text_for

BATCH = 2000
COUNTRY_CODES = [code for code, _ in countries][:60]
WORDS = [
    "lunar",
    "deep",
    "space",
    "station",
    "orbital",
    "relay",
    "navigation",
    "remote",
    "sensing",
    "science",
    "data",
    "exploration",
]
RU = [
    "лунная",
    "станция",
    "космос",
    "орбита",
    "навигация",
    "наука",
    "данные",
    "исследование",
    "сотрудничество",
    "агентство",
]
ZH = ["月球", "空间站", "深空", "导航", "遥感", "科学", "数据", "探索", "合作", "航天"]
LANGUAGES = ("en", "ru", "zh")


@dataclass
class CorpusSize:
    agreements: int

    @property
    def organizations(self) -> int:
        return max(20, self.agreements // 10)

    @property
    def persons(self) -> int:
        return max(20, self.agreements // 5)

    @property
    def sources(self) -> int:
        return max(5, self.agreements // 50)

    @property
    def missions(self) -> int:
        return max(10, self.agreements // 20)


def _partial(rng: random.Random, low: int = 1957, high: int = 2030) -> PartialDate:
    day = dt.date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
    precision = rng.choice([Precision.DAY, Precision.DAY, Precision.MONTH, Precision.YEAR])
    if precision == Precision.MONTH:
        return PartialDate(day.replace(day=1), precision)
    if precision == Precision.YEAR:
        return PartialDate(day.replace(month=1, day=1), precision)
    return PartialDate(day, precision)


def _set(obj, stem: str, value: PartialDate | None) -> None:
    obj.set_partial_date(stem, value)


def _phrase(rng: random.Random, words: list[str], n: int = 3) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


class CorpusBuilder:
    """Builds and inserts the corpus; ``progress(n)`` is called as rows are inserted."""

    def __init__(self, size: CorpusSize, seed: int, progress: Callable[[int], None] | None = None):
        self.size = size
        self.rng = random.Random(seed)
        self.progress = progress or (lambda n: None)
        self.counts: dict[str, int] = {}

    def _insert(self, model, objs: Iterable) -> list:
        objs = list(objs)
        created = []
        for start in range(0, len(objs), BATCH):
            chunk = objs[start : start + BATCH]
            created += model.objects.bulk_create(chunk, batch_size=BATCH)
            self.progress(len(chunk))
        self.counts[model.__name__] = self.counts.get(model.__name__, 0) + len(created)
        return created

    def total_rows(self) -> int:
        """Roughly how many rows ``build`` inserts (for a progress bar)."""
        s = self.size
        return s.sources + 5 * s.organizations + 5 * s.persons + 15 * s.agreements + 9 * s.missions

    @transaction.atomic
    def build(self) -> dict[str, int]:
        rng, size = self.rng, self.size
        sources = self._insert(Source, (self._source(i) for i in range(size.sources)))
        orgs = self._insert(Organization, (self._organization(i) for i in range(size.organizations)))
        self._insert(Label, (label for org in orgs for label in self._labels(org, "organization", sources)))
        persons = self._insert(Person, (self._person(i) for i in range(size.persons)))
        self._insert(Label, (label for person in persons for label in self._labels(person, "person", sources)))
        self._insert(PersonRole, (self._role(p, rng.choice(orgs)) for p in persons))
        missions = self._insert(Mission, (self._mission(i) for i in range(size.missions)))
        self._insert(Label, (label for mission in missions for label in self._labels(mission, "mission", sources)))
        self._insert(
            MissionParticipant,
            (part for mission in missions for part in self._participants(mission, orgs)),
        )
        self._insert(Milestone, (claim for mission in missions for claim in self._claims(mission, sources)))
        agreements = self._insert(Agreement, (self._agreement(i) for i in range(size.agreements)))
        self._insert(Label, (label for a in agreements for label in self._labels(a, "agreement", sources)))
        parties_by_agreement = {a.pk: rng.sample(orgs, rng.randint(2, 5)) for a in agreements}
        self._insert(
            AgreementParty,
            (
                AgreementParty(agreement=a, organization=org, role=AgreementParty.Role.PARTY)
                for a in agreements
                for org in parties_by_agreement[a.pk]
            ),
        )
        self._insert(
            Signatory,
            (
                Signatory(agreement=a, person=rng.choice(persons), on_behalf_of=org, title="Head of delegation")
                for a in agreements
                for org in parties_by_agreement[a.pk][: rng.randint(2, 4)]
            ),
        )
        self._insert(
            AgreementRelation,
            (
                AgreementRelation(
                    from_agreement=a,
                    to_agreement=agreements[rng.randrange(index)],
                    kind=rng.choice(AgreementRelation.Kind.values),
                )
                for index, a in enumerate(agreements)
                if index and rng.random() < 0.2
            ),
        )
        self._insert(
            AgreementMission,
            (
                AgreementMission(agreement=a, mission=rng.choice(missions), role=AgreementMission.Role.COOPERATION)
                for a in agreements
                if rng.random() < 0.3
            ),
        )
        self._insert(
            Citation,
            (
                Citation(agreement=a, source=source, field=field, locator=f"para {rng.randint(1, 9)}")
                for a in agreements
                for source, field in zip(rng.sample(sources, min(2, len(sources))), ("", "signed_on"), strict=False)
            ),
        )
        return dict(self.counts)

    # --- one record each ---------------------------------------------------------------------

    def _source(self, i: int) -> Source:
        source = Source(
            slug=f"corpus-source-{i:06d}",
            title=f"Synthetic report {i}",
            publisher="Corpus Press",
            kind=self.rng.choice(Source.Kind.values),
            tier=self.rng.choice(Source.Tier.values),
        )
        _set(source, "published_on", _partial(self.rng, 1990, 2026))
        source.search_text = search_text_for([source.title, source.publisher, source.slug])
        return source

    def _organization(self, i: int) -> Organization:
        name = f"{_phrase(self.rng, WORDS, 2).title()} Agency {i}"
        org = Organization(
            slug=f"corpus-org-{i:06d}",
            name=name,
            short_name=f"CA{i}",
            kind=Organization.Kind.values[i % len(Organization.Kind.values)],
            countries=self.rng.sample(COUNTRY_CODES, self.rng.randint(1, 2)),
        )
        _set(org, "founded_on", _partial(self.rng, 1950, 2020) if self.rng.random() < 0.5 else None)
        self._name(org, org.name, i, other=Label.Kind.TRANSLATION)
        org._labels.append(("en", f"Alias {i}", Label.Kind.ALIAS))
        org.search_text = search_text_for([org.name, org.short_name, org.slug, *(t for _, t, _ in org._labels)])
        return org

    def _name(self, record, english: str, i: int, other: str) -> None:
        """The record's name in English, Russian and Chinese (``record._labels``).

        One language, drawn at random, is the record's own: its name there is official. The
        others are translations (a person's name: transliterations).
        """
        own = self.rng.choice(LANGUAGES)
        texts = {"en": english, "ru": f"{_phrase(self.rng, RU, 2)} {i}", "zh": f"{_phrase(self.rng, ZH, 2)}{i}"}
        record._labels = [(lang, texts[lang], Label.Kind.OFFICIAL if lang == own else other) for lang in LANGUAGES]
        record.localized_names = localized_names_for(
            [Label(language=lang, text=text, kind=kind) for lang, text, kind in record._labels]
        )

    def _labels(self, record, arc: str, sources: list[Source]) -> list[Label]:
        """Label rows for ``record._labels``; an official name cites a first-party or curator source."""
        vouching = [s for s in sources if s.tier in (Source.Tier.FIRST_PARTY, Source.Tier.CURATOR)]
        labels = []
        for language, text, kind in record._labels:
            if kind == Label.Kind.OFFICIAL and not vouching:
                kind = Label.Kind.TRANSLATION  # nothing can vouch for it: not official
            source = self.rng.choice(vouching if kind == Label.Kind.OFFICIAL else sources)
            labels.append(Label(**{arc: record}, language=language, text=text, kind=kind, source=source))
        return labels

    def _person(self, i: int) -> Person:
        person = Person(slug=f"corpus-person-{i:06d}", name=f"Person {i} {self.rng.choice(WORDS).title()}")
        self._name(person, person.name, i, other=Label.Kind.TRANSLITERATION)
        person.search_text = search_text_for([person.name, person.slug, *(t for _, t, _ in person._labels)])
        return person

    def _role(self, person: Person, org: Organization) -> PersonRole:
        role = PersonRole(person=person, organization=org, title="Director General")
        start = _partial(self.rng, 1990, 2015)
        _set(role, "started_on", start)
        _set(role, "ended_on", PartialDate(dt.date(start.end.year + self.rng.randint(1, 8), 1, 1), Precision.YEAR))
        return role

    def _mission(self, i: int) -> Mission:
        mission = Mission(
            slug=f"corpus-mission-{i:06d}",
            name=f"{self.rng.choice(WORDS).title()}-{i}",
            kind=self.rng.choice(Mission.Kind.values),
            target=self.rng.choice(Mission.Target.values),
            status=self.rng.choice(Mission.Status.values),
        )
        self._name(mission, mission.name, i, other=Label.Kind.TRANSLATION)
        mission.search_text = search_text_for([mission.name, mission.slug, *(t for _, t, _ in mission._labels)])
        return mission

    def _participants(self, mission: Mission, orgs: list[Organization]) -> list[MissionParticipant]:
        roles = MissionParticipant.Role.values
        return [
            MissionParticipant(mission=mission, organization=org, role=roles[n % len(roles)])
            for n, org in enumerate(self.rng.sample(orgs, self.rng.randint(1, 3)))
        ]

    def _claims(self, mission: Mission, sources: list[Source]) -> list[Milestone]:
        claims = []
        for source in self.rng.sample(sources, min(len(sources), self.rng.randint(1, 3))):
            claim = Milestone(
                mission=mission, kind=Milestone.Kind.LAUNCH, status=Milestone.Status.PLANNED, source=source
            )
            _set(claim, "date", _partial(self.rng, 2020, 2035))
            _set(claim, "stated_on", source.get_partial_date("published_on"))
            claims.append(claim)
        return claims

    def _agreement(self, i: int) -> Agreement:
        agreement = Agreement(
            slug=f"corpus-agreement-{i:07d}",
            title=f"Agreement on {_phrase(self.rng, WORDS)} cooperation {i}",
            kind=self.rng.choice(Agreement.Kind.values),
            status=self.rng.choice(Agreement.Status.values),
            summary=f"Synthetic agreement {i} on {_phrase(self.rng, WORDS, 5)}.",
        )
        signed = _partial(self.rng)
        _set(agreement, "signed_on", signed)
        if self.rng.random() < 0.4:
            start = PartialDate(dt.date(signed.end.year + 1, 1, 1), Precision.YEAR)
            _set(agreement, "valid_from", start)
            _set(agreement, "valid_until", PartialDate(dt.date(start.start.year + 4, 1, 1), Precision.YEAR))
        self._name(agreement, agreement.title, i, other=Label.Kind.TRANSLATION)
        agreement.search_text = search_text_for(
            [agreement.title, agreement.slug, *(t for _, t, _ in agreement._labels)]
        )
        return agreement
