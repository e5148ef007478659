"""gateway-jwt-redis-vs-open, token-auth-redis-vs-open: the same views with RedisCache.

A redis-server is started for the run (tests/harness/redis.py); Django's cache is a
RedisCache on it that counts its round trips. ``cache_round_trips_per_request`` is
measured as the site runs (each worker remembers what it read for AUTH_MEMO_SECONDS);
``..._memo_lapsed`` with that memory emptied before every request (the most a request
costs). Both count every app's round trips (eha_tenancy's RealmMiddleware included).
"""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from django.test.utils import override_settings

from benchmarks.clients import client_with, member_of_default_realm, migrate
from eha_auth.models import ApiToken
from eha_auth.oidc.usercache import local_users

SETTINGS = "benchmarks.settings_auth"


def scenarios(bench) -> None:
    from tests.eha_auth.idp import start_idp
    from tests.harness.redis import start_server

    migrate()
    redis = start_server()
    caches_setting = {"default": {"BACKEND": "tests.harness.countingcache.CountingRedisCache",
                                  "LOCATION": redis.url}}
    try:
        with override_settings(CACHES=caches_setting), tempfile.TemporaryDirectory() as folder:
            idp = start_idp(Path(folder))
            try:
                gateway(bench, idp)
            finally:
                idp.server.stop()
            with override_settings(ROOT_URLCONF="benchmarks.urls_auth"):
                tokens(bench)
    finally:
        redis.stop()


def gateway(bench, idp) -> None:
    settings.KEYCLOAK_SERVER_URL = idp.realms_url
    settings.KEYCLOAK_CLIENT_SECRET = None
    client = client_with()
    headers = {"HTTP_X_OAUTH_TOKEN": idp.gateway_token("alpha", "alice")}
    assert client.get("/alpha/svc/items/", **headers).status_code == 200
    assert client.get("/open/").status_code == 200
    bench.compare("gateway-jwt-redis-vs-open",
                  subject=lambda: client.get("/alpha/svc/items/", **headers),
                  baseline=lambda: client.get("/open/"), target=1.15,
                  extra=round_trips(lambda: client.get("/alpha/svc/items/", **headers)))


def tokens(bench) -> None:
    user = member_of_default_realm(User.objects.create_user("bench-redis-user"))
    _, key = ApiToken.create_for(user)
    client = Client()
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/items-token", **header).status_code == 200
    assert client.get("/api/items-open").status_code == 200
    bench.compare("token-auth-redis-vs-open",
                  subject=lambda: client.get("/api/items-token", **header),
                  baseline=lambda: client.get("/api/items-open"), target=1.15,
                  extra=round_trips(lambda: client.get("/api/items-token", **header)))


def round_trips(send, requests: int = 100) -> dict:
    """Cache round trips per request: as the site runs, and with the memory lapsed."""
    cache = caches["default"]
    cache.calls.clear()
    for _ in range(requests):
        assert send().status_code == 200
    measured = len(cache.calls) / requests
    cache.calls.clear()
    for _ in range(requests):
        local_users.clear()
        assert send().status_code == 200
    lapsed = len(cache.calls) / requests
    cache.calls.clear()
    return {"cache_round_trips_per_request": measured,
            "cache_round_trips_per_request_memo_lapsed": lapsed}
