"""Access tokens as each provider shapes them: audience, issuer, lightweight tokens."""

from __future__ import annotations

import logging

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from example.idp import seed

from eha_auth.oidc.sessions import SESSION_KEY
from eha_auth.oidc.tokens import verified_tokens
from tests.eha_auth.conftest import SERVICE

pytestmark = pytest.mark.django_db
WHOAMI = f"/alpha/{SERVICE}/whoami/"
LOGIN = f"/-/{SERVICE}/accounts/login/"
OIDC = "/protocol/openid-connect/"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def refusals(caplog, logger: str) -> str:
    return "\n".join(record.getMessage() for record in caplog.records
                     if record.name == logger and record.levelno >= logging.INFO)


@pytest.fixture
def lightweight(provider):
    """Turn a client's "Always use lightweight access token" on; off again afterwards."""
    changed = []

    def turn_on(client_id: str, realm: str = "alpha") -> None:
        provider.set_lightweight(realm, client_id, True)
        changed.append((realm, client_id))

    yield turn_on
    for realm, client_id in changed:
        provider.set_lightweight(realm, client_id, False)


def keycloak_command(*args: str) -> tuple[str, str, bool]:
    """Run eha_auth_keycloak; return (stdout, stderr, whether it exited with 1)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("eha_auth_keycloak", *args, stdout=out, stderr=err)
    except CommandError:
        return out.getvalue(), err.getvalue(), True
    return out.getvalue(), err.getvalue(), False


# -- Audience: the requesting client is azp, never aud ------------------------------------


def test_the_apps_own_token_names_it_in_azp_not_in_aud(provider):
    claims = claims_of(provider.access_token("alpha", "alice"))
    assert claims["azp"] == seed.CLIENT_ID
    assert claims["aud"] == "account"  # Audience Resolve: the user's default account roles


def test_a_front_end_clients_audience_mapper_puts_the_app_in_aud(provider):
    claims = claims_of(provider.access_token("alpha", "alice", client_id=seed.PUBLIC_CLIENT_ID))
    assert claims["azp"] == seed.PUBLIC_CLIENT_ID
    assert claims["aud"] == [seed.CLIENT_ID, "account"]


def test_login_tokens_are_refreshed_and_checked_by_azp(client, provider, settings):
    settings.KEYCLOAK_BEHIND_SCENES = True
    answer = client.post(LOGIN, {"realm": "alpha", "username": "alice",
                                 "password": seed.password("alpha", "alice")})
    assert answer.status_code == 302, answer.content[:300]
    first = client.session[SESSION_KEY]["access_token"]
    settings.KEYCLOAK_REFRESH_AHEAD_SECONDS = 10**6  # the next request refreshes
    assert client.get("/whoami/").json()["user"] == "alpha__alice"
    refreshed = client.session[SESSION_KEY]["access_token"]
    assert refreshed != first and claims_of(refreshed)["azp"] == seed.CLIENT_ID


def test_the_apps_own_token_is_no_gateway_token_and_the_log_names_the_mapper(
        client, provider, caplog):
    token = provider.access_token("alpha", "alice")
    with caplog.at_level(logging.INFO, logger="eha_auth.gateway"):
        answer = client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token)
    assert answer.status_code == 401
    assert ("token of client 'eha' has aud ['account'] without 'eha': add an Audience mapper "
            "for 'eha' to client 'eha' (README, Keycloak setup)") in refusals(
                caplog, "eha_auth.gateway")


def test_bearer_token_refusal_names_the_missing_mapper_and_party(client, provider, caplog):
    token = provider.access_token("alpha", "alice", client_id="other")
    with caplog.at_level(logging.INFO, logger="eha_auth.gateway"):
        answer = client.get("/api/items/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 401
    logged = refusals(caplog, "eha_auth.gateway")
    assert "add an Audience mapper for 'eha' to client 'other'" in logged
    assert "client 'other' is not in KEYCLOAK_AUTHORIZED_PARTIES" in logged


# -- Issuer: the front-end URL tokens carry, apart from the URL the app calls -------------


def test_discovery_puts_browser_endpoints_on_the_front_url_and_others_on_the_called_one(
        provider):
    assert provider.issuer_url != provider.realms_url  # both providers run split
    known = provider.discovery("alpha")
    assert known["issuer"] == provider.issuer("alpha")
    for name in ("authorization_endpoint", "end_session_endpoint"):
        assert known[name].startswith(provider.issuer("alpha") + OIDC), name
    for name in ("token_endpoint", "jwks_uri", "userinfo_endpoint", "introspection_endpoint"):
        assert known[name].startswith(f"{provider.realms_url}/alpha{OIDC}"), name


def test_without_the_issuer_url_tokens_are_refused_and_the_log_says_to_set_it(
        client, provider, settings, caplog):
    token = provider.access_token("alpha", "alice", client_id=seed.PUBLIC_CLIENT_ID)
    settings.KEYCLOAK_ISSUER_URL = None  # iss would have to be KEYCLOAK_SERVER_URL/<realm>
    with caplog.at_level(logging.INFO, logger="eha_auth.gateway"):
        assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token).status_code == 401
        bearer = client.get("/api/items/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer.status_code == 401
    logged = refusals(caplog, "eha_auth.gateway")
    assert logged.count(f"token issuer '{provider.issuer('alpha')}' differs from the expected "
                        f"'{provider.realms_url}/alpha': set KEYCLOAK_ISSUER_URL") == 2
    settings.KEYCLOAK_ISSUER_URL = provider.issuer_url
    assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token).json()["user"] == "alpha__alice"


def test_the_command_reports_the_issuer_url_to_set(provider, settings):
    settings.KEYCLOAK_ISSUER_URL = None
    out, err, failed = keycloak_command("--realm", "alpha")
    assert failed and f"set KEYCLOAK_ISSUER_URL = '{provider.issuer_url}'" in err
    settings.KEYCLOAK_ISSUER_URL = provider.issuer_url
    out, err, failed = keycloak_command()
    assert not failed, err
    for realm in seed.REALMS:
        assert f"{realm}: issuer {provider.issuer(realm)}" in out
        assert f"{realm}: 1 signing key(s)" in out or f"{realm}: 2 signing key(s)" in out


def test_the_command_names_the_audience_mapper_a_client_lacks(provider, tmp_path):
    password = seed.password("alpha", "alice")
    out, err, failed = keycloak_command("-r", "alpha", "--client", "other", "--client-secret",
                                        seed.client_secret("alpha", "other"),
                                        "--username", "alice", "--password", password)
    assert failed and "add an Audience mapper for 'eha' to client 'other'" in err
    out, err, failed = keycloak_command("-r", "alpha", "--client", seed.PUBLIC_CLIENT_ID,
                                        "--username", "alice", "--password", password)
    assert not failed, err
    assert "a token of client 'eha-public' is accepted as a gateway or Bearer token" in out
    token_file = tmp_path / "token"
    token_file.write_text(provider.access_token("alpha", "alice", client_id="rogue"))
    out, err, failed = keycloak_command("--token-file", str(token_file))
    assert failed and "client 'rogue' is not in KEYCLOAK_AUTHORIZED_PARTIES" in err


# -- Lightweight access tokens (Keycloak 25+) ----------------------------------------------


def test_a_lightweight_token_is_refused_naming_the_client_setting(
        client, provider, lightweight, caplog):
    lightweight(seed.PUBLIC_CLIENT_ID)
    token = provider.access_token("alpha", "alice", client_id=seed.PUBLIC_CLIENT_ID)
    assert not {"sub", "aud", "preferred_username", "email"} & set(claims_of(token))
    with caplog.at_level(logging.INFO, logger="eha_auth.gateway"):
        assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token).status_code == 401
    assert ("lightweight access token (no sub/aud): turn off 'Always use lightweight access "
            "token' on client 'eha-public', or set KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS"
            ) in refusals(caplog, "eha_auth.gateway")


def test_a_lightweight_token_is_introspected_once_and_refused_once_inactive(
        client, provider, lightweight, settings):
    settings.KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS = True
    lightweight(seed.PUBLIC_CLIENT_ID)
    tokens = provider.tokens("alpha", "alice", client_id=seed.PUBLIC_CLIENT_ID)
    answer = client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=tokens["access_token"])
    assert answer.status_code == 200 and answer.json()["user"] == "alpha__alice"
    user = get_user_model().objects.get(username="alpha__alice")
    assert (user.first_name, user.email) == ("Alice", "alice@alpha.test")
    provider.logout_tokens("alpha", tokens, client_id=seed.PUBLIC_CLIENT_ID)
    # Kept by token like any verified token: no new introspection, which would now say
    # "not active".
    assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=tokens["access_token"]).status_code == 200
    verified_tokens.clear()
    assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=tokens["access_token"]).status_code == 401


def test_login_with_lightweight_tokens_needs_introspection(
        client, provider, lightweight, settings, caplog):
    settings.KEYCLOAK_BEHIND_SCENES = True
    lightweight(seed.CLIENT_ID)
    form = {"realm": "alpha", "username": "alice", "password": seed.password("alpha", "alice")}
    with caplog.at_level(logging.INFO, logger="eha_auth.keycloak"):
        assert client.post(LOGIN, form).status_code == 400
    assert "turn off 'Always use lightweight access token' on client 'eha'" in refusals(
        caplog, "eha_auth.keycloak")
    settings.KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS = True
    assert client.post(LOGIN, form).status_code == 302
    assert client.get("/whoami/").json()["user"] == "alpha__alice"
