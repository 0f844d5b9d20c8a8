"""API tokens: stored hashed, with an expiry and a revocation time."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A bearer token for one user. Only its SHA-256 hash is stored; the key is shown once."""

    class State(models.TextChoices):
        """Derived from ``revoked`` and ``expires``, never stored."""

        ACTIVE = "active", pgettext_lazy("token state", "active")
        EXPIRED = "expired", pgettext_lazy("token state", "expired")
        REVOKED = "revoked", pgettext_lazy("token state", "revoked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    prefix = models.CharField(
        _("prefix"), max_length=8, db_index=True, help_text=_("First characters of the key, to recognise it.")
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: never expires."))
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user}, {self.state})"

    @classmethod
    def issue(cls, user, days: int | None = None, description: str = "") -> tuple[ApiToken, str]:
        """Create a token and return it with its key (the only time the key is known)."""
        key = secrets.token_hex(24)
        days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
        expires = timezone.now() + timedelta(days=days) if days > 0 else None
        token = cls.objects.create(
            user=user, prefix=key[:8], key_hash=hash_key(key), description=description, expires=expires
        )
        return token, key

    @property
    def state(self) -> str:
        if self.revoked is not None:
            return self.State.REVOKED
        if self.expires is not None and self.expires <= timezone.now():
            return self.State.EXPIRED
        return self.State.ACTIVE

    def get_state_display(self) -> str:
        return self.State(self.state).label

    def revoke(self) -> None:
        if self.revoked is None:
            self.revoked = timezone.now()
            self.save(update_fields=["revoked"])
