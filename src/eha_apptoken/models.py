"""Per-user tokens for external apps, stored encrypted."""

from __future__ import annotations

import threading
import zlib
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import client, crypto
from .conf import app_settings
from .fields import EncryptedTextField

# Single flight: one thread per (user, app) obtains a new token while the others
# wait and then reuse it. Striped locks keep memory bounded whatever the number
# of users; across processes the row lock (SELECT ... FOR UPDATE) does the same
# on databases that support it.
_STRIPES = [threading.Lock() for _ in range(64)]


@contextmanager
def _single_flight(user_pk: object, app: str):
    lock = _STRIPES[zlib.crc32(f"{user_pk}:{app}".encode()) % len(_STRIPES)]
    with lock:
        yield


def cache_key(user_pk: object, app: str) -> str:
    """Return the cache key of a user's validated token for an app."""
    return f"eha_apptoken:{user_pk}:{zlib.crc32(app.encode()):08x}:{len(app)}"


def remember(user_pk: object, app: str, token: str, validated_at) -> None:
    """Cache a validated token (encrypted) until its validation is no longer fresh."""
    alias = app_settings.cached("CACHE")
    age = (timezone.now() - validated_at).total_seconds()
    seconds = app_settings.VALIDATION_SECONDS - age
    if alias and seconds > 0:
        caches[alias].set(cache_key(user_pk, app), (app, crypto.encrypt(token)), seconds)


def remembered(user_pk: object, app: str) -> str | None:
    """Return the cached validated token, if any and still readable."""
    alias = app_settings.cached("CACHE")
    cached = caches[alias].get(cache_key(user_pk, app)) if alias else None
    if not cached or cached[0] != app:
        return None
    try:
        return crypto.decrypt(cached[1])
    except crypto.InvalidToken:
        return None


def forget(user_pk: object, app: str) -> None:
    """Drop the cached token (the row was deleted or replaced)."""
    alias = app_settings.CACHE
    if alias:
        caches[alias].delete(cache_key(user_pk, app))


class AppTokenManager(models.Manager["AppToken"]):
    """Find, validate and obtain users' tokens."""

    def usable_token(self, user, app: str, base_url: str) -> str | None:
        """Return a token the app accepts for ``user``, obtaining one if needed.

        A token validated less than APPTOKEN_VALIDATION_SECONDS ago is returned
        without any call (and, with APPTOKEN_CACHE, without any query). Raises
        ``client.RequestException`` when the app cannot be reached.
        """
        token = remembered(user.pk, app)
        if token is not None:
            return token
        row = self.filter(user=user, app=app).only("token", "validated_at").first()
        if row is not None and row.token:
            if row.validation_is_fresh():
                remember(user.pk, app, row.token, row.validated_at)
                return row.token
            if client.token_is_valid(app, base_url, row.token):
                now = timezone.now()
                self.filter(pk=row.pk).update(validated_at=now)
                remember(user.pk, app, row.token, now)
                return row.token
        return self.refresh(user, app, base_url, stale=row.token if row else None)

    def refresh(self, user, app: str, base_url: str, stale: str | None) -> str | None:
        """Obtain a new token in place of ``stale``, unless another request already did."""
        with _single_flight(user.pk, app), transaction.atomic():
            row, _ = self.select_for_update().get_or_create(user=user, app=app)
            if row.token and row.token != stale:
                return row.token
            forget(user.pk, app)
            token = client.obtain_token(app, base_url, user.get_username())
            if token is None:
                return None
            now = timezone.now()
            row.token, row.obtained_at, row.validated_at = token, now, now
            row.save(update_fields=["token", "obtained_at", "validated_at"])
        remember(user.pk, app, token, now)
        return token


class AppToken(models.Model):
    """A user's token for one external app (``EXTERNAL_APPS``), encrypted at rest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="app_tokens", verbose_name=_("user"))
    app = models.CharField(_("application"), max_length=100,
                           help_text=_("A name in the EXTERNAL_APPS setting."))
    # serialize=False: dumpdata leaves it out (a restored row obtains a new token).
    token = EncryptedTextField(_("token"), null=True, blank=True, editable=False,
                               serialize=False)
    obtained_at = models.DateTimeField(_("obtained at"), null=True, blank=True,
                                       editable=False)
    validated_at = models.DateTimeField(_("last validated at"), null=True, blank=True,
                                        editable=False)

    objects = AppTokenManager()

    class Meta:
        verbose_name = _("application token")
        verbose_name_plural = _("application tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "app"], name="eha_apptoken_unique_user_app"),
        ]

    def __str__(self) -> str:
        return f"{self.app} ({self.user_id})"

    def validation_is_fresh(self) -> bool:
        """Return True when the last successful validation is recent enough to trust."""
        if self.validated_at is None:
            return False
        age = timezone.now() - self.validated_at
        return age < timedelta(seconds=app_settings.VALIDATION_SECONDS)
