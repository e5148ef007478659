"""Gateway tokens on /<realm>/<service>/ paths: local verification, per request only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.eha_auth.conftest import SERVICE, clear_caches

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("auth_settings")]
ITEMS = f"/alpha/{SERVICE}/api/items/"
WHOAMI = f"/alpha/{SERVICE}/whoami/"
CERTS = "/realms/alpha/protocol/openid-connect/certs"
USERINFO = "/realms/alpha/protocol/openid-connect/userinfo"


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_missing_token_on_a_realm_path_is_401_with_a_challenge(client):
    for path in (ITEMS, WHOAMI):
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"] == 'Bearer realm="alpha"'


def test_token_sets_the_realm_prefixed_user_for_that_request_only(client, idp):
    answer = client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha", "alice"))
    assert answer.status_code == 200
    assert answer.json() == {"user": "alpha__alice", "realm": "alpha", "session_realm": None}
    assert "sessionid" not in answer.cookies  # no session written
    assert Session.objects.count() == 0
    assert client.get("/whoami/").json()["user"] is None  # nothing carried over


def test_gateway_requests_keep_csrf_checks(idp):
    client = Client(enforce_csrf_checks=True)
    token = idp.gateway_token("alpha", "alice")
    assert client.post(f"/alpha/{SERVICE}/change/", HTTP_X_OAUTH_TOKEN=token).status_code == 403


def test_user_is_created_in_its_realm_group_with_claims(client, idp):
    assert client.get(f"/beta/{SERVICE}/whoami/", HTTP_X_OAUTH_TOKEN=idp.gateway_token(
        "beta", "alice")).json()["user"] == "beta__alice"
    user = get_user_model().objects.get(username="beta__alice")
    assert (user.first_name, user.last_name, user.email) == ("Alicia", "Brown", "alice@beta.test")
    assert list(user.groups.values_list("name", flat=True)) == ["beta"]
    assert not user.has_usable_password()


def test_another_realms_token_is_refused(client, idp):
    answer = client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=idp.gateway_token("beta", "alice"))
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer["WWW-Authenticate"]


def test_realm_not_allowed_is_401(client, idp, settings):
    settings.KEYCLOAK_REALMS = ["alpha"]
    answer = client.get(f"/beta/{SERVICE}/whoami/", HTTP_X_OAUTH_TOKEN=idp.gateway_token("beta"))
    assert answer.status_code == 401


def test_public_realm_and_root_paths_fall_back_to_other_methods(client, idp, django_user_model):
    user = django_user_model.objects.create_user("local", password="local-pass-123")
    client.force_login(user)
    assert client.get(f"/-/{SERVICE}/accounts/logged-out/").status_code == 200
    assert client.get("/whoami/").json()["user"] == "local"
    # The app's URLs are not served under the public realm.
    assert client.get(f"/-/{SERVICE}/whoami/").status_code == 404


def test_drf_class_reuses_the_middlewares_verification(client, idp):
    token = idp.gateway_token("alpha", "alice")
    answer = client.get(ITEMS, HTTP_X_OAUTH_TOKEN=token)
    assert answer.status_code == 200 and answer.json()["realm"] == "alpha"


def test_drf_gateway_class_without_the_middleware(client, idp, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE
                           if m != "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware"]
    assert client.get(ITEMS).status_code == 401
    assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN="x.y.z").status_code == 401
    answer = client.get(ITEMS, HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha", "bob"))
    assert answer.status_code == 200 and answer.json()["user"] == "alpha__bob"


def test_returning_user_costs_no_call_no_query_no_write(client, idp):
    token = idp.gateway_token("alpha", "alice")
    assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=token).status_code == 200  # warm-up
    second = idp.gateway_token("alpha", "alice")  # a new token of the same user
    assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=second).status_code == 200
    before = idp.stats()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=second).status_code == 200
    after = idp.stats()
    assert after["total"] - before["total"] == 1  # only the stats call itself
    assert len(queries) == 0


def test_user_row_written_only_when_claims_change(client, idp):
    client.get(ITEMS, HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha", "alice"))
    clear_caches()  # even without the cached user, unchanged claims write nothing
    with CaptureQueriesContext(connection) as queries:
        client.get(ITEMS, HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha", "alice"))
    assert writes(queries) == []
    get_user_model().objects.filter(username="alpha__alice").update(first_name="Old")
    clear_caches()
    with CaptureQueriesContext(connection) as queries:
        client.get(ITEMS, HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha", "alice"))
    assert len(writes(queries)) == 1
    assert get_user_model().objects.get(username="alpha__alice").first_name == "Alice"


def test_deactivated_user_is_refused_at_once(client, idp):
    token = idp.gateway_token("alpha", "alice")
    assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=token).status_code == 200
    user = get_user_model().objects.get(username="alpha__alice")
    user.is_active = False
    user.save()  # drops the cached user
    assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=token).status_code == 401


def test_no_userinfo_call_per_request(client, idp):
    token = idp.gateway_token("alpha", "alice")
    before = idp.requests_to(USERINFO)
    for _ in range(3):
        assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=token).status_code == 200
    assert idp.requests_to(USERINFO) == before


def test_provider_down_gateway_keeps_working_on_cached_keys(client, idp, settings):
    from tests.harness.servers import free_port

    token = idp.gateway_token("alpha", "alice")
    assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=token).status_code == 200  # keys cached
    fresh = idp.gateway_token("alpha", "bob")
    settings.KEYCLOAK_ISSUER_URL = idp.issuer_url
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"  # nothing listens
    settings.KEYCLOAK_JWKS_CACHE_SECONDS = 0  # every use tries a refetch, which fails
    answer = client.get(ITEMS, HTTP_X_OAUTH_TOKEN=fresh)
    assert answer.status_code == 200 and answer.json()["user"] == "alpha__bob"


def test_provider_down_and_no_keys_is_503_not_500(client, idp, settings):
    from tests.harness.servers import free_port

    token = idp.gateway_token("alpha", "alice")
    settings.KEYCLOAK_ISSUER_URL = idp.issuer_url
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"
    assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token).status_code == 503
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE
                           if m != "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware"]
    assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=token).status_code == 503


def test_key_rotation_new_tokens_accepted_without_restart(client, idp):
    assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha")).status_code == 200
    idp.add_key("alpha")
    answer = client.get(ITEMS, HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha", "bob"))
    assert answer.status_code == 200 and answer.json()["user"] == "alpha__bob"


def test_backend_follows_djangos_authenticate_contract(rf, idp, settings):
    from django.contrib.auth import authenticate

    from tests.harness.servers import free_port

    request = rf.get("/")
    user = authenticate(request, gateway_token=idp.gateway_token("alpha", "bob"), realm="alpha")
    assert user.username == "alpha__bob"
    assert user.backend == "eha_auth.gateway.backends.GatewayBackend"
    assert authenticate(request, gateway_token="x.y.z", realm="alpha") is None
    assert authenticate(request, gateway_token=idp.gateway_token("beta"), realm="alpha") is None
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"
    assert authenticate(request, gateway_token=idp.gateway_token("beta"), realm="beta") is None


def only_alpha(realm):
    return realm == "alpha"


def test_realm_resolver_replaces_the_list(client, idp, settings):
    settings.KEYCLOAK_REALMS = None
    settings.KEYCLOAK_REALM_RESOLVER = "tests.eha_auth.test_gateway.only_alpha"
    assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha")).status_code == 200
    answer = client.get(f"/beta/{SERVICE}/whoami/", HTTP_X_OAUTH_TOKEN=idp.gateway_token("beta"))
    assert answer.status_code == 401
