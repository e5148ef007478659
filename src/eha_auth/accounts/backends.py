"""ModelBackend whose session users come from a short per-process cache."""

from __future__ import annotations

import time

from django.contrib.auth.backends import ModelBackend

from ..conf import app_settings
from ..oidc.usercache import local_users, request_copy


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend, without the user query on every signed-in request.

    ``get_user`` (what AuthenticationMiddleware calls for a session) answers from
    this process's cache for SESSION_USER_CACHE_SECONDS. Saving or deleting the
    user, or changing its groups or permissions, drops the entry at once in this
    process; other processes notice within that time. Django still checks the
    session's password hash on every request, so a password change signs out
    everywhere at once.
    """

    def get_user(self, user_id):
        """Return the active user ``user_id`` (a request's own copy), or None."""
        key = ("pk", str(user_id))
        user = local_users.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            local_users.set(key, user, time.time() + app_settings.SESSION_USER_CACHE_SECONDS)
        return request_copy(user)
