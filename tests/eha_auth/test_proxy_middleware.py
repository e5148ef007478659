"""The proxy session middleware, backend, mixin and views through real requests."""

import logging
import random
import time

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from eha_auth.proxy import crypto
from eha_auth.proxy.middleware import ProxySessionMiddleware
from eha_auth.proxy.mixins import AccessiblesMixin

from .conftest import KEY_ONE, KEY_TWO

pytestmark = pytest.mark.django_db

PAYLOAD = {"username": "alice", "email": "alice@example.org", "full_name": "Alice Smith",
           "site": {"slug": "acme"}, "last_visited": "2026-01-01T00:00:00",
           "roles": {"manager": [{"slug": "acme", "printable_name": "ACME"}],
                     "contributor": [{"slug": "beta", "printable_name": "Beta"}]}}


def cookie_client(client, payload=PAYLOAD):
    client.cookies["eha-proxy-session"] = crypto.encrypt_payload(payload)
    return client


def test_cookie_session_signs_in_and_fills_session(proxy_settings, client):
    body = cookie_client(client).get("/page").json()
    assert body == {"authenticated": True, "username": "alice",
                    "roles": PAYLOAD["roles"], "realm": None, "groups": []}
    user = User.objects.get(username="alice")
    assert (user.email, user.first_name, user.last_name) == (
        "alice@example.org", "Alice", "Smith")
    assert not user.has_usable_password()


def test_user_updated_only_when_payload_changes(proxy_settings, client):
    cookie_client(client).get("/page")
    with CaptureQueriesContext(connection) as queries:
        client.get("/page")
    assert not [q for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    cookie_client(client, {**PAYLOAD, "email": "new@example.org"}).get("/page")
    assert User.objects.get(username="alice").email == "new@example.org"


def test_nothing_is_stored_for_a_proxy_session(proxy_settings, client):
    from django.contrib.sessions.models import Session

    response = cookie_client(client).get("/page")
    assert Session.objects.count() == 0
    assert "sessionid" not in response.cookies


def test_bearer_jwt_signs_in(proxy_settings, client):
    token = crypto.encode_jwt({"username": "bob"})
    body = client.get("/page", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["username"] == "bob"


def test_realm_prefixed_user_when_tenancy_on(proxy_settings, client):
    proxy_settings.MULTITENANCY = True
    body = cookie_client(client, {**PAYLOAD, "realm": "north"}).get(
        "/page", HTTP_EHA_REALM="north").json()
    assert body["username"] == "north__alice" and body["realm"] == "north"
    assert User.objects.get(username="north__alice").groups.filter(name="north").exists()


@pytest.mark.parametrize("named", [{"realm": "north"}, {"realm": None}, {}],
                         ids=["another realm", "null", "no realm"])
def test_a_session_is_good_only_for_the_realm_it_names(proxy_settings, client, caplog, named):
    proxy_settings.MULTITENANCY = True
    payload = {key: value for key, value in PAYLOAD.items()} | named
    response = cookie_client(client, payload).get("/page", HTTP_EHA_REALM="south",
                                                  HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert not User.objects.exists()  # neither south__alice nor anybody else
    assert "it is not for realm 'south'" in caplog.text


def test_the_realm_field_is_a_setting_and_none_trusts_the_request(proxy_settings, client):
    proxy_settings.MULTITENANCY = True
    proxy_settings.PROXY_SESSION_REALM_FIELD = "tenant"
    named = cookie_client(client, {**PAYLOAD, "tenant": "south"}).get(
        "/page", HTTP_EHA_REALM="south").json()
    assert named["username"] == "south__alice"
    proxy_settings.PROXY_SESSION_REALM_FIELD = None  # the upstream answers for the realm
    anywhere = cookie_client(client).get("/page", HTTP_EHA_REALM="east").json()
    assert anywhere["username"] == "east__alice"


@pytest.mark.parametrize("realm", ["a__b", "..", "-a"])
def test_a_malformed_realm_makes_no_user_and_no_group(proxy_settings, client, realm):
    from django.contrib.auth.models import Group

    proxy_settings.MULTITENANCY = True
    response = cookie_client(client).get("/page", HTTP_EHA_REALM=realm,
                                         HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert not User.objects.exists() and not Group.objects.exists()


def test_api_request_without_session_gets_403(proxy_settings, client):
    response = client.get("/page", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert "upstream proxy" in response.json()["detail"]


def test_browser_without_session_redirected_to_login(proxy_settings, client):
    response = client.get("/page?x=1", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/page%3Fx%3D1"


@pytest.mark.parametrize("path,allowed", [
    ("/public", True), ("/public/items/12", True), ("/public/", False),
    ("/publicity", False), ("/public/items/12/delete", False), ("/public/items/x", False),
    ("/accounts/login/", True),
])
def test_allow_list_is_exact_or_full_pattern(proxy_settings, client, path, allowed):
    response = client.get(path, HTTP_ACCEPT="application/json")
    assert (response.status_code != 403) is allowed


def test_wrong_key_is_anonymous_with_one_warning(proxy_settings, client, caplog):
    token = crypto.encrypt_payload(PAYLOAD)
    proxy_settings.PROXY_SESSION_KEYS = {"k1": KEY_TWO}
    client.cookies["eha-proxy-session"] = token
    with caplog.at_level(logging.DEBUG):
        response = client.get("/page", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    warnings = [r for r in caplog.records
                if r.levelno >= logging.WARNING and r.name.startswith("eha_auth")]
    assert len(warnings) == 1
    logged = " ".join(r.getMessage() for r in caplog.records)
    for secret in (KEY_ONE, KEY_TWO, token, "alice"):
        assert secret not in logged


def test_bit_flipped_cookies_are_anonymous(proxy_settings, caplog):
    """10,000 single-bit flips of a valid cookie through the middleware: none signs in."""
    middleware = ProxySessionMiddleware(lambda request: request.user.is_authenticated)
    factory = RequestFactory()
    raw = bytearray(crypto.encrypt_payload(PAYLOAD).encode())
    rng = random.Random(10)
    signed_in = 0
    with caplog.at_level(logging.ERROR, logger="eha_auth.proxy"):
        for _ in range(10_000):
            flipped = bytearray(raw)
            bit = rng.randrange(len(flipped) * 8)
            flipped[bit // 8] ^= 1 << (bit % 8)
            request = factory.get("/public")
            request.COOKIES["eha-proxy-session"] = flipped.decode("latin-1")
            from django.contrib.auth.models import AnonymousUser
            request.user = AnonymousUser()
            signed_in += bool(middleware(request))
    assert signed_in == 0
    assert User.objects.count() == 0


def test_expired_jwt_is_anonymous(proxy_settings, client):
    token = crypto.encode_jwt({"username": "bob", "exp": int(time.time()) - 5})
    response = client.get("/page", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_legacy_cookie_read_only_when_enabled(proxy_settings, client):
    client.cookies["eha-proxy-session"] = crypto.encrypt_legacy(PAYLOAD, "old-secret")
    assert client.get("/page", HTTP_ACCEPT="application/json").status_code == 403
    proxy_settings.PROXY_SESSION_LEGACY_KEY = "old-secret"
    assert client.get("/page").json()["username"] == "alice"


class Page(AccessiblesMixin):
    def __init__(self, request):
        self.request = request


def test_accessibles_mixin(proxy_settings, client):
    request = RequestFactory().get("/public")
    from eha_auth.proxy.sessions import ProxySessionStore

    request.session = ProxySessionStore(PAYLOAD)
    page = Page(request)
    assert page.managed_accounts == ["acme"]
    assert page.manages("acme") and not page.manages("beta")
    assert sorted(page.accessibles(["manager", "contributor"])) == ["acme", "beta"]
    assert page.accessibles(["contributor"]) == ["beta"]
    assert [a["slug"] for a in page.get_managed(request)] == ["acme"]
    assert len(page.get_accessibles(request)) == 2


def test_mockup_login_sets_cookie_in_debug(proxy_settings, client):
    proxy_settings.DEBUG = True
    proxy_settings.PROXY_MOCKUP_SESSIONS = {"dana": {"email": "dana@example.org"}}
    page = client.get("/proxy/mockup/login/?next=/page")
    assert page.status_code == 200 and b"dana" in page.content
    response = client.post("/proxy/mockup/login/", {"username": "dana", "next": "/page"})
    assert response.status_code == 302 and response["Location"] == "/page"
    assert client.get("/page").json()["username"] == "dana"
    assert client.post("/proxy/mockup/login/", {"username": "eve"}).status_code == 400


def test_a_mockup_session_is_for_the_realm_its_page_was_opened_in(proxy_settings, client):
    proxy_settings.DEBUG = True
    proxy_settings.MULTITENANCY = True
    proxy_settings.PROXY_MOCKUP_SESSIONS = {"dana": {}}
    client.post("/proxy/mockup/login/", {"username": "dana"}, HTTP_EHA_REALM="north")
    payload = crypto.decode_session(client.cookies["eha-proxy-session"].value)
    assert payload["realm"] == "north"
    assert client.get("/page", HTTP_EHA_REALM="north").json()["username"] == "north__dana"
    assert client.get("/page", HTTP_EHA_REALM="south",
                      HTTP_ACCEPT="application/json").status_code == 403


def test_mockup_login_is_404_without_debug(proxy_settings, client):
    proxy_settings.DEBUG = False
    proxy_settings.PROXY_MOCKUP_SESSIONS = {"dana": {}}
    assert client.get("/proxy/mockup/login/").status_code == 404


@pytest.fixture
def sso_settings(more_urls):
    more_urls.PROXY_SESSION_KEYS = {"k1": KEY_ONE}
    more_urls.AUTHENTICATION_BACKENDS = ["eha_auth.proxy.backends.ProxySessionBackend"]
    return more_urls


def test_third_party_sso_login(sso_settings, client):
    token = crypto.encrypt_payload({"username": "carol", "jti": "once"})
    response = client.post("/proxy/sso/login/", {"session": token, "next": "/page"})
    assert response.status_code == 302 and response["Location"] == "/page"
    assert client.get("/page").json()["username"] == "carol"
    replay = client.post("/proxy/sso/login/", {"session": token})
    assert replay.status_code == 403


@pytest.mark.parametrize("value", ["", "garbage", "v1.k1.AAAA"])
def test_third_party_sso_rejects_bad_payload(sso_settings, client, value):
    response = client.post("/proxy/sso/login/", {"session": value, "next": "/page"})
    assert response.status_code == 403 and b"could not be verified" in response.content
    assert User.objects.count() == 0


def test_third_party_sso_refuses_offsite_next(sso_settings, client):
    token = crypto.encrypt_payload({"username": "carol"})
    response = client.post("/proxy/sso/login/", {"session": token,
                                                 "next": "https://evil.example/"})
    assert response["Location"] == sso_settings.LOGIN_REDIRECT_URL


def test_command_round_trip_never_prints_keys(proxy_settings, capsys):
    call_command("eha_proxy_session", "encrypt", '{"username": "zed"}')
    token = capsys.readouterr().out.strip()
    call_command("eha_proxy_session", "decrypt", token)
    out = capsys.readouterr().out
    assert '"username": "zed"' in out
    assert KEY_ONE not in out + token and KEY_TWO not in out + token


def test_command_errors_are_clear(proxy_settings):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not JSON"):
        call_command("eha_proxy_session", "encrypt", "{nope")
    with pytest.raises(CommandError, match="rejected"):
        call_command("eha_proxy_session", "decrypt", "v1.k1.AAAAAAAA")
    proxy_settings.PROXY_SESSION_KEYS = {"k1": "short"}
    with pytest.raises(CommandError) as info:
        call_command("eha_proxy_session", "encrypt", "{}")
    assert "short" not in str(info.value)


def test_optional_proxy_session_lets_anonymous_through(proxy_settings, client):
    proxy_settings.PROXY_SESSION_REQUIRED = False
    assert client.get("/page", HTTP_ACCEPT="application/json").json()["authenticated"] is False
    assert cookie_client(client).get("/page").json()["username"] == "alice"


def test_django_session_user_passes(proxy_settings, client):
    client.force_login(User.objects.create_user("ann"))
    assert client.get("/page", HTTP_ACCEPT="application/json").json()["username"] == "ann"


def test_users_are_made_by_the_user_mapper(proxy_settings, client):
    from tests.eha_auth.mappers import MAPPER, was_mapped

    proxy_settings.KEYCLOAK_USER_MAPPER = MAPPER
    body = cookie_client(client).get("/page").json()
    assert body["roles"] == PAYLOAD["roles"]  # the roles stay in the session
    alice = User.objects.get(username="alice")
    assert alice.is_staff and was_mapped(alice)  # the payload's role "manager"
    cookie_client(client, {**PAYLOAD, "roles": {}}).get("/page")
    assert not User.objects.get(username="alice").is_staff


def test_unknown_users_refused_when_creation_is_off(proxy_settings, client, monkeypatch):
    from eha_auth.proxy.backends import ProxySessionBackend

    monkeypatch.setattr(ProxySessionBackend, "create_unknown_user", False)
    assert cookie_client(client).get("/page", HTTP_ACCEPT="application/json").status_code == 403
    assert not User.objects.filter(username="alice").exists()


def test_third_party_sso_login_through_the_user_mapper_keeps_the_realm(sso_settings, client):
    from tests.eha_auth.mappers import MAPPER, was_mapped

    sso_settings.KEYCLOAK_USER_MAPPER = MAPPER
    sso_settings.MULTITENANCY = True
    token = crypto.encrypt_payload({"username": "carol", "roles": {"manager": []},
                                    "realm": "north"})
    response = client.post("/proxy/sso/login/",
                           {"session": token}, HTTP_EHA_REALM="north")
    assert response.status_code == 302 and client.session["eha_realm"] == "north"
    carol = User.objects.get(username="north__carol")
    assert carol.is_staff and was_mapped(carol)
    assert carol.groups.filter(name="north").exists()
