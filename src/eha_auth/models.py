"""Models of eha_auth: API tokens (stored as a digest only) and OpenID Connect identities."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_digest(key: str) -> str:
    """Return the stored digest of an API token key (SHA-256: keys are random, 256 bits)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Return the tokens that have not expired."""
        now = timezone.now()
        return self.filter(models.Q(expires__isnull=True) | models.Q(expires__gt=now))


class ApiToken(models.Model):
    """An API token of a user; the key itself is shown once and never stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="eha_api_tokens")
    name = models.CharField(max_length=100, default="api")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False,
                              help_text="The first characters of the key, to tell tokens apart.")
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def create_for(cls, user, *, name: str = "api", expires=None,
                   key: str | None = None) -> tuple[ApiToken, str]:
        """Create a token for ``user``; return it and its key (the only time it is known)."""
        key = key or secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=token_digest(key),
                                   prefix=key[:8], expires=expires)
        return token, key

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()


class OidcIdentity(models.Model):
    """The provider account a local user belongs to: its realm and ``sub``.

    OpenID Connect Core section 5.7: only ``iss`` and ``sub`` identify an account;
    ``preferred_username`` can change and be given to someone else. One issuer per realm,
    so (realm, sub) names an account, and a user has at most one account per realm.
    """

    realm = models.CharField(max_length=64)
    sub = models.CharField("subject", max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="eha_oidc_identities")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "OpenID Connect identity"
        verbose_name_plural = "OpenID Connect identities"
        constraints = [
            models.UniqueConstraint(fields=["realm", "sub"], name="eha_auth_identity_sub"),
            models.UniqueConstraint(fields=["realm", "user"], name="eha_auth_identity_user"),
        ]

    def __str__(self) -> str:
        return f"{self.realm}/{self.sub}"
