"""The kinds of timeline event, their order, and the dated columns they are read from."""

from __future__ import annotations

from django.db import models


class EventKind(models.TextChoices):
    """What happened; the order is also the tie-break between events on the same dates."""

    AUTHORIZED = "authorized", "an agreement is authorized"
    SIGNED = "signed", "an agreement is signed"
    ENTERED_INTO_FORCE = "entered_into_force", "an agreement enters into force"
    WITHDRAWN = "withdrawn", "a party withdraws from an agreement"
    EXPIRED = "expired", "an agreement's validity ends"
    ROLE_ENDED = "role_ended", "a person leaves a role"
    ROLE_STARTED = "role_started", "a person takes up a role"
    MILESTONE = "milestone", "a mission milestone, as the claims that agree on it state it"


KIND_RANK = {kind: rank for rank, kind in enumerate(EventKind.values)}

# Agreement event kind -> the partial date it is read from.
AGREEMENT_DATES = {
    EventKind.AUTHORIZED: "authorized_on",
    EventKind.SIGNED: "signed_on",
    EventKind.ENTERED_INTO_FORCE: "entered_into_force_on",
    EventKind.EXPIRED: "valid_until",
}
ROLE_DATES = {EventKind.ROLE_STARTED: "started_on", EventKind.ROLE_ENDED: "ended_on"}

__all__ = ["AGREEMENT_DATES", "KIND_RANK", "ROLE_DATES", "EventKind"]
