"""Users in each role (curator, editor, reader, or ``"none"``): with an API token, as admin staff, in a browser."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.test import Client

from api.models import ApiToken
from cooperation.roles import ROLE_ACTIONS, sync_roles
from tests.support.schema_checked_client import SchemaCheckedClient

ROLES = tuple(ROLE_ACTIONS)
PASSWORD = "unused-password-1"
# The curator the browser tests log in as (``manage.py createcurator``).
BROWSER_CURATOR = "browser-curator"
BROWSER_CURATOR_PASSWORD = "a-long-browser-test-password-1"


def ensure_role_groups() -> None:
    """The role groups exist: a transactional test before this one flushed the groups the migration made."""
    if Group.objects.filter(name__in=ROLES).count() != len(ROLES):
        sync_roles()


def make_role_user(role: str) -> tuple[User, str]:
    """A user in ``role`` (no group for ``"none"``) and the key of a one-day API token."""
    ensure_role_groups()
    user = User.objects.create_user(username=f"{role}-user", password=PASSWORD)
    if role != "none":
        user.groups.add(Group.objects.get(name=role))
    _, key = ApiToken.issue(user, days=1, description=f"test {role}")
    return user, key


def token_client(role: str) -> tuple[User, SchemaCheckedClient]:
    """A user in ``role`` and a schema-checked client authenticated with its token."""
    user, key = make_role_user(role)
    client = SchemaCheckedClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return user, client


def staff_client(role: str) -> Client:
    """A Django test client logged in to the admin as a staff user in ``role``."""
    ensure_role_groups()
    user = User.objects.create_user(f"{role}-staff", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client
