"""Header smuggling attempts are refused before anything is sent upstream."""

import pytest

pytestmark = pytest.mark.django_db


def data_calls(extapp):
    return [r for r in extapp.received() if r["route"] != "/token"]


@pytest.mark.parametrize("header", ["HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_RANGE"])
@pytest.mark.parametrize("value", ["a\r\nHost: evil", "a\nX-Injected: 1", "a\rb", "a\x00b"])
def test_control_characters_in_forwarded_values_are_refused(extapp, alice, header, value):
    response = alice.get("/ext/echo", **{header: value})
    assert response.status_code == 400
    assert data_calls(extapp) == []


def test_crlf_in_a_header_that_is_not_forwarded_is_simply_dropped(extapp, alice):
    assert alice.get("/ext/echo", HTTP_X_OTHER="a\r\nHost: evil").status_code == 200
    assert "X-Other" not in extapp.last()["headers"]


def test_crlf_in_the_gateway_token_is_refused(extapp, alice, settings):
    settings.GATEWAY_SERVICE_ID = "svc"
    response = alice.get("/eha/svc/ext/echo", HTTP_X_OAUTH_TOKEN="jwt\r\nHost: evil")
    assert response.status_code == 400
    assert data_calls(extapp) == []


def test_transfer_encoding_with_content_length_is_refused(extapp, alice):
    response = alice.post("/ext/echo", data=b"0\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
                          content_type="text/plain", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 400
    assert b"Transfer-Encoding and Content-Length" in response.content
    assert data_calls(extapp) == []


def test_a_duplicate_host_is_refused_and_nothing_is_sent(extapp, elsewhere_server, alice):
    # A WSGI server joins repeated headers with a comma (wsgiref, gunicorn).
    elsewhere_server.reset()
    response = alice.get("/ext/echo", HTTP_HOST=f"testserver,{elsewhere_server.host}")
    assert response.status_code == 400
    assert data_calls(extapp) == []
    assert elsewhere_server.counts() == {}


def test_forwarded_host_headers_do_not_change_the_target(extapp, elsewhere_server, alice):
    elsewhere_server.reset()
    response = alice.get("/ext/echo", HTTP_X_FORWARDED_HOST=elsewhere_server.host,
                         HTTP_FORWARDED=f"host={elsewhere_server.host}")
    assert response.status_code == 200
    assert extapp.last()["headers"]["Host"] == extapp.host
    assert elsewhere_server.counts() == {}


def test_the_upstream_body_length_is_the_declared_one(extapp, alice):
    body = b"a" * 1000
    alice.post("/ext/echo", data=body, content_type="text/plain")
    seen = extapp.last()
    assert seen["headers"]["Content-Length"] == "1000"
    assert "Transfer-Encoding" not in seen["headers"]
    assert seen["body_length"] == 1000
