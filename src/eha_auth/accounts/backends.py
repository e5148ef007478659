"""ModelBackend whose session users come from the shared cache."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from ..oidc.usercache import SharedSessionUsers


class CachedModelBackend(SharedSessionUsers, ModelBackend):
    """Django's ModelBackend, without the user query on every signed-in request.

    ``get_user`` (what AuthenticationMiddleware calls for a session) answers from
    the shared cache (SESSION_USER_CACHE_SECONDS), in one round trip or none (each
    worker remembers an entry for AUTH_MEMO_SECONDS). Saving or deleting the user, or
    changing its groups or permissions, drops the entry everywhere. Django still checks
    the session's password hash on every request, so a password change signs out
    everywhere at once. The user carries ``eha_realms``.
    """

    def load_user(self, user_id):
        return ModelBackend.get_user(self, user_id)
