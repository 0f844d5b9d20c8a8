"""``Authorization: Token <key>`` or ``Authorization: Bearer <key>``."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import router
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api.core.exceptions import DATABASE_UNAVAILABLE_ERRORS
from api.models import ApiToken, hash_key
from config.hubs.routing import read_primary
from cooperation.compiled_queries import CompiledQuery

logger = logging.getLogger(__name__)

KEYWORDS = ("token", "bearer")


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send 'Authorization: Token <key>' (or Bearer) with one key."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token key must be ASCII.")) from None
        token = find_token(hash_key(key))
        if token is None and on_replica():
            # A hub's replica may not have replayed a token issued a moment ago (nor its user's roles).
            token = find_token(hash_key(key), using=router.db_for_write(ApiToken))
            if token is not None:
                read_primary()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown token."))
        if token.state != "active":
            state = {"expired": _("This token is expired."), "revoked": _("This token is revoked.")}
            raise exceptions.AuthenticationFailed(state.get(token.state, _("This token is not active.")))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token's user is inactive."))
        now = timezone.now()
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            record_use(token, now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


def _token_and_user(key_hash: str):
    token_fields = [field.attname for field in ApiToken._meta.concrete_fields]
    user_fields = [f"user__{field.attname}" for field in get_user_model()._meta.concrete_fields]
    return ApiToken.objects.filter(key_hash=key_hash).order_by("pk").values_list(*token_fields, *user_fields)[:1]


# Every authenticated request runs it: compiled once, prepared on PostgreSQL (building it cost more than running it).
TOKEN_AND_USER = CompiledQuery(_token_and_user, "compiled-query-marker:key-hash")


def find_token(key_hash: str, using: str | None = None) -> ApiToken | None:
    """The token with this key hash, its user loaded with it (as ``select_related("user")`` would); None if unknown."""
    using = using or router.db_for_read(ApiToken)
    rows = TOKEN_AND_USER.rows(ApiToken, key_hash, using=using)
    if not rows:
        return None
    user_model = get_user_model()
    token_fields = [field.attname for field in ApiToken._meta.concrete_fields]
    user_fields = [field.attname for field in user_model._meta.concrete_fields]
    token = ApiToken.from_db(using, token_fields, rows[0][: len(token_fields)])
    token.user = user_model.from_db(using, user_fields, rows[0][len(token_fields) :])
    return token


def on_replica() -> bool:
    """Whether this request reads from a replica (``config.hubs``): rows may lag the primary's."""
    return router.db_for_read(ApiToken) != router.db_for_write(ApiToken)


def record_use(token: ApiToken, now) -> None:
    """Note the token's use (at most once a minute); bookkeeping, so a read from a replica goes on without it
    while the primary is down."""
    if not on_replica():
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return
    try:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    except DATABASE_UNAVAILABLE_ERRORS as exc:
        logger.warning("Token %s: last use not recorded, the primary is unavailable: %s", token.prefix, exc)
