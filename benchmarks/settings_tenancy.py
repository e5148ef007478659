"""The demo site on a throwaway PostgreSQL cluster, started here and stopped at exit."""

import atexit

from tests.harness.postgres import start_cluster

from benchmarks.settings import *  # noqa: F403

_server = start_cluster()
atexit.register(_server.stop)

DATABASES = {"default": {**_server.database_settings("postgres"), "CONN_MAX_AGE": None}}
# The same database as a role without SUPERUSER or BYPASSRLS, which the scenarios
# create (tenancy-rls-*): PostgreSQL applies row-level security to it.
DATABASES["app"] = {**DATABASES["default"], "USER": "eha_bench_app"}
MULTITENANCY = True
REALM_MEMBERSHIP_CACHE_SECONDS = 60
