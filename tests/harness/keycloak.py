"""A real Keycloak server for the conformance tests: fetched once, started per run.

    server = keycloak_server()          # EHA_TEST_KEYCLOAK_URL, or a server started here
    admin = server.admin("alpha")       # python-keycloak's KeycloakAdmin on that realm
    server.stop()

    python -m tests.harness.keycloak    # a server kept running; prints the variables to use

The server distribution is the Maven artifact ``org.keycloak:keycloak-quarkus-dist``,
fetched with ``mvn dependency:get`` into the local repository and unpacked into
``.cache/keycloak/`` (ignored by git). It runs ``kc.sh start-dev`` on loopback with a
throwaway data folder, a bootstrap admin with a random password, and Java 21 or newer.

Two URLs, as in production: the app calls the back-end URL (``http://127.0.0.1:<port>``)
while tokens carry the front-end URL (``http://localhost:<port>``, Keycloak's
``--hostname``), so every Keycloak test also proves that ``KEYCLOAK_ISSUER_URL`` works.
"""

from __future__ import annotations

import copy
import glob
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.servers import ROOT, free_port

VERSION = os.environ.get("EHA_KEYCLOAK_VERSION", "26.5.6")
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{VERSION}:zip"
CACHE = ROOT / ".cache" / "keycloak"
ADMIN_USER = "admin"


def distribution() -> Path:
    """Return Keycloak's home folder, fetching and unpacking the distribution when missing."""
    home = CACHE / f"keycloak-{VERSION}"
    if (home / "bin" / "kc.sh").exists():
        return home
    archive = (Path.home() / ".m2" / "repository" / "org" / "keycloak" / "keycloak-quarkus-dist"
               / VERSION / f"keycloak-quarkus-dist-{VERSION}.zip")
    if not archive.exists():
        # -Dtransitive=false: only the zip; its pom's parents are not needed to run it.
        subprocess.run(["mvn", "-q", "-B", "dependency:get", f"-Dartifact={ARTIFACT}",
                        "-Dtransitive=false"], check=True, timeout=600)
    CACHE.mkdir(parents=True, exist_ok=True)
    unpacking = Path(tempfile.mkdtemp(dir=CACHE))
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(unpacking)
    for script in (unpacking / f"keycloak-{VERSION}" / "bin").glob("*.sh"):
        script.chmod(0o755)  # zipfile does not keep the exec bit
    (unpacking / f"keycloak-{VERSION}").rename(home)
    shutil.rmtree(unpacking, ignore_errors=True)
    return home


def java_home() -> str:
    """Return a JDK of version 21 or newer (Keycloak 26 needs it): JAVA_HOME or /usr/lib/jvm."""
    candidates = [os.environ.get("JAVA_HOME", ""), *sorted(glob.glob("/usr/lib/jvm/*"),
                                                             reverse=True)]
    for home in filter(None, candidates):
        release = Path(home) / "release"
        if release.exists():
            for line in release.read_text().splitlines():
                if line.startswith("JAVA_VERSION="):
                    major = line.split("=", 1)[1].strip('"').split(".")[0]
                    if major.isdigit() and int(major) >= 21:
                        return home
    raise RuntimeError("Keycloak 26 needs Java 21 or newer: install one or set JAVA_HOME.")


@dataclass
class KeycloakServer:
    """A Keycloak server: the back-end URL the app calls, the front-end URL tokens carry."""

    url: str
    front_url: str
    admin_password: str
    relative_path: str = ""
    process: subprocess.Popen | None = None
    data: Path | None = None
    log: Path | None = None
    _admins: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        """The back-end URL with the relative path (``/auth`` or nothing)."""
        return self.url + self.relative_path

    @property
    def front_base(self) -> str:
        return self.front_url + self.relative_path

    def admin(self, realm: str = "master"):
        """Return a KeycloakAdmin working on ``realm`` (signed in to master)."""
        from keycloak import KeycloakAdmin

        if realm not in self._admins:
            self._admins[realm] = KeycloakAdmin(
                server_url=self.base + "/", username=ADMIN_USER, password=self.admin_password,
                realm_name=realm, user_realm_name="master", timeout=30)
        return self._admins[realm]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.data is not None:
            shutil.rmtree(self.data, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start(relative_path: str = "", timeout: float = 240) -> KeycloakServer:
    """Start ``kc.sh start-dev`` on a free loopback port and wait until it is ready."""
    home = distribution()
    port, management = free_port(), free_port()
    password = secrets.token_urlsafe(18)
    # In-memory database (dev-mem): a clean server every start; the folder keeps the log.
    data = Path(tempfile.mkdtemp(prefix="eha-keycloak-"))
    log = data / "keycloak.log"
    argv = [str(home / "bin" / "kc.sh"), "start-dev", "--http-host=127.0.0.1",
            f"--http-port={port}", f"--http-management-port={management}",
            "--health-enabled=true", f"--hostname=http://localhost:{port}{relative_path}",
            "--hostname-backchannel-dynamic=true", "--db=dev-mem"]
    if relative_path:
        argv.append(f"--http-relative-path={relative_path}")
    env = {**os.environ, "JAVA_HOME": java_home(), "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
           "KC_BOOTSTRAP_ADMIN_PASSWORD": password, "JAVA_OPTS_KC_HEAP": "-Xms64m -Xmx512m"}
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=home)
    server = KeycloakServer(url=f"http://127.0.0.1:{port}", front_url=f"http://localhost:{port}",
                            admin_password=password, relative_path=relative_path,
                            process=process, data=data, log=log)
    ready = f"http://127.0.0.1:{management}{relative_path}/health/ready"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Keycloak exited early:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(ready, timeout=2) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"Keycloak not ready in {timeout}s:\n{server.log_tail()}")


def keycloak_server(relative_path: str | None = None) -> KeycloakServer:
    """Return the server at EHA_TEST_KEYCLOAK_URL (EHA_TEST_KEYCLOAK_ADMIN_PASSWORD), or a new one.

    EHA_TEST_KEYCLOAK_PATH chooses the relative path (``/auth`` or empty) of a started server.
    """
    if relative_path is None:
        relative_path = os.environ.get("EHA_TEST_KEYCLOAK_PATH", "")
    url = os.environ.get("EHA_TEST_KEYCLOAK_URL")
    if url:
        return KeycloakServer(
            url=url.rstrip("/"), admin_password=os.environ["EHA_TEST_KEYCLOAK_ADMIN_PASSWORD"],
            front_url=os.environ.get("EHA_TEST_KEYCLOAK_FRONT_URL", url).rstrip("/"),
            relative_path=relative_path)
    return start(relative_path)


# -- realms, clients and users: the docs' "Keycloak setup", done through the admin API ----

KEYCLOAK_SETUP = ROOT / "docs" / "eha_auth" / "keycloak-setup.md"


def setup_clients() -> dict[str, dict]:
    """Return the client representations of the "Keycloak setup" page, by clientId."""
    page = KEYCLOAK_SETUP.read_text(encoding="utf-8")
    clients = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", page, re.S)]
    return {client["clientId"]: client for client in clients}


def app_client(client_id: str, secret: str) -> dict:
    """This app's confidential client, exactly as the Keycloak setup page shows it.

    Its example URIs stay: the tests register their own sites' URIs beside them.
    """
    client = copy.deepcopy(setup_clients()["eha"])
    return {**client, "clientId": client_id, "secret": secret}


def other_client(client_id: str, *, confidential: bool, secret: str, audience: str | None) -> dict:
    """A client whose tokens reach the app through the gateway, as the setup page shows one.

    ``audience``: the Audience mapper's client (None: no mapper). The tests get tokens
    from these clients by the password grant, so "Direct access grants" is on here.
    """
    client = copy.deepcopy(setup_clients()["survey-web"])
    client.update(clientId=client_id, publicClient=not confidential,
                  directAccessGrantsEnabled=True)
    if confidential:
        client["secret"] = secret
    if audience is None:
        client["protocolMappers"] = []
    for mapper in client["protocolMappers"]:
        mapper["config"]["included.client.audience"] = audience
    return client


def realm_representation(realm: str, seed) -> dict:
    """Return the realm and clients ``seed`` describes for the local provider, as Keycloak JSON."""
    clients = []
    for client_id, confidential, audiences in seed.CLIENTS:
        secret = seed.client_secret(realm, client_id)
        if client_id == seed.CLIENT_ID:
            clients.append(app_client(client_id, secret))
        else:
            clients.append(other_client(client_id, confidential=confidential, secret=secret,
                                        audience=audiences or None))
    return {"realm": realm, "enabled": True, "accessTokenLifespan": 300,
            "ssoSessionIdleTimeout": 1800, "revokeRefreshToken": False, "clients": clients}


def create_user(admin, seed, realm: str, name: str, first: str, last: str, email: str,
                roles=(), required_actions=()) -> str:
    """Create a user as an administrator would (default roles included); return its id."""
    user_id = admin.create_user({
        "username": name, "enabled": True, "firstName": first, "lastName": last,
        "email": email, "emailVerified": True, "requiredActions": list(required_actions),
        "credentials": [{"type": "password", "value": seed.password(realm, name),
                         "temporary": False}]})
    if roles:
        admin.assign_realm_roles(user_id, [admin.get_realm_role(role) for role in roles])
    return user_id


def setup_realms(server: KeycloakServer, seed) -> None:
    """Create the seed's realms on ``server`` (dropping any left from an earlier run)."""
    master = server.admin()
    existing = {realm["realm"] for realm in master.get_realms()}
    for realm in seed.REALMS:
        if realm in existing:
            master.delete_realm(realm)
        master.create_realm(realm_representation(realm, seed))
        admin = server.admin(realm)
        users = seed.USERS[realm]
        for role in sorted({role for *_, roles in users for role in roles}):
            admin.create_realm_role({"name": role}, skip_exists=True)
        for name, first, last, email, roles in users:
            create_user(admin, seed, realm, name, first, last, email, roles)


def main() -> None:
    """Start a server and keep it running; print the variables that point tests at it."""
    server = start(os.environ.get("EHA_TEST_KEYCLOAK_PATH", ""))
    print(f"export EHA_TEST_KEYCLOAK_URL={server.url}\n"
          f"export EHA_TEST_KEYCLOAK_FRONT_URL={server.front_url}\n"
          f"export EHA_TEST_KEYCLOAK_ADMIN_PASSWORD={server.admin_password}\n"
          f"export EHA_TEST_KEYCLOAK_PATH={server.relative_path}", flush=True)
    try:
        server.process.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
