import json

import pytest
from django.db import connection

from eha_health import probes
from tests.eha_health import checks_for_tests as ct

pytestmark = pytest.mark.django_db

HERE = "tests.eha_health.checks_for_tests."


@pytest.fixture(autouse=True)
def fresh_results():
    probes.clear_cache()
    ct.calls["counting"] = 0
    ct.release.clear()
    yield
    ct.release.set()  # let abandoned hanging checks finish
    probes.clear_cache()


def test_health_is_200_and_empty(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("path", ["/health", "/check-db", "/check-app", "/check-ready"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_methods_get_405(client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "HEAD"]


def test_head_is_allowed(client):
    assert client.head("/check-db").status_code == 200


def test_check_db_runs_one_query_on_the_same_connection(client, django_assert_num_queries):
    client.get("/check-db")
    before = connection.connection
    with django_assert_num_queries(1):
        response = client.get("/check-db")
    assert response.status_code == 200
    assert connection.connection is before  # not closed and reopened per call


def test_check_app_reports_settings(client, settings):
    settings.APP_NAME, settings.APP_VERSION, settings.APP_REVISION = "kernel", "2.1.0", "abc123"
    assert client.get("/check-app").json() == {
        "app_name": "kernel", "app_version": "2.1.0", "app_revision": "abc123"}


def test_check_app_has_defaults(client, settings):
    for name in ("APP_NAME", "APP_VERSION", "APP_REVISION"):
        if hasattr(settings, name):
            delattr(settings, name)
    assert client.get("/check-app").json() == {
        "app_name": "eha", "app_version": "#.#.#", "app_revision": "---"}


def test_ready_runs_the_builtin_checks(admin_client):
    response = admin_client.get("/check-ready")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert set(checks) == {"database", "cache", "migrations"}
    assert all(check["status"] == "ok" and check["ms"] >= 0 for check in checks.values())
    assert checks["database"]["details"] == {"default": "ok"}


def test_ready_shows_only_status_to_the_public(client):
    response = client.get("/check-ready")
    assert response.json() == {"status": "ok"}


def test_ready_details_for_everyone_when_allowed(client, settings):
    settings.HEALTH_SHOW_DETAILS = True
    settings.HEALTH_CHECKS = [HERE + "passing", HERE + "ClassBased"]
    assert client.get("/check-ready").json() == {
        "status": "ok",
        "checks": {
            "passing": {"status": "ok", "ms": pytest.approx(0, abs=1000),
                        "details": {"answer": 42}},
            "class-based": {"status": "ok", "ms": pytest.approx(0, abs=1000),
                            "details": "fine"},
        },
    }


def test_failing_and_raising_checks_give_503_not_500(admin_client, settings):
    settings.HEALTH_CHECKS = [HERE + "passing", HERE + "failing", HERE + "raising"]
    response = admin_client.get("/check-ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["passing"]["status"] == "ok"
    assert checks["failing"] == {"status": "failed", "ms": checks["failing"]["ms"],
                                 "error": "the upstream said no"}
    # An unexpected exception is named, its message (which may hold secrets) is not.
    assert checks["raising"]["error"] == "ZeroDivisionError"
    assert b"secret-detail" not in response.content


def test_public_callers_see_failure_without_details(client, settings):
    settings.HEALTH_CHECKS = [HERE + "failing"]
    response = client.get("/check-ready")
    assert (response.status_code, response.json()) == (503, {"status": "failed"})


def test_a_hanging_check_is_abandoned_after_its_timeout(admin_client, settings):
    settings.HEALTH_CHECKS = [HERE + "hanging", HERE + "passing"]
    settings.HEALTH_CHECK_TIMEOUT = 0.3
    response = admin_client.get("/check-ready")
    checks = response.json()["checks"]
    assert response.status_code == 503
    assert checks["hanging"]["error"] == "timed out after 0.3s"
    assert checks["passing"]["status"] == "ok"


def test_results_are_reused_for_cache_seconds(client, settings):
    settings.HEALTH_CHECKS = [HERE + "counting"]
    settings.HEALTH_CACHE_SECONDS = 60
    for _ in range(3):
        assert client.get("/check-ready").status_code == 200
    assert ct.calls["counting"] == 1


def test_results_are_not_reused_without_cache_seconds(client, settings):
    settings.HEALTH_CHECKS = [HERE + "counting"]
    settings.HEALTH_CACHE_SECONDS = 0
    for _ in range(3):
        client.get("/check-ready")
    assert ct.calls["counting"] == 3


def test_changing_the_checks_invalidates_cached_results(client, settings):
    settings.HEALTH_CACHE_SECONDS = 60
    settings.HEALTH_CHECKS = [HERE + "passing"]
    assert client.get("/check-ready").status_code == 200
    settings.HEALTH_CHECKS = [HERE + "failing"]
    assert client.get("/check-ready").status_code == 503


def test_cache_check_covers_every_alias(admin_client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "broken": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    settings.HEALTH_CHECKS = ["eha_health.probes.cache"]
    response = admin_client.get("/check-ready")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["cache"]["error"] == (
        "broken: value not read back")


@pytest.mark.django_db(transaction=True)
def test_unapplied_migrations_fail_readiness(admin_client, settings):
    from django.db.migrations.recorder import MigrationRecorder

    settings.HEALTH_CHECKS = ["eha_health.probes.migrations"]
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("sessions", "0001_initial")
    try:
        response = admin_client.get("/check-ready")
    finally:
        recorder.record_applied("sessions", "0001_initial")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["error"] == (
        "1 unapplied migration(s): sessions.0001_initial")
