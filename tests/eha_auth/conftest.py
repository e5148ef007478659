"""The real local provider (example/idp), and the eha_auth settings its tests run with."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from example.idp import seed

from eha_auth.oidc.tokens import verified_tokens
from eha_auth.oidc.users import local_users
from tests.eha_auth.idp import start_idp

SERVICE = "svc"
AUTH_SETTINGS = {
    "KEYCLOAK_CLIENT_ID": seed.CLIENT_ID,
    "KEYCLOAK_REALMS": seed.REALMS,
    "KEYCLOAK_AUTHORIZED_PARTIES": [seed.CLIENT_ID, seed.PUBLIC_CLIENT_ID],
    "KEYCLOAK_TIMEOUT": (5, 20),  # generous: machines running the suite are shared
    "KEYCLOAK_JWKS_REFETCH_SECONDS": 0,
    "GATEWAY_SERVICE_ID": SERVICE,
    "ROOT_URLCONF": "tests.eha_auth.urls",
    "LOGIN_REDIRECT_URL": "/",
}


@pytest.fixture(scope="session")
def idp(tmp_path_factory):
    """The provider process, shared by the whole run (its own SQLite file)."""
    provider = start_idp(tmp_path_factory.mktemp("idp"))
    yield provider
    provider.server.stop()


@pytest.fixture(autouse=True)
def auth_settings(settings, idp):
    """Keycloak and gateway on, pointing at the provider; caches empty for each test."""
    for name, value in AUTH_SETTINGS.items():
        setattr(settings, name, value)
    settings.KEYCLOAK_SERVER_URL = idp.realms_url
    settings.KEYCLOAK_CLIENT_SECRET = seed.client_secret("alpha")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE,
                           "eha_auth.middleware.GatewayAuthenticationMiddleware",
                           "eha_auth.middleware.KeycloakSessionMiddleware"]
    settings.AUTHENTICATION_BACKENDS = [
        "eha_auth.backends.keycloak.KeycloakBackend",
        "eha_auth.backends.gateway.GatewayBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    clear_caches()
    yield settings
    clear_caches()


def clear_caches():
    cache.clear()
    verified_tokens.clear()
    local_users.clear()
