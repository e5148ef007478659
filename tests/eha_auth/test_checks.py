"""System checks name what to fix in the settings."""

from __future__ import annotations

import pytest

from eha_auth import checks

pytestmark = pytest.mark.usefixtures("auth_settings")

GATEWAY = "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware"


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_the_test_settings_are_clean():
    assert checks.check_keycloak_settings() == []
    assert checks.check_middleware() == []
    assert checks.check_login_setup() == []


@pytest.mark.parametrize("url", ["http://id.example.org", "id.example.org/realms", ""])
def test_server_url_must_end_with_realms(settings, url):
    settings.KEYCLOAK_SERVER_URL = url
    settings.MIDDLEWARE = [*settings.MIDDLEWARE]
    assert "eha_auth.E001" in ids(checks.check_keycloak_settings())


def test_realms_are_required(settings):
    settings.KEYCLOAK_REALMS = None
    assert "eha_auth.E002" in ids(checks.check_keycloak_settings())
    settings.KEYCLOAK_REALM_RESOLVER = "tests.eha_auth.test_checks.any_realm"
    assert "eha_auth.E002" not in ids(checks.check_keycloak_settings())


def any_realm(realm):
    return True


@pytest.mark.parametrize("algorithms", [["none"], ["HS256"], ["RS256", "HS512"], []])
def test_unsafe_algorithms_are_errors(settings, algorithms):
    settings.KEYCLOAK_ALGORITHMS = algorithms
    assert "eha_auth.E003" in ids(checks.check_keycloak_settings())


def test_dotted_paths_must_import(settings):
    settings.KEYCLOAK_USER_MAPPER = "no.such.Mapper"
    assert "eha_auth.E004" in ids(checks.check_keycloak_settings())


@pytest.mark.parametrize("name,value", [("KEYCLOAK_TIMEOUT", (0, 5)),
                                        ("KEYCLOAK_TIMEOUT", (1,)),
                                        ("KEYCLOAK_TIMEOUT", 10),
                                        ("KEYCLOAK_LEEWAY", -1),
                                        ("KEYCLOAK_JWKS_MAX_AGE", "1d")])
def test_numbers_must_be_seconds(settings, name, value):
    setattr(settings, name, value)
    assert "eha_auth.E005" in ids(checks.check_keycloak_settings())


@pytest.mark.parametrize("url", ["localhost:8080/realms", "https://id.example.org/auth",
                                 "https://id.example.org/realms/alpha", ["https://x/realms"]])
def test_issuer_url_must_be_a_url_up_to_realms(settings, url):
    settings.KEYCLOAK_ISSUER_URL = url
    assert "eha_auth.W003" in ids(checks.check_keycloak_settings())


@pytest.mark.parametrize("url", [None, "", "https://id.example.org/realms",
                                 "http://localhost:8080/auth/realms/"])
def test_issuer_url_up_to_realms_or_unset_passes(settings, url):
    settings.KEYCLOAK_ISSUER_URL = url
    assert "eha_auth.W003" not in ids(checks.check_keycloak_settings())


def test_introspection_needs_the_client_secret(settings):
    settings.KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS = True
    assert "eha_auth.E009" not in ids(checks.check_keycloak_settings())
    settings.KEYCLOAK_CLIENT_SECRET = None
    assert "eha_auth.E009" in ids(checks.check_keycloak_settings())


def test_middleware_after_authentication_middleware(settings):
    settings.MIDDLEWARE = [GATEWAY, *[m for m in settings.MIDDLEWARE if m != GATEWAY]]
    assert "eha_auth.E006" in ids(checks.check_middleware())


def test_gateway_middleware_needs_a_service_id(settings):
    settings.GATEWAY_SERVICE_ID = None
    assert "eha_auth.E007" in ids(checks.check_middleware())


def test_login_setup_warnings(settings):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert ids(checks.check_login_setup()) == ["eha_auth.W001", "eha_auth.W002"]


def test_nothing_to_check_when_keycloak_and_gateway_are_off(settings):
    settings.KEYCLOAK_SERVER_URL = None
    settings.KEYCLOAK_REALMS = None
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != GATEWAY]
    assert checks.check_keycloak_settings() == [] and checks.check_login_setup() == []
