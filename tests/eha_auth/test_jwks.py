"""Signing keys: shared cache, one rate-limited refetch, rotation, last good keys."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from eha_auth.oidc import jwks
from eha_auth.oidc.errors import InvalidToken, ProviderUnavailable
from eha_auth.oidc.tokens import verified_tokens, verify_access_token
from tests.eha_auth import forge
from tests.harness.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("auth_settings")]
CERTS = "/realms/{realm}/protocol/openid-connect/certs"


def unknown_kid_token(idp, realm="alpha"):
    return idp.sign(realm, forge.claims(idp, realm), {"kid": f"unknown-{time.time_ns()}"})


def test_keys_live_in_djangos_cache_so_workers_share_them(idp):
    verify_access_token("alpha", idp.gateway_token("alpha"))
    entry = cache.get("eha_auth:jwks:alpha")
    assert entry and {key["kid"] for key in entry["keys"]} >= {idp.keys("alpha")["signing"]}


def test_unknown_kid_triggers_one_rate_limited_refetch(idp, settings):
    settings.KEYCLOAK_JWKS_REFETCH_SECONDS = 60
    jwks.fetch_keys("alpha")
    before = idp.requests_to(CERTS.format(realm="alpha"))
    for _ in range(5):
        with pytest.raises(InvalidToken):
            verify_access_token("alpha", unknown_kid_token(idp))
    assert idp.requests_to(CERTS.format(realm="alpha")) == before + 1


def test_concurrent_unknown_kids_fetch_once(idp, settings):
    settings.KEYCLOAK_JWKS_REFETCH_SECONDS = 60
    jwks.fetch_keys("alpha")
    tokens = [unknown_kid_token(idp) for _ in range(8)]
    before = idp.requests_to(CERTS.format(realm="alpha"))
    start = threading.Barrier(len(tokens))
    outcomes = []

    def verify(token):
        start.wait()
        try:
            verify_access_token("alpha", token)
            outcomes.append("accepted")
        except InvalidToken:
            outcomes.append("refused")

    threads = [threading.Thread(target=verify, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["refused"] * 8
    assert idp.requests_to(CERTS.format(realm="alpha")) == before + 1


def test_rotation_new_key_accepted_old_key_dropped_without_restart(idp, settings):
    old_token = idp.gateway_token("beta", "carol")
    unused_old_token = idp.gateway_token("beta", "alice")
    assert verify_access_token("beta", old_token)["preferred_username"] == "carol"
    old_kid = idp.keys("beta")["signing"]
    new_kid = idp.add_key("beta")
    new_token = idp.gateway_token("beta", "carol")
    assert verify_access_token("beta", new_token)["preferred_username"] == "carol"
    assert set(jwks.key_set("beta")) == {old_kid, new_kid}
    idp.retire_key("beta", old_kid)
    settings.KEYCLOAK_JWKS_CACHE_SECONDS = 0  # the next use fetches a fresh set
    with pytest.raises(InvalidToken):
        verify_access_token("beta", unused_old_token)
    assert set(jwks.key_set("beta")) == {new_kid}


def test_provider_down_keeps_serving_the_last_good_keys(idp, settings):
    token = idp.gateway_token("alpha")
    jwks.fetch_keys("alpha")
    settings.KEYCLOAK_ISSUER_URL = idp.issuer_url
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"  # nothing listens
    settings.KEYCLOAK_JWKS_CACHE_SECONDS = 0  # stale: every use tries to refetch, and fails
    assert verify_access_token("alpha", token)["preferred_username"] == "alice"
    verified_tokens.clear()
    assert verify_access_token("alpha", token)["preferred_username"] == "alice"


def test_last_good_keys_expire_after_max_age(idp, settings):
    token = idp.gateway_token("alpha")
    jwks.fetch_keys("alpha")
    settings.KEYCLOAK_ISSUER_URL = idp.issuer_url
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"
    settings.KEYCLOAK_JWKS_MAX_AGE = 3600
    later = time.time() + 3601
    # A clock jump cannot be made real in a test: move time.time forward.
    with mock.patch("eha_auth.oidc.jwks.time.time", return_value=later), \
            pytest.raises(ProviderUnavailable):
        verify_access_token("alpha", token)


def test_no_kid_is_accepted_when_the_realm_has_one_key(idp, settings):
    settings.KEYCLOAK_JWKS_REFETCH_SECONDS = 60
    entry = jwks.fetch_keys("alpha")
    signing = idp.keys("alpha")["signing"]
    entry["keys"] = [key for key in entry["keys"] if key["kid"] == signing]
    cache.set("eha_auth:jwks:alpha", entry)  # the realm publishes this one key only
    token = idp.sign("alpha", forge.claims(idp), {"kid": None})
    assert verify_access_token("alpha", token)["sub"] == "forged-subject"


def test_jwks_command_warms_and_shows_the_cache(idp, capsys):
    call_command("eha_auth_jwks")
    out = capsys.readouterr().out
    assert "alpha: " in out and "beta: " in out and "key(s)" in out
    assert cache.get("eha_auth:jwks:alpha") is not None
    call_command("eha_auth_jwks", "--show", "--realm", "alpha")
    assert "fetched" in capsys.readouterr().out


def test_jwks_command_fails_when_the_provider_is_down(idp, settings):
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"
    with pytest.raises(CommandError):
        call_command("eha_auth_jwks", "--realm", "alpha")
    with pytest.raises(CommandError):
        call_command("eha_auth_jwks", "--realm", "gamma")


def test_keys_refused_for_a_realm_absent_at_the_provider_are_asked_once(idp, settings):
    settings.KEYCLOAK_REALMS = ["alpha", "beta", "gamma"]
    settings.KEYCLOAK_JWKS_REFETCH_SECONDS = 60
    token = idp.access_token("alpha")
    before = idp.requests_to(CERTS.format(realm="gamma"))
    for _ in range(3):
        with pytest.raises(InvalidToken, match="refused"):
            verify_access_token("gamma", token)
    assert idp.requests_to(CERTS.format(realm="gamma")) == before + 1
