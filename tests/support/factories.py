"""Small factories for tests of the domain, the admin and the API.

Every ``make_*`` helper builds a record that passes ``full_clean()`` and saves
it, so a test that then breaks one rule knows that rule is the only thing wrong.
Partial dates are given as ISO strings (``"2018"``, ``"2017-11"``, ``"2018-03-03"``).
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction

from cooperation.models import (
    Agreement,
    AgreementParty,
    Citation,
    Label,
    Language,
    Milestone,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Signatory,
    Source,
)
from cooperation.partial_dates import PartialDate

_counter = itertools.count(1)


def unique_slug(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def _build(model, dates: dict[str, str | None] | None = None, **fields):
    instance = model(**fields)
    for stem, text in (dates or {}).items():
        instance.set_partial_date(stem, text)
    return instance


def _make(model, dates: dict[str, str | None] | None = None, **fields):
    instance = _build(model, dates, **fields)
    instance.full_clean_and_save()
    return instance


def partial_date_columns(stem: str, text: str | None) -> dict:
    """The three stored columns of one partial date, for ``update()`` and ``bulk_create``."""
    value = PartialDate.parse(text) if text else None
    return {
        stem: value.start if value else None,
        f"{stem}_precision": value.precision if value else "",
        f"{stem}_end": value.end if value else None,
    }


def make_source(slug: str | None = None, published: str | None = "2020-01-15", **fields) -> Source:
    fields.setdefault("title", "A report")
    fields.setdefault("publisher", "Agency Press")
    fields.setdefault("kind", Source.Kind.NEWS)
    fields.setdefault("tier", Source.Tier.SECOND_PARTY)
    return _make(Source, {"published_on": published}, slug=slug or unique_slug("source"), **fields)


def make_organization(slug: str | None = None, parent: Organization | None = None, **fields) -> Organization:
    slug = slug or unique_slug("org")
    fields.setdefault("name", slug.replace("-", " ").title())
    fields.setdefault("kind", Organization.Kind.SPACE_AGENCY)
    return _make(Organization, slug=slug, parent=parent, **fields)


def make_person(slug: str | None = None, **fields) -> Person:
    slug = slug or unique_slug("person")
    fields.setdefault("name", slug.replace("-", " ").title())
    return _make(Person, slug=slug, **fields)


def make_person_role(
    person: Person | None = None, organization: Organization | None = None, *, started=None, ended=None, **fields
) -> PersonRole:
    fields.setdefault("title", "Director General")
    return _make(
        PersonRole,
        {"started_on": started, "ended_on": ended},
        person=person or make_person(),
        organization=organization or make_organization(),
        **fields,
    )


def make_agreement(slug: str | None = None, dates: dict[str, str | None] | None = None, **fields) -> Agreement:
    fields.setdefault("title", "Agreement on cooperation in the exploration of the Moon")
    fields.setdefault("kind", Agreement.Kind.AGREEMENT)
    fields.setdefault("status", Agreement.Status.SIGNED)
    dates = {"signed_on": "2018-03-03", **(dates or {})}
    return _make(Agreement, dates, slug=slug or unique_slug("agreement"), **fields)


def add_party(
    agreement: Agreement, organization: Organization, role: str = AgreementParty.Role.PARTY, **fields
) -> AgreementParty:
    return _make(AgreementParty, agreement=agreement, organization=organization, role=role, **fields)


def make_signatory(agreement: Agreement, person: Person, on_behalf_of: Organization, **fields) -> Signatory:
    return _make(Signatory, agreement=agreement, person=person, on_behalf_of=on_behalf_of, **fields)


def make_mission(slug: str | None = None, parent: Mission | None = None, **fields) -> Mission:
    slug = slug or unique_slug("mission")
    fields.setdefault("name", slug.replace("-", " ").title())
    fields.setdefault("kind", Mission.Kind.LANDER)
    fields.setdefault("status", Mission.Status.PLANNED)
    return _make(Mission, slug=slug, parent=parent, **fields)


def make_participant(
    mission: Mission, organization: Organization, *, joined=None, left=None, **fields
) -> MissionParticipant:
    fields.setdefault("role", MissionParticipant.Role.PARTNER)
    return _make(
        MissionParticipant,
        {"joined_on": joined, "left_on": left},
        mission=mission,
        organization=organization,
        **fields,
    )


def make_milestone(
    mission: Mission | None = None,
    source: Source | None = None,
    *,
    date: str = "2026",
    stated: str | None = None,
    window_end: str | None = None,
    **fields,
) -> Milestone:
    fields.setdefault("kind", Milestone.Kind.LAUNCH)
    fields.setdefault("status", Milestone.Status.PLANNED)
    return _make(
        Milestone,
        {"date": date, "stated_on": stated, "window_end": window_end},
        mission=mission or make_mission(),
        source=source or make_source(),
        **fields,
    )


def arc_field(model, subject) -> str:
    """The exclusive-arc foreign key of ``model`` (Citation or Label) that can hold ``subject``."""
    for name in model.arc_fields:
        if model._meta.get_field(name).related_model is type(subject):
            return name
    raise AssertionError(f"{model.__name__} cannot point at a {type(subject).__name__}")


def make_citation(subject, source: Source | None = None, **fields) -> Citation:
    return _make(Citation, source=source or make_source(), **{arc_field(Citation, subject): subject}, **fields)


def make_label(subject, text: str = "Name", language: str = Language.EN, source: Source | None = None, **fields):
    return _make(
        Label,
        text=text,
        language=language,
        source=source or make_source(),
        **{arc_field(Label, subject): subject},
        **fields,
    )


@contextmanager
def violates(constraint: str, *, sqlite_message: str | None = None):
    """Expect the database to reject what the block writes, naming ``constraint``.

    PostgreSQL names every violated constraint. SQLite names check constraints but
    reports a unique constraint (partial or not) by its columns: pass
    ``sqlite_message`` for those.
    """
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield info
    expected = sqlite_message if connection.vendor == "sqlite" and sqlite_message else constraint
    assert expected in str(info.value), f"expected a violation of {expected}, got: {info.value}"
