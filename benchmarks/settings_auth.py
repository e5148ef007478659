"""The demo site's settings with the gateway on; the provider URL is set once it runs."""

from benchmarks.settings import *  # noqa: F403
from benchmarks.settings import MIDDLEWARE

ROOT_URLCONF = "benchmarks.scenarios.auth_gateway"
GATEWAY_SERVICE_ID = "svc"
KEYCLOAK_REALMS = ["alpha", "beta"]
KEYCLOAK_CLIENT_ID = "eha"
KEYCLOAK_AUTHORIZED_PARTIES = ["eha", "eha-public"]
GATEWAY_MIDDLEWARE = "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware"
if GATEWAY_MIDDLEWARE not in MIDDLEWARE:
    MIDDLEWARE = [*MIDDLEWARE, GATEWAY_MIDDLEWARE]
