"""token-auth-vs-open: realm-aware token authentication vs AllowAny on the same view."""

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.clients import member_of_default_realm, migrate
from eha_auth.models import ApiToken

SETTINGS = "benchmarks.settings_auth_tokens"


def scenarios(bench) -> None:
    migrate()
    user = member_of_default_realm(User.objects.create_user("bench-user"))
    _, key = ApiToken.create_for(user)
    client = Client()
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/items-token", **header).status_code == 200
    assert client.get("/api/items-token").status_code == 401
    assert client.get("/api/items-open").status_code == 200
    bench.compare("token-auth-vs-open",
                  subject=lambda: client.get("/api/items-token", **header),
                  baseline=lambda: client.get("/api/items-open"), target=1.15,
                  extra={"queries_per_request": _queries(client, header)})


def _queries(client, header, requests: int = 100) -> float:
    with CaptureQueriesContext(connection) as queries:
        for _ in range(requests):
            client.get("/api/items-token", **header)
    return len(queries) / requests
