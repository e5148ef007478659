"""Settings of the kit's tests: every way in on, two realms, the realm middleware last."""

import pytest

from eha_auth.oidc.tokens import verified_tokens
from eha_auth.proxy.crypto import new_key

PROXY_KEY = new_key()


@pytest.fixture
def kit_settings(settings, eha_keys):
    settings.ROOT_URLCONF = "tests.eha_testkit.urls"
    settings.MULTITENANCY = True
    settings.KEYCLOAK_REALMS = ["alpha", "beta"]
    settings.GATEWAY_SERVICE_ID = "svc"
    settings.PROXY_SESSION_KEYS = {"k1": PROXY_KEY}
    settings.PROXY_SESSION_REQUIRED = False
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware",
        "eha_auth.keycloak.middleware.KeycloakSessionMiddleware",
        "eha_auth.proxy.middleware.ProxySessionMiddleware",
        "eha_tenancy.middleware.RealmMiddleware",
    ]
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "eha_auth.keycloak.backends.KeycloakBackend",
        "eha_auth.gateway.backends.GatewayBackend",
        "eha_auth.proxy.backends.ProxySessionBackend",
    ]
    verified_tokens.clear()
    yield settings
    verified_tokens.clear()
