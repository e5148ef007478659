"""Sessions at the provider: logout, back-channel logout and refresh, against each provider."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
import requests

from tests.eha_auth.conftest import SERVICE, TEST_ACCOUNTS_URL
from tests.eha_auth.live import expire_tokens, live_site, live_site_database, sign_in, whoami
from tests.eha_auth.providers import new_browser
from tests.harness import logcheck
from tests.harness.threads import together

__all__ = ["live_site", "live_site_database"]  # the fixtures, used by name
pytestmark = pytest.mark.django_db
ACCOUNTS = f"/-/{SERVICE}/accounts"
LOGIN = f"{ACCOUNTS}/login/"


def session_tokens(client) -> dict:
    tokens = client.session["eha_auth_oidc"]
    logcheck.register(tokens["access_token"], tokens["refresh_token"], tokens["id_token"])
    return tokens


def visit(url: str) -> http.client.HTTPResponse:
    """The browser's visit to the provider, through http.client (which logs no URL)."""
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=20)
    connection.request("GET", f"{target.path}?{target.query}")
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


# -- logout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("registered", [True, False],
                         ids=["post-logout-uri-registered", "post-logout-uri-unknown"])
def test_logout_ends_the_provider_session_whatever_the_registration(
        client, provider, settings, registered):
    """Ended from the server before the browser is sent to the provider's logout page: a
    post-logout redirect URI the provider does not know costs the way back, not the logout."""
    settings.KEYCLOAK_BEHIND_SCENES = False
    if not registered:
        provider.drop_post_logout_redirect(TEST_ACCOUNTS_URL)
    try:
        browser = new_browser()
        auth_url = client.post(LOGIN, {"realm": "alpha", "next": "/whoami/"})["Location"]
        client.get(provider.browser_login(auth_url, browser=browser))
        sid = session_tokens(client)["sid"]
        assert sid in provider.sessions("alpha", "alice")

        answer = client.post(f"{ACCOUNTS}/logout/")
        assert answer.status_code == 302 and client.get("/whoami/").json()["user"] is None
        assert sid not in provider.sessions("alpha", "alice")
        back = visit(answer["Location"])  # RP-initiated logout in the browser
        if registered:
            assert back.status == 302
            assert back.getheader("Location") == f"{TEST_ACCOUNTS_URL}/logged-out/"
        else:
            assert back.status == 400  # the provider's "Invalid redirect uri" page

        # Signing in again asks for the password: the provider's cookies lead nowhere.
        auth_url = client.post(LOGIN, {"realm": "alpha", "next": "/whoami/"})["Location"]
        assert provider.silent_login(auth_url, browser) is None
    finally:
        provider.register_site(TEST_ACCOUNTS_URL)


# -- back-channel logout --------------------------------------------------------------------


def sign_in_twice(provider, site_url: str) -> tuple[requests.Session, requests.Session, str]:
    """Sign alice in on two devices (two provider sessions); return them and the first's id."""
    before = set(provider.sessions("alpha", "alice"))
    first = sign_in(site_url)
    (first_sid,) = set(provider.sessions("alpha", "alice")) - before
    second = sign_in(site_url)
    assert whoami(first, site_url) == whoami(second, site_url) == "alpha__alice"
    return first, second, first_sid


@pytest.mark.django_db(transaction=True)
def test_signing_out_one_provider_session_ends_only_its_session_here(provider, live_site):
    """The provider names the session (``sid``): the user's other devices stay signed in."""
    (site,) = live_site(EHA_TEST_BEHIND_SCENES="1")
    first, second, first_sid = sign_in_twice(provider, site.url)
    provider.end_session("alpha", first_sid)  # the provider sends a back-channel logout
    assert whoami(first, site.url) is None
    assert whoami(second, site.url) == "alpha__alice"


@pytest.mark.django_db(transaction=True)
def test_logout_token_naming_only_the_user_ends_all_of_its_sessions(provider, live_site):
    """Without "session required" the provider names only the user (``sub``)."""
    (site,) = live_site(EHA_TEST_BEHIND_SCENES="1")
    first, second, first_sid = sign_in_twice(provider, site.url)
    provider.set_backchannel_session_required(False)
    try:
        provider.end_session("alpha", first_sid)
    finally:
        provider.set_backchannel_session_required(True)
    assert whoami(first, site.url) is None
    assert whoami(second, site.url) is None


# -- refresh --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("processes", [1, 3], ids=["threads", "processes"])
def test_concurrent_requests_refresh_a_session_once(provider, live_site, processes):
    """Requests of one session find its access token due together: one refresh between them,
    even where a refresh token is single use and reusing it ends the session."""
    # One process: its threads share an in-process cache. Several: a database cache.
    cache = {"EHA_TEST_CACHE": "locmem"} if processes == 1 else {}
    sites = live_site(processes, EHA_TEST_BEHIND_SCENES="1", **cache)
    urls = [site.url for site in sites] * (8 // processes + 1)
    with provider.single_use_refresh_tokens("alpha"):
        browser = sign_in(sites[0].url)
        cookies = browser.cookies.get_dict()
        expire_tokens(browser, sites[0].url)
        with provider.counting_refreshes("alpha") as refreshes:
            users = together(lambda url: whoami(requests_with(cookies), url), urls[:8])
            assert users == ["alpha__alice"] * 8
            assert refreshes() == 1
            expire_tokens(browser, sites[-1].url)  # the new refresh token works
            assert whoami(browser, sites[-1].url) == "alpha__alice"
            assert refreshes() == 2


def requests_with(cookies: dict) -> requests.Session:
    session = new_browser()
    session.cookies.update(cookies)
    return session
