"""Suite-wide fixtures: the PostgreSQL server, real local servers, log capture."""

from __future__ import annotations

import os

import pytest

from tests.harness import postgres
from tests.harness.servers import LocalServer, django_server


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server: the user's (EHA_TEST_PG_URL) or a throwaway cluster."""
    server = postgres.get_server()
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
