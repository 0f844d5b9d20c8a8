"""Derived data and record names survive a cascading delete, whatever order it deletes in.

Django orders a cascade only where a NOT NULL foreign key forces it; labels and citations
point at their subject through nullable columns, so a subject may be deleted before or
after them. Each test below forces one order.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cooperation.models import Label, Person, PersonRole
from cooperation.search_text import normalize, search_text_for
from tests.support.factories import (
    make_citation,
    make_label,
    make_organization,
    make_person,
    make_person_role,
)

pytestmark = pytest.mark.django_db


def test_a_label_deleted_after_its_subject_is_gone():
    person = make_person(name="Yusaku Maezawa")
    label = Label.objects.get(pk=make_label(person, text="前澤友作", language="ja").pk)  # nothing cached
    with transaction.atomic():
        Person.objects.filter(pk=person.pk)._raw_delete(connection.alias)  # the subject first, no signals
        label.delete()  # its post_delete finds no subject to refresh
    assert not Label.objects.filter(pk=label.pk).exists()


def test_a_label_deleted_before_its_subject_leaves_its_search_text():
    person = make_person(name="Yusaku Maezawa")
    label = make_label(person, text="Maezawa Yusaku", language="ja")
    other = make_label(person, text="前澤友作", language="ja")
    label.delete()
    person.refresh_from_db()
    assert normalize("前澤友作") in person.search_text
    assert "maezawa yusaku" not in person.search_text.splitlines()
    other.delete()
    person.refresh_from_db()
    assert person.search_text == search_text_for([person.name, person.slug])


def test_deleting_a_subject_does_not_refresh_its_own_search_text():
    person = make_person(name="Yusaku Maezawa")
    for text in ("前澤友作", "Maezawa", "MZ"):
        make_label(person, text=text)
    make_citation(person)
    with CaptureQueriesContext(connection) as queries:
        person.delete()
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "search_text" in q["sql"]]
    assert updates == []


def test_a_deleted_record_is_named_with_what_it_pointed_at_as_last_recorded():
    """The admin's history page of a role shows its person's name after both are deleted."""
    person = make_person(name="Yuri Borisov")
    role = make_person_role(person, make_organization(name="Roscosmos State Corporation", short_name="Roscosmos"))
    expected = str(role)
    assert expected == "Yuri Borisov: Director General, Roscosmos"
    person.delete()  # cascades to the role
    historical = PersonRole.history.filter(id=role.pk).order_by("-history_id").first()
    assert historical.history_type == "-"
    assert str(historical.instance) == expected


def test_a_record_pointing_at_one_never_recorded_is_still_named():
    role = make_person_role()
    person_id = role.person_id
    Person.history.filter(id=person_id).delete()
    with transaction.atomic():
        Person.objects.filter(pk=person_id)._raw_delete(connection.alias)
        role = PersonRole.objects.get(pk=role.pk)
        assert str(role).startswith(f"person #{person_id}: Director General, ")
        transaction.set_rollback(True)
