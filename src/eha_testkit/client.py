"""Django test clients signed in to a realm by each way eha_auth lets users in.

Only Django is imported: the kit meets the apps through the settings they read, the
session keys and headers they use, and the models they register (README, "How the apps
meet").
"""

from __future__ import annotations

import base64
import functools
import time
from typing import Any

import jwt
from django.apps import apps
from django.conf import settings
from django.http.request import HttpHeaders
from django.test import AsyncClient, Client

from .keys import KeysServer, client_id, provider_username

#: The session key of the realm a session signed in to (eha_auth, eha_tenancy, eha_apptoken).
REALM_SESSION_KEY = "eha_realm"
#: The session key of the provider tokens of a Keycloak login session (eha_auth).
OIDC_SESSION_KEY = "eha_auth_oidc"
#: The header naming the realm of a request.
REALM_HEADER = "Eha-Realm"
METHODS = ("login", "session", "gateway", "bearer", "api_token", "proxy")
#: The methods that are a request header only.
HEADER_METHODS = ("gateway", "bearer", "api_token")


class SignIn:
    """Make test clients signed in to a realm; ``keys`` signs provider tokens."""

    client_class: type[Client] | type[AsyncClient] = Client

    def __init__(self, keys: KeysServer | None = None, *,
                 client_class: type[Client] | type[AsyncClient] | None = None) -> None:
        """``client_class``: Django's ``Client`` (default) or ``AsyncClient`` (ASGI)."""
        self.keys = keys
        if client_class is not None:
            self.client_class = client_class

    def signed_in(self, user: Any, realm: str, method: str = "session",
                  **options: Any) -> Any:
        """Return a test client on which ``user`` is signed in to ``realm`` by ``method``.

        Methods: ``login`` (Django login), ``session`` (a Keycloak login session as
        eha_auth keeps it), ``gateway`` (the gateway's token header), ``bearer``
        (``Authorization: Bearer``), ``api_token`` (``Authorization: Token``), ``proxy``
        (an upstream proxy's session cookie). ``options`` go to the token minted
        (``claims``, ``roles``, ``expires_in``...) or, for ``proxy``, into its payload.
        Every client also names the realm in the ``Eha-Realm`` header.
        """
        if method not in METHODS:
            raise ValueError(f"unknown sign-in method {method!r}; one of {', '.join(METHODS)}")
        client: Any = self.client_class()
        headers = {REALM_HEADER: realm}
        if method in HEADER_METHODS:
            headers.update(getattr(self, f"_{method}")(user, realm, **options))
        else:
            getattr(self, f"_{method}")(client, user, realm, **options)
        if isinstance(client, AsyncClient):
            # Per request: Django 4.2's AsyncClient puts its defaults in the ASGI scope,
            # not in the request's headers.
            client.generic = _with_headers(client.generic, headers)  # type: ignore[method-assign]  # this client only
        else:
            client.defaults.update(HttpHeaders.to_wsgi_names(headers))
        return client

    def _require_keys(self) -> KeysServer:
        if self.keys is None:
            raise RuntimeError("token methods need a started KeysServer (the eha_keys fixture)")
        return self.keys

    def _login(self, client: Any, user: Any, realm: str) -> None:
        client.force_login(user)
        self._set_session(client, {REALM_SESSION_KEY: realm})

    def _session(self, client: Any, user: Any, realm: str, **options: Any) -> None:
        backends = [path for path in settings.AUTHENTICATION_BACKENDS if "keycloak" in path]
        client.force_login(user, backend=backends[0] if backends else None)
        own = {"azp": client_id(), **options.pop("claims", {})}
        expires_in = options.pop("expires_in", 3600)
        token = self._require_keys().mint(realm, user, claims=own, expires_in=expires_in,
                                          **options)
        claims = jwt.decode(token, options={"verify_signature": False})
        now = time.time()
        self._set_session(client, {REALM_SESSION_KEY: realm, OIDC_SESSION_KEY: {
            "realm": realm, "mode": "redirect", "access_token": token, "refresh_token": None,
            "id_token": None, "expires_at": now + expires_in, "sid": claims.get("sid"),
            "sub": claims.get("sub"), "logged_in_at": now}})

    def _gateway(self, user: Any, realm: str, **options: Any) -> dict[str, str]:
        header = getattr(settings, "GATEWAY_HEADER_TOKEN", "X-Oauth-Token")
        return {header: self._require_keys().mint(realm, user, **options)}

    def _bearer(self, user: Any, realm: str, **options: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._require_keys().mint(realm, user, **options)}"}

    def _api_token(self, user: Any, realm: str, **options: Any) -> dict[str, str]:
        model = apps.get_model("eha_auth", "ApiToken")
        _, key = model.create_for(user, name=options.get("name", "testkit"),
                                  expires=options.get("expires"))
        return {"Authorization": f"Token {key}"}

    def _proxy(self, client: Any, user: Any, realm: str, **payload: Any) -> None:
        cookie = getattr(settings, "PROXY_SESSION_COOKIE", "eha-proxy-session")
        client.cookies[cookie] = proxy_session(realm, user, **payload)

    @staticmethod
    def _set_session(client: Any, values: dict[str, Any]) -> None:
        session = client.session
        session.update(values)
        session.save()


def proxy_session(realm: str, user: Any, *, key_id: str | None = None,
                  expires_in: int = 300, **payload: Any) -> str:
    """Return an upstream proxy's session for ``user``: a JWT signed with PROXY_SESSION_KEYS.

    ``payload`` adds fields (``email``, ``full_name``, ``roles``: ``{role: [...]}``).
    The session names ``realm`` in PROXY_SESSION_REALM_FIELD (``realm`` by default).
    """
    keys = getattr(settings, "PROXY_SESSION_KEYS", {})
    key_id = key_id or getattr(settings, "PROXY_SESSION_WRITE_KEY_ID", None) or next(
        iter(keys), None)
    if key_id not in keys:
        raise RuntimeError("proxy sessions need PROXY_SESSION_KEYS (and a write key id)")
    key = base64.urlsafe_b64decode(keys[key_id] + "=" * (-len(keys[key_id]) % 4))
    body = {"username": provider_username(realm, user),
            "exp": int(time.time()) + expires_in, **payload}
    field = getattr(settings, "PROXY_SESSION_REALM_FIELD", "realm")
    if field is not None:
        body.setdefault(field, realm)
    email = getattr(user, "email", "")
    if email:
        body.setdefault("email", email)
    return jwt.encode(body, key, algorithm="HS256", headers={"kid": key_id})


def _with_headers(generic: Any, fixed: dict[str, str]) -> Any:
    """Return ``generic`` (a test client's) sending ``fixed`` headers with every request."""

    @functools.wraps(generic)
    def send(*args: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return generic(*args, headers={**fixed, **(headers or {})}, **kwargs)

    return send
