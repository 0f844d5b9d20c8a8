"""The timeline: a chronological feed of events derived from the registry, never stored.

Each event is read off a dated field of one record (its ``record``):

* an agreement's ``authorized_on``, ``signed_on``, ``entered_into_force_on`` and
  ``valid_until`` (kinds ``authorized``, ``signed``, ``entered_into_force``, ``expired``);
* a party's ``withdrawn_on`` (``withdrawn``);
* the milestone claims that agree, merged into one event read off its lead claim
  (``milestone``; the rule: ``timeline_claims.MERGE_RULE``);
* a person's role: ``started_on`` and ``ended_on`` (``role_started``, ``role_ended``).

The database filters, orders, counts and pages the events (``timeline_rows``: one UNION ALL
of the dated columns, on their indexes). Only the page's events are then built, titles
included, in a fixed number of queries (``hydrate``). Paging is by LIMIT/OFFSET over a total
order, and milestone merging happens before it, in SQL (only a merged event's lead claim is a
row), so no page repeats or drops an event.

Order (``ORDER_RULE``): by the first day the date covers, then by its last day (so at
an equal start the finer date comes first: 2018-01-01, 2018-01, 2018), then by kind
(``EventKind`` order), then by record. Descending order is exactly the reverse.

Titles are written in the active language (``cooperation.localization``): translated templates
filled with the records' names in that language (their ``localized_names``), falling back to
English names. The order never depends on the language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import models, router
from django.utils.translation import get_language, gettext, gettext_noop

from cooperation.localization import active_language, choice_label, localized_name
from cooperation.localization import short_name as localized_short_name
from cooperation.models import (
    Agreement,
    AgreementParty,
    Citation,
    Milestone,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Source,
)
from cooperation.partial_dates import PartialDate
from cooperation.selectors.timeline_claims import MERGE_RULE, MergedClaims, merge_claims
from cooperation.selectors.timeline_kinds import AGREEMENT_DATES, ROLE_DATES, EventKind
from cooperation.selectors.timeline_load import PageRecords
from cooperation.selectors.timeline_rows import EventRow, event_rows

ORDER_RULE = (
    "Events are sorted by the first day their date covers, then by its last day, so at an equal start the finer "
    "date comes first (2018-01-01, then 2018-01, then 2018; and 2018 comes before 2018-03-03, which starts later), "
    "then by kind (authorized, signed, entered_into_force, withdrawn, expired, role_ended, role_started, "
    "milestone), then by record. `-date` is exactly the reverse."
)

# The ``type`` of a subject or record (as in a citation's subject), and the prefix of event ids.
RECORD_TYPES = {
    Agreement: "agreement",
    AgreementParty: "agreement_party",
    Milestone: "milestone",
    Mission: "mission",
    Person: "person",
    PersonRole: "person_role",
}


@dataclass(frozen=True)
class EventCitation:
    """A source for an event: a citation of the record, or a milestone claim's own source."""

    source: Source
    field: str
    locator: str


@dataclass
class Event:
    id: str
    kind: str
    date: PartialDate
    title: str
    subject: models.Model  # what the event is about: an agreement, a mission or a person
    record: models.Model  # the record the date is read from (a milestone event's lead claim)
    organizations: list[Organization]
    citations: list[EventCitation]
    status: str | None = None  # milestone events: planned, achieved or superseded
    milestone_kind: str | None = None
    is_current: bool | None = None
    window_end: PartialDate | None = None
    claims: list[Milestone] = field(default_factory=list)  # milestone events: the claims merged, the lead first


@dataclass(frozen=True)
class TimelineQuery:
    """What to include; empty collections mean "no restriction", ``None`` kinds mean every kind."""

    kinds: frozenset[str] | None = None
    organization_ids: frozenset[int] = frozenset()
    mission_ids: frozenset[int] = frozenset()
    agreement_ids: frozenset[int] = frozenset()
    date_from: PartialDate | None = None
    date_to: PartialDate | None = None
    include_superseded: bool = False
    descending: bool = False

    def wants(self, *kinds: str) -> bool:
        return self.kinds is None or any(kind in self.kinds for kind in kinds)


class Timeline:
    """The events matching a query, in order; sliced, it reads only that page.

    ``count()`` is one query, a slice is one query for its rows plus a fixed number to build its
    events (at most eleven: ``hydrate``), whatever the slice's length or the registry's size;
    ``page()`` is both, and skips the count when the first page tells it.
    Iterating reads every row in one query and builds the events in chunks (for CSV).
    """

    CHUNK = 1000

    def __init__(self, query: TimelineQuery):
        self.query = query
        self.rows = event_rows(query)

    def count(self, at_most: int | None = None) -> int:
        """The number of events; with ``at_most``, ``at_most + 1`` stands for any number above it, and the
        query's cost is bounded by ``at_most`` instead of growing with the registry (``EventRows.count``)."""
        return self.rows.count(at_most)

    def page(self, offset: int, limit: int) -> tuple[int, list[Event]]:
        """The total and the events of one page: the first page counts only when it is full, and a
        page past the end reads no rows."""
        total, _exact, events = self.counted_page(offset, limit)
        return total, events

    def counted_page(self, offset: int, limit: int, count_bound: int | None = None) -> tuple[int, bool, list[Event]]:
        """``page``, its total counted only up to ``count_bound`` or to the page's end, whichever is further
        (``count(at_most)``): the total, whether it is exact (else it is a lower bound: more events follow
        the page), and the events. So a count costs no more than the bound or the page's own offset."""
        at_most = None if count_bound is None else max(count_bound, offset + limit)
        if offset == 0:
            found = self.rows.fetch(0, limit)
            if len(found) < limit:
                return len(found), True, hydrate(found)
            total = self.count(at_most)
        else:
            total = self.count(at_most)
            found = self.rows.fetch(offset, offset + limit) if offset < total else []
        return total, at_most is None or total <= at_most, hydrate(found) if found else []

    def __getitem__(self, page: slice) -> list[Event]:
        if not isinstance(page, slice) or page.step is not None:
            raise TypeError("a timeline is sliced by page")
        return hydrate(self.rows.fetch(page.start or 0, page.stop))

    def __iter__(self) -> Iterator[Event]:
        found = self.rows.fetch()
        for start in range(0, len(found), self.CHUNK):
            yield from hydrate(found[start : start + self.CHUNK])


def timeline(query: TimelineQuery) -> Timeline:
    """The events matching ``query``, in order, read from the database page by page."""
    return Timeline(query)


def hydrate(page: list[EventRow], using: str | None = None) -> list[Event]:
    """The events of ``page``'s rows, in their order, in a fixed number of queries (``_PageContext``).

    A record changed between the statements (deleted, or no longer dated) drops its event rather
    than failing the request; a milestone row whose claim now belongs to another lead shows that event.
    """
    wanted: dict[str, set[int]] = {"agreement": set(), "party": set(), "milestone": set(), "role": set()}
    for row in page:
        wanted[_TABLE[row.kind]].add(row.pk)
    context = _PageContext(PageRecords(using or router.db_for_read(Agreement)), wanted)
    events, seen = [], set()
    for row in page:
        if row.kind in AGREEMENT_DATES:
            record = context.agreements.get(row.pk)
            event = agreement_event(record, row.kind) if record else None
        elif row.kind == EventKind.WITHDRAWN:
            record = context.parties.get(row.pk)
            event = withdrawal_event(record) if record else None
        elif row.kind == EventKind.MILESTONE:
            record = context.claims.get(row.pk)
            event = milestone_event(record) if record else None
        else:
            record = context.roles.get(row.pk)
            event = role_event(record, row.kind) if record else None
        if event is not None and event.date is not None and event.id not in seen:
            seen.add(event.id)
            events.append(event)
    return events


_TABLE = {
    **{kind: "agreement" for kind in AGREEMENT_DATES},
    EventKind.WITHDRAWN: "party",
    EventKind.MILESTONE: "milestone",
    **{kind: "role" for kind in ROLE_DATES},
}


class _PageContext:
    """The records a page's events read, each loaded once and shared (``timeline_load``): at most eleven
    queries, whatever the page's length.

    The rows' party links, roles and milestone claims (every claim of the leads' missions: whole groups,
    as the merge rule needs); then the agreements (the rows' and the withdrawals'), the rows' agreements'
    party links, the claims' missions and their participants, the roles' people; then every organization
    named, the citations of the agreements, links and roles, and every source named.
    """

    def __init__(self, load: PageRecords, wanted: dict[str, set[int]]):
        self.parties = load.by_id(AgreementParty, wanted["party"])
        self.roles = load.by_id(PersonRole, wanted["role"])
        claims = self._claims_of_missions(load, wanted["milestone"])
        agreement_ids = wanted["agreement"] | {link.agreement_id for link in self.parties.values()}
        agreements = load.by_id(Agreement, agreement_ids)
        link_columns = ("agreement", "organization", "role")
        links, _ = load.rows(AgreementParty, wanted["agreement"], key="agreement", columns=link_columns, order="id")
        missions = load.by_id(Mission, {claim.mission_id for claim in claims})
        participants, _ = load.rows(MissionParticipant, missions, key="mission", columns=("mission", "organization"))
        persons = load.by_id(Person, {role.person_id for role in self.roles.values()})
        organizations = load.by_id(
            Organization,
            [
                *(organization for _, organization, _ in links),
                *(organization for _, organization in participants),
                *(link.organization_id for link in self.parties.values()),
                *(role.organization_id for role in self.roles.values()),
            ],
        )
        citations, _ = load.rows_where(
            Citation,
            {"agreement": wanted["agreement"], "agreement_party": self.parties, "person_role": self.roles},
            columns=("agreement", "agreement_party", "person_role", "source", "field", "locator"),
            order="id",
        )
        sources = load.by_id(Source, [*(row[3] for row in citations), *(claim.source_id for claim in claims)])

        for agreement in agreements.values():
            agreement.timeline_links, agreement.timeline_citations = [], []
        for agreement_id, organization_id, role in links:
            agreements[agreement_id].timeline_links.append((role, organizations[organization_id]))
        for link in self.parties.values():
            link.agreement, link.organization = agreements[link.agreement_id], organizations[link.organization_id]
            link.timeline_citations = []
        for role in self.roles.values():
            role.person, role.organization = persons[role.person_id], organizations[role.organization_id]
            role.timeline_citations = []
        for mission in missions.values():
            mission.timeline_organizations = []
        for mission_id, organization_id in participants:
            missions[mission_id].timeline_organizations.append(organizations[organization_id])
        for claim in claims:
            claim.mission = missions[claim.mission_id]
            claim.source = sources.get(claim.source_id)
        cited = {0: agreements, 1: self.parties, 2: self.roles}
        for row in citations:
            citation = EventCitation(sources[row[3]], row[4], row[5])
            for index, records in cited.items():
                if row[index] in records:
                    records[row[index]].timeline_citations.append(citation)
        self.agreements = {pk: agreements[pk] for pk in wanted["agreement"] if pk in agreements}
        merged = merge_claims(claims)
        self.claims = {claim.pk: event for event in merged.values() for claim in event.claims}

    @staticmethod
    def _claims_of_missions(load: PageRecords, lead_ids: set[int]) -> list[Milestone]:
        """Every claim of the missions of the claims ``lead_ids``: one query."""
        return load.instances(Milestone, lead_ids, via="mission")


# --- citations ---------------------------------------------------------------------------


def _cited(record: models.Model, stem: str) -> list[EventCitation]:
    """The citations of the date ``stem`` where there are some, else those of the whole record."""
    citations = record.timeline_citations
    return [c for c in citations if c.field == stem] or [c for c in citations if not c.field]


# --- titles: templates in the active language ----------------------------------------------

LIST_ITEM = gettext_noop("{list}, {item}")
LIST_LAST = gettext_noop("{list} and {last}")
SIGNED_BY_ONE = gettext_noop("{party} signs the {agreement}")
SIGNED_BY_SEVERAL = gettext_noop("{parties} sign the {agreement}")
AUTHORIZED_BY_ONE = gettext_noop("{body} authorizes the {agreement}")
AUTHORIZED_BY_SEVERAL = gettext_noop("{bodies} authorize the {agreement}")
AGREEMENT_PHRASES = {
    EventKind.AUTHORIZED: gettext_noop("The {agreement} is authorized"),
    EventKind.SIGNED: gettext_noop("The {agreement} is signed"),
    EventKind.ENTERED_INTO_FORCE: gettext_noop("The {agreement} enters into force"),
    EventKind.EXPIRED: gettext_noop("The {agreement} expires"),
}
WITHDRAWS = gettext_noop("{party} withdraws from the {agreement}")
MILESTONE_ACHIEVED = gettext_noop("{mission}: {milestone}")
MILESTONE_PLANNED = gettext_noop("{mission}: {milestone} planned for {when}")
MILESTONE_SUPERSEDED = gettext_noop("{mission}: {milestone} planned for {when} (superseded)")
ROLE_STARTED = gettext_noop("{person} becomes {title}")
ROLE_ENDED = gettext_noop("{person} leaves office as {title}")


# --- agreements --------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _translation(locale: str | None, template: str) -> str:
    """``template`` in ``locale``, the active language when first asked (a page fills a few templates
    hundreds of times)."""
    return gettext(template)


def fill(template: str, **values) -> str:
    """``cooperation.localization.fill``, each template translated once per language."""
    return _translation(get_language(), template).format(**values)


def _name(org: Organization) -> str:
    """The organization's short name in the active language; kept on the instance (a page's records are
    loaded for it, and shared by its events)."""
    language = active_language()
    cached = org.__dict__.get("_timeline_name")
    if cached is None or cached[0] != language:
        cached = org._timeline_name = (language, localized_short_name(org, language))
    return cached[1]


def _names(orgs: list[Organization]) -> str:
    names = [_name(org) for org in orgs]
    joined = names[0]
    for name in names[1:-1]:
        joined = fill(LIST_ITEM, list=joined, item=name)
    return fill(LIST_LAST, list=joined, last=names[-1]) if len(names) > 1 else joined


def _agreement_name(agreement: Agreement) -> str:
    """The agreement's name, to follow "the" in an English title."""
    name = localized_short_name(agreement)
    return name[4:] if name.lower().startswith("the ") else name


def _agreement_title(kind: str, agreement: Agreement, parties: list[Organization], authorities) -> str:
    name = _agreement_name(agreement)
    if kind == EventKind.SIGNED and parties:
        template = SIGNED_BY_ONE if len(parties) == 1 else SIGNED_BY_SEVERAL
        names = _names(parties)
        return fill(template, party=names, parties=names, agreement=name)
    if kind == EventKind.AUTHORIZED and authorities:
        template = AUTHORIZED_BY_ONE if len(authorities) == 1 else AUTHORIZED_BY_SEVERAL
        names = _names(authorities)
        return fill(template, body=names, bodies=names, agreement=name)
    return fill(AGREEMENT_PHRASES[kind], agreement=name)


def _by_name(orgs: Iterable[Organization]) -> list[Organization]:
    unique = {org.pk: org for org in orgs}
    return sorted(unique.values(), key=lambda org: (org.name, org.pk))


def agreement_event(agreement: Agreement, kind: str) -> Event:
    stem = AGREEMENT_DATES[kind]
    links = agreement.timeline_links  # (role, organization), by the link's id
    parties = _by_name(org for role, org in links if role == AgreementParty.Role.PARTY)
    authorities = _by_name(org for role, org in links if role == AgreementParty.Role.AUTHORIZING_BODY)
    return Event(
        id=f"agreement:{agreement.pk}:{kind}",
        kind=kind,
        date=agreement.get_partial_date(stem),
        title=_agreement_title(kind, agreement, parties, authorities),
        subject=agreement,
        record=agreement,
        organizations=_by_name([*authorities, *parties]) if kind == EventKind.AUTHORIZED else parties,
        citations=_cited(agreement, stem),
    )


def withdrawal_event(link: AgreementParty) -> Event:
    agreement = link.agreement
    return Event(
        id=f"party:{link.pk}:withdrawn",
        kind=EventKind.WITHDRAWN,
        date=link.get_partial_date("withdrawn_on"),
        title=fill(WITHDRAWS, party=_name(link.organization), agreement=_agreement_name(agreement)),
        subject=agreement,
        record=link,
        organizations=[link.organization],
        citations=_cited(link, "withdrawn_on"),
    )


# --- milestones --------------------------------------------------------------------------


def _milestone_title(claim: Milestone, status: str) -> str:
    mission, milestone = localized_name(claim.mission).text, choice_label(Milestone.Kind, claim.kind)
    if status == Milestone.ClaimStatus.ACHIEVED:
        return fill(MILESTONE_ACHIEVED, mission=mission, milestone=milestone)
    date, until = claim.get_partial_date("date"), claim.get_partial_date("window_end")
    when = f"{date}\N{EN DASH}{until}" if until else str(date)
    template = MILESTONE_SUPERSEDED if status == Milestone.ClaimStatus.SUPERSEDED else MILESTONE_PLANNED
    return fill(template, mission=mission, milestone=milestone, when=when)


def milestone_event(merged: MergedClaims) -> Event:
    lead, status = merged.lead, merged.status
    return Event(
        id=f"milestone:{lead.pk}",
        kind=EventKind.MILESTONE,
        date=lead.get_partial_date("date"),
        title=_milestone_title(lead, status),
        subject=lead.mission,
        record=lead,
        organizations=_by_name(lead.mission.timeline_organizations),
        citations=[EventCitation(claim.source, "date", claim.locator) for claim in merged.claims],
        status=status,
        milestone_kind=lead.kind,
        is_current=merged.is_current,
        window_end=lead.get_partial_date("window_end"),
        claims=merged.claims,
    )


# --- roles -------------------------------------------------------------------------------


def role_event(role: PersonRole, kind: str) -> Event:
    stem = ROLE_DATES[kind]
    template = ROLE_STARTED if kind == EventKind.ROLE_STARTED else ROLE_ENDED
    return Event(
        id=f"role:{role.pk}:{'started' if kind == EventKind.ROLE_STARTED else 'ended'}",
        kind=kind,
        date=role.get_partial_date(stem),
        title=fill(template, person=localized_name(role.person).text, title=role.title),
        subject=role.person,
        record=role,
        organizations=[role.organization],
        citations=_cited(role, stem),
    )


__all__ = [
    "MERGE_RULE",
    "ORDER_RULE",
    "RECORD_TYPES",
    "Event",
    "EventCitation",
    "EventKind",
    "Timeline",
    "TimelineQuery",
    "timeline",
]
