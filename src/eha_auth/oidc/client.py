"""The one place that calls the provider: python-keycloak clients with timeouts."""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakConnectionError, KeycloakError

from ..conf import app_settings
from . import shared
from .errors import AccountNotReady, ProviderRejected, ProviderUnavailable, RealmNotFound

logger = logging.getLogger("eha_auth.oidc")
T = TypeVar("T")

#: Calls made to the provider by this process, by what was asked ("certs", "token"...):
#: what monitoring and tests read to see how often the provider is called.
provider_calls: Counter[str] = Counter()
_calls_lock = threading.Lock()

# python-keycloak sets per-call headers (Authorization, Content-Type) on the client's shared
# connection, so one client must not serve two threads at once: one client per realm and
# thread, reused for every call.
_local = threading.local()
# Keycloak's words when the password grant meets a pending required action (Verify Profile,
# Update Password, Configure OTP...): 400 invalid_grant with this description.
NOT_FULLY_SET_UP = "Account is not fully set up"


def keycloak_client(realm: str,
                    as_client: tuple[str, str | None] | None = None) -> KeycloakOpenID:
    """Return this thread's KeycloakOpenID for ``realm`` (created once per settings).

    ``as_client`` is (client id, secret) of another client of the realm (the setup command
    signs in as the front end would); by default this app's client.
    """
    server = app_settings.KEYCLOAK_SERVER_URL
    if not server:
        raise ImproperlyConfigured("Set KEYCLOAK_SERVER_URL (the provider up to /realms).")
    if not server.endswith("/realms"):
        raise ImproperlyConfigured("KEYCLOAK_SERVER_URL must end with /realms.")
    client_id, secret = as_client or (app_settings.KEYCLOAK_CLIENT_ID,
                                   app_settings.KEYCLOAK_CLIENT_SECRET)
    config = (server, realm, client_id, secret, app_settings.KEYCLOAK_TIMEOUT)
    clients = _local.__dict__.setdefault("clients", {})
    client = clients.get(config)
    if client is None:
        client = KeycloakOpenID(
            # python-keycloak joins its paths ("realms/...") with urljoin, which drops the
            # last segment of a base without a trailing slash: keep "/auth" in ".../auth/".
            server_url=server[: -len("/realms")] + "/", realm_name=realm,
            client_id=config[2], client_secret_key=config[3],
            # (connect, read): python-keycloak hands it to requests, which accepts the pair.
            timeout=config[4],  # type: ignore[arg-type]  # python-keycloak annotates int only
            max_retries=0,  # a provider that is down must fail within the timeout, once
        )
        clients[config] = client
    return client


def call_provider(realm: str, what: str, call: Callable[[KeycloakOpenID], T],
                  as_client: tuple[str, str | None] | None = None) -> T:
    """Run ``call`` with the realm's client; map failures to ProviderUnavailable/Rejected."""
    shared.require_io()
    with _calls_lock:
        provider_calls[what] += 1
    try:
        return call(keycloak_client(realm, as_client))
    except KeycloakConnectionError as exc:
        logger.warning("provider unreachable for %s in realm %s", what, realm)
        raise ProviderUnavailable(f"{what}: provider unreachable") from exc
    except KeycloakError as exc:
        raise _refusal(realm, what, exc) from exc
    except (TypeError, ValueError) as exc:  # not JSON, unexpected shape
        logger.warning("unexpected provider answer for %s in realm %s", what, realm)
        raise ProviderUnavailable(f"{what}: unexpected answer") from exc


def _refusal(realm: str, what: str, exc: KeycloakError) -> Exception:
    """Return the exception for an error answer; log the realm and status, never the body."""
    code = getattr(exc, "response_code", None)
    if code is None or code >= 500:
        logger.warning("provider error on %s in realm %s (status %s)", what, realm, code)
        return ProviderUnavailable(f"{what}: provider error {code}")
    if code == 404:
        logger.warning("provider has no realm %s (404 on %s): check KEYCLOAK_SERVER_URL and "
                       "the realm at the provider", realm, what)
        return RealmNotFound(f"{what}: no realm {realm} at the provider (404)")
    logger.info("provider refused %s in realm %s (status %s)", what, realm, code)
    error, description = oauth_error(getattr(exc, "response_body", None))
    kind = AccountNotReady if (code, error, description) == (
        400, "invalid_grant", NOT_FULLY_SET_UP) else ProviderRejected
    return kind(f"{what}: refused ({code})", code, error, description)


def oauth_error(body: object) -> tuple[str | None, str | None]:
    """Return ``error`` and ``error_description`` of an OAuth error answer (RFC 6749 5.2)."""
    try:
        answer = json.loads(body) if isinstance(body, bytes | str) else None
    except ValueError:
        return None, None
    if not isinstance(answer, dict):
        return None, None
    error, description = answer.get("error"), answer.get("error_description")
    return (error if isinstance(error, str) else None,
            description if isinstance(description, str) else None)


def provider_answer(value: Any, *keys: str) -> Any:
    """Return ``value`` if it is a dict holding ``keys``, else raise ProviderUnavailable."""
    if not isinstance(value, dict) or any(key not in value for key in keys):
        raise ProviderUnavailable("unexpected answer")
    return value
