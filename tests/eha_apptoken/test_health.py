"""The readiness check eha_health runs by dotted path."""

import pytest

from eha_apptoken.health import ExternalAppsUnavailable, external_apps
from tests.eha_apptoken.extapp import SERVICE_TOKEN
from tests.harness.servers import free_port

pytestmark = pytest.mark.django_db


def test_reports_each_app(extapp, settings):
    settings.EXTERNAL_APPS = {**settings.EXTERNAL_APPS,
                              "ext2": {"url": extapp.url, "token": SERVICE_TOKEN}}
    assert external_apps() == {"ext": "ok", "ext2": "ok"}


def test_raises_naming_the_failing_apps_without_secrets(extapp, settings):
    settings.EXTERNAL_APPS = {
        **settings.EXTERNAL_APPS,
        "down": {"url": f"http://127.0.0.1:{free_port()}", "token": "down-secret"},
        "refused": {"url": extapp.url, "token": "refused-secret"},
    }
    with pytest.raises(ExternalAppsUnavailable) as failure:
        external_apps()
    message = str(failure.value)
    assert message == "down: unreachable; refused: service token rejected"
    assert "secret" not in message


def test_runs_inside_eha_health_by_dotted_path(extapp, client, settings, staff):
    settings.HEALTH_CHECKS = ["eha_apptoken.health.external_apps"]
    client.force_login(staff)
    response = client.get("/check-ready")
    assert response.status_code == 200
    assert response.json()["checks"]["external_apps"]["details"] == {"ext": "ok"}
    settings.EXTERNAL_APPS["ext"]["token"] = "wrong"
    response = client.get("/check-ready")
    assert response.status_code == 503
    assert response.json()["checks"]["external_apps"]["status"] == "failed"
