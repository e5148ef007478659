"""Audit events of eha_auth: Django signals, and one log line each on ``eha_auth.audit``.

Each event is a signal sent with keyword fields, and an INFO (refusals: WARNING)
record on the ``eha_auth.audit`` logger whose ``extra`` holds the same fields plus
``event``, for structured log handlers. Fields never hold a password, a token or a
key: usernames, realm names, login methods and reasons only.

    login_succeeded     method, realm, user
    login_refused       method, realm, reason
    logged_out          realm, user
    backchannel_logout  realm, sessions
    api_token_created   user, token_name
    api_token_revoked   user, token_name
    keys_fetched        realm, outcome ("ok", "refused", "unavailable")

Django's ``user_logged_in``, ``user_logged_out`` and ``user_login_failed`` become the
first three (connected in AppConfig.ready), whatever view or backend logged in.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.dispatch import Signal
from django.http import HttpRequest

from .realms import REALM_SESSION_KEY

logger = logging.getLogger("eha_auth.audit")

login_succeeded = Signal()
login_refused = Signal()
logged_out = Signal()
backchannel_logout = Signal()
api_token_created = Signal()
api_token_revoked = Signal()
keys_fetched = Signal()

# Login methods by the authentication backend that accepted the user.
METHODS = {
    "django.contrib.auth.backends.ModelBackend": "password",
    "eha_auth.accounts.backends.CachedModelBackend": "password",
    "eha_auth.keycloak.backends.KeycloakBackend": "keycloak",
    "eha_auth.cas.backends.CASBackend": "cas",
    "eha_auth.proxy.backends.ProxySessionBackend": "proxy",
    "eha_auth.gateway.backends.GatewayBackend": "gateway",
}
# Login methods by the credentials a failed authenticate() call was given.
CREDENTIAL_METHODS = (("keycloak_password", "keycloak"), ("ticket", "cas"),
                      ("proxy_session", "proxy"), ("password", "password"))


def _shown(value: Any) -> str | None:
    """Return a client-supplied value cut short, for a log line (None stays None)."""
    return None if value is None else str(value)[:64]


def _emit(signal: Signal, level: int, message: str, **fields: Any) -> None:
    signal.send(sender=None, **fields)
    event = message.split(":", 1)[0]
    logger.log(level, "%s %s", message,
               " ".join(f"{key}={value!r}" for key, value in fields.items()),
               extra={"event": event, **fields})


def login(request: HttpRequest | None, user: Any, method: str) -> None:
    """Report that ``user`` logged in with ``method``."""
    _emit(login_succeeded, logging.INFO, "login:", method=method,
          realm=_realm(request), user=user.get_username())


def refused(request: HttpRequest | None, method: str, reason: str,
            realm: str | None = None) -> None:
    """Report a refused login (once per request), with why it was refused."""
    if request is not None:
        if getattr(request, "_eha_audit_refused", False):
            return
        request._eha_audit_refused = True  # type: ignore[attr-defined]  # a request attribute django-stubs cannot know
    _emit(login_refused, logging.WARNING, "login refused:", method=method,
          realm=_shown(realm) or _realm(request), reason=reason)


def logout(request: HttpRequest | None, user: Any) -> None:
    """Report that ``user`` logged out (or was logged out)."""
    _emit(logged_out, logging.INFO, "logout:", realm=_realm(request),
          user=user.get_username() if user is not None else None)


def backchannel(realm: str, sessions: int) -> None:
    """Report a back-channel logout of the provider and how many sessions it ended."""
    _emit(backchannel_logout, logging.INFO, "backchannel logout:", realm=realm,
          sessions=sessions)


def token_created(username: str, name: str) -> None:
    """Report a new API token of the user ``username`` (never its key)."""
    _emit(api_token_created, logging.INFO, "api token created:", user=username, token_name=name)


def token_revoked(username: str, name: str) -> None:
    """Report a deleted API token of the user ``username``."""
    _emit(api_token_revoked, logging.INFO, "api token revoked:", user=username, token_name=name)


def keys(realm: str, outcome: str) -> None:
    """Report a fetch of a realm's signing keys: "ok", "refused" or "unavailable"."""
    level = logging.INFO if outcome == "ok" else logging.WARNING
    _emit(keys_fetched, level, "keys fetched:", realm=realm, outcome=outcome)


def _realm(request: HttpRequest | None) -> str | None:
    """Return the request's realm: set by a middleware, in the URL, or the session's."""
    if request is None:
        return None
    match = getattr(request, "resolver_match", None)
    session = getattr(request, "session", None)
    return _shown(getattr(request, "realm", None)
                  or (match.kwargs.get("realm") if match is not None else None)
                  or (session.get(REALM_SESSION_KEY) if session is not None else None))


# Receivers of Django's own signals (connected in AppConfig.ready).

def on_user_logged_in(sender, request, user, **kwargs) -> None:
    backend = getattr(user, "backend", "") or ""
    method = METHODS.get(backend) or ("social" if backend.startswith("social_core.")
                                      else backend.rsplit(".", 1)[-1].lower() or "unknown")
    login(request, user, method)


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    logout(request, user)


def on_user_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    method = next((name for key, name in CREDENTIAL_METHODS if key in credentials), "unknown")
    refused(request, method, "invalid credentials", realm=credentials.get("realm"))


def on_token_saved(sender, instance, created: bool, **kwargs) -> None:
    if created:
        token_created(_owner(instance), instance.name)


def on_token_deleted(sender, instance, **kwargs) -> None:
    token_revoked(_owner(instance), instance.name)


def _owner(token: Any) -> str:
    try:
        return token.user.get_username()
    except ObjectDoesNotExist:  # deleted together with its user
        return f"#{token.user_id}"
