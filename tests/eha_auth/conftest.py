"""Fixtures of the eha_auth tests.

The real local provider (example/idp) and the Keycloak/gateway settings, which
the OIDC test modules opt into with ``pytestmark``; proxy session keys and the
URLconf of the proxy, token, CAS and account tests.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from example.idp import seed

from eha_auth.oidc.tokens import verified_tokens
from eha_auth.oidc.usercache import local_users
from eha_auth.proxy.crypto import new_key
from tests.eha_auth.idp import start_idp
from tests.eha_auth.providers import KeycloakProvider, LocalProvider
from tests.harness import keycloak

SERVICE = "svc"
#: The Django test client's site: its accounts URLs are registered at each provider.
TEST_ACCOUNTS_URL = f"http://testserver/-/{SERVICE}/accounts"
#: The providers the conformance tests run against ("idp", "keycloak").
PROVIDERS = [name for name in os.environ.get("EHA_TEST_PROVIDERS", "idp").split(",") if name]
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
    """The provider process, shared by the whole run (its own SQLite file).

    Its tokens carry a front-end URL other than the one the app calls, as Keycloak's do
    behind a proxy (and the conformance suite's Keycloak): KEYCLOAK_ISSUER_URL is set.
    """
    provider = start_idp(tmp_path_factory.mktemp("idp"), split_urls=True)
    LocalProvider(provider).register_site(TEST_ACCOUNTS_URL)
    yield provider
    provider.server.stop()


def pytest_generate_tests(metafunc):
    """Run every test that takes ``provider`` once per provider in EHA_TEST_PROVIDERS."""
    if "provider" in metafunc.fixturenames:
        metafunc.parametrize("provider", PROVIDERS, indirect=True)


def pytest_collection_modifyitems(items):
    for item in items:
        if "provider" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.conformance)


@pytest.fixture(scope="session")
def keycloak_provider():
    """A real Keycloak (EHA_TEST_KEYCLOAK_URL, or one started here), set up as documented."""
    server = keycloak.keycloak_server()
    try:
        keycloak.setup_realms(server, seed)
        provider = KeycloakProvider(server)
        provider.register_site(TEST_ACCOUNTS_URL)
        yield provider
    finally:
        server.stop()


@pytest.fixture
def provider(request, auth_settings):
    """The provider of this run of a conformance test, with the settings pointing at it."""
    chosen = request.getfixturevalue(
        "keycloak_provider" if request.param == "keycloak" else "local_provider")
    for name, value in chosen.settings().items():
        setattr(auth_settings, name, value)
    return chosen


@pytest.fixture(scope="session")
def local_provider(idp):
    return LocalProvider(idp)


@pytest.fixture
def auth_settings(settings, idp):
    """Keycloak and gateway on, pointing at the provider; caches empty for each test."""
    for name, value in AUTH_SETTINGS.items():
        setattr(settings, name, value)
    settings.KEYCLOAK_SERVER_URL = idp.realms_url
    settings.KEYCLOAK_ISSUER_URL = idp.issuer_url
    settings.KEYCLOAK_CLIENT_SECRET = seed.client_secret("alpha")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE,
                           "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware",
                           "eha_auth.keycloak.middleware.KeycloakSessionMiddleware"]
    settings.AUTHENTICATION_BACKENDS = [
        "eha_auth.keycloak.backends.KeycloakBackend",
        "eha_auth.gateway.backends.GatewayBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    clear_caches()
    yield settings
    clear_caches()


def clear_caches():
    cache.clear()
    verified_tokens.clear()
    local_users.clear()


@pytest.fixture(autouse=True)
def forget_process_users():
    """Start every test with no user remembered in this process.

    A test's rows are rolled back, not deleted, so no signal tells the user cache;
    on PostgreSQL the next test's rows get new ids, and a remembered user would be one
    that no longer exists.
    """
    cache.clear()  # the shared user entries live there
    local_users.clear()
    verified_tokens.clear()

KEY_ONE = new_key()
KEY_TWO = new_key()

PROXY_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "eha_auth.proxy.middleware.ProxySessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "eha_auth.proxy.backends.ProxySessionBackend",
]


@pytest.fixture
def proxy_settings(settings):
    """Proxy sessions on, with two keys (k1 writes), on the test URLconf."""
    settings.ROOT_URLCONF = "tests.eha_auth.urls_more"
    settings.PROXY_SESSION_KEYS = {"k1": KEY_ONE, "k2": KEY_TWO}
    settings.PROXY_SESSION_WRITE_KEY_ID = "k1"
    settings.MIDDLEWARE = PROXY_MIDDLEWARE
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    settings.PROXY_SESSION_ALLOWED_PATHS = ["/public", r"^/public/items/\d+"]
    settings.LOGIN_URL = "/accounts/login/"
    return settings


@pytest.fixture
def more_urls(settings):
    settings.ROOT_URLCONF = "tests.eha_auth.urls_more"
    return settings
