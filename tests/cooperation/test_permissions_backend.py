"""The model permissions backend: Django's answers, in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group, Permission, User

from cooperation.permissions_backend import ModelBackend
from tests.support.query_counts import count_queries
from tests.support.roles import ensure_role_groups, token_client

CHANGES = "/api/v1/changes/"


def fresh(user: User) -> User:
    """The user as a new request sees it: no permission cached."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def users(db):
    ensure_role_groups()
    own = Permission.objects.get(codename="add_source")
    both = User.objects.create_user("both")
    both.user_permissions.add(own)
    both.groups.add(Group.objects.get(name="editor"))
    only_own = User.objects.create_user("only-own")
    only_own.user_permissions.add(own)
    reader = User.objects.create_user("reader")
    reader.groups.add(Group.objects.get(name="reader"))
    inactive = User.objects.create_user("inactive", is_active=False)
    inactive.groups.add(Group.objects.get(name="curator"))
    admin = User.objects.create_superuser("admin")
    return [both, only_own, reader, inactive, admin, User.objects.create_user("nobody")]


def test_every_users_permissions_are_djangos(users):
    for user in users:
        expected = DjangoModelBackend().get_all_permissions(fresh(user))
        assert ModelBackend().get_all_permissions(fresh(user)) == expected, user.username
    assert "cooperation.add_source" in ModelBackend().get_all_permissions(fresh(users[1]))
    assert "cooperation.change_agreement" in ModelBackend().get_all_permissions(fresh(users[0]))
    assert ModelBackend().get_all_permissions(fresh(users[3])) == set()


def test_a_users_permissions_cost_one_query_and_are_cached(users, django_assert_num_queries):
    user = fresh(users[0])
    with django_assert_num_queries(1):
        assert user.has_perm("cooperation.add_source")
        assert user.has_perm("cooperation.change_agreement")
        assert not user.has_perm("cooperation.delete_agreement")


def test_a_token_read_of_the_change_log_checks_the_role_in_one_query_not_two(db, settings):
    _, client = token_client("reader")
    client.get(CHANGES)  # the token's first use is recorded (at most once a minute)
    ours = count_queries(client, CHANGES)
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert count_queries(client, CHANGES) == ours + 1
