"""eha_health and eha_tenancy under ASGI: thread switches counted in-process, the demo
served by a real uvicorn process, the demo's middleware, docs/production/asgi.md."""

from __future__ import annotations

import asyncio
import io
import os
import re
import runpy
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django
import pytest
import requests
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib.auth.models import Group, User
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpResponse
from django.urls import include, path
from django.utils.module_loading import import_string

from eha_health import probes
from eha_tenancy import get_active_realm
from eha_tenancy.membership import user_realms
from tests.harness.servers import ROOT, LocalServer, _pythonpath, free_port
from tests.projects.asgi_demo import python_blocks

HEALTH = "eha_health.middleware.HealthCheckMiddleware"
REALM = "eha_tenancy.middleware.RealmMiddleware"
DOCS = ROOT / "docs" / "production" / "asgi.md"


# Thread switches: the `switches` fixture (tests/conftest.py) counts every sync_to_async call.

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
    if django.VERSION < (5, 0):  # no request.auser(): the lazy user is loaded in a thread
        assert [name for name in switches if name.startswith("Realm")] == [
            "RealmMiddleware.resolve"]
        switches.remove("RealmMiddleware.resolve")
    assert switches == without


# The demo's middleware.

def test_every_eha_middleware_of_the_demo_is_async_capable(monkeypatch):
    # Every optional part on: DEBUG's proxy sessions, a provider's gateway and Keycloak.
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("KEYCLOAK_SERVER_URL", "http://127.0.0.1:9/realms")
    demo = runpy.run_path(str(ROOT / "example" / "settings.py"))
    entries = [entry for entry in demo["MIDDLEWARE"] if entry.startswith("eha_")]
    assert HEALTH in entries and REALM in entries
    failing = [entry for entry in entries if not runs_on_the_event_loop(entry)]
    assert failing == [], f"sync-only under ASGI: {failing}"


def runs_on_the_event_loop(path: str) -> bool:
    middleware = import_string(path)
    if getattr(middleware, "async_capable", False) is not True:
        return False

    async def get_response(request):
        return HttpResponse()

    instance = middleware(get_response)
    hooks = [getattr(instance, name) for name in ("process_view", "process_exception",
                                                  "process_template_response")
             if hasattr(instance, name)]
    return iscoroutinefunction(instance) and all(map(iscoroutinefunction, hooks))


# The demo under a real uvicorn process, with the commands of docs/production/asgi.md.

def commands(page: Path) -> list[str]:
    """Return the fenced ```bash blocks' lines of a Markdown page."""
    blocks = re.findall(r"^```bash\n(.*?)^```$", page.read_text(), re.S | re.M)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def served(command: str, env: dict[str, str]) -> LocalServer:
    port = free_port()
    return LocalServer(["bash", "-c", command], env={**env, "PORT": str(port)},
                       port=port, ready_path="/health", timeout=60)


def prepare_demo(env: dict[str, str]) -> None:
    manage = [sys.executable, str(ROOT / "example" / "manage.py")]
    for command in (["migrate", "-v", "0"], ["demo_setup"]):
        subprocess.run([*manage, *command], env={**os.environ, **env}, cwd=ROOT,
                       check=True, capture_output=True, timeout=180)


def demo_env(**extra: str) -> dict[str, str]:
    # The commands are found where this Python's packages put them (a virtualenv's bin).
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {"DJANGO_SETTINGS_MODULE": "tests.projects.asgi_demo", "EHA_DEMO_PASSWORD": "pw",
            "DEBUG": "false", "PYTHONPATH": _pythonpath(), "PATH": path, **extra}


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory):
    env = demo_env(DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('asgi') / 'demo.db'}")
    prepare_demo(env)
    return env


CALLS = [  # user, realm, expected status, expected titles
    ("alice", "alpha", 200, ["alpha note 1", "alpha note 2", "alpha note 3"]),
    ("bob", "beta", 200, ["beta note 1", "beta note 2", "beta note 3"]),
    ("alice", "beta", 403, None),
    ("bob", "alpha", 403, None),
    (None, None, 200, None),  # /health
]


def call(url: str, user: str | None, realm: str | None) -> tuple[int, list[str] | None]:
    if user is None:
        return requests.get(url + "/health", timeout=20).status_code, None
    response = requests.get(url + "/api/notes/", auth=(user, "pw"), timeout=20,
                            headers={"Eha-Realm": realm})
    if response.status_code != 200:
        assert "note" not in response.text, response.text
        return response.status_code, None
    return 200, [note["title"] for note in response.json()["results"]]


def concurrent_calls(url: str, rounds: int) -> None:
    """Send every call of CALLS ``rounds`` times, 8 at a time, and check each answer."""
    batch = CALLS * rounds
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda c: call(url, c[0], c[1]), batch))
    assert answers == [(status, titles) for _, _, status, titles in batch]


def test_uvicorn_serves_each_realm_its_own_notes_to_concurrent_clients(sqlite_demo):
    with served(commands(DOCS)[0], sqlite_demo) as server:
        concurrent_calls(server.url, rounds=6)
        assert "uvicorn" in requests.get(server.url + "/health", timeout=10).headers["server"]


def test_gunicorn_with_uvicorn_workers_serves_the_demo(sqlite_demo):
    with served(commands(DOCS)[1], sqlite_demo) as server:
        concurrent_calls(server.url, rounds=2)


def test_the_docs_show_one_command_per_server():
    assert [line.split()[0] for line in commands(DOCS)] == ["uvicorn", "gunicorn"]


def test_the_docs_database_settings_load_as_written(monkeypatch):
    monkeypatch.setenv("PGDATABASE", "demo")
    namespace: dict = {}
    exec(python_blocks(DOCS)[0], namespace)
    database = namespace["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 0 and database["NAME"] == "demo"
    assert database["OPTIONS"]["pool"]["max_size"] == 8


@pytest.mark.skipif(not django.VERSION >= (5, 1), reason="psycopg's pool: Django 5.1 or later")
def test_uvicorn_on_postgresql_with_the_docs_pool_keeps_connections_bounded(postgres_server):
    import psycopg

    name = f"asgi_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(host=postgres_server.host, port=postgres_server.port,
                            user=postgres_server.user, password=postgres_server.password,
                            dbname="postgres", autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    env = demo_env(EHA_ASGI_DOCS_DATABASES="1", PGHOST=postgres_server.host,
                   PGPORT=str(postgres_server.port), PGUSER=postgres_server.user,
                   PGPASSWORD=postgres_server.password or "", PGDATABASE=name)
    try:
        prepare_demo(env)
        with served(commands(DOCS)[0], env) as server:
            concurrent_calls(server.url, rounds=12)  # 48 requests to the database
            opened = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                   [name]).fetchone()[0]
        assert 0 < opened <= 8  # the pool's max_size: not one per request
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_the_demo_shares_its_cache_objects_between_requests():
    """Each asyncio task (an ASGI request) of the demo gets the process's cache objects,
    so a Redis connection pool is not made again per request."""
    script = textwrap.dedent("""
        import asyncio, os
        os.environ["DEBUG"] = "false"
        import example.asgi
        from django.core.cache import caches

        async def request():
            return caches["default"]

        async def main():
            return [await asyncio.create_task(request()) for _ in range(3)]

        print(len({id(cache) for cache in asyncio.run(main())}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"},
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == "1"


def test_the_docs_cache_warming_block_runs_as_written():
    from tests.harness.docs import python_blocks

    page = (ROOT / "docs/production/asgi.md").read_text()
    [block] = [b for b in python_blocks(page) if "for alias in settings.CACHES" in b]
    exec(block, {})
    demo = (ROOT / "example/asgi.py").read_text()
    assert "for alias in settings.CACHES:\n    caches[alias]" in demo
