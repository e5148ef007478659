"""gateway-jwt-vs-open, gateway-userinfo-reference (against the local provider process)."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from benchmarks.clients import client_with, migrate
from eha_auth.gateway.drf import GatewayAuthentication
from eha_auth.gateway.urls import gateway_urlpatterns
from eha_auth.oidc.client import keycloak_client

SETTINGS = "benchmarks.settings_auth"
ROWS = [{"id": n, "name": f"item {n}", "done": n % 2 == 0} for n in range(50)]


class UserinfoAuthentication(BaseAuthentication):
    """aether's way: ask the provider's userinfo endpoint on every request."""

    def authenticate(self, request):
        realm = request.parser_context["kwargs"]["realm"]
        token = request.META.get("HTTP_X_OAUTH_TOKEN")
        if not token:
            return None
        try:
            info = keycloak_client(realm).userinfo(token)
        except Exception as exc:
            raise AuthenticationFailed() from exc
        user, _ = get_user_model().objects.get_or_create(
            username=f"{realm}__{info['preferred_username']}")
        return user, token


class Items(APIView):
    authentication_classes = [GatewayAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request, realm=None):
        return Response(ROWS)


class OpenItems(Items):
    authentication_classes = []
    permission_classes = [AllowAny]


class UserinfoItems(Items):
    authentication_classes = [UserinfoAuthentication]


urlpatterns = gateway_urlpatterns([
    path("items/", Items.as_view()),
    path("open/", OpenItems.as_view()),
    path("userinfo-items/", UserinfoItems.as_view()),
])


def scenarios(bench) -> None:
    from tests.eha_auth.idp import start_idp

    migrate()
    with tempfile.TemporaryDirectory() as directory:
        idp = start_idp(Path(directory))
        try:
            run(bench, idp)
        finally:
            idp.server.stop()


def run(bench, idp) -> None:
    settings.KEYCLOAK_SERVER_URL = idp.realms_url
    settings.KEYCLOAK_CLIENT_SECRET = None
    token = idp.gateway_token("alpha", "alice")
    client = client_with()
    headers = {"HTTP_X_OAUTH_TOKEN": token}
    assert client.get("/alpha/svc/items/", **headers).status_code == 200
    assert client.get("/open/").status_code == 200
    assert client.get("/alpha/svc/userinfo-items/", **headers).status_code == 200

    bench.compare("gateway-jwt-vs-open",
                  subject=lambda: client.get("/alpha/svc/items/", **headers),
                  baseline=lambda: client.get("/open/"), target=1.15,
                  extra=costs(client, idp, "/alpha/svc/items/", headers))
    bench.compare("gateway-userinfo-reference",
                  subject=lambda: client.get("/alpha/svc/userinfo-items/", **headers),
                  baseline=lambda: client.get("/open/"), target=100.0, iterations=300,
                  extra=costs(client, idp, "/alpha/svc/userinfo-items/", headers, 20))


def costs(client, idp, url, headers, requests=100) -> dict:
    """Outbound calls and database writes per request, after warm-up."""
    before = idp.stats()["total"]
    with CaptureQueriesContext(connection) as queries:
        for _ in range(requests):
            assert client.get(url, **headers).status_code == 200
    calls = idp.stats()["total"] - before - 1  # the second stats call itself
    writes = [q for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    return {"outbound_calls_per_request": calls / requests,
            "db_writes_per_request": len(writes) / requests,
            "queries_per_request": len(queries) / requests}
