"""ModelBackend whose session users come from the shared cache."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend

from ..conf import app_settings
from ..oidc import shared
from ..oidc.usercache import keep_mapped_user, mapped_user, pk_key, request_copy


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend, without the user query on every signed-in request.

    ``get_user`` (what AuthenticationMiddleware calls for a session) answers from
    the shared cache (SESSION_USER_CACHE_SECONDS), in one round trip or none (each
    worker remembers an entry for AUTH_MEMO_SECONDS). Saving or deleting the user, or
    changing its groups or permissions, drops the entry everywhere. Django still checks
    the session's password hash on every request, so a password change signs out
    everywhere at once. The user carries ``eha_realms``.
    """

    def get_user(self, user_id):
        """Return the active user ``user_id`` (a request's own copy), or None."""
        user = mapped_user(pk_key(user_id), None)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            user = keep_mapped_user(pk_key(user_id), None, user,
                                    app_settings.SESSION_USER_CACHE_SECONDS)
        return request_copy(user) if self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        """Return the user from this worker's memory without a thread, else as get_user."""
        try:
            with shared.memo_only():
                return self.get_user(user_id)
        except shared.NeedsIO:
            return await sync_to_async(self.get_user)(user_id)
