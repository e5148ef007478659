"""The local provider speaks Keycloak's layout well enough for python-keycloak."""

import jwt
import pytest
import requests
from example.idp import seed
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError

from tests.harness.threads import together

pytestmark = pytest.mark.usefixtures("auth_settings")


def client(idp, realm="alpha"):
    return KeycloakOpenID(server_url=idp.url, realm_name=realm, client_id=seed.CLIENT_ID,
                          client_secret_key=seed.client_secret(realm), timeout=(2, 5))


def test_python_keycloak_works_against_the_provider(idp):
    kc = client(idp)
    tokens = idp.tokens("alpha", "alice")
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["iss"] == idp.issuer("alpha") and claims["preferred_username"] == "alice"
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] in {
        key["kid"] for key in kc.certs()["keys"]}
    assert kc.userinfo(tokens["access_token"])["email"] == "alice@alpha.test"
    assert kc.public_key()
    assert kc.introspect(tokens["access_token"])["active"] is True
    refreshed = kc.refresh_token(tokens["refresh_token"])
    assert kc.logout(refreshed["refresh_token"]) == {}
    with pytest.raises(KeycloakError):
        kc.refresh_token(refreshed["refresh_token"])


def test_each_realm_has_its_own_issuer_and_key(idp):
    alpha, beta = idp.keys("alpha"), idp.keys("beta")
    assert alpha["signing"] != beta["signing"]
    token = idp.access_token("beta", "alice")
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == idp.issuer("beta")
    with pytest.raises(KeycloakError):  # alpha's token is not valid in beta
        client(idp, "beta").userinfo(idp.access_token("alpha", "alice"))


def test_one_keycloak_client_per_realm_reused_with_timeouts(settings):
    import threading

    from eha_auth.oidc.client import keycloak_client

    alpha = keycloak_client("alpha")
    assert keycloak_client("alpha") is alpha and keycloak_client("beta") is not alpha
    assert alpha.connection.timeout == settings.KEYCLOAK_TIMEOUT
    # No retry: the adapter python-keycloak mounts (its session is private in every version).
    assert alpha.connection._s.get_adapter("http://provider").max_retries.total == 0
    other_thread = []
    thread = threading.Thread(target=lambda: other_thread.append(keycloak_client("alpha")))
    thread.start()
    thread.join()
    assert other_thread[0] is not alpha  # python-keycloak clients are not thread-safe
    settings.KEYCLOAK_TIMEOUT = (1, 2)
    assert keycloak_client("alpha").connection.timeout == (1, 2)  # settings read on each use


def test_a_provider_under_a_path_is_called_under_it(settings):
    """python-keycloak joins its paths to the server URL: /auth must not be dropped."""
    from eha_auth.oidc.client import keycloak_client

    settings.KEYCLOAK_SERVER_URL = "http://127.0.0.1:9/auth/realms"
    assert keycloak_client("alpha").connection.base_url == "http://127.0.0.1:9/auth/"


def test_concurrent_token_grants_all_succeed(idp):
    """Requests overlap in the suite (a delayed grant finishes during later tests)."""
    def grants(_) -> list[int]:
        http = requests.Session()
        data = {"grant_type": "password", "client_id": seed.CLIENT_ID, "username": "alice",
                "password": seed.password("alpha", "alice"),
                "client_secret": seed.client_secret("alpha"), "scope": "openid"}
        url = f"{idp.issuer('alpha')}/protocol/openid-connect/token"
        return [http.post(url, data=data, timeout=30).status_code for _ in range(5)]

    assert [status for batch in together(grants, range(8)) for status in batch] == [200] * 40
