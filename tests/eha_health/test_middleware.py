"""HealthCheckMiddleware answers probes by IP before host validation."""

import pytest

from eha_health.middleware import health_view_for

pytestmark = pytest.mark.django_db

PRIVATE_IP = "10.1.2.3"  # what a load balancer sends; not in ALLOWED_HOSTS


@pytest.mark.parametrize("path", ["/health", "/check-db", "/check-app", "/check-ready"])
def test_probes_by_private_ip_are_answered(client, path):
    assert client.get(path, HTTP_HOST=PRIVATE_IP).status_code == 200


def test_other_paths_keep_host_validation(client):
    # The same Host on any other path is rejected by Django as usual.
    assert client.get("/admin/login/", HTTP_HOST=PRIVATE_IP).status_code == 400


def test_without_the_middleware_the_probe_would_be_rejected(client, settings):
    settings.MIDDLEWARE = settings.MIDDLEWARE[1:]
    assert client.get("/health", HTTP_HOST=PRIVATE_IP).status_code == 400


def test_health_touches_no_session_and_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health")
    assert "Vary" not in response  # SessionMiddleware did not run
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("path", [
    "/health/", "/healthz", "/health/x", "/x/health", "//health", "/HEALTH", "/check-db/",
])
def test_only_exact_paths_are_answered_early(client, path):
    assert health_view_for(path) is None
    assert client.get(path, HTTP_HOST=PRIVATE_IP).status_code == 400


def test_answers_under_configured_prefixes(client, settings):
    settings.HEALTH_URL_PREFIXES = ["/kernel/"]
    assert client.get("/kernel/health", HTTP_HOST=PRIVATE_IP).status_code == 200
    assert client.get("/health", HTTP_HOST=PRIVATE_IP).status_code == 400
    assert client.get("/kernel/x/health", HTTP_HOST=PRIVATE_IP).status_code == 400


def test_app_url_is_the_default_prefix(client, settings):
    settings.APP_URL = "/odk"
    assert client.get("/odk/check-app", HTTP_HOST=PRIVATE_IP).status_code == 200
    assert client.get("/check-app", HTTP_HOST=PRIVATE_IP).status_code == 400


def test_answers_under_gateway_realm_paths(client, settings):
    settings.GATEWAY_SERVICE_ID = "kernel"
    assert client.get("/eha/kernel/health", HTTP_HOST=PRIVATE_IP).status_code == 200
    assert client.get("/eha/other/health", HTTP_HOST=PRIVATE_IP).status_code == 400
    assert client.get("/a/b/kernel/health", HTTP_HOST=PRIVATE_IP).status_code == 400


def test_requests_with_credentials_go_through_the_stack(client):
    client.cookies["sessionid"] = "anything"
    assert client.get("/health", HTTP_HOST=PRIVATE_IP).status_code == 400
    assert client.get("/health").status_code == 200  # served by the URLconf instead


def test_staff_with_a_session_see_details(admin_client):
    assert "checks" in admin_client.get("/check-ready").json()


def test_probe_with_a_bearer_token_is_not_answered_early(client):
    response = client.get("/health", HTTP_HOST=PRIVATE_IP, HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 400


# Under ASGI (Django's AsyncClient runs the async handler).

@pytest.mark.django_db(transaction=True)  # /check-db runs its query in another thread
@pytest.mark.parametrize("path", ["/health", "/check-db", "/check-app", "/check-ready"])
def test_probes_by_private_ip_are_answered_under_asgi(async_client, path):
    import asyncio

    from asgiref.sync import sync_to_async
    from django.db import connections

    async def probe():
        response = await async_client.get(path, headers={"host": PRIVATE_IP})
        await sync_to_async(connections.close_all)()  # the probe thread's connection
        return response

    assert asyncio.run(probe()).status_code == 200


def test_other_paths_keep_host_validation_under_asgi(async_client):
    import asyncio

    response = asyncio.run(async_client.get("/admin/login/", headers={"host": PRIVATE_IP}))
    assert response.status_code == 400


def test_the_middleware_takes_the_mode_of_the_stack():
    from asgiref.sync import iscoroutinefunction

    from eha_health.middleware import HealthCheckMiddleware

    async def answer(request):
        raise AssertionError("not reached")

    assert iscoroutinefunction(HealthCheckMiddleware(answer))
    assert not iscoroutinefunction(HealthCheckMiddleware(lambda request: None))
