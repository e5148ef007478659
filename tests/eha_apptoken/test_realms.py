"""Realms: the realm header, {realm} in URLs, and the gateway token on realm paths."""

import pytest
from django.http import HttpRequest

from eha_apptoken.conf import REALM_HEADER
from eha_apptoken.models import AppToken

pytestmark = pytest.mark.django_db


class SetRealm:
    """Stands in for a realm middleware (eha_tenancy's), which sets request.realm."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.realm = "tenant-x"
        return self.get_response(request)


def test_no_realm_no_realm_header(extapp, alice):
    alice.get("/ext/echo")
    assert REALM_HEADER not in extapp.last()["headers"]


def test_request_realm_is_sent_as_the_realm_header(extapp, alice, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.eha_apptoken.test_realms.SetRealm"]
    alice.get("/ext/echo")
    assert extapp.last()["headers"][REALM_HEADER] == "tenant-x"


def test_a_forged_incoming_realm_header_is_not_forwarded(extapp, alice):
    alice.get("/ext/echo", HTTP_EHA_REALM="other")
    assert REALM_HEADER not in extapp.last()["headers"]


def test_url_realm_is_sent_and_replaces_the_placeholder(extapp, alice, settings):
    settings.EXTERNAL_APPS["ext"]["url"] = f"{extapp.url}/{{realm}}/api"
    alice.get("/eha/svc/ext/echo")
    seen = extapp.last()
    assert seen["raw_path"] == "/eha/api/echo"
    assert seen["headers"][REALM_HEADER] == "eha"


def test_without_a_url_realm_the_placeholder_is_the_public_realm(extapp, alice, settings):
    settings.EXTERNAL_APPS["ext"]["url"] = f"{extapp.url}/{{realm}}/api"
    alice.get("/ext/echo")
    assert extapp.last()["raw_path"] == "/-/api/echo"
    assert REALM_HEADER not in extapp.last()["headers"]


@pytest.mark.parametrize("realm", ["..", ".", "a%2Fb", "a b", "%40evil"])
def test_a_malformed_realm_is_refused(extapp, alice, settings, realm):
    settings.EXTERNAL_APPS["ext"]["url"] = f"{extapp.url}/{{realm}}/api"
    response = alice.get(f"/{realm}/svc/ext/echo")
    assert response.status_code in (400, 404)
    assert [r for r in extapp.received() if r["route"] != "/token"] == []


def test_gateway_realm_paths_forward_the_gateway_token_not_the_users(
        extapp, alice, user, settings):
    settings.GATEWAY_SERVICE_ID = "svc"
    response = alice.get("/eha/svc/ext/echo", HTTP_X_OAUTH_TOKEN="gateway-jwt-abc",
                         HTTP_AUTHORIZATION="Bearer gateway-jwt-abc")
    assert response.status_code == 200
    headers = extapp.last()["headers"]
    assert headers["X-Oauth-Token"] == "gateway-jwt-abc"
    assert "Authorization" not in headers
    assert headers[REALM_HEADER] == "eha"
    assert extapp.count("POST /token") == 0
    assert not AppToken.objects.filter(user=user).exists()


def test_the_gateway_header_name_is_a_setting(extapp, alice, settings):
    settings.GATEWAY_SERVICE_ID = "svc"
    settings.GATEWAY_HEADER_TOKEN = "X-Gateway-Jwt"
    alice.get("/eha/svc/ext/echo", HTTP_X_GATEWAY_JWT="jwt-1", HTTP_X_OAUTH_TOKEN="other")
    headers = extapp.last()["headers"]
    assert headers["X-Gateway-Jwt"] == "jwt-1"
    assert "X-Oauth-Token" not in headers


def test_the_public_realm_uses_the_users_token(extapp, alice, settings):
    settings.GATEWAY_SERVICE_ID = "svc"
    alice.get("/-/svc/ext/echo", HTTP_X_OAUTH_TOKEN="gateway-jwt")
    headers = extapp.last()["headers"]
    assert headers["Authorization"].startswith("Token ")
    assert "X-Oauth-Token" not in headers
    assert REALM_HEADER not in headers


def test_without_a_gateway_realm_paths_use_the_users_token(extapp, alice):
    alice.get("/eha/svc/ext/echo", HTTP_X_OAUTH_TOKEN="gateway-jwt")
    headers = extapp.last()["headers"]
    assert headers["Authorization"].startswith("Token ")
    assert "X-Oauth-Token" not in headers
    assert headers[REALM_HEADER] == "eha"


def test_listing_the_gateway_header_does_not_forward_it_outside_gateway_mode(
        extapp, alice, settings):
    settings.APPTOKEN_REQUEST_HEADERS = ["Accept", "X-Oauth-Token"]
    alice.get("/ext/echo", HTTP_X_OAUTH_TOKEN="gateway-jwt")
    assert "X-Oauth-Token" not in extapp.last()["headers"]
