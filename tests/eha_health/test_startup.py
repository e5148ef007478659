"""The startup probe: database, every cache, and migrations, against real parts."""

import pytest
import requests

from eha_health import probes
from tests.harness.servers import django_server, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_results():
    probes.clear_cache()
    yield
    probes.clear_cache()


def test_unapplied_migrations_fail_startup_until_migrated(tmp_path, local_server):
    env = {"EHA_DB_FILE": str(tmp_path / "db.sqlite3")}
    site = local_server(django_server("tests.projects.ops", env=env, migrate=False))
    response = requests.get(f"{site.url}/check-startup", timeout=30)
    assert response.status_code == 503
    assert response.json()["failed"] == ["migrations"]
    assert "unapplied migration" in response.json()["checks"]["migrations"]["error"]
    assert requests.get(f"{site.url}/health", timeout=10).status_code == 200
    site.stop()

    site = local_server(django_server("tests.projects.ops", env=env, migrate=True))
    response = requests.get(f"{site.url}/check-startup", timeout=30)
    assert (response.status_code, response.json()["status"]) == (200, "ok")


def test_unreachable_cache_fails_startup_naming_it(client, admin_client, settings, redis_server):
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": redis_server.cache_settings(),
        "sessions": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": closed},
    }
    response = client.get("/check-startup")
    assert response.status_code == 503
    assert response.json() == {"status": "failed", "failed": ["cache"]}
    details = admin_client.get("/check-startup").json()["checks"]
    assert details["cache"]["error"] == "sessions: ConnectionError"
    assert details["database"]["status"] == details["migrations"]["status"] == "ok"


def test_startup_passes_with_reachable_caches(client, settings, redis_server):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": redis_server.cache_settings(),
    }
    response = client.get("/check-startup")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_startup_is_answered_by_the_middleware_too(client):
    # No credentials: HealthCheckMiddleware answers before host validation.
    response = client.get("/check-startup", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
