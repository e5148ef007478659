"""System checks of proxy sessions and CAS."""

import pytest

from eha_auth import checks

from .conftest import BACKENDS, KEY_ONE, PROXY_MIDDLEWARE


def ids(messages):
    return [m.id for m in messages]


def test_good_proxy_settings_pass(proxy_settings):
    assert checks.check_proxy_keys() == [] and checks.check_proxy_options() == []


def test_malformed_key_named_by_id_only(proxy_settings):
    proxy_settings.PROXY_SESSION_KEYS = {"k1": "not-a-32-byte-key"}
    messages = checks.check_proxy_keys()
    assert ids(messages) == ["eha_auth.E101"]
    assert "k1" in messages[0].msg and "not-a-32-byte-key" not in messages[0].msg


def test_write_key_must_exist(proxy_settings):
    proxy_settings.PROXY_SESSION_WRITE_KEY_ID = "k9"
    assert ids(checks.check_proxy_keys()) == ["eha_auth.E102"]


def test_proxy_without_keys(proxy_settings):
    proxy_settings.PROXY_SESSION_KEYS = {}
    assert "eha_auth.E105" in ids(checks.check_proxy_keys())


def test_legacy_reading_warns(proxy_settings):
    proxy_settings.PROXY_SESSION_LEGACY_KEY = "old"
    assert ids(checks.check_proxy_options()) == ["eha_auth.W101"]


def test_mockups_refused_without_debug(proxy_settings):
    proxy_settings.PROXY_MOCKUP_SESSIONS = {"dana": {}}
    proxy_settings.DEBUG = False
    assert ids(checks.check_proxy_options()) == ["eha_auth.E103"]
    proxy_settings.DEBUG = True
    assert checks.check_proxy_options() == []


def test_middleware_order(proxy_settings):
    proxy_settings.MIDDLEWARE = list(reversed(PROXY_MIDDLEWARE))
    assert "eha_auth.E104" in ids(checks.check_proxy_options())


def test_allow_list_entries(proxy_settings):
    proxy_settings.PROXY_SESSION_ALLOWED_PATHS = ["public", "^(", "/ok"]
    assert ids(checks.check_proxy_options()) == ["eha_auth.E106", "eha_auth.E106"]


@pytest.mark.parametrize("field", ["", "  ", 5, ["realm"]])
def test_the_realm_field_must_name_a_field(proxy_settings, field):
    proxy_settings.PROXY_SESSION_REALM_FIELD = field
    errors = [m for m in checks.check_proxy_options() if m.id == "eha_auth.E107"]
    assert len(errors) == 1 and "PROXY_SESSION_REALM_FIELD" in errors[0].msg


@pytest.mark.parametrize("field", ["realm", "tenant", None])
def test_a_field_name_or_none_passes(proxy_settings, field):
    proxy_settings.PROXY_SESSION_REALM_FIELD = field
    assert "eha_auth.E107" not in ids(checks.check_proxy_options())


def test_cas_refused_with_keycloak(settings):
    settings.AUTHENTICATION_BACKENDS = [*BACKENDS, "eha_auth.cas.backends.CASBackend"]
    settings.CAS_SERVER_URL = "http://127.0.0.1:1/cas/"
    assert checks.check_cas() == []
    settings.KEYCLOAK_SERVER_URL = "http://127.0.0.1:2/realms"
    assert ids(checks.check_cas()) == ["eha_auth.E121"]


def test_cas_needs_server_url(settings):
    settings.AUTHENTICATION_BACKENDS = ["eha_auth.cas.backends.CASBackend"]
    settings.CAS_SERVER_URL = None
    assert ids(checks.check_cas()) == ["eha_auth.E122"]


@pytest.mark.django_db  # Django 6.1's model checks read the database's features
def test_checks_are_registered(proxy_settings):
    from django.core.checks import run_checks

    proxy_settings.PROXY_SESSION_KEYS = {"k1": KEY_ONE[:10]}
    assert "eha_auth.E101" in ids(run_checks())
