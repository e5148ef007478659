"""Sessions: tests, tests_matrix, tests_floor, keycloak, lint, docs, demo, bench, load.

    python3 -m pip install nox uv
    nox -s tests          # Django 5.2 / Python 3.11, on SQLite and PostgreSQL
    nox -s tests_matrix   # Django 4.2, 5.2 and 6.x on Python 3.11 to 3.13
    nox -s tests_floor    # eha_auth on the oldest python-keycloak and PyJWT allowed
    nox -s keycloak       # the conformance tests against a real Keycloak 26
    nox -s docs           # the documentation site, built strictly into site/
    nox -s load           # the demo under gunicorn and uvicorn workers, driven by wrk
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import time
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests"]

DJANGO = {"4.2": "django>=4.2,<5", "5.2": "django>=5.2,<6", "6": "django>=6.0,<7"}
MATRIX = [("3.11", "4.2"), ("3.11", "5.2"), ("3.12", "6"), ("3.13", "6")]
# Debian packages the suite starts for real: what to look for, and what provides it.
SYSTEM_PACKAGES = {
    "initdb": "postgresql",
    "chromium": "chromium",
    "mvn": "maven",
    "redis-server": "redis-server",
    "wrk": "wrk",
    "npm": "npm",
}


def _expose_pyenv_versions() -> None:
    """Let pyenv's shims find every installed Python (python3.12, python3.13).

    pyenv's shim sets PYENV_VERSION to the active version only; the others are
    appended so that ``python3`` stays the active one.
    """
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    versions = sorted((p.name for p in (root / "versions").glob("3.*")), reverse=True)
    if not versions:
        return
    active = os.environ.get("PYENV_VERSION", "").split(":")
    if not any(active) and (root / "version").exists():
        active = (root / "version").read_text().split()
    os.environ["PYENV_VERSION"] = ":".join(dict.fromkeys([*filter(None, active), *versions]))


_expose_pyenv_versions()


def _has(command: str) -> bool:
    return bool(shutil.which(command) or glob.glob(f"/usr/lib/postgresql/*/bin/{command}"))


def ensure_system_packages(session: nox.Session, *commands: str) -> None:
    """apt-get install whatever provides the commands that are missing."""
    missing = sorted({SYSTEM_PACKAGES[c] for c in commands if not _has(c)})
    if not missing:
        return
    if os.geteuid() != 0:
        session.error(f"Install these Debian packages first: {' '.join(missing)}")
    session.run_install("apt-get", "update", "-qq", external=True)
    session.run_install("apt-get", "install", "-y", "-qq", *missing, external=True,
                        env={"DEBIAN_FRONTEND": "noninteractive"})


def run_suite(session: nox.Session, django: str, databases: tuple[str, ...]) -> None:
    ensure_system_packages(session, *SYSTEM_PACKAGES)
    session.install("-e", ".[test]", DJANGO[django])
    for database in databases:
        session.log(f"Test suite on {database}")
        session.run("pytest", *session.posargs, env={"EHA_TEST_DB": database})


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The whole suite on Django 5.2, against SQLite and a real PostgreSQL."""
    run_suite(session, "5.2", ("sqlite", "postgres"))


@nox.session
@nox.parametrize("python,django", MATRIX, ids=[f"{p}-django{d}" for p, d in MATRIX])
def tests_matrix(session: nox.Session, django: str) -> None:
    """The suite on each supported Django and Python, on SQLite."""
    run_suite(session, django, ("sqlite",))


def floors(extra: str) -> list[str]:
    """Return the lowest versions an extra of pyproject.toml allows ("x>=1.2" -> "x==1.2")."""
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    return [requirement.replace(">=", "==") for requirement
            in project["optional-dependencies"][extra]]


@nox.session(python="3.11")
def tests_floor(session: nox.Session) -> None:
    """The eha_auth tests on the oldest python-keycloak and PyJWT pyproject.toml allows;
    eha_health.asgi.reuse_threads on an asgiref older than it needs (it must say so)."""
    ensure_system_packages(session, "chromium")
    session.install("-e", ".[test]", DJANGO["5.2"])
    session.install(*floors("keycloak"))
    session.run("pytest", "tests/eha_auth", *session.posargs, env={"EHA_TEST_DB": "sqlite"})
    session.install("asgiref==3.12.1")  # before ThreadSensitiveContext(executor=)
    session.run("pytest", "tests/eha_health/test_asgi_serving.py", "-k", "asgiref",
                env={"EHA_TEST_DB": "sqlite"})


@nox.session(python="3.11")
def keycloak(session: nox.Session) -> None:
    """The conformance tests against a real Keycloak, at / and under /auth.

    The server distribution is fetched once with Maven and unpacked into .cache/keycloak;
    each pass starts it (Java 21+), sets its realms up through the admin API and stops it.
    EHA_TEST_KEYCLOAK_URL (with EHA_TEST_KEYCLOAK_ADMIN_PASSWORD) uses a running server.
    """
    ensure_system_packages(session, "chromium", "mvn")
    session.install("-e", ".[test]", DJANGO["5.2"])
    for relative_path in ("", "/auth"):
        session.log(f"Conformance tests against Keycloak at {relative_path or '/'}")
        session.run("pytest", "-m", "conformance", *session.posargs,
                    env={"EHA_TEST_PROVIDERS": "keycloak",
                         "EHA_TEST_KEYCLOAK_PATH": relative_path})


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff, the import contracts (no eha_* app imports another, no import cycle in one), mypy."""
    # mypy's Django plugin sets Django up with tests.settings: the apps' optional
    # dependencies must import (the test tools need not).
    session.install("-e", ".[lint,all]", DJANGO["5.2"])
    session.run("ruff", "check", "src", "tests", "example", "benchmarks", "noxfile.py")
    session.run("lint-imports")
    session.run("mypy")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/; a broken link or a missing page fails."""
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    session.install(*project["optional-dependencies"]["docs"])
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def start_in_background(session: nox.Session, argv: list[str], port: str) -> None:
    """Start one of the demo's companion servers; wait for its port; stop it when nox exits."""
    python = str(Path(session.bin) / "python")
    process = subprocess.Popen([python, *argv], env={**os.environ, "PYTHONPATH": os.getcwd()})
    atexit.register(process.terminate)
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", int(port))) == 0:
                return
        if process.poll() is not None:
            session.error(f"{' '.join(argv)} exited early")
        time.sleep(0.1)
    session.error(f"{' '.join(argv)} did not open port {port}")


def start_demo_idp(session: nox.Session, site_port: str) -> dict[str, str]:
    """Start example/idp (a Keycloak-shaped provider); return the demo site's settings for it.

    EHA_IDP_PORT chooses its port (a free one by default).
    """
    port = os.environ.get("EHA_IDP_PORT") or free_port()
    site = f"http://127.0.0.1:{site_port}"
    idp = ("python", "example/idp/manage.py")
    uris = []
    for host in (site, f"http://localhost:{site_port}"):
        uris += ["--redirect-uri", f"{host}/-/demo/accounts/callback/",
                 "--redirect-uri", f"{host}/accounts/social/complete/*",
                 "--post-logout-redirect-uri", f"{host}/-/demo/accounts/logged-out/"]
    session.run(*idp, "idp_setup", *uris, "--backchannel-logout-uri",
                f"{site}/-/demo/accounts/backchannel-logout/")
    start_in_background(session, [*idp[1:], "runserver", "--noreload", f"127.0.0.1:{port}"],
                        port)
    session.log(f"Keycloak-shaped provider on http://127.0.0.1:{port} (realms alpha, beta)")
    return {"KEYCLOAK_SERVER_URL": f"http://127.0.0.1:{port}/realms",
            "KEYCLOAK_CLIENT_SECRET": "eha-client-secret-7Qx"}


def start_demo_extapp(session: nox.Session) -> None:
    """Start the demo's external service (example/extapp), reached through eha_apptoken."""
    port = os.environ.get("EHA_DEMO_EXTAPP_PORT", "8001")
    start_in_background(session, ["-m", "example.extapp", port], port)
    session.log(f"External app for eha_apptoken on http://127.0.0.1:{port}/api")


@nox.session(python="3.11")
def demo(session: nox.Session) -> None:
    """Run the demo site on http://127.0.0.1:8000 (EHA_DEMO_PORT to change)."""
    session.install("-e", ".[demo]")
    port = os.environ.get("EHA_DEMO_PORT", "8000")
    manage = ("python", "example/manage.py")
    session.env.update(start_demo_idp(session, port))
    session.run(*manage, "migrate", "--no-input", "-v", "0")
    session.run(*manage, "demo_setup")
    start_demo_extapp(session)
    session.log(f"Open http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    session.run(*manage, "runserver", "--noreload", f"127.0.0.1:{port}")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Time each scenario against its baseline; print ratios, write results.json."""
    ensure_system_packages(session, *SYSTEM_PACKAGES)
    session.install("-e", ".[test]", DJANGO["5.2"])
    session.run("python", "-m", "benchmarks.run", *session.posargs)


@nox.session(python="3.11")
def load(session: nox.Session) -> None:
    """The demo as deployed, under wrk: gunicorn then uvicorn workers; load-results.json.

    PostgreSQL, Redis, the provider and 4 workers of each server, with outage and
    invalidation phases (docs/production/load.md). ``nox -s load -- --short`` runs a few
    seconds per scenario (CI).
    """
    ensure_system_packages(session, "initdb", "redis-server", "wrk")
    session.install("-e", ".[test,load]", DJANGO["5.2"])
    session.run("python", "-m", "benchmarks.load", *session.posargs)
