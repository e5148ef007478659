"""Keycloak login served by real processes: back-channel logout, refresh races, browsers.

Several processes may serve it at once: they share one SQLite file (EHA_TEST_APP_DB),
which holds the sessions, the users and the cache table (DatabaseCache: its ``add`` is
atomic across processes). EHA_TEST_CACHE=locmem keeps the cache in each process instead.
KEYCLOAK_SERVER_URL, KEYCLOAK_ISSUER_URL and KEYCLOAK_CLIENT_SECRET point at the provider;
EHA_TEST_BEHIND_SCENES=1 signs in with the password grant.
"""

import os

from example.idp import seed

from tests.settings import *  # noqa: F403
from tests.settings import MIDDLEWARE

DATABASES = {"default": {
    # BEGIN IMMEDIATE: concurrent writers in several processes wait their turn.
    "ENGINE": "example.idp.sqlite", "NAME": os.environ["EHA_TEST_APP_DB"],
    "OPTIONS": {"timeout": 30},
}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                      "LOCATION": "eha_test_cache"}}
if os.environ.get("EHA_TEST_CACHE") == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ROOT_URLCONF = "tests.eha_auth.urls_live"
MIDDLEWARE = [*MIDDLEWARE, "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware",
              "eha_auth.keycloak.middleware.KeycloakSessionMiddleware"]
AUTHENTICATION_BACKENDS = ["eha_auth.keycloak.backends.KeycloakBackend",
                           "django.contrib.auth.backends.ModelBackend"]
KEYCLOAK_SERVER_URL = os.environ["KEYCLOAK_SERVER_URL"]
KEYCLOAK_ISSUER_URL = os.environ.get("KEYCLOAK_ISSUER_URL") or KEYCLOAK_SERVER_URL
KEYCLOAK_CLIENT_ID = seed.CLIENT_ID
KEYCLOAK_CLIENT_SECRET = os.environ["KEYCLOAK_CLIENT_SECRET"]
KEYCLOAK_REALMS = seed.REALMS
KEYCLOAK_AUTHORIZED_PARTIES = [seed.CLIENT_ID, seed.PUBLIC_CLIENT_ID]
KEYCLOAK_BEHIND_SCENES = os.environ.get("EHA_TEST_BEHIND_SCENES") == "1"
KEYCLOAK_TIMEOUT = (5, 20)
GATEWAY_SERVICE_ID = "svc"
LOGIN_REDIRECT_URL = "/whoami/"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
