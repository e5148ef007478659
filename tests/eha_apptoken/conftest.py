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


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached tokens (user ids repeat across tests)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def expire_validation(user, validated_at=None) -> None:
    """Make the user's validations stale, as if APPTOKEN_VALIDATION_SECONDS had passed.

    The cached copy expires at the same moment, so it goes too.
    """
    from django.core.cache import caches

    from eha_apptoken.models import AppToken

    AppToken.objects.filter(user=user).update(validated_at=validated_at)
    for cache in caches.all():
        cache.clear()
