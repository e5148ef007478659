"""Where provider calls go, and how an error answer is read (conformance/test_errors.py
has what the app answers back, against each provider)."""

from __future__ import annotations

import sys

import pytest

from eha_auth.oidc.client import call_provider, oauth_error
from tests.harness.servers import LocalServer


@pytest.fixture(scope="module")
def echo():
    """A real HTTP server answering every path with JSON naming the path it was asked."""
    with LocalServer([sys.executable, "-m", "tests.harness.echo", "{port}"]) as server:
        yield server


@pytest.mark.parametrize("path", ["/realms", "/auth/realms", "/id/auth/realms"])
def test_calls_go_under_the_path_of_keycloak_server_url(echo, settings, path):
    settings.KEYCLOAK_SERVER_URL = f"{echo.url}{path}/"
    answer = call_provider("alpha", "well-known", lambda client: client.well_known())
    assert answer["path"] == f"{path}/alpha/.well-known/openid-configuration"


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"error":"invalid_grant","error_description":"Account is not fully set up"}',
     ("invalid_grant", "Account is not fully set up")),
    (b'{"error":"Realm does not exist"}', ("Realm does not exist", None)),
    (b'{"error": 1, "error_description": ["x"]}', (None, None)),
    (b"[]", (None, None)),
    (b"<html>Not Found</html>", (None, None)),
    (b"\xff\xfe", (None, None)),
    (None, (None, None)),
])
def test_oauth_error_reads_only_the_error_and_its_description(body, expected):
    assert oauth_error(body) == expected
