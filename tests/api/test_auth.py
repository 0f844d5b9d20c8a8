"""Tokens: hashed at rest, Token or Bearer, expiring and revocable; roles decide writes."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from api.core.authentication import find_token
from api.models import ApiToken, hash_key
from cooperation.models import Organization

NEW_ORG = {"slug": "esa", "name": "European Space Agency", "short_name": "ESA", "kind": "space_agency"}


@pytest.fixture
def user(db):
    return User.objects.create_user("someone", password="unused-password-1")


def test_a_token_is_found_with_its_user_as_select_related_finds_them(user):
    token, key = ApiToken.issue(user, days=3)
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now() - timedelta(hours=2))
    found = find_token(hash_key(key))
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)
    fields = [field.attname for field in ApiToken._meta.concrete_fields]
    assert [getattr(found, name) for name in fields] == [getattr(expected, name) for name in fields]
    user_fields = [field.attname for field in User._meta.concrete_fields]
    assert [getattr(found.user, name) for name in user_fields] == [getattr(expected.user, name) for name in user_fields]
    assert found.state == expected.state == "active" and not found._state.adding
    assert find_token(hash_key(key + "x")) is None


def test_keys_are_stored_hashed(user):
    token, key = ApiToken.issue(user)
    assert key not in {token.key_hash, token.prefix} and token.key_hash == hash_key(key)
    assert not ApiToken.objects.filter(key_hash=key).exists()


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "bearer"])
def test_token_and_bearer_schemes(api, seeded, scheme):
    curator = User.objects.create_user("cur", password="unused-password-1")
    curator.groups.add(
        *__import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.filter(name="curator")
    )
    _, key = ApiToken.issue(curator)
    api.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    assert api.post("/api/v1/organizations/", NEW_ORG, format="json").status_code == 201


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_unusable_tokens_are_401(api, user, state):
    token, key = ApiToken.issue(user)
    if state == "expired":
        token.expires = timezone.now() - timedelta(seconds=1)
        token.save()
    elif state == "revoked":
        token.revoke()
    else:
        key = "0" * 48
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post("/api/v1/organizations/", NEW_ORG, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert not Organization.objects.filter(slug="esa").exists()


def test_reads_stay_open_with_a_bad_token_absent(api, seeded):
    assert api.get("/api/v1/organizations/").status_code == 200


def test_roles(as_role, seeded):
    assert as_role("reader").post("/api/v1/organizations/", NEW_ORG, format="json").status_code == 403
    editor = as_role("editor")
    assert editor.post("/api/v1/organizations/", NEW_ORG, format="json").status_code == 201
    assert editor.patch("/api/v1/organizations/esa/", {"short_name": "ESA!"}, format="json").status_code == 200
    assert editor.delete("/api/v1/organizations/esa/").status_code == 403
    assert as_role("curator").delete("/api/v1/organizations/esa/").status_code == 204


def test_issue_and_revoke_commands(user, capsys):
    call_command("issue_token", "someone", "--days", "7", "--description", "ci")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(key_hash=hash_key(key))
    assert token.description == "ci" and token.state == "active"
    assert timedelta(days=6) < token.expires - timezone.now() <= timedelta(days=7)
    call_command("revoke_token", key[:8])
    token.refresh_from_db()
    assert token.state == "revoked"
