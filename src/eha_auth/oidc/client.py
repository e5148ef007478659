"""The one place that calls the provider: python-keycloak clients with timeouts."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakConnectionError, KeycloakError

from ..conf import app_settings
from .errors import ProviderRejected, ProviderUnavailable

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


def keycloak_client(realm: str) -> KeycloakOpenID:
    """Return this thread's KeycloakOpenID for ``realm`` (created once per settings)."""
    server = app_settings.KEYCLOAK_SERVER_URL
    if not server:
        raise ImproperlyConfigured("Set KEYCLOAK_SERVER_URL (the provider up to /realms).")
    if not server.endswith("/realms"):
        raise ImproperlyConfigured("KEYCLOAK_SERVER_URL must end with /realms.")
    config = (server, realm, app_settings.KEYCLOAK_CLIENT_ID, app_settings.KEYCLOAK_CLIENT_SECRET,
              app_settings.KEYCLOAK_TIMEOUT)
    clients = _local.__dict__.setdefault("clients", {})
    client = clients.get(config)
    if client is None:
        client = KeycloakOpenID(
            # python-keycloak joins its paths to this URL (urljoin): without the trailing
            # slash, a server under /auth would be called at the host's root.
            server_url=server[: -len("realms")], realm_name=realm,
            client_id=config[2], client_secret_key=config[3],
            timeout=config[4],  # (connect, read): requests accepts the pair
            max_retries=0,  # a provider that is down must fail within the timeout, once
        )
        clients[config] = client
    return client


def call_provider(realm: str, what: str, call: Callable[[KeycloakOpenID], T]) -> T:
    """Run ``call`` with the realm's client; map failures to ProviderUnavailable/Rejected."""
    with _calls_lock:
        provider_calls[what] += 1
    try:
        return call(keycloak_client(realm))
    except KeycloakConnectionError as exc:
        logger.warning("provider unreachable for %s in realm %s", what, realm)
        raise ProviderUnavailable(f"{what}: provider unreachable") from exc
    except KeycloakError as exc:
        code = getattr(exc, "response_code", None)
        # Never log the error body: it can echo what was sent.
        logger.info("provider refused %s in realm %s (status %s)", what, realm, code)
        if code is None or code >= 500:
            raise ProviderUnavailable(f"{what}: provider error {code}") from exc
        raise ProviderRejected(f"{what}: refused ({code})") from exc
    except (TypeError, ValueError) as exc:  # not JSON, unexpected shape
        logger.warning("unexpected provider answer for %s in realm %s", what, realm)
        raise ProviderUnavailable(f"{what}: unexpected answer") from exc


def provider_answer(value: Any, *keys: str) -> Any:
    """Return ``value`` if it is a dict holding ``keys``, else raise ProviderUnavailable."""
    if not isinstance(value, dict) or any(key not in value for key in keys):
        raise ProviderUnavailable("unexpected answer")
    return value
