"""Start a throwaway PostgreSQL cluster for the test run (or use the user's own).

Set ``EHA_TEST_PG_URL=postgresql://user:password@host:port`` to use a server of
your own instead; the tests create and drop their own database on it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .servers import free_port

PG_URL_ENV = "EHA_TEST_PG_URL"


def on_postgres() -> bool:
    """Return True when this run's database is PostgreSQL (EHA_TEST_DB=postgres)."""
    return os.environ.get("EHA_TEST_DB", "sqlite") == "postgres"


def postgres_only(why: str):
    """Mark tests that need PostgreSQL; ``nox -s tests`` runs them in its PostgreSQL pass."""
    import pytest

    return pytest.mark.skipif(not on_postgres(), reason=f"{why} (EHA_TEST_DB=postgres)")


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str = "postgres"
    password: str = ""
    _stop: list = field(default_factory=list, repr=False)

    def database_settings(self, name: str = "eha") -> dict:
        """Return a Django DATABASES entry for a database on this server."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": str(self.port),
            "OPTIONS": {"connect_timeout": 3},
        }

    def stop(self) -> None:
        while self._stop:
            self._stop.pop()()


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in versions:
        if (folder / name).exists():
            return str(folder / name)
    raise RuntimeError(
        f"{name} not found: install PostgreSQL (apt-get install -y postgresql) "
        f"or set {PG_URL_ENV} to a server of your own"
    )


def _as_postgres_user(argv: list[str]) -> list[str]:
    # initdb refuses to run as root; Debian's package provides a postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _run(argv: list[str]) -> None:
    result = subprocess.run(
        _as_postgres_user(argv), capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(f"{' '.join(argv[:2])} failed:\n{result.stdout}{result.stderr}")


def start_cluster() -> PostgresServer:
    """Initialise and start a fresh cluster on a free loopback port."""
    folder = Path(tempfile.mkdtemp(prefix="eha-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    _run([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
          "-E", "UTF8", "--locale=C.UTF-8"])
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    _run([_pg_bin("pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
          "-o", options, "start"])
    server = PostgresServer(host="127.0.0.1", port=port)

    def stop() -> None:
        subprocess.run(
            _as_postgres_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate",
                               "stop"]),
            capture_output=True, check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)

    server._stop.append(stop)
    return server


def server_from_env() -> PostgresServer | None:
    """Return the user's own server named by EHA_TEST_PG_URL, if set."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        return None
    parts = urlsplit(url)
    return PostgresServer(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
    )


def get_server() -> PostgresServer:
    """Return the user's server if configured, else start a throwaway cluster."""
    return server_from_env() or start_cluster()


def is_listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0
