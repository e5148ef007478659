"""Local signing keys for realms, and a real JWKS server on loopback that publishes them.

The apps fetch a realm's keys from ``KEYCLOAK_SERVER_URL/<realm>/protocol/openid-connect/
certs``, Keycloak's layout; ``KeysServer`` answers exactly that path, for any realm, with
a key made for the realm on first use.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

#: Started servers, newest last: ``mint_gateway_token`` signs with the newest.
_started: list[KeysServer] = []
CERTS_PATH = re.compile(r"^/realms/(?P<realm>[^/]+)/protocol/openid-connect/certs$")


class RealmKey:
    """An RSA key of one realm: signs tokens, and gives its public JWK."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        """Return the public key as Keycloak publishes it (RFC 7517)."""
        data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        """Return ``claims`` as an RS256 JWT with this key's ``kid``."""
        return jwt.encode(claims, self.private_key, algorithm="RS256",
                          headers={"kid": self.kid, "typ": "JWT", **(headers or {})})


class KeysServer:
    """A JWKS server on 127.0.0.1 publishing one key per realm; start, then stop it.

    ``settings()`` gives the overrides pointing the apps at it.
    """

    def __init__(self) -> None:
        self._keys: dict[str, RealmKey] = {}
        self._lock = threading.Lock()
        #: Requests answered, by path: tests count key fetches with it.
        self.requests: dict[str, int] = {}
        self._httpd: ThreadingHTTPServer | None = None

    def key(self, realm: str) -> RealmKey:
        """Return the realm's signing key (made on first use)."""
        with self._lock:
            if realm not in self._keys:
                self._keys[realm] = RealmKey()
            return self._keys[realm]

    def jwks(self, realm: str) -> dict[str, Any]:
        return {"keys": [self.key(realm).jwk()]}

    @property
    def url(self) -> str:
        """The server's base URL (``http://127.0.0.1:<port>``)."""
        if self._httpd is None:
            raise RuntimeError("the keys server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def realms_url(self) -> str:
        """KEYCLOAK_SERVER_URL for this server: its URL up to ``/realms``."""
        return f"{self.url}/realms"

    def settings(self) -> dict[str, Any]:
        """Return the settings that make the apps fetch realm keys from this server.

        The apps' per-process caches of keys and users are short-lived in tests: a test's
        rows are rolled back, and a user remembered from the last test would be gone.
        """
        return {"KEYCLOAK_SERVER_URL": self.realms_url, "KEYCLOAK_ISSUER_URL": None,
                "KEYCLOAK_JWKS_REFETCH_SECONDS": 0, "KEYCLOAK_USER_CACHE_SECONDS": 0,
                "SESSION_USER_CACHE_SECONDS": 0}

    def start(self) -> KeysServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True,
                         name="eha-testkit-keys").start()
        _started.append(self)
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self in _started:
            _started.remove(self)

    def __enter__(self) -> KeysServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def mint(self, realm: str, user: Any = None, *, claims: dict[str, Any] | None = None,
             expires_in: int = 300, roles: list[str] | tuple[str, ...] = (),
             audience: str | list[str] | None = None, azp: str | None = None,
             headers: dict[str, Any] | None = None) -> str:
        """Return an access token of ``realm`` signed with its key, as a gateway forwards.

        The defaults pass the apps' checks under the current settings: ``iss`` from
        KEYCLOAK_ISSUER_URL (else KEYCLOAK_SERVER_URL), ``aud`` the first of
        KEYCLOAK_AUDIENCES (else KEYCLOAK_CLIENT_ID), ``azp`` the first of
        KEYCLOAK_AUTHORIZED_PARTIES. ``claims`` are added last and win (``None`` removes).
        """
        body = token_claims(realm, user, expires_in=expires_in, roles=roles,
                            audience=audience, azp=azp)
        body.update(claims or {})
        return self.key(realm).sign({k: v for k, v in body.items() if v is not None}, headers)


def mint_gateway_token(realm: str, user: Any = None, *, keys: KeysServer | None = None,
                       **options: Any) -> str:
    """Return a token of ``realm`` for ``user`` signed by ``keys`` (the newest started server).

    ``options``: ``claims``, ``roles``, ``expires_in``, ``audience``, ``azp``, ``headers``
    (see ``KeysServer.mint``).
    """
    if keys is None:
        if not _started:
            raise RuntimeError("no KeysServer is started: use the eha_keys fixture or "
                               "KeysServer().start()")
        keys = _started[-1]
    return keys.mint(realm, user, **options)


def _handler(server: KeysServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            match = CERTS_PATH.match(self.path.split("?")[0])
            with server._lock:
                server.requests[self.path] = server.requests.get(self.path, 0) + 1
            body = json.dumps(server.jwks(match["realm"]) if match else
                              {"error": "not found"}).encode()
            self.send_response(200 if match else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: a test's output is for its own lines

    return Handler


def issuer(realm: str) -> str:
    """Return the ``iss`` the apps expect of ``realm`` under the current settings."""
    base = (getattr(settings, "KEYCLOAK_ISSUER_URL", None)
            or getattr(settings, "KEYCLOAK_SERVER_URL", None) or "")
    return f"{base.rstrip('/')}/{realm}"


def client_id() -> str:
    return getattr(settings, "KEYCLOAK_CLIENT_ID", "eha")


def default_audience() -> str:
    audiences = getattr(settings, "KEYCLOAK_AUDIENCES", None)
    return audiences[0] if audiences else client_id()


def default_azp() -> str:
    parties = getattr(settings, "KEYCLOAK_AUTHORIZED_PARTIES", None)
    return parties[0] if parties else default_audience()


def token_claims(realm: str, user: Any = None, *, expires_in: int = 300,
                 roles: list[str] | tuple[str, ...] = (),
                 audience: str | list[str] | None = None,
                 azp: str | None = None) -> dict[str, Any]:
    """Return Keycloak-shaped access token claims for ``user`` (a user or a name) in ``realm``."""
    name = provider_username(realm, user)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer(realm), "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{realm}/{name}")),
        "aud": audience or default_audience(), "azp": azp or default_azp(),
        "typ": "Bearer", "iat": now, "exp": now + expires_in, "jti": uuid.uuid4().hex,
        "sid": uuid.uuid4().hex, "preferred_username": name,
        "realm_access": {"roles": list(roles)},
    }
    for field, claim in (("email", "email"), ("first_name", "given_name"),
                         ("last_name", "family_name")):
        if getattr(user, field, None):
            claims[claim] = getattr(user, field)
    return claims


def provider_username(realm: str, user: Any) -> str:
    """Return the name the provider knows ``user`` by: the stored name without ``<realm>__``.

    eha_auth stores a realm's user ``alice`` as ``<realm>__alice`` (README, "How the apps
    meet"); a token carries ``alice``.
    """
    if user is None:
        return "user"
    prefix = f"{realm}__"
    if isinstance(user, str):
        return user.removeprefix(prefix)
    stored = user.get_username()
    if not stored.startswith(prefix):
        raise ValueError(
            f"user {stored!r} is not a user of realm {realm!r}: its tokens would name "
            f"{prefix}{stored}; make it with make_user({realm!r}, name)")
    return stored.removeprefix(prefix)
