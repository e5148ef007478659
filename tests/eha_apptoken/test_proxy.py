"""TokenProxyView against a real external service: what is forwarded, and how."""

import hashlib
import json
import logging

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from eha_apptoken.models import AppToken
from tests.harness.servers import free_port

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def upstream_headers(extapp):
    return {name.lower(): value for name, value in extapp.last()["headers"].items()}


def test_get_is_forwarded_with_the_users_token(extapp, alice, user):
    response = alice.get("/ext/echo/a/b?x=1&y=two")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    body = json.loads(body_of(response))
    seen = extapp.last()
    assert (seen["method"], seen["raw_path"], seen["query"]) == ("GET", "/api/echo/a/b",
                                                                 "x=1&y=two")
    token = AppToken.objects.get(user=user, app="ext").token
    assert seen["headers"]["Authorization"] == f"Token {token}"
    assert body["user"] == "alice"


def test_exactly_the_allowed_headers_arrive_upstream(extapp, alice):
    alice.cookies["csrftoken"] = "def"  # beside the session cookie
    alice.get(
        "/ext/echo",
        HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="fr",
        HTTP_IF_NONE_MATCH='"v0"',
        HTTP_AUTHORIZATION="Bearer incoming-credential", HTTP_X_OAUTH_TOKEN="gateway-jwt",
        HTTP_CONNECTION="keep-alive, X-Custom", HTTP_KEEP_ALIVE="timeout=5",
        HTTP_TE="trailers", HTTP_UPGRADE="websocket", HTTP_PROXY_AUTHORIZATION="Basic eA==",
        HTTP_X_FORWARDED_FOR="10.0.0.1", HTTP_X_FORWARDED_HOST="evil.example",
        HTTP_X_FORWARDED_PROTO="https", HTTP_FORWARDED="for=10.0.0.1", HTTP_VIA="1.1 x",
        HTTP_X_REAL_IP="10.0.0.2", HTTP_X_CUSTOM="custom", HTTP_X_CSRFTOKEN="csrf",
        HTTP_EHA_REALM="forged-realm",
    )
    headers = upstream_headers(extapp)
    assert set(headers) == {"host", "user-agent", "accept-encoding", "accept",
                            "accept-language", "if-none-match", "authorization"}
    assert headers["host"] == extapp.host
    assert headers["accept-encoding"] == "identity"
    assert headers["authorization"].startswith("Token ")
    assert "incoming-credential" not in headers["authorization"]


def test_the_allow_list_is_a_setting_but_never_lets_credentials_through(
        extapp, alice, settings):
    settings.APPTOKEN_REQUEST_HEADERS = ["X-Custom", "Cookie", "Authorization",
                                         "X-Forwarded-For"]
    alice.cookies["a"] = "b"
    alice.get("/ext/echo", HTTP_X_CUSTOM="1",
              HTTP_X_FORWARDED_FOR="10.0.0.1", HTTP_ACCEPT="text/plain")
    headers = upstream_headers(extapp)
    assert headers["x-custom"] == "1"
    assert "accept" not in headers
    assert "cookie" not in headers and "x-forwarded-for" not in headers


def test_only_allowed_response_headers_come_back(extapp, alice):
    response = alice.get("/ext/cookies")
    assert response.status_code == 200
    assert response["ETag"] == '"v1"'
    assert response["Cache-Control"] == "no-store"
    assert "X-Internal" not in response
    assert "Set-Cookie" not in response
    assert "sessionid" not in response.cookies


def test_cookies_set_upstream_are_never_sent_back_for_anyone(
        extapp, alice, django_user_model):
    # The upstream connection pool is shared by every request of a worker: a
    # cookie jar there would hand one user's upstream cookie to the next user.
    assert alice.get("/ext/cookies").status_code == 200
    bob = Client()
    bob.force_login(django_user_model.objects.create_user("bob"))
    for client in (alice, bob):
        assert client.get("/ext/echo").status_code == 200
        assert "cookie" not in upstream_headers(extapp)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_methods_and_bodies_are_forwarded(extapp, alice, method):
    body = b'{"name": "x"}' * 10
    response = getattr(alice, method)("/ext/echo/items?z=9", data=body,
                                      content_type="application/json")
    assert response.status_code == 200
    seen = extapp.last()
    assert seen["method"] == method.upper()
    assert seen["query"] == "z=9"
    assert seen["body_length"] == len(body)
    assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert seen["headers"]["Content-Type"] == "application/json"


def test_head_and_options_are_forwarded(extapp, alice):
    assert alice.head("/ext/echo").status_code == 200
    assert extapp.last()["method"] == "HEAD"
    assert alice.options("/ext/echo").status_code == 200
    assert extapp.last()["method"] == "OPTIONS"


def test_status_codes_pass_through(extapp, alice):
    assert alice.get("/ext/status/404").status_code == 404
    assert alice.get("/ext/status/204").status_code == 204


def test_anonymous_users_are_sent_to_login(extapp, client):
    response = client.get("/ext/echo")
    assert response.status_code == 302
    assert "/login" in response["Location"]
    assert extapp.counts() == {}


def test_unknown_app_is_404(extapp, alice):
    assert alice.get("/missing/echo").status_code == 404


def test_app_down_is_502_with_a_short_message(extapp, alice, settings, caplog):
    settings.EXTERNAL_APPS = {"ext": {"url": f"http://127.0.0.1:{free_port()}/api",
                                      "token": "down-service-token"}}
    with caplog.at_level(logging.DEBUG):
        response = alice.get("/ext/echo")
    assert response.status_code == 502
    assert response.content == b"The external app ext is not reachable.\n"
    assert "down-service-token" not in caplog.text


def test_app_slow_is_504(extapp, alice, settings):
    alice.get("/ext/echo")  # obtain the token while the timeout is generous
    settings.APPTOKEN_READ_TIMEOUT = 0.2
    response = alice.get("/ext/sleep/2")
    assert response.status_code == 504
    assert response.content == b"The external app ext did not answer in time.\n"


def test_per_app_timeouts_win_over_the_global_ones(extapp, alice, settings):
    alice.get("/ext/echo")
    settings.EXTERNAL_APPS["ext"]["read_timeout"] = 0.2
    assert alice.get("/ext/sleep/2").status_code == 504


def test_no_token_obtainable_is_502(extapp, alice, settings):
    settings.EXTERNAL_APPS = {"ext": {"url": f"{extapp.url}/api", "token": "wrong-token"}}
    response = alice.get("/ext/echo")
    assert response.status_code == 502
    assert response.content == b"No token could be obtained for ext.\n"
    assert extapp.count("GET /echo") == 0


def test_redirects_are_not_followed_nor_their_location_passed(extapp, elsewhere_server, alice):
    elsewhere_server.reset()
    response = alice.get(f"/ext/redirect?to=http://{elsewhere_server.host}/api/echo")
    assert response.status_code == 302
    assert "Location" not in response
    assert elsewhere_server.counts() == {}


def test_the_environments_proxy_settings_are_ignored(extapp, elsewhere_server, alice,
                                                    monkeypatch):
    elsewhere_server.reset()
    with monkeypatch.context() as env:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            env.setenv(name, elsewhere_server.url)
        env.delenv("NO_PROXY", raising=False)
        env.delenv("no_proxy", raising=False)
        response = alice.get("/ext/echo")
    assert response.status_code == 200
    assert extapp.count("GET /echo") == 1
    assert elsewhere_server.counts() == {}


def test_compressed_bodies_pass_through_unchanged(extapp, alice):
    import gzip

    response = alice.get("/ext/gzip", HTTP_ACCEPT_ENCODING="gzip")
    assert extapp.last()["headers"]["Accept-Encoding"] == "gzip"
    assert response["Content-Encoding"] == "gzip"
    raw = body_of(response)
    assert response["Content-Length"] == str(len(raw))
    assert gzip.decompress(raw) == b"compressed " * 100


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
def test_other_methods_are_405(extapp, alice, method):
    assert alice.generic(method, "/ext/echo").status_code == 405
    assert extapp.counts() == {}


def test_form_posts_pass_csrf_checks_and_are_forwarded(extapp, user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = client.cookies["csrftoken"] = "k" * 32  # a CSRF secret, as the cookie holds
    form = "application/x-www-form-urlencoded"
    body = f"a=1&csrfmiddlewaretoken={token}"
    response = client.post("/ext/echo", body, content_type=form)
    assert response.status_code == 200
    assert extapp.last()["body_length"] == len(body)
    assert client.post("/ext/echo", "a=1", content_type=form).status_code == 403


def test_a_multipart_body_parsed_by_csrf_checking_is_400_not_500(extapp, user):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = client.cookies["csrftoken"] = "k" * 32
    response = client.post("/ext/echo", {"f": SimpleUploadedFile("a.txt", b"data"),
                                         "csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert response.content == b"the request body was already read\n"
    assert [r for r in extapp.received() if r["route"] != "/token"] == []
