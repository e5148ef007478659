"""A read-only ``request.session`` holding the payload of a proxy session."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase


class ProxySessionStore(SessionBase):
    """The session data the upstream proxy forwarded; nothing is ever stored here."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(session_key=None)
        self._session_cache = dict(payload)

    @property
    def modified(self) -> bool:
        return False

    @modified.setter
    def modified(self, value: bool) -> None:
        """Ignore writes: the proxy owns the session."""

    def load(self) -> dict[str, Any]:
        return self._session_cache

    def exists(self, session_key: str) -> bool:
        return False

    def create(self) -> None:
        """Nothing to create: the proxy owns the session."""

    def save(self, must_create: bool = False) -> None:
        """Nothing to save: the proxy owns the session."""

    def delete(self, session_key: str | None = None) -> None:
        self._session_cache = {}

    def cycle_key(self) -> None:
        """No key to cycle."""
