"""RealmMiddleware: resolution order, membership for every login method, activation."""

from __future__ import annotations

import base64

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.db import connections
from django.test import AsyncClient, Client

from eha_tenancy import get_active_realm
from eha_tenancy.conf import SESSION_KEY

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.content
    return response.json()


def session_client(user, realm=None, **cookies) -> Client:
    client = Client()
    client.force_login(user)
    if realm:
        session = client.session
        session[SESSION_KEY] = realm
        session.save()
    for name, value in cookies.items():
        client.cookies[name] = value
    return client


def basic(user) -> dict:
    token = base64.b64encode(f"{user.username}:pw".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def test_default_realm_when_nothing_names_one(tenancy, world):
    body = names(Client().get("/names"))
    assert body["realm"] == "eha" and body["active"] == "eha" and body["names"] == []


def test_header_names_the_realm(tenancy, world):
    body = names(Client().get("/names", HTTP_EHA_REALM="b"))
    assert body == {"realm": "b", "active": "b", "names": ["project-b"]}


def test_cookie_comes_before_header(tenancy, world):
    client = Client()
    client.cookies["eha-realm"] = "c"
    assert names(client.get("/names", HTTP_EHA_REALM="b"))["realm"] == "c"


def test_cookie_name_is_a_setting(tenancy, world):
    tenancy.REALM_COOKIE = "tenant"
    client = Client()
    client.cookies["tenant"] = "c"
    assert names(client.get("/names"))["realm"] == "c"


def test_session_comes_before_cookie(tenancy, world):
    client = session_client(world.users.dave, "b", **{"eha-realm": "a"})
    assert names(client.get("/names"))["names"] == ["project-b"]


def test_url_realm_comes_before_session(tenancy, world):
    client = session_client(world.users.dave, "b")
    body = names(client.get("/a/svc/names"))
    assert body["realm"] == "a" and body["names"] == ["project-a"]


def test_public_realm_in_url_is_not_a_realm(tenancy, world):
    body = names(Client().get("/-/svc/names", HTTP_EHA_REALM="c"))
    assert body["realm"] == "c"
    tenancy.GATEWAY_PUBLIC_REALM = "public"
    assert names(Client().get("/public/svc/names"))["realm"] == "eha"


@pytest.mark.parametrize("bad", [
    "a" * 64, "a b", "../a", "a/../b", "..", ".hidden", "a..b", "a__b", "réalm", "\uff42",
    "a\x00", "-a", "a;drop",
])
def test_malformed_realm_anywhere_is_404_and_creates_nothing(tenancy, world, bad):
    groups = Group.objects.count()
    client = session_client(world.users.root)
    responses = [client.get("/names", HTTP_EHA_REALM=bad.encode().decode("latin-1"))]
    client.cookies["eha-realm"] = bad.encode().decode("latin-1")  # as WSGI carries it
    responses.append(client.get("/names"))
    if "/" not in bad and "\x00" not in bad:
        responses.append(Client().get(f"/{bad}/svc/names"))
    for response in responses:
        assert response.status_code == 404
        assert response.json() == {"detail": "Unknown realm."}
    assert Group.objects.count() == groups


def test_unknown_realm_is_403_for_anonymous_and_creates_no_group(tenancy, world):
    response = Client().get("/names", HTTP_EHA_REALM="nowhere")
    assert response.status_code == 403
    assert not Group.objects.filter(name="nowhere").exists()


@pytest.mark.parametrize("how", ["header", "cookie", "url"])
def test_session_user_cannot_pick_a_realm_they_are_not_in(tenancy, world, how):
    client = session_client(world.users.alice)
    if how == "header":
        response = client.get("/names", HTTP_EHA_REALM="b")
    elif how == "cookie":
        client.cookies["eha-realm"] = "b"
        response = client.get("/names")
    else:
        response = client.get("/b/svc/names")
    assert response.status_code == 403
    assert response.json() == {"detail": "You are not a member of this realm."}


def test_session_user_in_their_realm(tenancy, world):
    client = session_client(world.users.alice, "a")
    assert names(client.get("/names"))["names"] == ["project-a"]


def test_member_of_several_realms_switches_by_header(tenancy, world):
    client = session_client(world.users.dave)
    assert names(client.get("/names", HTTP_EHA_REALM="a"))["names"] == ["project-a"]
    assert names(client.get("/names", HTTP_EHA_REALM="b"))["names"] == ["project-b"]
    assert client.get("/names", HTTP_EHA_REALM="c").status_code == 403


def test_basic_auth_user_with_foreign_realm_header_gets_403(tenancy, world):
    # Basic auth happens inside the DRF view, after the middleware saw an anonymous user.
    ok = Client().get("/plain-api", HTTP_EHA_REALM="a", **basic(world.users.alice))
    assert ok.status_code == 200 and ok.json() == {"names": ["project-a"]}
    response = Client().get("/plain-api", HTTP_EHA_REALM="b", **basic(world.users.alice))
    assert response.status_code == 403
    assert "project-b" not in response.content.decode()


def test_basic_auth_through_the_mixin_gets_403(tenancy, world):
    response = Client().get("/api/projects/", HTTP_EHA_REALM="b", **basic(world.users.alice))
    assert response.status_code == 403


def test_superusers_use_every_existing_realm_by_setting(tenancy, world):
    client = session_client(world.users.root)
    assert names(client.get("/names", HTTP_EHA_REALM="c"))["names"] == ["project-c"]
    assert client.get("/names", HTTP_EHA_REALM="nowhere").status_code == 403
    tenancy.REALM_SUPERUSER_ALL_REALMS = False
    assert client.get("/names", HTTP_EHA_REALM="c").status_code == 403


def test_staff_are_not_members_of_every_realm(tenancy, world):
    world.users.alice.is_staff = True
    world.users.alice.save()
    client = session_client(world.users.alice)
    assert client.get("/names", HTTP_EHA_REALM="b").status_code == 403


def test_removed_member_is_refused_on_the_next_request(tenancy, world):
    from eha_tenancy import remove_user_from_realm

    client = session_client(world.users.dave)
    assert client.get("/names", HTTP_EHA_REALM="b").status_code == 200
    remove_user_from_realm("b", world.users.dave)
    assert client.get("/names", HTTP_EHA_REALM="b").status_code == 403


def test_membership_is_cached_between_requests(tenancy, world, django_assert_num_queries):
    client = session_client(world.users.alice)
    client.get("/names", HTTP_EHA_REALM="a")
    # session, user, projects: no membership query once cached
    with django_assert_num_queries(3):
        client.get("/names", HTTP_EHA_REALM="a")
    tenancy.REALM_MEMBERSHIP_CACHE_SECONDS = 0
    with django_assert_num_queries(4):
        client.get("/names", HTTP_EHA_REALM="a")


def test_a_cached_membership_costs_one_cache_round_trip(tenancy, world, settings):
    from django.core.cache import caches

    settings.CACHES = {**settings.CACHES, "memberships": {
        "BACKEND": "tests.harness.countingcache.CountingLocMemCache"}}
    tenancy.REALM_MEMBERSHIP_CACHE = "memberships"
    client = session_client(world.users.alice)
    assert client.get("/names", HTTP_EHA_REALM="a").status_code == 200
    cache = caches["memberships"]
    cache.calls.clear()
    assert client.get("/names", HTTP_EHA_REALM="a").status_code == 200
    assert cache.calls == ["get_many"]


def test_realm_is_deactivated_after_the_request(tenancy, world):
    names(Client().get("/names", HTTP_EHA_REALM="b"))
    assert get_active_realm() is None


def test_realm_is_deactivated_when_the_view_raises(tenancy, world):
    client = Client(raise_request_exception=False)
    assert client.get("/broken", HTTP_EHA_REALM="b").status_code == 500
    assert get_active_realm() is None
    client = Client()
    with pytest.raises(RuntimeError):
        client.get("/broken", HTTP_EHA_REALM="b")
    assert get_active_realm() is None


def test_requests_outside_any_view_have_no_realm(tenancy, world):
    response = Client().get("/no-such-path", HTTP_EHA_REALM="b")
    assert response.status_code == 404
    assert response.wsgi_request.realm is None


def test_tenancy_off_request_realm_is_none_and_everything_is_visible(tenancy_off, world):
    body = names(Client().get("/names", HTTP_EHA_REALM="b"))
    assert body["realm"] is None
    assert sorted(body["names"]) == ["project-a", "project-b", "project-c"]
    assert Client().get("/names", HTTP_EHA_REALM="../x").status_code == 200




@pytest.mark.django_db(transaction=True)  # the view runs in another thread
def test_async_stack_activates_and_deactivates(tenancy, world):
    import asyncio

    async def run():
        client = AsyncClient()
        first = await client.get("/names", headers={"Eha-Realm": "b"})
        second = await client.get("/names", headers={"Eha-Realm": "c"})
        await sync_to_async(connections.close_all)()  # the views' thread's connection
        return first, second, get_active_realm()

    first, second, after = asyncio.run(run())
    assert first.json()["names"] == ["project-b"], first.json()
    assert second.json()["names"] == ["project-c"]
    assert after is None


def test_realm_exempt_views_answer_without_realm_data(tenancy, world):
    client = session_client(world.users.alice)
    refused = client.get("/sign-out", HTTP_EHA_REALM="b")
    assert refused.status_code == 200
    assert refused.json() == {"realm": None, "names": None, "filtered": None,
                              "current": None, "member": False, "users": 0}
    assert client.get("/sign-out", HTTP_EHA_REALM="../x").json()["realm"] is None
    allowed = client.get("/sign-out", HTTP_EHA_REALM="a")
    assert allowed.json() == {"realm": "a", "names": ["project-a"],
                              "filtered": ["project-a"], "current": "a", "member": True,
                              "users": 2}


def test_anonymous_users_get_realm_data_only_in_public_views(tenancy, world):
    refused = Client().get("/private-names", HTTP_EHA_REALM="b")
    assert refused.status_code == 403
    assert "project-b" not in refused.content.decode()
    member = session_client(world.users.bob).get("/private-names", HTTP_EHA_REALM="b")
    assert names(member)["names"] == ["project-b"]
    assert names(Client().get("/names", HTTP_EHA_REALM="b"))["names"] == ["project-b"]


def test_public_view_classes(tenancy, world):
    from django.views import View

    from eha_tenancy.middleware import _is_public

    class Open(View):
        realm_public = True

    assert _is_public(Open.as_view())
    assert not _is_public(View.as_view())


def anonymous_answer(path: str, realm: str) -> tuple[int, bytes]:
    if "{realm}" in path:
        response = Client().get(path.format(realm=realm))
    else:
        response = Client().get(path, HTTP_EHA_REALM=realm)
    return response.status_code, response.content


@pytest.mark.parametrize("path", ["/private-names", "/api/projects/", "/api/users/",
                                  "/plain-api", "/{realm}/svc/api/projects/"])
def test_anonymous_clients_cannot_tell_known_realms_from_unknown_ones(tenancy, world, path):
    known = anonymous_answer(path, "b")
    assert known[0] in (401, 403)
    assert anonymous_answer(path, "nowhere") == known


@pytest.mark.parametrize("public,private", [
    ("/names", "/private-names"),
    ("/{realm}/svc/names", "/private-names"),
    ("/api/public-projects/", "/api/projects/"),
])
def test_public_views_refuse_a_realm_that_does_not_exist_as_others_refuse_any(
        tenancy, world, public, private):
    from eha_tenancy import unscoped
    from tests.eha_tenancy.testapp.models import Project

    refusal = anonymous_answer(private, "b")
    assert anonymous_answer(public, "nowhere") == refusal
    with unscoped():  # rows in a realm that has no Group: a realm that does not exist
        Project.objects.create(name="stray", realm="ghost")
    assert anonymous_answer(public, "ghost") == refusal
    assert anonymous_answer(public, "b")[0] == 200
    assert not Group.objects.filter(name__in=["nowhere", "ghost"]).exists()


def test_exempt_views_answer_anonymous_clients_alike_for_known_and_unknown_realms(
        tenancy, world):
    assert anonymous_answer("/sign-out", "nowhere") == anonymous_answer("/sign-out", "b")


# Under ASGI: the coroutine process_view, with the same answers.

def async_get(client: AsyncClient, path: str, realm: str, **headers: str):
    import asyncio

    async def run():
        response = await client.get(path, headers={"Eha-Realm": realm, **headers})
        await sync_to_async(connections.close_all)()  # the views' thread's connection
        return response

    return asyncio.run(run())


@pytest.mark.django_db(transaction=True)
def test_async_stack_refuses_non_members_and_serves_members(tenancy, world):
    client = AsyncClient()
    client.force_login(world.users.alice)
    refused = async_get(client, "/names", "b")
    assert refused.status_code == 403 and "project-b" not in refused.content.decode()
    assert async_get(client, "/names", "a").json()["names"] == ["project-a"]
    token = base64.b64encode(b"alice:pw").decode()
    basic_refused = async_get(AsyncClient(), "/plain-api", "b", authorization=f"Basic {token}")
    assert basic_refused.status_code == 403
    assert async_get(AsyncClient(), "/private-names", "b").status_code == 403
    assert async_get(AsyncClient(), "/names", "nowhere").status_code == 403
    assert async_get(AsyncClient(), "/names", "b").json()["names"] == ["project-b"]


def test_process_view_is_a_coroutine_in_async_mode_only():
    from asgiref.sync import iscoroutinefunction

    from eha_tenancy.middleware import RealmMiddleware

    async def answer(request):
        raise AssertionError("not reached")

    assert iscoroutinefunction(RealmMiddleware(answer).process_view)
    assert not iscoroutinefunction(RealmMiddleware(lambda request: None).process_view)
