"""This app served by real processes and registered at the provider.

For what the Django test client cannot do: receive the provider's back-channel calls,
serve a real browser, or run as several worker processes on one database and cache
(tests/projects/auth_live.py). ``live_site(processes=1, **env)`` starts the processes
and registers the first one's accounts URLs at the provider, until the test ends.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from example.idp import seed

from tests.eha_auth.conftest import SERVICE, TEST_ACCOUNTS_URL
from tests.eha_auth.providers import new_browser
from tests.harness.servers import ROOT, LocalServer, django_server

ACCOUNTS = f"/-/{SERVICE}/accounts"
SETTINGS = "tests.projects.auth_live"


@pytest.fixture(scope="session")
def live_site_database(tmp_path_factory) -> Path:
    """A migrated database (cache table included), copied for each test's site."""
    database = tmp_path_factory.mktemp("live-site") / "migrated.sqlite3"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
           "DJANGO_SETTINGS_MODULE": SETTINGS, "EHA_TEST_APP_DB": str(database),
           "KEYCLOAK_SERVER_URL": "http://127.0.0.1/realms", "KEYCLOAK_CLIENT_SECRET": "-"}
    for command in (["migrate", "--no-input", "-v", "0"], ["createcachetable"]):
        subprocess.run([sys.executable, "-m", "django", *command], env=env, cwd=ROOT,
                       check=True, capture_output=True, timeout=120)
    return database


@pytest.fixture
def live_site(provider, tmp_path, live_site_database):
    """Return a function starting the app's processes, registered at ``provider``."""
    started: list[LocalServer] = []

    def start(processes: int = 1, **env: str) -> list[LocalServer]:
        database = tmp_path / "site.sqlite3"
        shutil.copyfile(live_site_database, database)
        env = {"EHA_TEST_APP_DB": str(database), "KEYCLOAK_SERVER_URL": provider.realms_url,
               "KEYCLOAK_ISSUER_URL": provider.issuer_url,
               "KEYCLOAK_CLIENT_SECRET": seed.client_secret("alpha"), **env}
        servers = []
        for _ in range(processes):
            servers.append(django_server(SETTINGS, env=env, migrate=False).start())
            started.append(servers[-1])
        provider.register_site(servers[0].url + ACCOUNTS)
        return servers

    try:
        yield start
    finally:
        for server in started:
            server.stop()
        if started:
            provider.register_site(TEST_ACCOUNTS_URL)


def sign_in(site_url: str, realm: str = "alpha", username: str = "alice") -> requests.Session:
    """Sign in on the site's own form (behind the scenes); return the browser."""
    browser = new_browser()
    page = browser.get(site_url + ACCOUNTS + "/login/", timeout=20).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    answer = browser.post(site_url + ACCOUNTS + "/login/", allow_redirects=False, timeout=20,
                          data={"csrfmiddlewaretoken": csrf, "realm": realm,
                                "username": username, "password": seed.password(realm, username)})
    assert answer.status_code == 302, answer.text[:300]
    return browser


def whoami(browser: requests.Session, site_url: str) -> str | None:
    return browser.get(site_url + "/whoami/", timeout=60).json()["user"]


def expire_tokens(browser: requests.Session, site_url: str) -> None:
    """Make the session's access token due for refresh (tests/eha_auth/views.py)."""
    assert browser.post(site_url + "/expire-tokens/", timeout=20).status_code == 200
