"""Drive the example external service (example/extapp) from tests."""

from __future__ import annotations

import sys

import requests

from tests.harness.servers import LocalServer

SERVICE_TOKEN = "svc-token-5f1e9a0c7d2b"


class ExtApp:
    """A running example.extapp process and helpers to read what it received."""

    def __init__(self, service_token: str = SERVICE_TOKEN) -> None:
        self.service_token = service_token
        self.server = LocalServer([sys.executable, "-m", "example.extapp", "{port}"],
                                  env={"EXTAPP_SERVICE_TOKEN": service_token})

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def admin(self, route: str, **params) -> requests.Response:
        response = requests.get(f"{self.url}/_admin/{route}", params=params, timeout=5,
                                headers={"Authorization": f"Token {self.service_token}"})
        response.raise_for_status()
        return response

    def reset(self, token_delay: float = 0) -> None:
        self.admin("reset", token_delay=token_delay)

    def revoke(self, username: str | None = None) -> int:
        params = {"username": username} if username else {}
        return self.admin("revoke", **params).json()["revoked"]

    def received(self) -> list[dict]:
        return self.admin("received").json()["received"]

    def release(self) -> None:
        """Let a waiting /trickle answer send the rest of its body."""
        self.admin("release")

    def trickles(self) -> list[str]:
        """How each /trickle answer ended: "released" or "timed out"."""
        return self.admin("trickles").json()["trickles"]

    def counts(self) -> dict[str, int]:
        return self.admin("received").json()["counts"]

    def count(self, key: str) -> int:
        return self.counts().get(key, 0)

    def last(self) -> dict:
        return self.received()[-1]

    def start(self) -> ExtApp:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
