"""Which milestone claims make one timeline event: the merge rule, in SQL and in Python.

Claims are about one milestone of one mission (its *group*: mission and kind). Two claims
*agree* when they have the same subject, kind and recorded status (planned or achieved) and the
date of one contains the other's (2018-05 contains 2018-05-20). Partial dates nest or are disjoint,
so the claims whose dates contain one date form a chain, shown at its most precise date.

``MERGE_RULE`` states it for readers. Precisely:

* a claim's *lead* is the best claim of its group with the same status whose date lies within
  its own (itself included); *best* means the most precise date, then the latest stated, then the
  highest id. The claims with the same lead are one event, dated and identified by its lead.
* an event is *current* when it holds the group's current claim (``current_claims``). By default
  the timeline shows only current events; ``include_superseded`` also shows the others (superseded
  plans, and achieved claims whose date disagrees with the current claim's).

The lead of a claim is always a lead itself, so every claim is in exactly one event. The SQL
predicates (``event_leads``) pick the leads, so the database pages events, not claims; the page's
events then gather their claims in Python (``merge_claims``) from their groups, by the same rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from cooperation.models import Milestone, current_claims

MERGE_RULE = (
    "Milestone claims that agree are one event: same mission, milestone kind and status (planned or achieved), "
    "and the date of one contains the other's (2018-05 and 2018-05-20 are one launch). The event is shown at its "
    "most precise date (then: the claim stated latest, then the highest id) and carries every claim and citation. "
    "Claims that disagree: only the event holding the current claim is shown (`is_current`); the others "
    "(superseded plans, and achieved claims whose date disagrees with the current one) only with "
    "`include_superseded=true`."
)

# Precision values sort from the finest: "day" < "month" < "year".
_UNDATED = dt.date.min


def _stated(prefix: str = "") -> Coalesce:
    return Coalesce(f"{prefix}stated_on", Value(_UNDATED))


def _siblings(mission, kind) -> QuerySet:
    return Milestone.objects.order_by().filter(mission=mission, kind=kind)


def _current_of_outer() -> QuerySet:
    """The current claim of the outer row's group (``current_claims`` as an ORDER BY)."""
    achieved_precision = Case(When(status=Milestone.Status.ACHIEVED, then=F("date_precision")), default=Value(""))
    return _siblings(OuterRef("mission"), OuterRef("kind")).order_by(
        F("status").asc(),  # "achieved" before "planned": an achieved claim wins
        achieved_precision.asc(),  # among achieved claims, the finest date
        _stated().desc(),
        F("pk").desc(),
    )


def _better_than_outer() -> Q:
    """A claim better than the outer row's: finer, else stated later, else a higher id."""
    later = Q(_stated_at__gt=OuterRef("_stated_at")) | Q(_stated_at=OuterRef("_stated_at"), pk__gt=OuterRef("pk"))
    return Q(date_precision__lt=OuterRef("date_precision")) | (Q(date_precision=OuterRef("date_precision")) & later)


def event_leads(claims: QuerySet, include_superseded: bool) -> QuerySet:
    """``claims`` narrowed to event leads: of current events only, unless ``include_superseded``."""
    claims = claims.annotate(_stated_at=_stated())
    same = dict(mission=OuterRef("mission"), kind=OuterRef("kind"), status=OuterRef("status"))
    candidates = Milestone.objects.order_by().annotate(_stated_at=_stated()).filter(_better_than_outer(), **same)
    if include_superseded:
        # Nothing better lies within the claim's own date.
        within = candidates.filter(date__gte=OuterRef("date"), date_end__lte=OuterRef("date_end"))
        return claims.filter(~Exists(within))
    # The best claim within the current claim's date, with its status.
    current = _current_of_outer()
    claims = claims.annotate(
        _current_status=Subquery(current.values("status")[:1]),
        _current_date=Subquery(current.values("date")[:1]),
        _current_end=Subquery(current.values("date_end")[:1]),
    )
    within = candidates.filter(date__gte=OuterRef("_current_date"), date_end__lte=OuterRef("_current_end"))
    return claims.filter(
        status=F("_current_status"), date__gte=F("_current_date"), date_end__lte=F("_current_end")
    ).filter(~Exists(within))


# --- the page's events, in Python ----------------------------------------------------------------


def _rank(claim: Milestone) -> tuple:
    """Higher is better: finer date, later statement, higher id."""
    precision_rank = {"day": 3, "month": 2, "year": 1}[claim.date_precision]
    return (precision_rank, claim.stated_on or _UNDATED, claim.pk)


def _within(inner: Milestone, outer: Milestone) -> bool:
    return inner.date >= outer.date and inner.date_end <= outer.date_end


@dataclass
class MergedClaims:
    """One milestone event: its lead claim first, then the claims that agree with it (by id)."""

    lead: Milestone
    claims: list[Milestone]
    is_current: bool

    @property
    def status(self) -> str:
        if self.lead.status == Milestone.Status.ACHIEVED:
            return Milestone.ClaimStatus.ACHIEVED
        return Milestone.ClaimStatus.PLANNED if self.is_current else Milestone.ClaimStatus.SUPERSEDED


def lead_of(claim: Milestone, siblings: list[Milestone]) -> Milestone:
    """The best claim of the same status whose date lies within ``claim``'s (``claim`` itself at worst)."""
    same = [s for s in siblings if s.status == claim.status and _within(s, claim)]
    return max(same, key=_rank)


def merge_claims(claims: Iterable[Milestone]) -> dict[int, MergedClaims]:
    """Every claim's event, keyed by the lead's id; ``claims`` must hold whole groups."""
    groups: dict[tuple[int, str], list[Milestone]] = {}
    for claim in claims:
        groups.setdefault((claim.mission_id, claim.kind), []).append(claim)
    events: dict[int, MergedClaims] = {}
    for key, siblings in groups.items():
        current = current_claims(siblings)[key]
        for claim in sorted(siblings, key=lambda c: c.pk):
            lead = lead_of(claim, siblings)
            event = events.setdefault(lead.pk, MergedClaims(lead, [lead], False))
            if claim is not lead:
                event.claims.append(claim)
            event.is_current = event.is_current or claim is current
    return events


__all__ = ["MERGE_RULE", "MergedClaims", "event_leads", "lead_of", "merge_claims"]
