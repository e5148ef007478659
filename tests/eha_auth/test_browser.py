"""Sign in and out of the demo site in a real browser (Debian's Chromium, Playwright).

The demo site, the CAS server and the local identity provider run as real processes;
a screenshot of the page is saved to test-artifacts/ when a test fails.
"""

import re
import shutil
import subprocess
import sys

import pytest
from example.idp import seed
from playwright import sync_api as playwright_api

from tests.harness.servers import ROOT, django_server

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ADMIN_PASSWORD = "browser-demo-pass"


@pytest.fixture(scope="module")
def cas_server(tmp_path_factory):
    server = django_server("example.cas_server.settings", env={
        "CAS_SERVER_DB": str(tmp_path_factory.mktemp("cas") / "cas.sqlite3")})
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def demo(cas_server, tmp_path_factory):
    """The demo site (DEBUG, CAS on), its admin made by ``setup_admin``."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}",
           "DEBUG": "1", "CAS_SERVER_URL": cas_server.url + "/cas/",
           "EHA_ADMIN_PASSWORD": ADMIN_PASSWORD, "DJANGO_SETTINGS_MODULE": "example.settings"}
    server = django_server("example.settings", env=env, migrate=False)
    manage = [sys.executable, str(ROOT / "example" / "manage.py")]
    for command in (["migrate", "--no-input", "-v", "0"], ["setup_admin", "--no-input"]):
        subprocess.run([*manage, *command], env=server.env, cwd=ROOT, check=True,
                       capture_output=True, timeout=120)
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
    match = re.search(r"Signed in as (\S+)\.", page.content())
    return match.group(1) if match else None


def test_password_sign_in_and_out(page, demo):
    page.goto(demo.url + "/accounts/login/?next=/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("form.login-password button[type=submit]")
    page.wait_for_url(demo.url + "/")
    assert signed_in_as(page) == "admin"
    page.goto(demo.url + "/accounts/logout/")
    page.click("button[type=submit]")
    page.wait_for_url(demo.url + "/accounts/logged-out/")
    assert "You are signed out" in page.content()
    page.goto(demo.url + "/")
    assert signed_in_as(page) is None


def test_wrong_password_stays_on_login_page(page, demo):
    page.goto(demo.url + "/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "wrong")
    page.click("form.login-password button[type=submit]")
    assert "/accounts/login/" in page.url and "correct username and password" in page.content()


def test_cas_sign_in_and_single_logout(page, demo, cas_server):
    page.goto(demo.url + "/accounts/login/?next=/")
    page.click("a[data-method=cas]")
    page.wait_for_url(re.compile(re.escape(cas_server.url) + r"/cas/login\?service="))
    page.fill("#id_username", "casuser")
    page.fill("#id_password", "cas-password")
    page.click("[type=submit]")
    page.wait_for_url(demo.url + "/")
    assert signed_in_as(page) == "casuser"
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
    env = {"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('demo-idp') / 'demo.sqlite3'}",
           "DEBUG": "1", "KEYCLOAK_SERVER_URL": idp.realms_url,
           "KEYCLOAK_CLIENT_SECRET": seed.client_secret("alpha"),
           "DJANGO_SETTINGS_MODULE": "example.settings"}
    server = django_server("example.settings", env=env, migrate=False)
    subprocess.run([sys.executable, str(ROOT / "example" / "manage.py"), "migrate", "--no-input",
                    "-v", "0"], env=server.env, cwd=ROOT, check=True, capture_output=True,
                   timeout=120)
    yield server.start()
    server.stop()


def sign_in_at_provider(page, idp, realm: str, username: str) -> None:
    page.wait_for_url(re.compile(re.escape(idp.issuer(realm)) + r"/login\?next="))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", seed.password(realm, username))
    page.click("button[type=submit]")


def test_keycloak_redirect_sign_in_and_out(page, demo_idp, idp):
    page.goto(demo_idp.url + "/auth/")
    page.click("text=Choose a realm")
    page.select_option("select[name=realm]", "alpha")
    page.click("button[type=submit]")
    sign_in_at_provider(page, idp, "alpha", "alice")
    page.wait_for_url(demo_idp.url + "/auth/")
    assert "Signed in as alpha__alice" in page.inner_text("body")
    assert "(realm alpha, by redirect)" in page.inner_text("body")
    page.click("text=Sign out")   # RP-initiated logout at the provider, then back here
    page.wait_for_url(re.compile(re.escape(demo_idp.url) + r"/.*logged-out/"))
    page.goto(demo_idp.url + "/")
    assert signed_in_as(page) is None


def test_social_oidc_sign_in_and_out(page, demo_idp, idp):
    page.goto(demo_idp.url + "/accounts/login/?next=/")
    assert page.is_visible("form.login-password")   # password login stays beside it
    page.click("button[data-method=social-idp-beta]")
    sign_in_at_provider(page, idp, "beta", "carol")
    page.wait_for_url(demo_idp.url + "/")
    assert signed_in_as(page) == "beta__carol"
    page.goto(demo_idp.url + "/accounts/logout/")
    page.click("button[type=submit]")
    page.wait_for_url(demo_idp.url + "/accounts/logged-out/")
    page.goto(demo_idp.url + "/")
    assert signed_in_as(page) is None
