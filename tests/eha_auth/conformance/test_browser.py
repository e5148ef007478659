"""Keycloak login in a real browser (Debian's Chromium), through each provider's own pages.

The app runs as a real process (tests/eha_auth/live.py) at http://127.0.0.1:<port>; the
browser meets Keycloak at its front-end URL, http://localhost:<port>.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.eha_auth.live import ACCOUNTS, live_site, live_site_database
from tests.eha_auth.test_browser import chromium

__all__ = ["chromium", "live_site", "live_site_database"]  # the fixtures, used by name
NEXT = "/whoami/"


@pytest.fixture
def new_context(chromium):
    """Return a function opening a browser of its own (cookies apart), closed after the test."""
    contexts = []

    def open_context():
        context = chromium.new_context()
        context.set_default_timeout(20_000)
        # Chromium asks for /favicon.ico with the session cookie: a request of the session
        # the tests do not make, which would refresh too.
        context.route("**/favicon.ico", lambda route: route.abort())
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def sign_in(context, provider, site_url: str, username: str = "alice"):
    """Sign in by redirect on the provider's page; return the page and the auth request URL."""
    page = context.new_page()
    page.goto(f"{site_url}{ACCOUNTS}/login/?next={NEXT}")
    page.select_option("select[name=realm]", "alpha")
    with page.expect_request(lambda request: "/openid-connect/auth?" in request.url) as asked:
        page.click("button[type=submit]")
    provider.fill_login_form(page, "alpha", username)
    page.wait_for_url(site_url + NEXT)
    return page, asked.value.url


def user_of(page, site_url: str) -> str | None:
    page.goto(site_url + NEXT)
    return json.loads(page.inner_text("body"))["user"]


def new_session(provider, sign_in_somewhere) -> str:
    """Return the id of the one provider session that ``sign_in_somewhere()`` starts."""
    before = set(provider.sessions("alpha", "alice"))
    sign_in_somewhere()
    (session,) = set(provider.sessions("alpha", "alice")) - before
    return session


def test_redirect_login_with_pkce(new_context, provider, live_site):
    (site,) = live_site()
    page, auth_url = sign_in(new_context(), provider, site.url)
    query = parse_qs(urlsplit(auth_url).query)
    assert auth_url.startswith(provider.issuer("alpha") + "/protocol/openid-connect/auth?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == [f"{site.url}{ACCOUNTS}/callback/"]
    assert user_of(page, site.url) == "alpha__alice"


def test_due_access_token_is_refreshed_once(new_context, provider, live_site):
    (site,) = live_site()
    page, _ = sign_in(new_context(), provider, site.url)
    assert page.request.post(site.url + "/expire-tokens/").ok
    with provider.counting_refreshes("alpha") as refreshes:
        assert user_of(page, site.url) == "alpha__alice"
        assert refreshes() == 1
        assert user_of(page, site.url) == "alpha__alice"
        assert refreshes() == 1  # the new access token has its whole life ahead


def test_logout_ends_the_provider_session(new_context, provider, live_site):
    (site,) = live_site()
    context = new_context()
    session = new_session(provider, lambda: sign_in(context, provider, site.url))
    page = context.new_page()
    page.goto(f"{site.url}{ACCOUNTS}/logout/")
    page.click("button[type=submit]")  # RP-initiated logout at the provider, then back here
    page.wait_for_url(f"{site.url}{ACCOUNTS}/logged-out/")
    assert session not in provider.sessions("alpha", "alice")
    assert user_of(page, site.url) is None
    page.goto(f"{site.url}{ACCOUNTS}/login/?next={NEXT}")
    page.select_option("select[name=realm]", "alpha")
    page.click("button[type=submit]")
    page.wait_for_selector("input[type=password]")  # the provider asks again


def test_provider_signing_one_browser_out_ends_its_session_only(new_context, provider,
                                                                live_site):
    """Two browsers signed in; the provider signs one out: back-channel logout, that one."""
    (site,) = live_site()
    signed_in = []
    first_session = new_session(provider, lambda: signed_in.append(
        sign_in(new_context(), provider, site.url)[0]))
    signed_in.append(sign_in(new_context(), provider, site.url)[0])
    first, second = signed_in
    provider.end_session("alpha", first_session)  # the provider sends a back-channel logout
    assert user_of(first, site.url) is None
    assert user_of(second, site.url) == "alpha__alice"
