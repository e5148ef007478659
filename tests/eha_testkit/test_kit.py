"""The kit against the apps themselves: its tokens verify, its keys are fetched, each of
its sign-ins reaches an authenticated view, and a wrong realm is refused."""

import pytest
import requests
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.test import AsyncClient

from eha_auth.oidc import jwks
from eha_auth.oidc.errors import InvalidToken, SetupMismatch
from eha_auth.oidc.tokens import verify_access_token
from eha_testkit import METHODS, SignIn, make_user, mint_gateway_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kit_settings")]


@pytest.fixture
def alice():
    return make_user("alpha", "alice", email="alice@example.org")


def test_the_keys_server_serves_each_realms_jwks(eha_keys):
    answer = requests.get(f"{eha_keys.realms_url}/alpha/protocol/openid-connect/certs",
                          timeout=5)
    assert answer.status_code == 200
    (key,) = answer.json()["keys"]
    assert key["kid"] == eha_keys.key("alpha").kid
    assert {key["kty"], key["use"], key["alg"]} == {"RSA", "sig", "RS256"}
    assert "d" not in key  # the public half only
    assert jwks.fetch_keys("beta")["keys"][0]["kid"] == eha_keys.key("beta").kid


def test_minted_tokens_verify_with_the_apps(eha_keys, alice):
    token = mint_gateway_token("alpha", alice, roles=["editor"], claims={"locale": "fr"})
    claims = verify_access_token("alpha", token)
    assert claims["preferred_username"] == "alice"
    assert claims["email"] == "alice@example.org"
    assert claims["realm_access"] == {"roles": ["editor"]}
    assert claims["locale"] == "fr"


@pytest.mark.parametrize(("options", "error"), [
    ({"expires_in": -120}, InvalidToken),
    ({"audience": "someone-else"}, SetupMismatch),
    ({"azp": "unknown-client"}, SetupMismatch),
])
def test_chosen_claims_are_what_the_apps_check(eha_keys, alice, options, error):
    with pytest.raises(error):
        verify_access_token("alpha", mint_gateway_token("alpha", alice, **options))


def test_a_token_of_one_realm_does_not_verify_in_another(eha_keys, alice):
    with pytest.raises(InvalidToken):
        verify_access_token("beta", mint_gateway_token("alpha", alice))


def test_a_user_of_no_realm_is_named_clearly(eha_keys, django_user_model):
    bob = django_user_model.objects.create(username="bob")
    with pytest.raises(ValueError, match="make_user"):
        mint_gateway_token("alpha", bob)


def path_of(method, realm):
    return f"/{realm}/svc/me/" if method == "gateway" else "/me/"


@pytest.mark.parametrize("method", METHODS)
def test_each_method_reaches_an_authenticated_view(kit_client, alice, method):
    client = kit_client.signed_in(alice, "alpha", method=method)
    answer = client.get(path_of(method, "alpha"))
    assert answer.status_code == 200, answer.content
    assert answer.json()["user"] == "alpha__alice"
    assert answer.json()["realm"] == "alpha"


@pytest.mark.parametrize("method", METHODS)
def test_anonymous_is_refused_by_the_same_view(client, kit_settings, method):
    assert client.get(path_of(method, "alpha")).status_code in (401, 403)


def test_a_login_in_a_realm_the_user_is_not_a_member_of_is_refused(kit_client, alice):
    assert kit_client.signed_in(alice, "beta", "login").get("/me/").status_code == 403


def test_a_gateway_token_of_another_realm_is_refused(kit_client, alice):
    assert kit_client.signed_in(alice, "alpha", "gateway").get("/beta/svc/me/").status_code == 401


@pytest.mark.parametrize("method", ["bearer", "api_token"])
def test_a_token_used_in_another_realm_is_refused(kit_client, alice, method):
    client = kit_client.signed_in(alice, "alpha", method=method)
    assert client.get("/me/", HTTP_EHA_REALM="beta").status_code in (401, 403)


def test_a_proxy_session_used_in_another_realm_is_refused(kit_client, alice):
    client = kit_client.signed_in(alice, "alpha", "proxy")
    assert client.get("/me/", HTTP_EHA_REALM="beta").status_code in (401, 403)
    assert not get_user_model().objects.filter(username="beta__alice").exists()


@pytest.mark.parametrize("method", METHODS)
def test_each_method_with_the_async_client(eha_keys, alice, method):
    client = SignIn(eha_keys, client_class=AsyncClient).signed_in(alice, "alpha", method)

    async def get():  # a coroutine function: Django 4.2's AsyncClient.get is a plain one
        return await client.get(path_of(method, "alpha"))

    answer = async_to_sync(get)()
    assert answer.status_code == 200, answer.content
    assert answer.json()["user"] == "alpha__alice"


def test_realm_context_is_the_tenancy_apps(realm_context):
    from eha_tenancy import realm_context as tenancy_realm_context

    assert realm_context is tenancy_realm_context


def test_the_kits_names_are_the_apps():
    """The kit copies what the apps share (README, "How the apps meet"); a drift fails here."""
    from eha_auth import realms as auth_realms
    from eha_auth import users as auth_users
    from eha_auth.oidc import sessions
    from eha_tenancy import conf as tenancy_conf
    from eha_testkit import client, realms

    assert client.REALM_SESSION_KEY == auth_realms.REALM_SESSION_KEY == tenancy_conf.SESSION_KEY
    assert client.OIDC_SESSION_KEY == sessions.SESSION_KEY
    assert client.REALM_HEADER == auth_realms.REALM_HEADER == tenancy_conf.REALM_HEADER
    assert realms.SEPARATOR == auth_users.SEPARATOR
