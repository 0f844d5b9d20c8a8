"""The domain's own words the API shows (choice labels, model names), marked for translation.

Until the models mark their choices and verbose names translatable themselves (issue 15, the
admin's half), this module lists them for ``makemessages``; ``tests/api/test_localization.py``
checks that it lists every label of ``TRANSLATED_CHOICES`` and every registry model's name. Once the
models carry ``gettext_lazy`` labels, delete it and its entries in ``locale/``: nothing else changes
(``choice_label`` translates labels either way).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from cooperation.history.models import ChangeRecord
from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Label,
    Language,
    Milestone,
    MissionParticipant,
)

# The choices whose labels the API shows (in displays, timeline titles, the explore page).
TRANSLATED_CHOICES = (
    Agreement.Kind,
    Agreement.Status,
    AgreementParty.Role,
    AgreementRelation.Kind,
    AgreementMission.Role,
    MissionParticipant.Role,
    Milestone.Kind,
    Milestone.Status,
    Label.Kind,
    Language,
    ChangeRecord.Action,
)

CHOICE_LABELS = (
    # Agreement.Kind
    gettext_noop("agreement"),
    gettext_noop("memorandum of understanding"),
    gettext_noop("agreement of intent"),
    gettext_noop("cooperation program"),
    gettext_noop("framework agreement"),
    gettext_noop("accords"),
    gettext_noop("protocol"),
    gettext_noop("joint statement"),
    # Agreement.Status
    gettext_noop("authorized, not yet signed"),
    gettext_noop("signed"),
    gettext_noop("in force"),
    gettext_noop("expired"),
    gettext_noop("terminated"),
    gettext_noop("withdrawn from"),
    # AgreementParty.Role
    gettext_noop("party"),
    gettext_noop("authorizing body"),
    # AgreementRelation.Kind
    gettext_noop("follows up"),
    gettext_noop("implements"),
    gettext_noop("authorizes"),
    gettext_noop("supersedes"),
    gettext_noop("amends"),
    gettext_noop("withdraws from"),
    # AgreementMission.Role
    gettext_noop("provides for cooperation on"),
    gettext_noop("coordinates"),
    gettext_noop("establishes"),
    gettext_noop("governs participation in"),
    # MissionParticipant.Role
    gettext_noop("lead"),
    gettext_noop("partner"),
    gettext_noop("provider"),
    gettext_noop("launch provider"),
    gettext_noop("contributor"),
    # Milestone.Kind
    gettext_noop("launch"),
    gettext_noop("landing"),
    gettext_noop("flyby"),
    gettext_noop("first module"),
    gettext_noop("construction"),
    gettext_noop("start of operations"),
    gettext_noop("start of program"),
    gettext_noop("cancellation"),
    # Milestone.Status
    gettext_noop("planned"),
    gettext_noop("achieved"),
    # Label.Kind
    gettext_noop("official name"),
    gettext_noop("name"),
    gettext_noop("short name or acronym"),
    gettext_noop("alias"),
    gettext_noop("transliteration"),
    gettext_noop("former name"),
    # Language
    gettext_noop("English"),
    gettext_noop("Russian"),
    gettext_noop("Chinese"),
    gettext_noop("Japanese"),
    # ChangeRecord.Action
    gettext_noop("created"),
    gettext_noop("updated"),
    gettext_noop("deleted"),
)

MODEL_NAMES = (
    gettext_noop("organization"),
    gettext_noop("person"),
    gettext_noop("person role"),
    gettext_noop("agreement"),
    gettext_noop("agreement party"),
    gettext_noop("signatory"),
    gettext_noop("agreement relation"),
    gettext_noop("agreement mission"),
    gettext_noop("source"),
    gettext_noop("mission"),
    gettext_noop("mission participant"),
    gettext_noop("milestone"),
    gettext_noop("citation"),
    gettext_noop("label"),
)
