"""Every page the apps ship and the demo shows, in Chromium: screenshots and axe-core.

Each page is visited at a desktop (1280x800) and a phone (390x844) viewport, signed in or
out as it needs, with its messages and its error state where it has one. A full-page
screenshot goes to test-artifacts/<page>-<width>.png; axe-core runs in the page and no
``serious`` or ``critical`` violation is allowed. The stylesheet must have loaded (the demo
serves static files in DEBUG) and no page may scroll sideways on the phone.
"""

from urllib.parse import urlencode

import pytest
from example.idp import seed

from tests.eha_auth.providers import LocalProvider
from tests.eha_auth.test_browser import (
    ARTIFACTS,
    DEMO_PASSWORD,
    REALM_PAGE,
    chromium,
    demo_env,
    prepare_demo,
)
from tests.harness.axe import AXE_RUN, axe_script
from tests.harness.servers import django_server, free_port

__all__ = ["chromium"]  # the fixture, used by name

VIEWPORTS = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}
PAGE_BACKGROUND = "rgb(243, 245, 248)"   # --eha-page of eha.css
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def site(idp, tmp_path_factory):
    """The demo with Keycloak login through the local provider."""
    server = django_server("example.settings", migrate=False, env=demo_env(
        tmp_path_factory, "pages", KEYCLOAK_SERVER_URL=idp.realms_url,
        KEYCLOAK_ISSUER_URL=idp.issuer_url, KEYCLOAK_CLIENT_SECRET=seed.client_secret("alpha")))
    LocalProvider(idp).register_site(f"{server.url}/-/demo/accounts")
    prepare_demo(server.env)
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def cas_site(tmp_path_factory):
    """The demo with CAS login (no Keycloak: the two exclude each other), its server down."""
    server = django_server("example.settings", migrate=False, env=demo_env(
        tmp_path_factory, "pages-cas", CAS_SERVER_URL=f"http://127.0.0.1:{free_port()}/cas/"))
    prepare_demo(server.env)
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def axe():
    return str(axe_script())


class Visit:
    """Screenshots and axe results of each page seen at one width."""

    def __init__(self, page, site, width: int, axe: str) -> None:
        self.page, self.site, self.width, self.axe = page, site, width, axe
        self.problems: list[str] = []

    def goto(self, path: str, status: int = 200, site=None):
        response = self.page.goto((site or self.site).url + path)
        assert response.status == status, (path, response.status)

    def check(self, name: str) -> None:
        """Screenshot the page as it is now, then check its look and run axe in it."""
        page = self.page
        page.wait_for_load_state("load")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{self.width}.png"), full_page=True)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        if background != PAGE_BACKGROUND:
            self.problems.append(f"{name}: eha.css not applied (background {background})")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            self.problems.append(f"{name}: scrolls sideways by {overflow}px")
        page.add_script_tag(path=self.axe)
        for violation in page.evaluate(AXE_RUN):
            if violation["impact"] in BLOCKING:
                self.problems.append(f"{name}: {violation}")


@pytest.fixture(params=sorted(VIEWPORTS, reverse=True), ids=lambda width: f"{width}px")
def visit(request, chromium, site, cas_site, axe):
    context = chromium.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    page.set_default_timeout(15_000)
    visit = Visit(page, site, request.param, axe)
    visit.cas_site = cas_site
    yield visit
    context.close()


def sign_in(visit) -> None:
    login = "/accounts/login/?" + urlencode({"next": REALM_PAGE})
    visit.goto("/realm/alpha/?" + urlencode({"next": login}))   # choose the realm
    visit.page.fill("#id_username", "alice")
    visit.page.fill("#id_password", DEMO_PASSWORD)
    visit.page.click("form.login-password button[type=submit]")
    visit.page.wait_for_url(visit.site.url + REALM_PAGE)


def see_signed_out_pages(visit) -> None:
    page = visit.page
    visit.goto("/")
    visit.check("index")
    visit.goto("/accounts/login/")
    visit.check("accounts-login")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    with page.expect_navigation():  # a form posted: wait for its answer
        page.click("form.login-password button[type=submit]")
    assert "correct username and password" in page.content()
    visit.check("accounts-login-error")
    visit.goto("/-/demo/accounts/login/")
    visit.check("realm-chooser")
    visit.goto("/-/demo/accounts/callback/", status=400)   # no sign-in under way
    visit.check("realm-chooser-error")
    visit.goto("/-/demo/accounts/password-login/")
    visit.check("keycloak-login")
    page.select_option("select[name=realm]", "alpha")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "wrong")
    with page.expect_navigation():  # a form posted: wait for its answer
        page.click("button[type=submit]")
    assert "Wrong username or password." in page.content()
    visit.check("keycloak-login-error")
    visit.goto("/accounts/cas/login/?ticket=ST-1", status=503, site=visit.cas_site)  # CAS down
    visit.check("cas-unavailable")
    visit.goto("/accounts/social/complete/idp-beta/", status=400)   # no sign-in under way
    visit.check("social-failed")
    visit.goto("/proxy/mockup/login/")
    visit.check("proxy-mockup-login")
    page.evaluate("""() => { const form = document.createElement("form");
        form.method = "post"; form.action = "/proxy/sso/login/";
        form.innerHTML = '<input name="session" value="not-a-session">';
        document.body.append(form); form.submit(); }""")
    page.wait_for_url(visit.site.url + "/proxy/sso/login/")
    visit.check("proxy-sso-failed")
    visit.goto("/-/demo/accounts/logged-out/")
    visit.check("keycloak-logged-out")


def see_signed_in_pages(visit) -> None:
    page = visit.page
    sign_in(visit)
    visit.check("demo-realm")
    visit.goto("/")
    visit.check("index-signed-in")
    visit.goto("/auth/")
    visit.check("auth")
    visit.goto("/demo/proxy-accounts/")
    visit.check("proxy-accounts")
    visit.goto("/check-user-tokens")
    visit.check("app-tokens")
    visit.goto("/accounts/tokens/")
    page.fill("#token-name", "laptop")
    page.fill("#token-days", "30")
    with page.expect_navigation():  # a form posted: wait for its answer
        page.click("button[name=create]")
    assert page.is_visible("#new-key")
    visit.check("api-tokens")
    page.fill("#token-days", "many")
    with page.expect_navigation():  # a form posted: wait for its answer
        page.click("button[name=create]")
    assert "Days must be a number" in page.inner_text(".messages")
    visit.check("api-tokens-error")
    with page.expect_navigation():  # a form posted: wait for its answer
        page.click("button[name=revoke]")
    assert "Token revoked." in page.inner_text(".messages")
    visit.goto("/-/demo/accounts/logout/")
    visit.check("keycloak-logout")
    visit.goto("/accounts/logout/")
    visit.check("logout")
    page.click("button[type=submit]")
    page.wait_for_url(visit.site.url + "/accounts/logged-out/")
    visit.check("logged-out")


def test_every_page_is_styled_and_accessible(visit):
    see_signed_out_pages(visit)
    see_signed_in_pages(visit)
    assert visit.problems == []
