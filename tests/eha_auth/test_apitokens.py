"""API tokens (hashed, expiring, revocable), realm-aware DRF classes, and /token."""

import base64
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eha_auth.models import ApiToken, token_digest
from eha_testkit import add_member

pytestmark = pytest.mark.django_db


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def tenancy(more_urls):
    more_urls.MULTITENANCY = True
    return more_urls


def make_user(username, realm=None, password="pw-123456", **extra):
    user = User.objects.create_user(username, password=password, **extra)
    return add_member(user, realm) if realm else user


def test_only_the_digest_is_stored(more_urls):
    token, key = ApiToken.create_for(make_user("ann"))
    row = ApiToken.objects.values().get(pk=token.pk)
    assert key not in str(row) and row["digest"] == token_digest(key)


def test_token_authenticates_without_queries_once_cached(more_urls, client):
    _, key = ApiToken.create_for(make_user("ann"))
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/whoami", **header).json() == {"username": "ann"}
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/whoami", **header).status_code == 200
    assert len(queries) == 0


def test_revoking_clears_the_cache(more_urls, client):
    token, key = ApiToken.create_for(make_user("ann"))
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/whoami", **header).status_code == 200
    token.delete()
    response = client.get("/api/whoami", **header)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_deactivating_user_clears_the_cache(more_urls, client):
    user = make_user("ann")
    _, key = ApiToken.create_for(user)
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/whoami", **header).status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/whoami", **header).status_code == 401


def test_expired_token_rejected(more_urls, client):
    _, key = ApiToken.create_for(make_user("ann"), expires=timezone.now() - timedelta(1))
    response = client.get("/api/whoami", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token nope"])
def test_malformed_token_headers_are_401(more_urls, client, header):
    response = client.get("/api/whoami", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_token_of_another_realm_rejected(tenancy, client):
    _, key = ApiToken.create_for(make_user("north__ann", realm="north"))
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/north/api/whoami", **header).status_code == 200
    response = client.get("/south/api/whoami", **header)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert "realm" in response.json()["detail"]
    assert client.get("/api/whoami", HTTP_EHA_REALM="south", **header).status_code == 401


def test_group_change_clears_cached_realms(tenancy, client):
    user = make_user("ann", realm="north")
    _, key = ApiToken.create_for(user)
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/north/api/whoami", **header).status_code == 200
    user.groups.clear()
    assert client.get("/north/api/whoami", **header).status_code == 401


@pytest.mark.parametrize("typed", ["ann", "north__ann"])
def test_basic_accepts_plain_or_prefixed_username(tenancy, client, typed):
    make_user("north__ann", realm="north")
    response = client.get("/north/api/whoami-basic", HTTP_AUTHORIZATION=basic(typed, "pw-123456"))
    assert response.json() == {"username": "north__ann"}


def test_basic_rejects_user_outside_realm(tenancy, client):
    make_user("north__ann", realm="north")
    response = client.get("/south/api/whoami-basic",
                          HTTP_AUTHORIZATION=basic("north__ann", "pw-123456"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="south"'


def test_basic_wrong_password(more_urls, client):
    make_user("ann")
    response = client.get("/api/whoami-basic", HTTP_AUTHORIZATION=basic("ann", "wrong"))
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Basic realm="api"'


def test_token_endpoint_get_and_post(more_urls, client):
    make_user("ann")
    auth = {"HTTP_AUTHORIZATION": basic("ann", "pw-123456")}
    assert client.get("/token", **auth).json() == {"username": "ann", "token_exists": False}
    created = client.post("/token", **auth)
    assert created.status_code == 201
    key = created.json()["token"]
    assert client.get("/token", **auth).json()["token_exists"] is True
    assert "token" not in client.get("/token", **auth).json()
    assert client.get("/api/whoami", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    second = client.post("/token", **auth).json()["token"]
    assert client.get("/api/whoami", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert ApiToken.objects.filter(user__username="ann").count() == 1 and second != key


def test_token_endpoint_staff_creates_realm_user(tenancy, client):
    make_user("north__boss", realm="north", is_staff=True)
    auth = {"HTTP_AUTHORIZATION": basic("boss", "pw-123456")}
    response = client.post("/north/token", {"username": "newbie"}, **auth)
    assert response.status_code == 201 and response.json()["username"] == "newbie"
    newbie = User.objects.get(username="north__newbie")
    assert not newbie.has_usable_password()
    assert newbie.groups.filter(name="north").exists()
    key = response.json()["token"]
    assert client.get("/north/api/whoami", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_token_endpoint_refuses_non_staff_naming_others(more_urls, client):
    make_user("ann")
    make_user("bob")
    response = client.post("/token", {"username": "bob"},
                           HTTP_AUTHORIZATION=basic("ann", "pw-123456"))
    assert response.status_code == 403 and "staff" in response.json()["detail"]


def test_token_endpoint_errors_are_4xx(tenancy, client):
    make_user("north__boss", realm="north", is_staff=True)
    make_user("south__eve", realm="south")
    auth = {"HTTP_AUTHORIZATION": basic("boss", "pw-123456")}
    assert client.post("/north/token", {"username": "bad name!"}, **auth).status_code == 400
    assert client.get("/north/token?username=ghost", **auth).status_code == 404
    # A name is always read inside the caller's realm: another realm's user is out of reach.
    assert client.post("/north/token", {"username": "south__eve"}, **auth).status_code == 201
    assert not ApiToken.objects.filter(user__username="south__eve").exists()
    assert client.post("/token").status_code in (401, 403)


def test_tokens_page_create_and_revoke(more_urls, client):
    user = make_user("ann")
    client.force_login(user)
    created = client.post("/accounts/tokens/", {"name": "ci", "days": "30"})
    assert created.status_code == 201
    token = ApiToken.objects.get(user=user)
    key = created.context["new_key"]
    assert token.digest == token_digest(key) and token.expires is not None
    page = client.get("/accounts/tokens/")
    assert b"ci" in page.content and key.encode() not in page.content
    assert client.post("/accounts/tokens/", {"days": "x"}).status_code == 400
    other = make_user("bob")
    other_token, _ = ApiToken.create_for(other)
    assert client.post("/accounts/tokens/", {"revoke": other_token.pk}).status_code == 404
    assert client.post("/accounts/tokens/", {"revoke": token.pk}).status_code == 302
    assert not ApiToken.objects.filter(user=user).exists()


def test_tokens_page_needs_login(more_urls, client):
    more_urls.LOGIN_URL = "/accounts/login/"
    assert client.get("/accounts/tokens/").status_code == 302


def test_revocation_in_another_process_is_seen(more_urls, client):
    """Another process revokes: it deletes the row and the shared entry, not our memory,
    which lasts AUTH_MEMO_SECONDS (0 here: the bound has passed)."""
    from django.core.cache import cache

    from eha_auth.apitokens.lookup import cache_key

    more_urls.AUTH_MEMO_SECONDS = 0
    token, key = ApiToken.create_for(make_user("ann"))
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/whoami", **header).status_code == 200
    assert cache.get(cache_key(token.digest)) is not None
    ApiToken.objects.filter(pk=token.pk)._raw_delete(ApiToken.objects.db)  # no signals
    cache.delete(cache_key(token.digest))
    assert client.get("/api/whoami", **header).status_code == 401


def test_unknown_keys_are_remembered_briefly(more_urls, client):
    header = {"HTTP_AUTHORIZATION": "Token " + "x" * 43}
    assert client.get("/api/whoami", **header).status_code == 401
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/whoami", **header).status_code == 401
    assert len(queries) == 0


def test_realm_token_request_without_queries_once_cached(tenancy, client):
    _, key = ApiToken.create_for(make_user("north__ann", realm="north"))
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/north/api/whoami", **header).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/north/api/whoami", **header).status_code == 200
    assert len(queries) == 0


def test_token_endpoint_makes_users_through_the_user_mapper(tenancy, client):
    from tests.eha_auth.mappers import MAPPER, was_mapped

    tenancy.KEYCLOAK_USER_MAPPER = MAPPER
    make_user("north__boss", realm="north", is_staff=True)
    response = client.post("/north/token", {"username": "newbie"},
                           HTTP_AUTHORIZATION=basic("boss", "pw-123456"))
    assert response.status_code == 201
    newbie = User.objects.get(username="north__newbie")
    assert was_mapped(newbie) and not newbie.is_staff  # no roles named
    assert newbie.groups.filter(name="north").exists() and not newbie.has_usable_password()


def test_a_username_prefix_is_no_membership(tenancy, client):
    """Membership is the Group, as eha_tenancy counts it: the prefix alone lets nobody in."""
    user = make_user("north__bob")
    _, key = ApiToken.create_for(user)
    assert client.get("/north/api/whoami", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    response = client.get("/north/api/whoami-basic",
                          HTTP_AUTHORIZATION=basic("bob", "pw-123456"))
    assert response.status_code == 401


def test_superusers_use_existing_realms_as_eha_tenancy_says(tenancy, client):
    make_user("root", is_superuser=True)
    Group.objects.create(name="north")
    auth = {"HTTP_AUTHORIZATION": basic("root", "pw-123456")}
    assert client.get("/north/api/whoami-basic", **auth).status_code == 200
    assert client.get("/nowhere/api/whoami-basic", **auth).status_code == 401
    tenancy.REALM_SUPERUSER_ALL_REALMS = False
    assert client.get("/north/api/whoami-basic", **auth).status_code == 401
