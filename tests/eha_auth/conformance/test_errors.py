"""What the provider answers, and what the app answers back: never a 500.

Each way in meets a realm allowed in settings but absent at the provider ("gamma": the
provider answers 404 "Realm does not exist" on every path of it), and the password grant
meets an account with a pending required action. Run against a Keycloak under /auth
(EHA_TEST_KEYCLOAK_PATH=/auth) too, these tests also prove that KEYCLOAK_SERVER_URL keeps
its path.
"""

from __future__ import annotations

import html
import time
import uuid
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from example.idp import seed

from eha_auth.oidc.sessions import SESSION_KEY
from tests.eha_auth import forge
from tests.eha_auth.conftest import SERVICE

pytestmark = pytest.mark.django_db
ACCOUNTS = f"/-/{SERVICE}/accounts"
LOGIN = f"{ACCOUNTS}/login/"
ABSENT = "gamma"
GATEWAY = "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
WRONG_PASSWORD = "Wrong username or password."
NEEDS_ATTENTION = "Your account needs attention before you can sign in"


@pytest.fixture
def absent_realm(provider, settings):
    """Allow a realm that the provider does not have."""
    settings.KEYCLOAK_REALMS = [*seed.REALMS, ABSENT]
    return ABSENT


def logged_404(log) -> bool:
    """The refusal is logged with the realm and the status, never with the answer's body."""
    assert not [line for line in log.lines if "Realm does not exist" in line]
    return any(ABSENT in line and "404" in line for line in log.lines)


def public_token(provider) -> str:
    return provider.access_token("alpha", "alice", client_id=seed.PUBLIC_CLIENT_ID)


def token_of_absent_realm(provider, **claims) -> str:
    """A token naming the absent realm's issuer (its keys cannot be had to check it)."""
    return forge.attacker_signed(forge.claims(provider, ABSENT, **claims),
                                 header={"kid": "gamma-key"})


# -- KEYCLOAK_SERVER_URL with or without a path ---------------------------------------------


def test_the_provider_is_called_under_the_path_of_keycloak_server_url(client, provider):
    out = StringIO()
    call_command("eha_auth_jwks", realm=["alpha"], stdout=out)
    assert out.getvalue().startswith("alpha: ") and "key(s)" in out.getvalue()
    answer = client.get(f"/alpha/{SERVICE}/whoami/", HTTP_X_OAUTH_TOKEN=public_token(provider))
    assert answer.status_code == 200 and answer.json()["user"] == "alpha__alice"


# -- a realm allowed in settings, absent at the provider: each way in -----------------------


def test_gateway_token_on_a_realm_absent_at_the_provider_is_401(
        client, provider, absent_realm, no_secrets_in_logs):
    answer = client.get(f"/{ABSENT}/{SERVICE}/whoami/",
                        HTTP_X_OAUTH_TOKEN=public_token(provider))
    assert answer.status_code == 401 and 'error="invalid_token"' in answer["WWW-Authenticate"]
    assert logged_404(no_secrets_in_logs)


def test_gateway_drf_class_on_a_realm_absent_at_the_provider_is_401(
        client, provider, absent_realm, settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != GATEWAY]
    answer = client.get(f"/{ABSENT}/{SERVICE}/api/items/",
                        HTTP_X_OAUTH_TOKEN=public_token(provider))
    assert answer.status_code == 401 and answer["WWW-Authenticate"].startswith("Bearer")


def test_bearer_token_of_a_realm_absent_at_the_provider_is_401(client, provider, absent_realm):
    answer = client.get("/api/items/",
                        HTTP_AUTHORIZATION=f"Bearer {token_of_absent_realm(provider)}")
    assert answer.status_code == 401


def test_password_login_to_a_realm_absent_at_the_provider_is_503(
        client, provider, absent_realm, settings, no_secrets_in_logs):
    settings.KEYCLOAK_BEHIND_SCENES = True
    answer = client.post(LOGIN, {"realm": ABSENT, "username": "alice",
                                 "password": seed.password("alpha", "alice")})
    assert answer.status_code == 503
    assert f"Signing in to {ABSENT} is not possible right now" in answer.content.decode()
    assert logged_404(no_secrets_in_logs)


def test_redirect_login_to_a_realm_absent_at_the_provider_is_503(
        client, provider, absent_realm, settings):
    settings.KEYCLOAK_BEHIND_SCENES = False
    answer = client.post(LOGIN, {"realm": ABSENT})
    assert answer.status_code == 503
    assert f"Signing in to {ABSENT} is not possible right now" in answer.content.decode()


def test_callback_of_a_realm_gone_from_the_provider_is_503(client, provider, absent_realm):
    # A sign-in started while the realm was there; the provider no longer has it.
    session = client.session
    session["eha_auth_flows"] = {"the-state": {
        "realm": ABSENT, "nonce": "n" * 32, "verifier": "v" * 64, "next": "/",
        "redirect_uri": "http://testserver/-/svc/accounts/callback/", "created": time.time()}}
    session.save()
    answer = client.get(f"{ACCOUNTS}/callback/", {"state": "the-state", "code": "a-code"})
    assert answer.status_code == 503
    assert f"Signing in to {ABSENT} is not possible right now" in answer.content.decode()


def signed_in_to_absent_realm(client, mode: str, expires_in: float = 300) -> None:
    """A session holding provider tokens of the absent realm (as if it were removed since)."""
    user = get_user_model().objects.create_user(f"{ABSENT}__alice")
    client.force_login(user, backend="eha_auth.keycloak.backends.KeycloakBackend")
    session = client.session
    session[SESSION_KEY] = {
        "realm": ABSENT, "mode": mode, "access_token": "an-access-token",
        "refresh_token": "a-refresh-token", "id_token": "an-id-token",
        "expires_at": time.time() + expires_in, "sid": "a-sid", "sub": "a-sub",
        "logged_in_at": time.time()}
    session.save()


@pytest.mark.parametrize("mode", ["password", "redirect"])
def test_logout_from_a_realm_absent_at_the_provider_says_the_provider_failed(
        client, provider, absent_realm, mode):
    signed_in_to_absent_realm(client, mode)
    answer = client.post(f"{ACCOUNTS}/logout/")
    assert answer.status_code == 302
    assert answer["Location"] == f"{ACCOUNTS}/logged-out/?provider=failed"
    assert client.get("/whoami/").json()["user"] is None


def test_refresh_refused_for_a_realm_absent_at_the_provider_ends_the_session(
        client, provider, absent_realm):
    signed_in_to_absent_realm(client, "password", expires_in=5)  # refresh due
    answer = client.get("/whoami/")
    assert answer.status_code == 200 and answer.json()["user"] is None


def test_backchannel_logout_token_of_a_realm_absent_at_the_provider_is_400(
        client, provider, absent_realm):
    token = forge.attacker_signed(
        {"iss": provider.issuer(ABSENT), "aud": seed.CLIENT_ID, "iat": int(time.time()),
         "jti": str(uuid.uuid4()), "sid": "a-sid", "events": {BACKCHANNEL_EVENT: {}}},
        header={"kid": "gamma-key", "typ": "logout+jwt"})
    answer = client.post(f"{ACCOUNTS}/backchannel-logout/", {"logout_token": token})
    assert answer.status_code == 400


def test_jwks_command_names_the_realm_absent_at_the_provider(provider, absent_realm):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=ABSENT):
        call_command("eha_auth_jwks", realm=["alpha", ABSENT], stdout=out, stderr=err)
    assert out.getvalue().startswith("alpha: ")
    assert f"{ABSENT}: fetch failed" in err.getvalue() and "404" in err.getvalue()


def test_password_login_refused_for_the_client_not_the_user_is_503(
        client, provider, settings, no_secrets_in_logs):
    settings.KEYCLOAK_BEHIND_SCENES = True
    settings.KEYCLOAK_CLIENT_SECRET = "not-the-client-secret"
    answer = client.post(LOGIN, {"realm": "alpha", "username": "alice",
                                 "password": seed.password("alpha", "alice")})
    assert answer.status_code == 503
    assert "Signing in to alpha is not possible right now" in answer.content.decode()
    assert [line for line in no_secrets_in_logs.lines
            if "KEYCLOAK_CLIENT_SECRET" in line and "401" in line]


# -- the password grant of an account with a pending required action ------------------------


def password_grant(provider, username: str, password: str):
    return provider.http.post(provider.token_url("alpha"), timeout=20, data={
        "grant_type": "password", "client_id": seed.CLIENT_ID, "scope": "openid",
        "client_secret": seed.client_secret("alpha"), "username": username,
        "password": password})


def test_token_endpoint_refuses_a_pending_required_action_as_keycloak_does(provider):
    provider.create_user("alpha", "dave", required_actions=["UPDATE_PASSWORD"])
    wrong = password_grant(provider, "dave", "not-daves-password")
    assert wrong.status_code == 401 and "WWW-Authenticate" not in wrong.headers
    assert wrong.json() == {"error": "invalid_grant",
                            "error_description": "Invalid user credentials"}
    right = password_grant(provider, "dave", seed.password("alpha", "dave"))
    assert right.status_code == 400
    assert right.json() == {"error": "invalid_grant",
                            "error_description": "Account is not fully set up"}


def test_verify_profile_of_a_complete_profile_does_not_stop_the_password_grant(provider):
    provider.create_user("alpha", "erin", required_actions=["VERIFY_PROFILE"])
    assert provider.tokens("alpha", "erin")["access_token"]


@pytest.mark.parametrize("action", ["UPDATE_PASSWORD", "CONFIGURE_TOTP"])
def test_password_login_with_a_pending_required_action_says_the_account_needs_attention(
        client, provider, settings, action, no_secrets_in_logs):
    settings.KEYCLOAK_BEHIND_SCENES = True
    provider.create_user("alpha", "dave", required_actions=[action])
    password = seed.password("alpha", "dave")
    answer = client.post(LOGIN, {"realm": "alpha", "username": "dave", "password": password})
    page = html.unescape(answer.content.decode())
    assert answer.status_code == 400 and WRONG_PASSWORD not in page
    assert f"{NEEDS_ATTENTION}: sign in on alpha's own sign-in page" in page
    assert not [line for line in no_secrets_in_logs.lines if "fully set up" in line]
    answer = client.post(LOGIN, {"realm": "alpha", "username": "dave", "password": "Wrong-1x"})
    assert answer.status_code == 400 and WRONG_PASSWORD in answer.content.decode()
