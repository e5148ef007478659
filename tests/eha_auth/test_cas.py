"""CAS against a real CAS server process (django-mama-cas, example/cas_server)."""

import base64
import re
import zlib
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django_cas_ng.models import SessionTicket

from tests.harness.servers import django_server, free_port

CAS_USER, CAS_PASSWORD = "casuser", "cas-password"


@pytest.fixture(scope="module")
def cas_server(tmp_path_factory):
    server = django_server("example.cas_server.settings", env={
        "CAS_SERVER_DB": str(tmp_path_factory.mktemp("cas") / "cas.sqlite3")})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app_server(cas_server, tmp_path_factory):
    """This project, signing in with CAS, as a real process (so SLO can reach it)."""
    server = django_server("tests.projects.auth_cas_client", env={
        "EHA_TEST_CAS_SERVER": cas_server.url,
        "EHA_TEST_APP_DB": str(tmp_path_factory.mktemp("app") / "app.sqlite3")})
    server.start()
    yield server
    server.stop()


def cas_sign_in(browser: requests.Session, login_page: requests.Response,
                password: str = CAS_PASSWORD, follow: bool = True) -> requests.Response:
    """Fill in the CAS server's login form like a browser would."""
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', login_page.text))
    fields.update(username=CAS_USER, password=password)
    return browser.post(login_page.url, data=fields, headers={"Referer": login_page.url},
                        allow_redirects=follow, timeout=10)


def test_login_attributes_and_single_logout(app_server, cas_server):
    browser = requests.Session()
    login_page = browser.get(app_server.url + "/accounts/cas/login/?next=/page", timeout=10)
    assert login_page.url.startswith(cas_server.url + "/cas/login?service=")
    page = cas_sign_in(browser, login_page)
    assert page.url == app_server.url + "/page"
    assert page.json() == {"authenticated": True, "username": "alpha__casuser",
                           "roles": None, "realm": "alpha", "groups": ["alpha", "analysts"]}
    # Single logout: the CAS server POSTs a logoutRequest to the service.
    browser.get(cas_server.url + "/cas/logout", timeout=10)
    assert browser.get(app_server.url + "/page", timeout=10).json()["authenticated"] is False


def test_wrong_password_gets_no_ticket(app_server):
    browser = requests.Session()
    login_page = browser.get(app_server.url + "/accounts/cas/login/?next=/page", timeout=10)
    response = cas_sign_in(browser, login_page, password="wrong")
    assert "ticket=" not in response.url
    assert browser.get(app_server.url + "/page", timeout=10).json()["authenticated"] is False


def issue_ticket(service: str, cas_server) -> str:
    """Sign in at the CAS server for ``service``; return the service ticket it issues."""
    browser = requests.Session()
    login_page = browser.get(cas_server.url + "/cas/login", params={"service": service},
                             timeout=10)
    redirect = cas_sign_in(browser, login_page, follow=False)
    assert redirect.status_code == 302
    return parse_qs(urlparse(redirect.headers["Location"]).query)["ticket"][0]


@pytest.fixture
def cas_client_settings(settings, cas_server):
    settings.ROOT_URLCONF = "tests.eha_auth.urls_more"
    settings.AUTHENTICATION_BACKENDS = ["eha_auth.cas.backends.CASBackend"]
    settings.CAS_SERVER_URL = cas_server.url + "/cas/"
    settings.CAS_VERSION = "3"
    settings.CAS_GROUPS_ATTRIBUTE = "groups"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    return settings


SERVICE = "http://127.0.0.1/accounts/cas/login/?next=%2Fpage"


def cas_get(client, ticket):
    return client.get("/accounts/cas/login/", {"next": "/page", "ticket": ticket},
                      HTTP_HOST="127.0.0.1")


@pytest.mark.django_db
def test_replayed_ticket_rejected(cas_client_settings, client, cas_server):
    ticket = issue_ticket(SERVICE, cas_server)
    first = cas_get(client, ticket)
    assert first.status_code == 302 and first["Location"] == "/page"
    assert User.objects.get(username="casuser").email == "casuser@example.org"
    other = client.__class__()
    assert cas_get(other, ticket).status_code == 403
    assert "_auth_user_id" not in other.session


@pytest.mark.django_db
@pytest.mark.parametrize("shape", ["back-channel", "front-channel"])
def test_single_logout_payload_shapes(cas_client_settings, client, cas_server, shape):
    ticket = issue_ticket(SERVICE, cas_server)
    assert cas_get(client, ticket).status_code == 302
    assert SessionTicket.objects.filter(ticket=ticket).count() == 1
    xml = (f'<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="x" Version="2.0" '
           f'IssueInstant="2026-01-01T00:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
           f'<samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>')
    if shape == "back-channel":
        response = client.post("/accounts/cas/login/", {"logoutRequest": xml},
                               HTTP_HOST="127.0.0.1")
    else:
        deflater = zlib.compressobj(wbits=-15)
        packed = base64.b64encode(deflater.compress(xml.encode()) + deflater.flush()).decode()
        response = client.get("/accounts/cas/login/", {"logoutRequest": packed},
                              HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert SessionTicket.objects.filter(ticket=ticket).count() == 0
    assert Session.objects.count() == 0
    assert client.get("/page", HTTP_HOST="127.0.0.1").json()["authenticated"] is False


@pytest.mark.django_db
def test_logout_request_with_entities_is_harmless(cas_client_settings, client):
    evil = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<samlp:SessionIndex>&e;</samlp:SessionIndex></samlp:LogoutRequest>')
    response = client.post("/accounts/cas/login/", {"logoutRequest": evil},
                           HTTP_HOST="127.0.0.1")
    assert response.status_code == 200


@pytest.mark.django_db
def test_cas_server_down_is_503_with_message(cas_client_settings, client):
    cas_client_settings.CAS_SERVER_URL = f"http://127.0.0.1:{free_port()}/cas/"
    response = cas_get(client, "ST-1-whatever")
    assert response.status_code == 503
    assert b"cannot be reached" in response.content


@pytest.mark.django_db
def test_offsite_next_is_400(cas_client_settings, client):
    response = client.get("/accounts/cas/login/", {"next": "//evil.example/"},
                          HTTP_HOST="127.0.0.1")
    assert response.status_code == 400


@pytest.mark.django_db
def test_realm_from_attribute_and_groups(cas_client_settings, client, cas_server):
    cas_client_settings.MULTITENANCY = True
    cas_client_settings.CAS_REALM_ATTRIBUTE = "realm"
    ticket = issue_ticket(SERVICE, cas_server)
    assert cas_get(client, ticket).status_code == 302
    user = User.objects.get(username="alpha__casuser")
    assert sorted(user.groups.values_list("name", flat=True)) == ["alpha", "analysts"]
    assert not user.has_usable_password()
    assert client.session["eha_realm"] == "alpha"


@pytest.mark.django_db
def test_users_are_made_by_the_user_mapper(cas_client_settings, client, cas_server):
    from tests.eha_auth.mappers import MAPPER, was_mapped

    cas_client_settings.KEYCLOAK_USER_MAPPER = MAPPER
    cas_client_settings.MULTITENANCY = True
    cas_client_settings.CAS_REALM_ATTRIBUTE = "realm"
    assert cas_get(client, issue_ticket(SERVICE, cas_server)).status_code == 302
    user = User.objects.get(username="alpha__casuser")
    assert user.is_staff and was_mapped(user)  # the CAS group "analysts" is a role
    assert {"alpha", "analysts"} <= set(user.groups.values_list("name", flat=True))
    assert client.session["eha_realm"] == "alpha"


@pytest.mark.django_db
def test_a_malformed_current_realm_makes_no_user_and_no_group(cas_client_settings, client,
                                                              cas_server):
    from django.contrib.auth.models import Group

    cas_client_settings.MULTITENANCY = True
    client.cookies["eha-realm"] = "a__b"
    ticket = issue_ticket(SERVICE, cas_server)
    assert cas_get(client, ticket).status_code == 403
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists() and not Group.objects.filter(name="a__b").exists()
