"""Sign in and out of the demo site in a real browser (Debian's Chromium, Playwright).

The demo site, the CAS server and the local identity provider run as real processes;
a screenshot of the page is saved to test-artifacts/ when a test fails.
"""

import re
import shutil
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from example.idp import seed
from playwright import sync_api as playwright_api

from tests.eha_auth.providers import LocalProvider
from tests.harness.servers import ROOT, django_server

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def cas_server(tmp_path_factory):
    server = django_server("example.cas_server.settings", env={
        "CAS_SERVER_DB": str(tmp_path_factory.mktemp("cas") / "cas.sqlite3")})
    yield server.start()
    server.stop()


DEMO_PASSWORD = "browser-demo-realm-pass"
REALM_PAGE = "/demo/realm/"


def prepare_demo(env: dict) -> None:
    """Migrate, then the realms' users and notes (``demo_setup``)."""
    manage = [sys.executable, str(ROOT / "example" / "manage.py")]
    for command in (["migrate", "--no-input", "-v", "0"], ["demo_setup"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True,
                       capture_output=True, timeout=120)


def demo_env(tmp_path_factory, name: str, **extra) -> dict:
    return {"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp(name) / 'demo.sqlite3'}",
            "DEBUG": "1", "EHA_DEMO_PASSWORD": DEMO_PASSWORD,
            "DJANGO_SETTINGS_MODULE": "example.settings", **extra}


@pytest.fixture(scope="module")
def demo(cas_server, tmp_path_factory):
    """The demo site (DEBUG, CAS on): realms alpha and beta with their notes."""
    server = django_server("example.settings", migrate=False, env=demo_env(
        tmp_path_factory, "demo", CAS_SERVER_URL=cas_server.url + "/cas/"))
    prepare_demo(server.env)
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    # A module-scoped Playwright (not pytest-playwright's session-wide one): its
    # event loop ends with this module, so later in-process database tests work.
    if shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing: apt-get install chromium (nox does it).")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    setattr(item, f"rep_{call.when}", outcome.get_result())


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def signed_in_as(page) -> str | None:
    match = re.search(r"Signed in as (\S+)\.", page.inner_text("body"))
    return match.group(1) if match else None


def assert_on_realm_page(page, site, username: str, realm: str) -> None:
    """The realm page: this user, this realm, this realm's notes and none of the other's."""
    page.wait_for_url(site.url + REALM_PAGE)
    assert page.get_attribute("#user", "data-username") == username
    assert page.inner_text("#realm") == realm
    other = "beta" if realm == "alpha" else "alpha"
    notes = page.inner_text("#notes")
    assert notes.split("\n") == [f"{realm} note {number}" for number in (1, 2, 3)]
    assert other not in notes


def sign_out(page, site) -> None:
    page.goto(site.url + "/accounts/logout/")
    page.click("button[type=submit]")
    page.wait_for_url(site.url + "/accounts/logged-out/")
    assert "You are signed out" in page.content()
    page.goto(site.url + REALM_PAGE)   # login required again
    assert "/accounts/login/" in page.url


def test_password_sign_in_and_out(page, demo):
    login = "/accounts/login/?" + urlencode({"next": REALM_PAGE})
    page.goto(demo.url + "/realm/alpha/?" + urlencode({"next": login}))  # choose the realm
    page.fill("#id_username", "alice")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.login-password button[type=submit]")
    assert_on_realm_page(page, demo, "alice", "alpha")
    sign_out(page, demo)


def test_wrong_password_stays_on_login_page(page, demo):
    page.goto(demo.url + "/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "wrong")
    with page.expect_navigation():  # the form posts to its own URL: wait for the answer
        page.click("form.login-password button[type=submit]")
    assert "/accounts/login/" in page.url and "correct username and password" in page.content()


def test_cas_sign_in_and_single_logout(page, demo, cas_server):
    page.goto(demo.url + "/accounts/login/?" + urlencode({"next": REALM_PAGE}))
    page.click("a[data-method=cas]")
    page.wait_for_url(re.compile(re.escape(cas_server.url) + r"/cas/login\?service="))
    page.fill("#id_username", "casuser")
    page.fill("#id_password", "cas-password")
    page.click("[type=submit]")
    assert_on_realm_page(page, demo, "alpha__casuser", "alpha")   # the CAS realm attribute
    page.goto(demo.url + "/accounts/cas/logout/")   # ends the CAS session, which logs out here
    page.goto(demo.url + "/")
    assert signed_in_as(page) is None


def test_proxy_mockup_session(page, demo):
    page.goto(demo.url + "/proxy/mockup/login/?next=/demo/proxy-accounts/")
    page.click("button[value=mockup-manager]")
    page.wait_for_url(demo.url + "/demo/proxy-accounts/")
    assert page.inner_text("#managed") == "acme"
    assert page.inner_text("#accessibles") == "acme, beta"


@pytest.fixture(scope="module")
def demo_idp(idp, tmp_path_factory):
    """The demo site as `nox -s demo` runs it: Keycloak login and social OIDC, no CAS."""
    server = django_server("example.settings", migrate=False, env=demo_env(
        tmp_path_factory, "demo-idp", KEYCLOAK_SERVER_URL=idp.realms_url,
        KEYCLOAK_ISSUER_URL=idp.issuer_url,
        KEYCLOAK_CLIENT_SECRET=seed.client_secret("alpha")))
    LocalProvider(idp).register_site(f"{server.url}/-/demo/accounts")
    for realm in seed.REALMS:  # social login's callback, one per provider backend
        idp.configure_client(realm, seed.CLIENT_ID,
                             {"redirect_uris": f"{server.url}/accounts/social/complete/*"})
    prepare_demo(server.env)
    yield server.start()
    server.stop()


def sign_in_at_provider(page, idp, realm: str, username: str) -> None:
    page.wait_for_url(re.compile(re.escape(idp.issuer(realm)) + r"/login\?next="))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", seed.password(realm, username))
    page.click("button[type=submit]")


def test_keycloak_redirect_sign_in_and_out(page, demo_idp, idp):
    page.goto(demo_idp.url + "/-/demo/accounts/login/?" + urlencode({"next": REALM_PAGE}))
    page.select_option("select[name=realm]", "alpha")
    page.click("button[type=submit]")
    sign_in_at_provider(page, idp, "alpha", "alice")
    assert_on_realm_page(page, demo_idp, "alpha__alice", "alpha")
    page.goto(demo_idp.url + "/auth/")
    assert "(realm alpha, by redirect)" in page.inner_text("body")
    page.click("text=Sign out")   # RP-initiated logout at the provider, then back here
    page.wait_for_url(re.compile(re.escape(demo_idp.url) + r"/.*logged-out/"))
    page.goto(demo_idp.url + "/")
    assert signed_in_as(page) is None


def test_social_oidc_sign_in_and_out(page, demo_idp, idp):
    page.goto(demo_idp.url + "/accounts/login/?" + urlencode({"next": REALM_PAGE}))
    assert page.is_visible("form.login-password")   # password login stays beside it
    page.click("button[data-method=social-idp-beta]")
    sign_in_at_provider(page, idp, "beta", "carol")
    assert_on_realm_page(page, demo_idp, "beta__carol", "beta")
    assert page.goto(demo_idp.url + "/realm/alpha/").status == 403   # not a member of alpha
    sign_out(page, demo_idp)
