"""Start what the deployed demo needs: PostgreSQL, Redis, the provider, the demo's workers."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import psycopg
from example.idp import seed
from tests.harness import postgres, redis
from tests.harness.servers import ROOT, LocalServer

IDP_ADMIN_TOKEN = secrets.token_urlsafe(16)
WORKERS = 4
# The two ways the demo is served: 4 sync workers (WSGI), 4 uvicorn workers (ASGI).
SERVERS = {
    "gunicorn": ["-m", "gunicorn", "example.wsgi:application", "--workers", str(WORKERS),
                 "--bind", "127.0.0.1:{port}", "--log-level", "warning"],
    "uvicorn": ["-m", "uvicorn", "example.asgi:application", "--workers", str(WORKERS),
                "--host", "127.0.0.1", "--port", "{port}", "--no-access-log",
                "--log-level", "warning"],
}


class Provider:
    """example/idp (the demo's Keycloak-shaped provider), which can be stopped and frozen."""

    def __init__(self, folder: Path, site_url: str) -> None:
        self.env = {"IDP_DATABASE": str(folder / "idp.sqlite3"),
                    "IDP_ADMIN_TOKEN": IDP_ADMIN_TOKEN,
                    # Tokens outlive the run: a refresh is not what is measured.
                    "IDP_ACCESS_TOKEN_SECONDS": "3600"}
        manage = [sys.executable, "example/idp/manage.py"]
        subprocess.run([*manage, "idp_setup", "--redirect-uri", f"{site_url}/*",
                        "--backchannel-logout-uri",
                        f"{site_url}/-/demo/accounts/backchannel-logout/"],
                       cwd=ROOT, env={**os.environ, **self.env}, check=True,
                       stdout=subprocess.DEVNULL)
        self.server = LocalServer([*manage, "runserver", "--noreload", "127.0.0.1:{port}"],
                                  env=self.env)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def freeze(self, frozen: bool) -> None:
        """SIGSTOP the provider (it accepts connections but never answers), or SIGCONT it."""
        assert self.server.process is not None
        os.killpg(self.server.process.pid, signal.SIGSTOP if frozen else signal.SIGCONT)


def start_backing(stack: ExitStack, site_port: int) -> tuple[dict[str, str], Provider]:
    """Start PostgreSQL, Redis and the provider; return the demo's environment and it."""
    pg = postgres.start_cluster()
    stack.callback(pg.stop)
    with psycopg.connect(host=pg.host, port=pg.port, user=pg.user, dbname="postgres",
                         autocommit=True) as connection:
        connection.execute("CREATE DATABASE eha")
    cache = redis.start_server()
    stack.callback(cache.stop)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="eha-load-")))
    provider = Provider(folder, f"http://127.0.0.1:{site_port}")
    provider.start()
    stack.callback(provider.stop)
    env = {
        "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": f"postgres://{pg.user}@{pg.host}:{pg.port}/eha",
        "REDIS_URL": cache.url,
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
        "KEYCLOAK_SERVER_URL": f"{provider.url}/realms",
        "KEYCLOAK_CLIENT_SECRET": seed.client_secret("alpha"),
    }
    return env, provider


# Each server's connections as docs/production/asgi.md advises: persistent connections
# for sync workers, psycopg's pool under ASGI (CONN_MAX_AGE would open one per request).
CONNECTIONS = {
    "gunicorn": {"CONN_MAX_AGE": "60"},
    "uvicorn": {"CONN_MAX_AGE": "0", "DATABASE_POOL": "true"},
}


def demo_server(kind: str, port: int, env: dict[str, str]) -> LocalServer:
    """Return the demo served by ``kind`` (see SERVERS) on ``port``, ready on /health."""
    return LocalServer([sys.executable, *SERVERS[kind]], env={**env, **CONNECTIONS[kind]},
                       port=port, ready_path="/health", timeout=60)
