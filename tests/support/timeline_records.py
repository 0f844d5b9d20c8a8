"""More of every kind of timeline event, for tests of the timeline's pages and writers."""

from __future__ import annotations

import datetime as dt

from cooperation.models import Milestone, Mission, Organization
from tests.support.factories import add_party, make_agreement, make_milestone, make_person_role


def more_of_everything(n: int) -> None:
    """``n`` more agreements (signed, withdrawn from), claims and roles, involving Roscosmos and Chang'e-7."""
    roscosmos, change_7 = Organization.objects.get(slug="roscosmos"), Mission.objects.get(slug="change-7")
    for i in range(n):
        agreement = make_agreement(dates={"signed_on": f"20{10 + i}-0{1 + i % 9}", "authorized_on": f"20{10 + i}"})
        add_party(agreement, roscosmos, withdrawn_on=dt.date(2030, 1, 1 + i), withdrawn_on_precision="day")
        make_milestone(change_7, kind=Milestone.Kind.FLYBY, date=f"20{30 + i}", stated=f"2020-01-{10 + i}")
        make_person_role(organization=roscosmos, started=f"20{10 + i}", ended=f"20{11 + i}")
