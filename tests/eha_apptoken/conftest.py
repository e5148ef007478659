"""Fixtures: real external services (example.extapp) and a signed-in user."""

from __future__ import annotations

import pytest

from tests.eha_apptoken.extapp import SERVICE_TOKEN, ExtApp


@pytest.fixture(scope="session")
def extapp_server():
    server = ExtApp().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def elsewhere_server():
    """A second service the proxy must never reach."""
    server = ExtApp(service_token="elsewhere-token-0000").start()
    yield server
    server.stop()


@pytest.fixture
def extapp(extapp_server, settings):
    """The external service, reset, configured as the app "ext" under /api."""
    extapp_server.reset()
    settings.EXTERNAL_APPS = {"ext": {"url": f"{extapp_server.url}/api",
                                      "token": SERVICE_TOKEN}}
    settings.ROOT_URLCONF = "tests.eha_apptoken.urls"
    return extapp_server


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", password="pw")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("boss", password="pw", is_staff=True)


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client
