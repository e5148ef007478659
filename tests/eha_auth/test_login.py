"""Keycloak login behind the scenes and by redirect, sessions, logout, back-channel logout."""

from __future__ import annotations

import http.client
import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.models import Session
from example.idp import seed
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError

from tests.eha_auth import forge
from tests.eha_auth.conftest import SERVICE
from tests.harness import logcheck
from tests.harness.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("auth_settings")]
ACCOUNTS = f"/-/{SERVICE}/accounts"
LOGIN = f"{ACCOUNTS}/login/"
TOKEN = "/realms/alpha/protocol/openid-connect/token"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def login_behind_scenes(client, settings, realm="alpha", username="alice", **extra):
    settings.KEYCLOAK_BEHIND_SCENES = True
    return client.post(LOGIN, {"realm": realm, "username": username,
                               "password": seed.password(realm, username), **extra})


def whoami(client) -> str | None:
    return client.get("/whoami/").json()["user"]


def session_tokens(client) -> dict:
    tokens = client.session["eha_auth_oidc"]
    logcheck.register(tokens["access_token"], tokens["refresh_token"], tokens["id_token"])
    return tokens


# -- behind the scenes ---------------------------------------------------------------------


def test_login_form_has_realm_username_and_password(client, settings):
    settings.KEYCLOAK_BEHIND_SCENES = True
    page = client.get(LOGIN + "?realm=beta").content.decode()
    assert 'name="realm"' in page and 'name="username"' in page and 'name="password"' in page
    assert '<option value="beta" selected>' in page


def test_password_grant_logs_in_with_tokens_kept_server_side(client, settings):
    answer = login_behind_scenes(client, settings, next="/whoami/")
    assert answer.status_code == 302 and answer["Location"] == "/whoami/"
    assert client.get("/whoami/").json() == {"user": "alpha__alice", "realm": None,
                                             "session_realm": "alpha"}
    tokens = session_tokens(client)
    assert tokens["realm"] == "alpha" and tokens["refresh_token"] and tokens["id_token"]
    assert tokens["access_token"] not in answer.content.decode()


def test_wrong_password_is_refused_with_a_message(client, settings):
    settings.KEYCLOAK_BEHIND_SCENES = True
    answer = client.post(LOGIN, {"realm": "alpha", "username": "alice",
                                 "password": "not-the-password-123"})
    logcheck.register("not-the-password-123")
    assert answer.status_code == 400 and b"Wrong username or password" in answer.content
    assert whoami(client) is None


def test_same_name_in_another_realm_is_another_user(client, settings):
    login_behind_scenes(client, settings, realm="beta")
    assert whoami(client) == "beta__alice"


def test_unknown_realm_is_refused(client, settings):
    answer = login_behind_scenes(client, settings, realm="gamma")
    assert answer.status_code == 400 and whoami(client) is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "http://testserver.evil/", "javascript:alert(1)"])
def test_next_goes_only_to_this_host(client, settings, target):
    answer = login_behind_scenes(client, settings, next=target)
    assert answer.status_code == 302 and answer["Location"] == "/"


def test_provider_down_answers_503_with_a_message(client, settings):
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"
    answer = login_behind_scenes(client, settings)
    assert answer.status_code == 503 and b"cannot be reached" in answer.content
    settings.KEYCLOAK_BEHIND_SCENES = False
    answer = client.post(LOGIN, {"realm": "alpha"})
    assert answer.status_code == 503 and b"cannot be reached" in answer.content


def test_hanging_provider_is_cut_at_the_timeout(client, settings, idp):
    settings.KEYCLOAK_TIMEOUT = (0.5, 0.5)
    idp.set_delay(3)  # the provider answers after 3 s: past our read timeout
    try:
        answer = login_behind_scenes(client, settings)
    finally:
        idp.set_delay(0)
    assert answer.status_code == 503


# -- redirect (authorization code + PKCE) ---------------------------------------------------


def browser_login(idp, auth_url: str, realm="alpha", username="alice") -> str:
    """Sign in on the provider's page like a browser; return the callback URL it sends us to."""
    browser = requests.Session()
    answer = browser.get(auth_url, allow_redirects=False, timeout=10)
    login_url = idp.url + answer.headers["Location"]
    page = browser.get(login_url, timeout=10).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    answer = browser.post(login_url, timeout=10, allow_redirects=False, data={
        "csrfmiddlewaretoken": csrf, "username": username,
        "password": seed.password(realm, username),
        "next": parse_qs(urlsplit(login_url).query)["next"][0]})
    answer = browser.get(idp.url + answer.headers["Location"], allow_redirects=False, timeout=10)
    return answer.headers["Location"]


def start_redirect_login(client, settings, realm="alpha", next_url="/whoami/") -> str:
    settings.KEYCLOAK_BEHIND_SCENES = False
    answer = client.post(LOGIN, {"realm": realm, "next": next_url})
    assert answer.status_code == 302
    return answer["Location"]


def test_realm_chooser_lists_the_realms(client, settings):
    settings.KEYCLOAK_BEHIND_SCENES = False
    page = client.get(LOGIN).content.decode()
    assert '<option value="alpha"' in page and '<option value="beta"' in page
    assert 'name="password"' not in page


def test_redirect_login_with_state_nonce_and_pkce(client, settings, idp):
    auth_url = start_redirect_login(client, settings)
    query = parse_qs(urlsplit(auth_url).query)
    assert auth_url.startswith(idp.issuer("alpha") + "/protocol/openid-connect/auth?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"http://testserver{ACCOUNTS}/callback/"]
    callback = browser_login(idp, auth_url)
    answer = client.get(callback)
    assert answer.status_code == 302 and answer["Location"] == "/whoami/"
    assert whoami(client) == "alpha__alice"
    assert session_tokens(client)["id_token"]


def test_callback_with_unknown_state_is_refused(client, settings, idp):
    callback = browser_login(idp, start_redirect_login(client, settings))
    split = urlsplit(callback)
    forged = callback.replace(parse_qs(split.query)["state"][0], "forged-state")
    assert client.get(forged).status_code == 400
    assert whoami(client) is None


def test_callback_cannot_be_replayed(client, settings, idp):
    callback = browser_login(idp, start_redirect_login(client, settings))
    assert client.get(callback).status_code == 302
    client.cookies.clear()
    assert client.get(callback).status_code == 400


def test_nonce_mismatch_is_refused(client, settings, idp):
    auth_url = start_redirect_login(client, settings)
    session = client.session
    flow = next(iter(session["eha_auth_flows"].values()))
    flow["nonce"] = "another-nonce"
    session.save()
    answer = client.get(browser_login(idp, auth_url))
    assert answer.status_code == 400 and whoami(client) is None


def test_pkce_verifier_is_required(client, settings, idp):
    auth_url = start_redirect_login(client, settings)
    session = client.session
    flow = next(iter(session["eha_auth_flows"].values()))
    flow["verifier"] = "x" * 64
    session.save()
    answer = client.get(browser_login(idp, auth_url))
    assert answer.status_code == 400 and whoami(client) is None


def test_provider_error_at_callback_is_a_message(client, settings):
    start_redirect_login(client, settings)
    state = next(iter(client.session["eha_auth_flows"]))
    answer = client.get(f"{ACCOUNTS}/callback/?state={state}&error=access_denied")
    assert answer.status_code == 400 and b"not completed" in answer.content


# -- session refresh ------------------------------------------------------------------------


def expire_soon(client):
    session = client.session
    session["eha_auth_oidc"]["expires_at"] = time.time() + 5
    session.save()


def test_tokens_are_not_refreshed_on_every_request(client, settings, idp):
    login_behind_scenes(client, settings)
    before = idp.requests_to(TOKEN)
    for _ in range(3):
        assert whoami(client) == "alpha__alice"
    assert idp.requests_to(TOKEN) == before


def test_tokens_are_refreshed_ahead_of_expiry(client, settings, idp):
    login_behind_scenes(client, settings)
    old = session_tokens(client)
    expire_soon(client)
    before = idp.requests_to(TOKEN)
    assert whoami(client) == "alpha__alice"
    new = session_tokens(client)
    assert new["access_token"] != old["access_token"] and new["expires_at"] > time.time() + 60
    assert idp.requests_to(TOKEN) == before + 1
    assert whoami(client) == "alpha__alice"
    assert idp.requests_to(TOKEN) == before + 1


def test_failed_refresh_logs_the_user_out(client, settings, idp):
    login_behind_scenes(client, settings)
    tokens = session_tokens(client)
    keycloak = KeycloakOpenID(server_url=idp.url, realm_name="alpha", client_id=seed.CLIENT_ID,
                              client_secret_key=seed.client_secret("alpha"), timeout=(2, 5))
    keycloak.logout(tokens["refresh_token"])  # the provider ends the session
    expire_soon(client)
    assert whoami(client) is None


def test_a_request_holding_the_replaced_tokens_adopts_the_new_ones(client, settings, idp):
    """A request that read the session before another refreshed it spends nothing: the
    refresh token it holds is spent already (single use), the new tokens wait for it."""
    login_behind_scenes(client, settings)
    expire_soon(client)
    replaced = client.session["eha_auth_oidc"]
    assert whoami(client) == "alpha__alice"  # refreshed
    new = session_tokens(client)
    session = client.session
    session["eha_auth_oidc"] = replaced  # as the late request read it
    session.save()
    before = idp.requests_to(TOKEN)
    assert whoami(client) == "alpha__alice"
    assert idp.requests_to(TOKEN) == before
    assert session_tokens(client) == new


def test_the_cache_never_holds_a_token_in_clear(client, settings):
    from django.core.cache import cache

    login_behind_scenes(client, settings)
    expire_soon(client)
    assert whoami(client) == "alpha__alice"  # refreshed: the outcome waits in the cache
    new = session_tokens(client)
    stored = b"".join(value for value in cache._cache.values() if isinstance(value, bytes))
    assert b"eha_auth:flight:" in b"".join(key.encode() for key in cache._cache)
    for token in (new["access_token"], new["refresh_token"], new["id_token"]):
        assert token.encode() not in stored


def test_refresh_with_the_provider_down_keeps_the_session_while_its_token_lives(
        client, settings, idp):
    login_behind_scenes(client, settings)
    expire_soon(client)
    up = settings.KEYCLOAK_SERVER_URL
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"
    assert whoami(client) == "alpha__alice"  # the access token has 5 s left
    settings.KEYCLOAK_SERVER_URL = up
    before = idp.requests_to(TOKEN)
    assert whoami(client) == "alpha__alice"  # the failure was not kept: refreshed now
    assert idp.requests_to(TOKEN) == before + 1


# -- logout ---------------------------------------------------------------------------------


def test_logout_behind_scenes_revokes_at_the_provider(client, settings, idp):
    login_behind_scenes(client, settings)
    tokens = session_tokens(client)
    assert client.get(f"{ACCOUNTS}/logout/").status_code == 200  # asks to confirm
    answer = client.post(f"{ACCOUNTS}/logout/")
    assert answer.status_code == 302 and answer["Location"] == f"{ACCOUNTS}/logged-out/"
    assert whoami(client) is None
    keycloak = KeycloakOpenID(server_url=idp.url, realm_name="alpha", client_id=seed.CLIENT_ID,
                              client_secret_key=seed.client_secret("alpha"), timeout=(2, 5))
    with pytest.raises(KeycloakError):
        keycloak.refresh_token(tokens["refresh_token"])


def test_logout_in_redirect_mode_is_rp_initiated_with_id_token_hint(client, settings, idp):
    client.get(browser_login(idp, start_redirect_login(client, settings)))
    tokens = session_tokens(client)
    answer = client.post(f"{ACCOUNTS}/logout/")
    assert answer.status_code == 302
    target = urlsplit(answer["Location"])
    query = parse_qs(target.query)
    assert answer["Location"].startswith(idp.issuer("alpha") + "/protocol/openid-connect/logout")
    assert query["id_token_hint"] == [tokens["id_token"]]
    assert query["post_logout_redirect_uri"] == [f"http://testserver{ACCOUNTS}/logged-out/"]
    assert whoami(client) is None
    # The browser's visit: through http.client, which (unlike urllib3) logs no URL.
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
    connection.request("GET", f"{target.path}?{target.query}")
    back = connection.getresponse()
    assert back.status == 302
    assert back.getheader("Location") == f"http://testserver{ACCOUNTS}/logged-out/"
    connection.close()


# -- back-channel logout --------------------------------------------------------------------


def logout_token(idp, realm="alpha", **claims) -> str:
    base = {"iss": idp.issuer(realm), "aud": seed.CLIENT_ID, "iat": int(time.time()),
            "jti": str(uuid.uuid4()), "events": {BACKCHANNEL_EVENT: {}}}
    return idp.sign(realm, {**base, **claims}, {"typ": "logout+jwt"})


def backchannel(client, token):
    return client.post(f"{ACCOUNTS}/backchannel-logout/", {"logout_token": token})


def test_backchannel_logout_ends_the_sessions_of_the_sid(client, settings, idp):
    from django.test import Client

    login_behind_scenes(client, settings)
    tokens = session_tokens(client)
    session_key = client.session.session_key
    provider = Client()
    answer = backchannel(provider, logout_token(idp, sid=tokens["sid"]))
    assert answer.status_code == 200
    assert not Session.objects.filter(session_key=session_key).exists()
    assert whoami(client) is None


def test_backchannel_logout_by_sub_and_replay_guard(client, settings, idp):
    from django.test import Client

    login_behind_scenes(client, settings)
    token = logout_token(idp, sub=session_tokens(client)["sub"])
    provider = Client()
    assert backchannel(provider, token).status_code == 200
    assert whoami(client) is None
    assert backchannel(provider, token).status_code == 400  # same jti: replay


@pytest.mark.parametrize("case", ["attacker key", "with nonce", "no sid nor sub",
                                  "no event", "other audience", "unknown issuer", "garbage"])
def test_bad_logout_tokens_are_refused(client, settings, idp, case):
    login_behind_scenes(client, settings)
    sid = session_tokens(client)["sid"]
    now = int(time.time())
    token = {
        "attacker key": lambda: forge.attacker_signed({
            "iss": idp.issuer("alpha"), "aud": "eha", "iat": now, "jti": "j", "sid": sid,
            "events": {BACKCHANNEL_EVENT: {}}}, {"kid": idp.keys("alpha")["signing"]}),
        "with nonce": lambda: logout_token(idp, sid=sid, nonce="n"),
        "no sid nor sub": lambda: logout_token(idp),
        "no event": lambda: logout_token(idp, sid=sid, events={}),
        "other audience": lambda: logout_token(idp, sid=sid, aud="other"),
        "unknown issuer": lambda: logout_token(idp, sid=sid, iss="http://evil/realms/alpha"),
        "garbage": lambda: "not-a-token",
    }[case]()
    from django.test import Client

    assert backchannel(Client(), token).status_code == 400
    assert whoami(client) == "alpha__alice"


def test_backchannel_marker_ends_a_session_the_index_missed(client, settings, idp):
    from django.core.cache import cache
    from django.test import Client

    from eha_auth.oidc import sessions

    login_behind_scenes(client, settings)
    tokens = session_tokens(client)
    for kind in ("sid", "sub"):  # lose the sessions index (as an evicted cache entry)
        cache.delete(sessions._key(sessions.INDEX_KEY, "alpha", kind, tokens[kind]))
    assert backchannel(Client(), logout_token(idp, sid=tokens["sid"])).status_code == 200
    assert whoami(client) is None


@pytest.mark.django_db(transaction=True)
def test_provider_delivers_backchannel_logout_to_a_live_site(live_server, settings, idp):
    """The provider itself posts the logout token when the user's provider session ends."""
    from importlib import import_module

    settings.KEYCLOAK_BEHIND_SCENES = True
    site = live_server.url
    idp.set_backchannel_logout_uri("alpha", seed.CLIENT_ID,
                                   f"{site}{ACCOUNTS}/backchannel-logout/")
    try:
        browser = requests.Session()
        page = browser.get(site + LOGIN, timeout=10).text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        answer = browser.post(site + LOGIN, timeout=10, allow_redirects=False, data={
            "csrfmiddlewaretoken": csrf, "realm": "alpha", "username": "alice",
            "password": seed.password("alpha", "alice")})
        assert answer.status_code == 302
        assert browser.get(site + "/whoami/", timeout=10).json()["user"] == "alpha__alice"
        store = import_module(settings.SESSION_ENGINE).SessionStore
        tokens = store(browser.cookies["sessionid"]).load()["eha_auth_oidc"]
        logcheck.register(tokens["refresh_token"], tokens["access_token"], tokens["id_token"])
        keycloak = KeycloakOpenID(server_url=idp.url, realm_name="alpha",
                                  client_id=seed.CLIENT_ID,
                                  client_secret_key=seed.client_secret("alpha"), timeout=(2, 5))
        keycloak.logout(tokens["refresh_token"])  # the provider session ends, elsewhere
        assert browser.get(site + "/whoami/", timeout=10).json()["user"] is None
    finally:
        idp.set_backchannel_logout_uri("alpha", seed.CLIENT_ID, "")
