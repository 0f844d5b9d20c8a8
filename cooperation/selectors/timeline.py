"""The timeline: a chronological feed of events derived from the registry, never stored.

Each event is read off a dated field of one record (its ``record``):

* an agreement's ``authorized_on``, ``signed_on``, ``entered_into_force_on`` and
  ``valid_until`` (kinds ``authorized``, ``signed``, ``entered_into_force``, ``expired``);
* a party's ``withdrawn_on`` (``withdrawn``);
* every milestone claim (``milestone``), with its derived claim status;
* a person's role: ``started_on`` and ``ended_on`` (``role_started``, ``role_ended``).

Each source table is read once per request (with its relations prefetched), so the
number of queries does not depend on how many events there are; the events are then
filtered, sorted and paginated in Python.

Order (``ORDER_RULE``): by the first day the date covers, then by its last day (so at
an equal start the finer date comes first: 2018-01-01, 2018-01, 2018), then by kind
(``EventKind`` order), then by record. Descending order is exactly the reverse.

Titles are written in the active language (``cooperation.localization``): translated templates
filled with the records' names in that language (their ``localized_names``), falling back to
English names. The order never depends on the language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_noop

from cooperation.localization import choice_label, fill, localized_name
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
    claim_statuses,
    current_claims,
)
from cooperation.partial_dates import PartialDate


class EventKind(models.TextChoices):
    """What happened; the order is also the tie-break between events on the same dates."""

    AUTHORIZED = "authorized", "an agreement is authorized"
    SIGNED = "signed", "an agreement is signed"
    ENTERED_INTO_FORCE = "entered_into_force", "an agreement enters into force"
    WITHDRAWN = "withdrawn", "a party withdraws from an agreement"
    EXPIRED = "expired", "an agreement's validity ends"
    ROLE_ENDED = "role_ended", "a person leaves a role"
    ROLE_STARTED = "role_started", "a person takes up a role"
    MILESTONE = "milestone", "a mission milestone, as one source claims it"


ORDER_RULE = (
    "Events are sorted by the first day their date covers, then by its last day, so at an equal start the finer "
    "date comes first (2018-01-01, then 2018-01, then 2018; and 2018 comes before 2018-03-03, which starts later), "
    "then by kind (authorized, signed, entered_into_force, withdrawn, expired, role_ended, role_started, "
    "milestone), then by record. `-date` is exactly the reverse."
)

KIND_RANK = {kind: rank for rank, kind in enumerate(EventKind.values)}

# Agreement event kind -> the partial date it is read from.
AGREEMENT_DATES = {
    EventKind.AUTHORIZED: "authorized_on",
    EventKind.SIGNED: "signed_on",
    EventKind.ENTERED_INTO_FORCE: "entered_into_force_on",
    EventKind.EXPIRED: "valid_until",
}
ROLE_DATES = {EventKind.ROLE_STARTED: "started_on", EventKind.ROLE_ENDED: "ended_on"}

# The ``type`` of a subject or record (as in a citation's subject), and the prefix of event ids.
RECORD_TYPES = {
    Agreement: "agreement",
    AgreementParty: "agreement_party",
    Milestone: "milestone",
    Mission: "mission",
    Person: "person",
    PersonRole: "person_role",
}
ID_PREFIXES = {Agreement: "agreement", AgreementParty: "party", Milestone: "milestone", PersonRole: "role"}


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
    record: models.Model  # the record the date is read from
    organizations: list[Organization]
    citations: list[EventCitation]
    status: str | None = None  # milestone claims: planned, achieved or superseded
    milestone_kind: str | None = None
    is_current: bool | None = None
    window_end: PartialDate | None = None
    # Used to filter and sort; not shown.
    agreement_id: int | None = None
    mission_id: int | None = None
    organization_ids: frozenset[int] = field(init=False, repr=False)
    order: tuple = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.organization_ids = frozenset(org.pk for org in self.organizations)
        prefix = ID_PREFIXES[type(self.record)]
        self.order = (self.date.start, self.date.end, KIND_RANK[self.kind], prefix, self.record.pk, self.id)


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

    def matches(self, event: Event) -> bool:
        if self.kinds is not None and event.kind not in self.kinds:
            return False
        if self.organization_ids and not self.organization_ids & event.organization_ids:
            return False
        if self.agreement_ids and event.agreement_id not in self.agreement_ids:
            return False
        if self.mission_ids and event.mission_id not in self.mission_ids:
            return False
        if event.status == Milestone.ClaimStatus.SUPERSEDED and not self.include_superseded:
            return False
        low = self.date_from.start if self.date_from else None
        high = self.date_to.end if self.date_to else None
        return event.date.overlaps(low, high)


def timeline(query: TimelineQuery) -> list[Event]:
    """Every event matching ``query``, in order. A constant number of queries."""
    events: list[Event] = []
    agreement_kinds = (*AGREEMENT_DATES, EventKind.WITHDRAWN)
    if query.wants(*agreement_kinds) and not query.mission_ids:
        events += agreement_events(query)
    if query.wants(EventKind.MILESTONE) and not query.agreement_ids:
        events += milestone_events(query)
    if query.wants(*ROLE_DATES) and not query.agreement_ids and not query.mission_ids:
        events += role_events(query)
    events = [event for event in events if query.matches(event)]
    events.sort(key=lambda event: event.order, reverse=query.descending)
    return events


# --- citations ---------------------------------------------------------------------------


def _citations(fields: Iterable[str]) -> Prefetch:
    """Citations of the whole record or of one of ``fields``, with their sources."""
    queryset = Citation.objects.filter(field__in=["", *fields]).select_related("source").order_by("id")
    return Prefetch("citations", queryset=queryset, to_attr="timeline_citations")


def _cited(record: models.Model, stem: str) -> list[EventCitation]:
    """The citations of the date ``stem`` where there are some, else those of the whole record."""
    citations = record.timeline_citations
    chosen = [c for c in citations if c.field == stem] or [c for c in citations if not c.field]
    return [EventCitation(c.source, c.field, c.locator) for c in chosen]


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


def _name(org: Organization) -> str:
    return localized_short_name(org)


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
        return fill(template, party=_names(parties), parties=_names(parties), agreement=name)
    if kind == EventKind.AUTHORIZED and authorities:
        template = AUTHORIZED_BY_ONE if len(authorities) == 1 else AUTHORIZED_BY_SEVERAL
        return fill(template, body=_names(authorities), bodies=_names(authorities), agreement=name)
    return fill(AGREEMENT_PHRASES[kind], agreement=name)


def _by_name(orgs: Iterable[Organization]) -> list[Organization]:
    unique = {org.pk: org for org in orgs}
    return sorted(unique.values(), key=lambda org: (org.name, org.pk))


def agreement_events(query: TimelineQuery) -> list[Event]:
    """Agreement dates and parties' withdrawals: three queries, four with withdrawals."""
    links = AgreementParty.objects.select_related("organization").order_by("id")
    if query.wants(EventKind.WITHDRAWN):
        links = links.prefetch_related(_citations(["withdrawn_on"]))
    agreements = Agreement.objects.order_by().prefetch_related(
        Prefetch("party_links", queryset=links, to_attr="timeline_links"),
        _citations(AGREEMENT_DATES.values()),
    )
    if query.agreement_ids:
        agreements = agreements.filter(pk__in=query.agreement_ids)
    if query.organization_ids:
        agreements = agreements.filter(
            pk__in=AgreementParty.objects.filter(organization__in=query.organization_ids).values("agreement")
        )
    events = []
    for agreement in agreements:
        parties = _by_name(
            link.organization for link in agreement.timeline_links if link.role == AgreementParty.Role.PARTY
        )
        authorities = _by_name(
            link.organization for link in agreement.timeline_links if link.role == AgreementParty.Role.AUTHORIZING_BODY
        )
        for kind, stem in AGREEMENT_DATES.items():
            date = agreement.get_partial_date(stem)
            if date is None or not query.wants(kind):
                continue
            events.append(
                Event(
                    id=f"agreement:{agreement.pk}:{kind}",
                    kind=kind,
                    date=date,
                    title=_agreement_title(kind, agreement, parties, authorities),
                    subject=agreement,
                    record=agreement,
                    organizations=_by_name([*authorities, *parties]) if kind == EventKind.AUTHORIZED else parties,
                    citations=_cited(agreement, stem),
                    agreement_id=agreement.pk,
                )
            )
        if not query.wants(EventKind.WITHDRAWN):
            continue
        for link in agreement.timeline_links:
            date = link.get_partial_date("withdrawn_on")
            if date is None:
                continue
            events.append(
                Event(
                    id=f"party:{link.pk}:withdrawn",
                    kind=EventKind.WITHDRAWN,
                    date=date,
                    title=fill(WITHDRAWS, party=_name(link.organization), agreement=_agreement_name(agreement)),
                    subject=agreement,
                    record=link,
                    organizations=[link.organization],
                    citations=_cited(link, "withdrawn_on"),
                    agreement_id=agreement.pk,
                )
            )
    return events


# --- milestones --------------------------------------------------------------------------


def _milestone_title(claim: Milestone, status: str) -> str:
    mission, milestone = localized_name(claim.mission).text, choice_label(Milestone.Kind, claim.kind)
    if status == Milestone.ClaimStatus.ACHIEVED:
        return fill(MILESTONE_ACHIEVED, mission=mission, milestone=milestone)
    date, until = claim.get_partial_date("date"), claim.get_partial_date("window_end")
    when = f"{date}\N{EN DASH}{until}" if until else str(date)
    template = MILESTONE_SUPERSEDED if status == Milestone.ClaimStatus.SUPERSEDED else MILESTONE_PLANNED
    return fill(template, mission=mission, milestone=milestone, when=when)


def milestone_events(query: TimelineQuery) -> list[Event]:
    """One event per milestone claim: two queries.

    Claim statuses are derived among every claim for the same mission and kind, so
    the claims are narrowed by mission only (never by date), and filtered afterwards.
    """
    participants = MissionParticipant.objects.select_related("organization")
    claims = Milestone.objects.order_by().select_related("mission", "source")
    claims = claims.prefetch_related(
        Prefetch("mission__participant_links", queryset=participants, to_attr="timeline_participants"),
    )
    if query.mission_ids:
        claims = claims.filter(mission__in=query.mission_ids)
    if query.organization_ids:
        claims = claims.filter(
            mission__in=MissionParticipant.objects.filter(organization__in=query.organization_ids).values("mission")
        )
    claims = list(claims)
    statuses = claim_statuses(claims)
    current = {claim.pk for claim in current_claims(claims).values()}
    events = []
    for claim in claims:
        status = statuses[claim.pk]
        events.append(
            Event(
                id=f"milestone:{claim.pk}",
                kind=EventKind.MILESTONE,
                date=claim.get_partial_date("date"),
                title=_milestone_title(claim, status),
                subject=claim.mission,
                record=claim,
                organizations=_by_name(link.organization for link in claim.mission.timeline_participants),
                citations=[EventCitation(claim.source, "date", claim.locator)],
                status=status,
                milestone_kind=claim.kind,
                is_current=claim.pk in current,
                window_end=claim.get_partial_date("window_end"),
                mission_id=claim.mission_id,
            )
        )
    return events


# --- roles -------------------------------------------------------------------------------


def role_events(query: TimelineQuery) -> list[Event]:
    """The start and the end of each dated role: two queries."""
    roles = (
        PersonRole.objects.order_by()
        .filter(Q(started_on__isnull=False) | Q(ended_on__isnull=False))
        .select_related("person", "organization")
        .prefetch_related(_citations(ROLE_DATES.values()))
    )
    if query.organization_ids:
        roles = roles.filter(organization__in=query.organization_ids)
    events = []
    for role in roles:
        for kind, stem in ROLE_DATES.items():
            date = role.get_partial_date(stem)
            if date is None or not query.wants(kind):
                continue
            template = ROLE_STARTED if kind == EventKind.ROLE_STARTED else ROLE_ENDED
            events.append(
                Event(
                    id=f"role:{role.pk}:{'started' if kind == EventKind.ROLE_STARTED else 'ended'}",
                    kind=kind,
                    date=date,
                    title=fill(template, person=localized_name(role.person).text, title=role.title),
                    subject=role.person,
                    record=role,
                    organizations=[role.organization],
                    citations=_cited(role, stem),
                )
            )
    return events


__all__ = ["ORDER_RULE", "Event", "EventCitation", "EventKind", "TimelineQuery", "timeline"]
