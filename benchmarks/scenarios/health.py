"""health-vs-bare, check-db-queries."""

from django.db import connection
from django.db.backends.signals import connection_created
from django.test.utils import CaptureQueriesContext

from benchmarks.clients import client_with, migrate

SETTINGS = "benchmarks.settings"


def scenarios(bench) -> None:
    migrate()
    full_stack = client_with()  # the demo site's MIDDLEWARE, health middleware first
    bare = client_with(MIDDLEWARE=[])
    assert full_stack.get("/health").status_code == 200
    assert bare.get("/bare").status_code == 200

    bench.compare("health-vs-bare", subject=lambda: full_stack.get("/health"),
                  baseline=lambda: bare.get("/bare"), target=1.05)

    bench.compare("check-db-queries", subject=lambda: full_stack.get("/check-db"),
                  baseline=lambda: bare.get("/bare"), target=1.5,
                  extra=_check_db_costs(full_stack))


def _check_db_costs(client, requests: int = 100) -> dict:
    opened = []
    connection_created.connect(lambda **kw: opened.append(kw), weak=False,
                              dispatch_uid="bench-count")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(requests):
            assert client.get("/check-db").status_code == 200
    connection_created.disconnect(dispatch_uid="bench-count")
    return {"queries_per_request": len(queries) / requests,
            "new_connections_per_request": len(opened) / requests}
