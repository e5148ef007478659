"""The demo's views behind each way in, signed in with eha_testkit's pytest fixtures."""

import pytest

from eha_testkit import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return make_user("alpha", "alice", email="alice@example.org")


def whoami(client, path="/api/whoami/"):
    answer = client.get(path)
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_gateway_header(kit_client, alice):
    client = kit_client.signed_in(alice, "alpha", method="gateway")
    me = whoami(client, "/alpha/demo/api/whoami/")
    assert (me["username"], me["via"]) == ("alpha__alice", "GatewayAuthentication")


def test_bearer_token(kit_client, alice):
    client = kit_client.signed_in(alice, "alpha", method="bearer", roles=["editor"])
    assert whoami(client)["via"] == "KeycloakBearerAuthentication"


def test_keycloak_session(kit_client, alice):
    client = kit_client.signed_in(alice, "alpha", method="session")
    assert whoami(client)["via"] == "SessionAuthentication"
    assert client.get("/demo/realm/").context["realm"] == "alpha"


def test_django_login(kit_client, alice):
    client = kit_client.signed_in(alice, "alpha", method="login")
    assert client.get("/demo/realm/").status_code == 200


def test_api_token(kit_client, alice):
    client = kit_client.signed_in(alice, "alpha", method="api_token")
    assert client.get("/token").json()["username"] == "alice"


def test_proxy_session(kit_client, alice):
    client = kit_client.signed_in(alice, "alpha", method="proxy", full_name="Alice A")
    assert client.get("/demo/realm/").context["user"].get_full_name() == "Alice A"


def test_a_token_of_another_realm_is_refused(kit_client, alice):
    client = kit_client.signed_in(alice, "alpha", method="gateway")
    assert client.get("/beta/demo/api/whoami/").status_code == 401


def test_full_login_through_the_provider(eha_provider, client):
    password = eha_provider.password("alpha", "alice")
    answer = client.post("/-/demo/accounts/password-login/",
                         {"realm": "alpha", "username": "alice", "password": password})
    assert answer.status_code == 302
    assert whoami(client)["username"] == "alpha__alice"
