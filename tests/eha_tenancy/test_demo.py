"""The demo site, served for real: two realms, their users, the notes API and admin."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.harness.servers import ROOT, _pythonpath, django_server


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "EHA_DEMO_PASSWORD": "pw",
           "DEBUG": "false", "PYTHONPATH": _pythonpath()}
    manage = [sys.executable, str(ROOT / "example" / "manage.py")]
    for command in (["migrate", "-v", "0"], ["demo_setup"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True,
                       capture_output=True, timeout=120)
    server = django_server("example.settings", env=env, migrate=False).start()
    yield server
    server.stop()


def get(demo, path, user, realm=None, **kwargs):
    headers = {"Eha-Realm": realm} if realm else {}
    return requests.get(demo.url + path, auth=(user, "pw"), headers=headers, timeout=10,
                        allow_redirects=False, **kwargs)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [note["title"] for note in response.json()["results"]]


def test_each_realm_sees_its_own_notes(demo):
    assert titles(get(demo, "/api/notes/", "alice", "alpha")) == [
        "alpha note 1", "alpha note 2", "alpha note 3"]
    assert titles(get(demo, "/api/notes/", "bob", "beta")) == [
        "beta note 1", "beta note 2", "beta note 3"]


def test_a_user_cannot_read_the_other_realm(demo):
    response = get(demo, "/api/notes/", "alice", "beta")
    assert response.status_code == 403
    assert "beta note" not in response.text


def test_new_notes_land_in_the_realm_of_the_request(demo):
    response = requests.post(demo.url + "/api/notes/", auth=("bob", "pw"), timeout=10,
                             headers={"Eha-Realm": "beta"}, json={"title": "from bob"})
    assert response.status_code == 201, response.text
    assert response.json()["realm"] == "beta"
    assert "from bob" not in titles(get(demo, "/api/notes/", "alice", "alpha"))


def signed_in(demo, username) -> requests.Session:
    """A browser session signed in through the admin's login form."""
    session = requests.Session()
    page = session.get(demo.url + "/admin/login/", timeout=10)
    session.post(demo.url + "/admin/login/", timeout=10, allow_redirects=False, data={
        "username": username, "password": "pw", "next": "/admin/",
        "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": page.url})
    return session


def test_realms_listed_for_staff(demo):
    response = signed_in(demo, "admin").get(demo.url + "/admin/~realms", timeout=10)
    assert response.json() == {"realms": ["alpha", "beta", "eha"]}


def test_choosing_a_realm_is_for_members_only(demo):
    browser = signed_in(demo, "alice")
    assert browser.get(demo.url + "/admin/", timeout=10).status_code == 403  # realm "eha"
    refused = browser.get(demo.url + "/realm/beta/", timeout=10, allow_redirects=False)
    assert refused.status_code == 403
    chosen = browser.get(demo.url + "/realm/alpha/", timeout=10, allow_redirects=False)
    assert chosen.status_code == 302 and browser.cookies["eha-realm"] == "alpha"
    notes = browser.get(demo.url + "/admin/demo/note/", timeout=10)
    assert notes.status_code == 200
    assert "alpha note 1" in notes.text and "beta note" not in notes.text


def test_concurrent_requests_of_two_realms_stay_apart(demo):
    from concurrent.futures import ThreadPoolExecutor

    def fetch(number):
        user, realm = ("alice", "alpha") if number % 2 else ("bob", "beta")
        return realm, get(demo, "/api/notes/", user, realm)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(fetch, range(8)))  # Basic auth hashes: keep it short
    for realm, response in results:
        assert response.status_code == 200
        assert {note["realm"] for note in response.json()["results"]} == {realm}
