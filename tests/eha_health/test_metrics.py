"""The metrics view: who may read it, what it shows, and without prometheus_client."""

import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from prometheus_client import REGISTRY

from tests.harness import logcheck
from tests.harness.servers import ROOT, _pythonpath

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.HEALTH_METRICS_TOKEN = TOKEN
    logcheck.register(TOKEN)


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_anonymous_and_wrong_tokens_get_401(client):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong-token-000000000000000"},
                    {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"},
                    {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}):
        response = client.get("/metrics", **headers)
        assert response.status_code == 401, headers
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_no_token_setting_refuses_every_bearer(client, settings):
    settings.HEALTH_METRICS_TOKEN = None
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer None").status_code == 401


def test_signed_in_users_who_are_not_staff_get_403(client):
    client.force_login(User.objects.create_user("ann"))
    assert client.get("/metrics").status_code == 403


def test_staff_and_the_token_read_the_metrics(client, admin_client):
    for response in (admin_client.get("/metrics"),
                     client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        text = response.content.decode()
        assert "# TYPE eha_auth_outcomes_total counter" in text
        assert "# TYPE eha_tenancy_realm_refusals_total counter" in text
        assert "# TYPE eha_health_check_seconds histogram" in text
        assert TOKEN not in text


def test_outcomes_refusals_and_check_durations_are_counted(client, settings):
    settings.MULTITENANCY = True
    settings.ROOT_URLCONF = "tests.projects.ops_urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "eha_tenancy.middleware.RealmMiddleware"]
    refused = {"method": "token", "outcome": "refused", "reason": "invalid token"}
    before = (value("eha_auth_outcomes_total", **refused),
              value("eha_tenancy_realm_refusals_total", reason="unknown"),
              value("eha_health_check_seconds_count", check="migrations", outcome="ok"))
    logcheck.register("not-a-token-0123456789")
    client.get("/north/token", HTTP_AUTHORIZATION="Token not-a-token-0123456789")
    client.get("/no__such/token")
    client.get("/check-startup")
    after = (value("eha_auth_outcomes_total", **refused),
             value("eha_tenancy_realm_refusals_total", reason="unknown"),
             value("eha_health_check_seconds_count", check="migrations", outcome="ok"))
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1]


def test_without_prometheus_client_the_view_is_503():
    # A real failed import: prometheus_client made unimportable before Django starts.
    code = (
        "import sys; sys.modules['prometheus_client'] = None\n"
        "import django; django.setup()\n"
        "from django.test import Client; from django.test.utils import override_settings\n"
        f"with override_settings(HEALTH_METRICS_TOKEN={TOKEN!r}):\n"
        f"    r = Client().get('/metrics', HTTP_AUTHORIZATION='Bearer {TOKEN}')\n"
        "print(r.status_code, r.content.decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": _pythonpath(), "DJANGO_SETTINGS_MODULE": "tests.settings",
             "PATH": "/usr/bin:/bin"})
    assert result.stdout.startswith("503 metrics unavailable: install prometheus_client")
