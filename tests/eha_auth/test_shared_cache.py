"""Shared-cache round trips and thread switches of an authenticated request, counted.

Each way in (gateway token, API token through DRF, Keycloak login session, proxy
session) makes at most one round trip to a real cache (redis-server, and local memory)
once its user is known, none while this worker remembers it (AUTH_MEMO_SECONDS); under
ASGI a warm request adds no thread switch. Sessions are signed cookies: a database or
cache session store makes its own read, which is Django's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import django
import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import Group, User
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import AsyncClient, Client
from example import settings as demo_settings

from eha_auth.models import ApiToken
from eha_auth.oidc.usercache import local_users
from eha_auth.proxy import crypto
from tests.eha_auth.conftest import BACKENDS as PROXY_BACKENDS
from tests.eha_auth.conftest import KEY_ONE, SERVICE
from tests.eha_auth.shared_change import session_cookie
from tests.harness.asgi import asgi_request

pytestmark = pytest.mark.django_db

GATEWAY = "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware"
KEYCLOAK = "eha_auth.keycloak.middleware.KeycloakSessionMiddleware"
PROXY = "eha_auth.proxy.middleware.ProxySessionMiddleware"
SESSIONS = ["django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware"]
KEYCLOAK_BACKEND = "eha_auth.keycloak.backends.KeycloakBackend"


@pytest.fixture(params=["redis", "locmem"])
def shared(request, settings):
    """The default cache, counting its round trips: a real redis-server or local memory."""
    if request.param == "redis":
        location = request.getfixturevalue("redis_server").url
        backend = "tests.harness.countingcache.CountingRedisCache"
    else:
        location, backend = "shared-cache-tests", "tests.harness.countingcache.CountingLocMemCache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": location}}
    settings.ROOT_URLCONF = "tests.eha_auth.urls_shared"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.MULTITENANCY = True
    caches["default"].clear()
    local_users.clear()
    yield caches["default"]
    caches["default"].clear()


def round_trips(cache, send) -> tuple[list[str], list[str], object]:
    """Send a warm request twice: once the worker's memory has lapsed, once within it.

    Return the cache calls of each, and the second answer.
    """
    send()  # the first request of the user: it reads the database and shares the entry
    local_users.clear()  # AUTH_MEMO_SECONDS have passed
    cache.calls.clear()
    send()
    after_bound = list(cache.calls)
    cache.calls.clear()
    answer = send()
    return after_bound, list(cache.calls), answer


def member(name: str, realm: str) -> User:
    user = User.objects.create_user(name)
    user.groups.add(Group.objects.get_or_create(name=realm)[0])
    return user


def keycloak_cookie(user, realm: str = "north") -> str:
    tokens = {"realm": realm, "mode": "redirect", "access_token": "a", "refresh_token": None,
              "expires_at": time.time() + 3600, "sid": "sid-1", "sub": "sub-1",
              "logged_in_at": time.time()}
    return session_cookie(user, KEYCLOAK_BACKEND, tokens)


def test_api_token_one_round_trip_then_none(shared, client):
    _, key = ApiToken.create_for(member("cat", "north"))

    def send():
        answer = client.get("/north/api/whoami", HTTP_AUTHORIZATION=f"Token {key}")
        assert answer.status_code == 200
        return answer.json()

    after_bound, within, answer = round_trips(shared, send)
    assert (after_bound, within) == (["get_many"], [])
    assert answer == {"user": "cat", "realms": ["north"]}


def test_gateway_token_one_round_trip_then_none(shared, auth_settings, client, idp):
    auth_settings.ROOT_URLCONF = "tests.eha_auth.urls_shared"
    auth_settings.MIDDLEWARE = [GATEWAY]
    token = idp.gateway_token("alpha", "alice")

    def send():
        answer = client.get(f"/alpha/{SERVICE}/whoami", HTTP_X_OAUTH_TOKEN=token)
        assert answer.status_code == 200
        return answer.json()

    after_bound, within, answer = round_trips(shared, send)
    assert (after_bound, within) == (["get_many"], [])
    assert answer == {"user": "alpha__alice", "realms": ["alpha"]}


def test_keycloak_session_one_round_trip_then_none(shared, settings, client):
    settings.MIDDLEWARE = [*SESSIONS, KEYCLOAK]
    settings.AUTHENTICATION_BACKENDS = [KEYCLOAK_BACKEND]
    client.cookies["sessionid"] = keycloak_cookie(member("dan", "north"))

    def send():
        return client.get("/session").json()

    after_bound, within, answer = round_trips(shared, send)
    assert (after_bound, within) == (["get_many"], [])  # the user and the logout markers
    assert answer == {"user": "dan", "realms": ["north"]}


def test_proxy_session_one_round_trip_then_none(shared, settings, client):
    settings.MIDDLEWARE = [*SESSIONS, PROXY]
    settings.AUTHENTICATION_BACKENDS = PROXY_BACKENDS
    settings.PROXY_SESSION_KEYS = {"k1": KEY_ONE}
    settings.PROXY_SESSION_WRITE_KEY_ID = "k1"
    settings.MULTITENANCY = False
    token = crypto.encode_jwt({"username": "bob"})

    def send():
        return client.get("/session", HTTP_AUTHORIZATION=f"Bearer {token}").json()

    after_bound, within, answer = round_trips(shared, send)
    assert (after_bound, within) == (["get_many"], [])
    assert answer["user"] == "bob"


def test_eha_realms_follow_membership_and_group_changes(shared, settings, client):
    settings.MIDDLEWARE = [*SESSIONS, KEYCLOAK]
    settings.AUTHENTICATION_BACKENDS = [KEYCLOAK_BACKEND]
    dan = member("dan", "north")
    client.cookies["sessionid"] = keycloak_cookie(dan)

    def realms():
        user = User.objects.get(pk=dan.pk)
        names = sorted(user.groups.values_list("name", flat=True))
        assert client.get("/session").json()["realms"] == names
        return names

    assert realms() == ["north"]
    south = Group.objects.create(name="south")
    dan.groups.add(south)
    assert realms() == ["north", "south"]
    south.user_set.remove(dan)
    assert realms() == ["north"]
    Group.objects.create(name="east").user_set.add(dan)
    assert realms() == ["east", "north"]
    Group.objects.filter(name="east").update(name="unused")  # no signal: the entry stays
    east = Group.objects.get(name="unused")
    east.name = "west"
    east.save()
    assert realms() == ["north", "west"]
    east.delete()
    assert realms() == ["north"]


# Under ASGI: thread switches (SyncToAsync calls) a request makes, counted by the
# `switches` fixture (tests/conftest.py).

def asgi_get(switches, path: str, session: str | None = None, **headers: str) -> tuple[dict, int]:
    """Send a warm request through the ASGI handler; return its JSON and thread switches
    (the warm request's are left in ``switches``)."""
    client = AsyncClient()
    if session:
        client.cookies["sessionid"] = session

    async def send():
        return await client.get(path, headers=headers)

    async_to_sync(send)()  # the first request: the worker remembers the user from now on
    switches.clear()
    answer = async_to_sync(send)()
    return answer.json(), len(switches)


def added_switches(settings, switches, stack: list[str], path: str, base: Sequence[str] = (),
                   **request) -> tuple[dict, int]:
    """Return the answer through ``base`` + ``stack``, and the thread switches ``stack`` adds.

    Also checks that no switch runs eha_auth code (a sync-only middleware adapted by
    Django, or a read from a thread).
    """
    settings.MIDDLEWARE = base
    _, plain = asgi_get(switches, path, **request)
    settings.MIDDLEWARE = [*base, *stack]
    answer, made = asgi_get(switches, path, **request)
    assert [func for func in switches.funcs if _runs_eha_code(func)] == []
    return answer, made - plain


def _runs_eha_code(func) -> bool:
    module = getattr(func, "__module__", None) or type(func).__module__
    return module.startswith("eha_auth") or type(func).__module__.startswith("eha_auth")


EHA_STACK = [GATEWAY, KEYCLOAK, PROXY]


def test_asgi_gateway_adds_no_thread_switch(shared, auth_settings, switches, idp):
    auth_settings.ROOT_URLCONF = "tests.eha_auth.urls_shared"
    token = idp.gateway_token("alpha", "alice")
    answer, added = added_switches(auth_settings, switches, [GATEWAY, KEYCLOAK],
                                   f"/alpha/{SERVICE}/async", **{"X-Oauth-Token": token})
    assert answer == {"user": "alpha__alice", "realms": ["alpha"]}
    assert added == 0


def test_asgi_proxy_session_adds_no_thread_switch(shared, settings, switches):
    settings.AUTHENTICATION_BACKENDS = PROXY_BACKENDS
    settings.PROXY_SESSION_KEYS = {"k1": KEY_ONE}
    settings.PROXY_SESSION_WRITE_KEY_ID = "k1"
    settings.MULTITENANCY = False
    token = crypto.encode_jwt({"username": "bob"})
    answer, added = added_switches(settings, switches, EHA_STACK, "/async/session",
                                   Authorization=f"Bearer {token}")
    assert answer["user"] == "bob"
    assert added == 0


def test_asgi_api_token_adds_no_thread_switch(shared, settings, switches):
    _, key = ApiToken.create_for(member("cat", "north"))
    answer, added = added_switches(settings, switches, [GATEWAY, KEYCLOAK], "/north/api/whoami",
                                   Authorization=f"Token {key}")
    assert answer == {"user": "cat", "realms": ["north"]}
    assert added == 0  # the DRF view's own switch is the only one


@pytest.mark.skipif(django.VERSION < (5, 0), reason="request.auser() comes with Django 5.0")
def test_asgi_keycloak_session_adds_no_thread_switch(shared, settings, switches):
    settings.AUTHENTICATION_BACKENDS = [KEYCLOAK_BACKEND]
    answer, added = added_switches(settings, switches, [GATEWAY, KEYCLOAK], "/async/session",
                                   base=SESSIONS, session=keycloak_cookie(member("dan", "north")))
    assert answer == {"user": "dan", "realms": ["north"]}
    assert added == 0  # a sync-only middleware would change it (Django adapts the chain)


@pytest.mark.parametrize("change", ["revoke", "deactivate", "leave_realm", "rename_realm"])
def test_token_entries_are_dropped_again_at_commit(shared, change,
                                                   django_capture_on_commit_callbacks):
    """A worker that reads the old rows between the change and its commit shares a stale
    owner; the commit drops it again."""
    from eha_auth.apitokens.lookup import cache_key, find_owner

    cat = member("cat", "north")
    token, key = ApiToken.create_for(cat)
    stale = find_owner(key)
    north = Group.objects.get(name="north")
    with django_capture_on_commit_callbacks(execute=True):
        if change == "revoke":
            token.delete()
        elif change == "deactivate":
            cat.is_active = False
            cat.save()
        elif change == "leave_realm":
            north.user_set.remove(cat)
        else:
            north.name = "south"
            north.save()
        assert shared.get(cache_key(token.digest)) is None  # dropped at once
        shared.set(cache_key(token.digest), stale)  # another worker, before the commit
    assert shared.get(cache_key(token.digest)) is None
    local_users.clear()
    owner = find_owner(key)
    assert owner is None or not owner.user.is_active or "north" not in owner.user.eha_realms


def test_asgi_keycloak_middleware_reads_no_session_for_a_request_without_one(
        shared, settings, switches):
    settings.AUTHENTICATION_BACKENDS = [KEYCLOAK_BACKEND]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    answer, added = added_switches(settings, switches, [KEYCLOAK], "/async/session",
                                   base=SESSIONS)
    assert answer == {"user": None, "realms": None}
    assert added == 0  # no session key: nothing to read, no thread


def test_asgi_session_user_is_loaded_in_the_sessions_own_switch(shared, settings, switches):
    # A password login's session in the cache and the database: the session middleware
    # reads it in a thread, and its user with it, so the realm middleware finds the user
    # (and its realms) loaded and needs no thread of its own.
    settings.AUTHENTICATION_BACKENDS = ["eha_auth.accounts.backends.CachedModelBackend"]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.MULTITENANCY = True
    browser = Client()
    browser.force_login(member("eve", "north"))
    settings.MIDDLEWARE = [*SESSIONS, KEYCLOAK, "eha_tenancy.middleware.RealmMiddleware"]
    answer, _ = asgi_get(switches, "/north/svc/async",
                         session=browser.cookies[settings.SESSION_COOKIE_NAME].value)
    assert answer == {"user": "eve", "realms": ["north"]}
    eha = [name for name, func in zip(switches, switches.funcs)
           if getattr(func, "__module__", "").startswith("eha_")]
    assert eha == ["KeycloakSessionMiddleware.settle"]


def test_asgi_session_of_a_changed_password_ends_without_an_error(shared, settings, switches):
    # Loading the session's user checks the password hash; when it no longer matches,
    # Django flushes the session (a write to the session store), in a thread.
    settings.AUTHENTICATION_BACKENDS = ["eha_auth.accounts.backends.CachedModelBackend"]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    user = member("fay", "north")
    browser = Client()
    browser.force_login(user)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    settings.MIDDLEWARE = [*SESSIONS, KEYCLOAK]
    assert asgi_get(switches, "/async/session", session=cookie)[0]["user"] == "fay"
    user.set_password("a-new-one")
    user.save()
    assert asgi_get(switches, "/async/session", session=cookie)[0] == {
        "user": None, "realms": None}


# Served as the demo serves under ASGI (eha_health.asgi.get_asgi_application): a request
# to a sync view is one thread switch in all, whichever way in.

REALM_MIDDLEWARE = "eha_tenancy.middleware.RealmMiddleware"
DEMO_STACK = [*(entry for entry in demo_settings.MIDDLEWARE
                if not entry.startswith("eha_auth") and entry != REALM_MIDDLEWARE),
              GATEWAY, KEYCLOAK, REALM_MIDDLEWARE]  # the demo's, with Keycloak on


def one_switch_get(switches, path: str, **headers: str) -> tuple[dict, list]:
    """Send a warm request through the handler the demo serves; return its JSON and the
    functions its thread switches ran."""
    from eha_health.asgi import get_asgi_application

    handler = get_asgi_application()
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    # Through async_to_sync, the request's thread is this test's, with its database
    # connection in the test's transaction: as Django's test client does, the request's
    # signals must not close it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        for _ in range(2):  # the first request: the worker remembers the user from now on
            switches.clear()
            status, _, body = async_to_sync(asgi_request)(handler, path, headers=raw)
            assert status == 200, body
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert all(getattr(func, "__self__", None) is handler for func in switches.funcs)
    return json.loads(body), list(switches.funcs)


def test_each_way_in_costs_one_switch_as_the_demo_serves_it(shared, auth_settings, switches,
                                                             idp):
    auth_settings.ROOT_URLCONF = "tests.eha_auth.urls_shared"
    auth_settings.MIDDLEWARE = DEMO_STACK
    _, key = ApiToken.create_for(member("cat", "north"))
    ways_in = {
        "gateway": (f"/alpha/{SERVICE}/whoami",
                    {"X-Oauth-Token": idp.gateway_token("alpha", "alice")},
                    {"user": "alpha__alice", "realms": ["alpha"]}),
        "api token": ("/north/api/whoami", {"Authorization": f"Token {key}"},
                      {"user": "cat", "realms": ["north"]}),
        "keycloak session": ("/session",
                             {"Cookie": f"sessionid={keycloak_cookie(member('dan', 'north'))}",
                              "Eha-Realm": "north"},
                             {"user": "dan", "realms": ["north"]}),
    }
    for way, (path, headers, expected) in ways_in.items():
        answer, funcs = one_switch_get(switches, path, **headers)
        assert answer == expected, way
        assert len(funcs) == 1, (way, funcs)  # the handler's serve(): signals, chain, view


def test_a_proxy_session_costs_one_switch_as_the_demo_serves_it(shared, settings, switches):
    settings.AUTHENTICATION_BACKENDS = PROXY_BACKENDS
    settings.PROXY_SESSION_KEYS = {"k1": KEY_ONE}
    settings.PROXY_SESSION_WRITE_KEY_ID = "k1"
    settings.MULTITENANCY = False
    settings.MIDDLEWARE = [*(entry for entry in demo_settings.MIDDLEWARE
                             if entry != REALM_MIDDLEWARE), PROXY]
    token = crypto.encode_jwt({"username": "bob"})
    answer, funcs = one_switch_get(switches, "/session", Authorization=f"Bearer {token}")
    assert answer["user"] == "bob"
    assert len(funcs) == 1
