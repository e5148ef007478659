"""Keycloak login, behind the scenes and by redirect, against each provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from example.idp import seed

from tests.eha_auth.conftest import SERVICE, TEST_ACCOUNTS_URL

pytestmark = pytest.mark.django_db
ACCOUNTS = f"/-/{SERVICE}/accounts"
LOGIN = f"{ACCOUNTS}/login/"


def whoami(client) -> str | None:
    return client.get("/whoami/").json()["user"]


def test_password_grant_signs_in(client, provider, settings):
    settings.KEYCLOAK_BEHIND_SCENES = True
    answer = client.post(LOGIN, {"realm": "alpha", "username": "alice",
                                 "password": seed.password("alpha", "alice")})
    assert answer.status_code == 302, answer.content[:300]
    assert whoami(client) == "alpha__alice"


def test_redirect_login_signs_in_through_the_providers_page(client, provider, settings):
    settings.KEYCLOAK_BEHIND_SCENES = False
    answer = client.post(LOGIN, {"realm": "alpha", "next": "/whoami/"})
    assert answer.status_code == 302
    auth_url = answer["Location"]
    assert auth_url.startswith(provider.issuer("alpha") + "/protocol/openid-connect/auth?")
    assert parse_qs(urlsplit(auth_url).query)["redirect_uri"] == [f"{TEST_ACCOUNTS_URL}/callback/"]
    answer = client.get(provider.browser_login(auth_url))
    assert answer.status_code == 302 and answer["Location"] == "/whoami/", answer.content[:300]
    assert whoami(client) == "alpha__alice"
