"""eha_health and eha_tenancy under ASGI: thread switches counted in-process, the demo
served by a real uvicorn process, the demo's middleware, docs/production/asgi.md."""

from __future__ import annotations

import asyncio
import io
import re
import runpy
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from asgiref.sync import SyncToAsync, iscoroutinefunction, markcoroutinefunction
from django.contrib.auth.models import Group, User
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpResponse
from django.urls import include, path
from django.utils.module_loading import import_string

from eha_health import probes
from eha_tenancy import get_active_realm
from eha_tenancy.membership import user_realms
from tests.harness.servers import ROOT, LocalServer, _pythonpath

HEALTH = "eha_health.middleware.HealthCheckMiddleware"
REALM = "eha_tenancy.middleware.RealmMiddleware"
DOCS = ROOT / "docs" / "production" / "asgi.md"


# Thread switches: every sync_to_async call, counted where asgiref makes it.

@pytest.fixture
def switches(monkeypatch) -> list[str]:
    """The functions run through sync_to_async while the test runs, in order.

    Instrumentation of asgiref's own SyncToAsync.__call__: each call still runs.
    """
    made: list[str] = []
    original = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        made.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    return made


async def async_view(request, realm=None):
    return HttpResponse(str(get_active_realm()))


def sync_view(request, realm=None):
    return HttpResponse(str(get_active_realm()))


class LoadedUserMiddleware:
    """Sets request.user to a user loaded with its realms, as eha_auth's middleware does
    for a gateway token (README: ``user.eha_realms``)."""

    sync_capable = False
    async_capable = True
    user: User | None = None

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request):
        if self.user is not None:
            request.user = self.user
        return await self.get_response(request)


urlpatterns = [
    path("async", async_view),
    path("sync", sync_view),
    path("<str:realm>/svc/async", async_view),
    path("", include("eha_health.urls")),
]


def asgi_get(path: str, **headers: str) -> tuple[HttpResponse, str]:
    """Answer a GET through Django's ASGI handler: middleware chain, URL, view."""
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
             "server": ("testserver", 80), "client": ("127.0.0.1", 50000),
             "headers": [(name.replace("_", "-").lower().encode(), value.encode())
                         for name, value in headers.items()]}

    async def answer():
        handler = ASGIHandler()  # loads MIDDLEWARE for the async path
        response = await handler.get_response_async(ASGIRequest(scope, io.BytesIO()))
        return response, get_active_realm()

    response, after = asyncio.run(answer())
    assert after is None
    return response, response.content.decode()


@pytest.fixture
def asgi_stack(settings):
    settings.ROOT_URLCONF = __name__
    settings.MULTITENANCY = True
    settings.HEALTH_CHECKS = ["eha_health.probes.database"]
    settings.MIDDLEWARE = [HEALTH, f"{__name__}.LoadedUserMiddleware", REALM]
    LoadedUserMiddleware.user = None
    probes.clear_cache()
    yield settings
    LoadedUserMiddleware.user = None
    probes.clear_cache()


def own(switches: list[str]) -> list[str]:
    """The switches of the request, without Django's logging of a 4xx response."""
    return [name for name in switches if name != "log_response"]


def test_an_async_view_behind_health_and_realm_middleware_runs_on_no_thread(
        asgi_stack, switches):
    response, body = asgi_get("/async", eha_realm="b")
    assert (response.status_code, body) == (200, "b")
    assert switches == []
    response, body = asgi_get("/a/svc/async")
    assert (response.status_code, body) == (200, "a")
    assert switches == []


def test_a_sync_view_costs_its_own_switch_only(asgi_stack, switches):
    response, body = asgi_get("/sync", eha_realm="b")
    assert (response.status_code, body) == (200, "b")
    assert switches == ["sync_view"]


@pytest.mark.django_db
def test_a_user_with_eha_realms_is_checked_on_the_event_loop(asgi_stack, switches):
    user = User.objects.create_user("ann")
    user.groups.add(Group.objects.create(name="a"))
    user.eha_realms = frozenset({"a"})
    LoadedUserMiddleware.user = user
    switches.clear()
    assert asgi_get("/async", eha_realm="a")[1] == "a"
    refused, body = asgi_get("/async", eha_realm="b")
    assert refused.status_code == 403 and "not a member" in body
    assert own(switches) == []


@pytest.mark.django_db
def test_a_user_without_eha_realms_costs_one_switch_for_the_membership(asgi_stack, switches):
    user = User.objects.create_user("ann")
    user.groups.add(Group.objects.create(name="a"))
    user_realms(user)  # cached: the thread reads the cache, not this test's transaction
    LoadedUserMiddleware.user = user
    switches.clear()
    assert asgi_get("/async", eha_realm="a")[1] == "a"
    assert switches == ["RealmMiddleware.admit"]


def test_health_answers_on_the_event_loop(asgi_stack, switches):
    for probe in ("/health", "/check-app"):
        assert asgi_get(probe)[0].status_code == 200
    assert switches == []


@pytest.mark.django_db
def test_probes_with_io_cost_one_switch(asgi_stack, switches):
    asgi_stack.HEALTH_CACHE_SECONDS = 60
    assert asgi_get("/check-db")[0].status_code == 200
    assert asgi_get("/check-ready")[0].status_code == 200
    assert switches == ["check_db", "check_ready"]
    assert asgi_get("/check-ready")[0].status_code == 200  # results still fresh
    assert switches == ["check_db", "check_ready"]


def test_session_and_auth_middleware_switches_are_theirs_not_the_realms(settings, switches):
    # Django's SessionMiddleware and AuthenticationMiddleware run their hooks in threads;
    # RealmMiddleware adds none for a client without a session (DRF authenticates later).
    settings.ROOT_URLCONF = __name__
    settings.MULTITENANCY = True
    stack = [HEALTH, "django.contrib.sessions.middleware.SessionMiddleware",
             "django.contrib.auth.middleware.AuthenticationMiddleware"]
    settings.MIDDLEWARE = stack
    assert asgi_get("/async", eha_realm="b")[1] == "None"
    without = list(switches)
    switches.clear()
    settings.MIDDLEWARE = [*stack, REALM]
    assert asgi_get("/async", eha_realm="b")[1] == "b"
    assert switches == without
