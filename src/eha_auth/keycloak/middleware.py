"""Provider sessions refreshed ahead of expiry, and ended when the provider refuses."""

from __future__ import annotations

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.contrib.auth import logout

from ..oidc import sessions, shared
from ..oidc.usercache import entry_key, pk_key

logger = logging.getLogger("eha_auth.keycloak")


class KeycloakSessionMiddleware:
    """Refresh a login session's provider tokens ahead of expiry; end it when refused.

    Place it after AuthenticationMiddleware. Requests without provider tokens in their
    session pass untouched; others check, at most once per request and without calling
    the provider unless the access token is about to expire. The session's back-channel
    logout markers and its user are read in one shared-cache round trip (or none, from
    this worker's memory). Under ASGI a warm request stays on the event loop.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        if self.ends_session(request):
            logout(request)
        return self.get_response(request)

    async def __acall__(self, request):
        if await shared.run_warm(self.settle, request):
            await sync_to_async(logout)(request)
        return await self.get_response(request)

    def ends_session(self, request) -> bool:
        """Return whether this request's provider session is over (then it is logged out)."""
        shared.require_loaded_session(getattr(request, "session", None))
        tokens = sessions.session_tokens(request)
        if not tokens:
            return False
        self.read_ahead(request, tokens)
        return not self.keep(request, tokens)

    def settle(self, request) -> bool:
        """Return ends_session(request); under ASGI, in the thread that read the session,
        with the session's user loaded too.

        Reading the session cost a thread switch already: loading its user in the same
        step spares RealmMiddleware and the view another one. On the event loop (a
        session read without I/O) the user is left to load when needed, in a thread:
        loading it may write to the session store (Django flushes a session whose
        password hash no longer matches).
        """
        if self.ends_session(request):
            return True
        session = getattr(request, "session", None)
        if (not shared.on_event_loop() and session is not None
                and session.session_key is not None
                and USER_SESSION_KEY in session and hasattr(request, "user")):
            _ = request.user.is_authenticated  # loads Django's lazy user
        return False

    def read_ahead(self, request, tokens: dict) -> None:
        """Read the logout markers and the session's user in one shared-cache round trip."""
        keys = sessions.ended_keys(tokens)
        user_id = request.session.get(USER_SESSION_KEY)
        if user_id is not None:
            keys.append(entry_key(pk_key(user_id)))
        shared.get_many(keys)

    def keep(self, request, tokens: dict) -> bool:
        if sessions.is_ended(tokens):
            logger.info("session ended by the provider (back-channel logout)")
            return False
        if sessions.refresh_due(tokens):
            shared.require_io()
            return sessions.refresh(request, tokens)
        return True
