"""Suite-wide fixtures: the PostgreSQL server, real local servers, log capture."""

from __future__ import annotations

import os

import pytest
from asgiref.sync import SyncToAsync

from tests.harness import postgres, redis
from tests.harness.servers import LocalServer, django_server

# The kit's fixtures, from the source tree (an installed copy loads it by its entry point).
pytest_plugins = ["eha_testkit.plugin"]


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server: the user's (EHA_TEST_PG_URL) or a throwaway cluster."""
    server = postgres.get_server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server: the user's (EHA_TEST_REDIS_URL) or a throwaway one."""
    server = redis.get_server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """Point the postgres settings at the server this run uses, before any connection."""
    if os.environ.get("EHA_TEST_DB", "sqlite") != "postgres":
        return
    from django.conf import settings

    server = request.getfixturevalue("postgres_server")
    settings.DATABASES["default"].update(
        HOST=server.host, PORT=str(server.port), USER=server.user, PASSWORD=server.password
    )


@pytest.fixture
def local_server():
    """Start LocalServer/django_server objects and stop them after the test.

        server = local_server(django_server("tests.projects.health_down"))
    """
    started: list[LocalServer] = []

    def start(server: LocalServer) -> LocalServer:
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


__all__ = ["django_server"]


@pytest.fixture(autouse=True)
def no_secrets_in_logs():
    """Record every log record at DEBUG; fail the test if one holds a registered secret."""
    import logging

    from tests.harness import logcheck

    handler = logcheck.RecordingHandler()
    root = logging.getLogger()
    loggers = [root, *(logger for logger in logging.root.manager.loggerDict.values()
                       if isinstance(logger, logging.Logger))]
    levels = [(logger, logger.level) for logger in loggers]
    for logger in loggers:  # every logger down to DEBUG, so nothing is filtered out
        logger.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger, level in levels:
            logger.setLevel(level)
    leaked = logcheck.leaks(handler.lines)
    assert not leaked, f"secrets in log lines: {leaked[:3]}"


class Switches(list):
    """The qualified names of the functions run through sync_to_async; ``funcs``, the
    functions themselves (to tell whose code a switch runs)."""

    def __init__(self) -> None:
        super().__init__()
        self.funcs: list[object] = []

    def clear(self) -> None:
        super().clear()
        self.funcs.clear()


@pytest.fixture
def switches(monkeypatch) -> Switches:
    """The functions run through sync_to_async while the test runs, in order: the thread
    switches of an ASGI request.

    Instrumentation of asgiref's own SyncToAsync.__call__: each call still runs.
    """
    made = Switches()
    original = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        made.append(getattr(self.func, "__qualname__", repr(self.func)))
        made.funcs.append(self.func)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    return made
