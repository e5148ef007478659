"""Membership round trips: none in the middleware for users DRF authenticates later,
one per request otherwise, none when the user came with ``user.eha_realms``."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import include, path
from rest_framework import routers
from rest_framework.decorators import api_view, authentication_classes
from rest_framework.response import Response

from eha_auth.apitokens.drf import RealmTokenAuthentication
from eha_auth.models import ApiToken
from eha_tenancy.membership import user_may_use_realm, user_realms
from tests.eha_tenancy.testapp.api import ProjectViewSet, PublicProjectViewSet

pytestmark = pytest.mark.django_db


class PlainTokenAuthentication(RealmTokenAuthentication):
    """A token authentication that does not know the ``eha_realms`` contract (a project's
    own, say): the user it returns carries no realms, so eha_tenancy reads them."""

    def authenticate_credentials(self, key, request):
        user, auth = super().authenticate_credentials(key, request)
        user.__dict__.pop("eha_realms", None)
        return user, auth


class TokenProjects(ProjectViewSet):
    authentication_classes = [PlainTokenAuthentication]


class LoadedTokenProjects(ProjectViewSet):
    authentication_classes = [RealmTokenAuthentication]  # eha_auth sets eha_realms


@api_view(["GET"])
@authentication_classes([PlainTokenAuthentication])
def no_realm_data(request):
    """Answers without reading realm data: the realm is never used."""
    return Response({"user": request.user.username})


router = routers.DefaultRouter()
router.register("projects", TokenProjects, basename="token-project")
router.register("loaded", LoadedTokenProjects, basename="loaded-project")
router.register("public", PublicProjectViewSet, basename="public-project")
urlpatterns = [
    path("token/", include(router.urls)),
    path("<str:realm>/svc/token/", include(router.urls)),
    path("token/plain", no_realm_data),
    path("", include("tests.eha_tenancy.urls")),
]


@pytest.fixture(params=["locmem", "redis"])
def membership_cache(request, tenancy, settings):
    """The membership cache, alone on its alias, recording each round trip."""
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        entry = {"BACKEND": "tests.harness.countingcache.CountingRedisCache",
                 "LOCATION": server.url, "KEY_PREFIX": "round-trips"}
    else:
        entry = {"BACKEND": "tests.harness.countingcache.CountingLocMemCache",
                 "LOCATION": "round-trips"}
    settings.CACHES = {**settings.CACHES, "memberships": entry}
    settings.REALM_MEMBERSHIP_CACHE = "memberships"
    settings.ROOT_URLCONF = __name__
    cache = caches["memberships"]
    cache.clear()
    yield cache
    cache.clear()


def token_get(world, path: str, realm: str = "a", user=None) -> tuple[int, dict]:
    _, key = ApiToken.create_for(user or world.users.alice)
    response = Client().get(path, HTTP_EHA_REALM=realm, HTTP_AUTHORIZATION=f"Token {key}")
    return response.status_code, response.json()


def calls_of(cache, world, path: str, **kwargs) -> list[str]:
    token_get(world, path, **kwargs)  # the first request fills the cache
    cache.calls.clear()
    status, body = token_get(world, path, **kwargs)
    assert status == 200, body
    return list(cache.calls)


def test_the_middleware_reads_no_membership_for_a_token_client(membership_cache, world):
    assert calls_of(membership_cache, world, "/token/plain") == []
    assert calls_of(membership_cache, world, "/a/svc/token/projects/") == ["get_many"]


def test_a_token_realm_list_reads_the_membership_once(membership_cache, world):
    assert calls_of(membership_cache, world, "/token/projects/") == ["get_many"]
    assert token_get(world, "/token/projects/")[1]["results"][0]["name"] == "project-a"


def test_a_user_who_came_with_eha_realms_costs_no_round_trip(membership_cache, world):
    assert calls_of(membership_cache, world, "/token/loaded/") == []
    assert calls_of(membership_cache, world, "/a/svc/token/loaded/") == []
    _, body = token_get(world, "/token/loaded/")
    assert [project["name"] for project in body["results"]] == ["project-a"]


def test_eha_realms_still_refuse_a_non_member(membership_cache, world):
    # Alice's token, realm b: refused by eha_auth's token check, and by tenancy's.
    assert token_get(world, "/token/loaded/", realm="b")[0] in (401, 403)
    membership_cache.calls.clear()
    world.users.alice.eha_realms = frozenset({"a"})
    assert not user_may_use_realm(world.users.alice, "b")
    assert user_realms(world.users.alice) == {"a"}
    assert membership_cache.calls == []


def test_anonymous_public_lists_read_the_realm_once_at_first_use(membership_cache, world):
    Client().get("/token/public/", HTTP_EHA_REALM="b")
    membership_cache.calls.clear()
    response = Client().get("/token/public/", HTTP_EHA_REALM="b")
    assert [project["name"] for project in response.json()["results"]] == ["project-b"]
    assert membership_cache.calls == ["get_many"]
    assert Client().get("/token/public/", HTTP_EHA_REALM="nowhere").status_code == 403


def test_realm_existence_is_one_round_trip(membership_cache, world):
    from eha_tenancy.membership import realm_exists

    assert realm_exists("b") and not realm_exists("nowhere")
    membership_cache.calls.clear()
    assert realm_exists("b") and not realm_exists("nowhere")
    assert membership_cache.calls == ["get_many", "get_many"]
