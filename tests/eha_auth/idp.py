"""Drive the local provider (example/idp) over HTTP: tokens, forged tokens, keys, counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests
from example.idp import seed

from tests.harness import logcheck
from tests.harness.servers import ROOT, LocalServer, django_server, free_port

ADMIN_TOKEN = "idp-admin-token-for-tests"
CERTS = "/realms/{realm}/protocol/openid-connect/certs"


class Idp:
    """The provider process and what tests ask of it."""

    def __init__(self, server: LocalServer, front_url: str = "") -> None:
        self.server = server
        self.http = requests.Session()
        #: The browser-facing URL tokens carry (IDP_FRONTEND_URL), or the server's URL.
        self.front_url = front_url or server.url

    @property
    def url(self) -> str:
        """The back-end URL services call (KEYCLOAK_SERVER_URL without /realms)."""
        return self.server.url

    @property
    def realms_url(self) -> str:
        return f"{self.url}/realms"

    @property
    def issuer_url(self) -> str:
        """KEYCLOAK_ISSUER_URL: the front-end URL up to /realms."""
        return f"{self.front_url}/realms"

    def issuer(self, realm: str) -> str:
        return f"{self.issuer_url}/{realm}"

    def tokens(self, realm: str = "alpha", username: str = "alice",
               client_id: str = seed.CLIENT_ID, scope: str = "openid profile email") -> dict:
        """Password grant at the provider, as a client would; the tokens are registered secrets."""
        data = {"grant_type": "password", "username": username, "client_id": client_id,
                "password": seed.password(realm, username), "scope": scope}
        if client_id in (seed.CLIENT_ID, "other"):
            data["client_secret"] = seed.client_secret(realm, client_id)
        answer = self.http.post(f"{self.realms_url}/{realm}/protocol/openid-connect/token",
                                data=data, timeout=10)
        answer.raise_for_status()
        tokens = answer.json()
        logcheck.register(*(str(value) for value in tokens.values()))
        return tokens

    def access_token(self, realm: str = "alpha", username: str = "alice", **kwargs) -> str:
        return self.tokens(realm, username, **kwargs)["access_token"]

    def gateway_token(self, realm: str = "alpha", username: str = "alice") -> str:
        """An access token of the front end's client, whose Audience mapper puts this app's
        client in ``aud``: what the gateway forwards (this app's own tokens name it only
        in ``azp``)."""
        return self.access_token(realm, username, client_id=seed.PUBLIC_CLIENT_ID)

    def _admin(self, method: str, path: str, **kwargs) -> dict:
        answer = self.http.request(method, f"{self.url}/_admin/{path}", timeout=30,
                                   headers={"X-Idp-Admin": ADMIN_TOKEN}, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def sign(self, realm: str, claims: dict, header: dict | None = None,
             kid: str | None = None) -> str:
        """Sign any claims with the realm's real key (or the key ``kid``)."""
        token = self._admin("POST", f"realms/{realm}/sign",
                            json={"claims": claims, "header": header or {}, "kid": kid})["token"]
        logcheck.register(token)
        return token

    def add_key(self, realm: str) -> str:
        return self._admin("POST", f"realms/{realm}/keys/add")["kid"]

    def retire_key(self, realm: str, kid: str) -> None:
        self._admin("POST", f"realms/{realm}/keys/{kid}/retire")

    def deactivate_key(self, realm: str, kid: str) -> None:
        """Keep the key published for verification; stop signing with it (Keycloak: passive)."""
        self._admin("POST", f"realms/{realm}/keys/{kid}/passive")

    def create_user(self, realm: str, username: str, required_actions=(), **fields) -> str:
        """Create a user (password ``seed.password(realm, username)`` unless given); its ``sub``.

        ``fields``: password, first_name, last_name, email; ``required_actions`` are
        Keycloak's names (UPDATE_PASSWORD, CONFIGURE_TOTP, VERIFY_PROFILE, ...).
        """
        return self._admin("POST", f"realms/{realm}/users", json={
            "username": username, "required_actions": list(required_actions), **fields})["id"]

    def rename_user(self, realm: str, username: str, new_username: str) -> None:
        self._admin("POST", f"realms/{realm}/users/{username}", json={"username": new_username})

    def delete_user(self, realm: str, username: str) -> None:
        answer = self.http.delete(f"{self.url}/_admin/realms/{realm}/users/{username}",
                                  headers={"X-Idp-Admin": ADMIN_TOKEN}, timeout=30)
        answer.raise_for_status()

    def set_backchannel_logout_uri(self, realm: str, client_id: str, uri: str) -> None:
        self.configure_client(realm, client_id, {"backchannel_logout_uri": uri})

    def configure_client(self, realm: str, client_id: str, fields: dict) -> None:
        """Set the back-channel logout URI (and whether it needs the session); add
        redirect_uris and post_logout_redirect_uris, or remove them (``{"remove": {...}}``)."""
        self._admin("POST", f"realms/{realm}/clients/{client_id}", json=fields)

    def sessions(self, realm: str, username: str) -> list[str]:
        """The user's live provider sessions."""
        return self._admin("GET", f"realms/{realm}/users/{username}/sessions")["sessions"]

    def end_session(self, realm: str, sid: str) -> None:
        """Sign one provider session out, as Keycloak's admin does (clients are told)."""
        answer = self.http.delete(f"{self.url}/_admin/realms/{realm}/sessions/{sid}",
                                  headers={"X-Idp-Admin": ADMIN_TOKEN}, timeout=30)
        answer.raise_for_status()

    def keys(self, realm: str) -> dict:
        return self._admin("GET", f"realms/{realm}/keys")

    def stats(self) -> dict:
        """Requests received so far, per path, and in ``total`` (admin calls included)."""
        return self._admin("GET", "stats")

    def reset_stats(self) -> None:
        self._admin("POST", "stats")

    def requests_to(self, path: str) -> int:
        return self.stats().get(path, 0)

    def set_delay(self, seconds: float) -> None:
        self._admin("POST", "delay", json={"seconds": seconds})


def start_idp(directory: Path, extra_env: dict | None = None, *,
              split_urls: bool = False) -> Idp:
    """Seed a fresh provider database in ``directory`` and start the provider on it.

    ``split_urls``: as Keycloak behind a proxy, tokens carry a front-end URL
    (``http://localhost:<port>``) other than the one services call (``127.0.0.1``).
    """
    port = free_port()
    front_url = f"http://localhost:{port}" if split_urls else ""
    env = {"IDP_DATABASE": str(directory / "idp.sqlite3"), "IDP_ADMIN_TOKEN": ADMIN_TOKEN,
           "IDP_FRONTEND_URL": front_url, **(extra_env or {})}
    server = django_server("example.idp.settings", env=env, migrate=False, port=port)
    subprocess.run([sys.executable, "example/idp/manage.py", "idp_setup"], cwd=ROOT,
                   env={**server.env, "DJANGO_SETTINGS_MODULE": "example.idp.settings"},
                   check=True, capture_output=True, timeout=120)
    server.start()
    for realm in seed.REALMS:
        for name, *_ in seed.USERS[realm]:
            logcheck.register(seed.password(realm, name))
        for client_id, confidential, _ in seed.CLIENTS:
            if confidential:
                logcheck.register(seed.client_secret(realm, client_id))
    return Idp(server, front_url)
