"""A real PostgreSQL server stopped under a running site."""

import pytest
import requests

from tests.harness import postgres
from tests.harness.servers import django_server


@pytest.fixture
def cluster():
    server = postgres.start_cluster()
    yield server
    server.stop()


def test_database_down_fails_db_and_readiness_but_not_health(cluster, local_server):
    site = local_server(django_server("tests.projects.health_pg", env={
        "EHA_PG_HOST": cluster.host, "EHA_PG_PORT": str(cluster.port)}))
    assert requests.get(f"{site.url}/check-db", timeout=10).status_code == 200
    assert requests.get(f"{site.url}/check-ready", timeout=10).status_code == 200

    cluster.stop()

    assert requests.get(f"{site.url}/health", timeout=10).status_code == 200
    db = requests.get(f"{site.url}/check-db", timeout=10)
    assert (db.status_code, db.text) == (500, "database unavailable")
    ready = requests.get(f"{site.url}/check-ready", timeout=10)
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"]["status"] == "failed"
    assert checks["database"]["error"] == "default: OperationalError"
