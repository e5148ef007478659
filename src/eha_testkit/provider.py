"""The repository's Keycloak-shaped provider (example/idp), started for a full login.

example/idp is checked against a real Keycloak by the repository's conformance tests, and
ships with the repository only, not in the installed package: ``provider_available()``
says whether it can be imported here, and ``LocalProvider`` starts it in a process of its
own, on a fresh database seeded with its realms, clients and users.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

PROVIDER = "example.idp"
# Django's threaded development server, as the repository's tests serve the provider.
SERVE = ("import django, sys; django.setup(); "
         "from django.core.servers.basehttp import run; "
         "from django.core.wsgi import get_wsgi_application; "
         "run('127.0.0.1', int(sys.argv[1]), get_wsgi_application(), threading=True)")


def provider_available() -> bool:
    """Return whether example/idp can be imported (a checkout of the repository)."""
    try:
        return importlib.util.find_spec(PROVIDER) is not None
    except ModuleNotFoundError:
        return False


class LocalProvider:
    """example/idp on 127.0.0.1: its realms ``alpha`` and ``beta``, client ``eha``, users."""

    def __init__(self) -> None:
        if not provider_available():
            raise RuntimeError(f"{PROVIDER} is not importable: it ships with the repository")
        self.seed: ModuleType = importlib.import_module(f"{PROVIDER}.seed")
        self.directory = Path(tempfile.mkdtemp(prefix="eha-idp-"))
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, Any]:
        """Return the settings of a project signing in through this provider.

        As with the keys server, the apps' per-process caches of keys and users are
        short-lived.
        """
        return {"KEYCLOAK_SERVER_URL": f"{self.url}/realms", "KEYCLOAK_ISSUER_URL": None,
                "KEYCLOAK_CLIENT_ID": self.seed.CLIENT_ID,
                "KEYCLOAK_CLIENT_SECRET": self.seed.client_secret(self.seed.REALMS[0]),
                "KEYCLOAK_JWKS_REFETCH_SECONDS": 0, "KEYCLOAK_USER_CACHE_SECONDS": 0,
                "SESSION_USER_CACHE_SECONDS": 0,
                "KEYCLOAK_REALMS": list(self.seed.REALMS),
                "KEYCLOAK_AUTHORIZED_PARTIES": [self.seed.CLIENT_ID,
                                                self.seed.PUBLIC_CLIENT_ID]}

    def password(self, realm: str, username: str) -> str:
        """Return the seeded password of ``username`` in ``realm``."""
        return self.seed.password(realm, username)

    def start(self) -> LocalProvider:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": f"{PROVIDER}.settings",
               "PYTHONPATH": os.pathsep.join(os.path.abspath(path) for path in sys.path),
               "IDP_DATABASE": str(self.directory / "idp.sqlite3"),
               "IDP_ADMIN_TOKEN": secrets.token_urlsafe(16), "IDP_FRONTEND_URL": ""}
        subprocess.run([sys.executable, "-m", "django", "idp_setup"], env=env, check=True,
                       capture_output=True, timeout=120)
        with (self.directory / "server.log").open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our own code
                [sys.executable, "-c", SERVE, str(self.port)], env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> LocalProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the provider exited; see {self.directory / 'server.log'}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the provider did not start in {timeout}s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
