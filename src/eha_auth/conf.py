"""Settings of eha_auth, read from django.conf.settings when asked for.

The few read on every request are remembered through ``cached()`` until Django reports a
settings change (setting_changed, as override_settings sends).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                      "ES256", "ES384", "ES512"]


# Values of app_settings.cached(): read on every gateway request, so remembered until Django
# reports a settings change (override_settings sends setting_changed; see apps.py).
_memo: dict[str, Any] = {}


def forget_cached_settings(**kwargs: Any) -> None:
    """setting_changed receiver: forget every remembered value."""
    _memo.clear()


class AuthSettings:
    """One property per setting, with its default."""

    def cached(self, name: str) -> Any:
        """Return the setting ``name`` as its property gives it, remembered until a change."""
        try:
            return _memo[name]
        except KeyError:
            _memo[name] = value = getattr(self, name)
            return value

    # Shared with the other apps (README, "How the apps meet").

    @property
    def MULTITENANCY(self) -> bool:
        return getattr(settings, "MULTITENANCY", False)

    @property
    def DEFAULT_REALM(self) -> str:
        return getattr(settings, "DEFAULT_REALM", "eha")

    @property
    def GATEWAY_SERVICE_ID(self) -> str | None:
        """Turns gateway paths /<realm>/<service>/ on."""
        return getattr(settings, "GATEWAY_SERVICE_ID", None)

    @property
    def GATEWAY_PUBLIC_REALM(self) -> str:
        """The unprotected pseudo-realm of login, admin and token URLs."""
        return getattr(settings, "GATEWAY_PUBLIC_REALM", "-")

    @property
    def GATEWAY_HEADER_TOKEN(self) -> str:
        """The header in which the gateway forwards the user's JWT."""
        return getattr(settings, "GATEWAY_HEADER_TOKEN", "X-Oauth-Token")

    @property
    def APP_URL(self) -> str:
        return getattr(settings, "APP_URL", "/")

    # Keycloak and OpenID Connect (aether's names kept).

    @property
    def KEYCLOAK_SERVER_URL(self) -> str | None:
        """The provider up to ``/realms`` (e.g. ``https://id.example.org/auth/realms``)."""
        url = getattr(settings, "KEYCLOAK_SERVER_URL", None)
        return url.rstrip("/") if url else None

    @property
    def KEYCLOAK_ISSUER_URL(self) -> str | None:
        """The ``iss`` of tokens up to ``/realms``, when the provider's public URL differs.

        Keycloak takes ``iss`` from its front-end URL (``hostname``), not from the URL the
        app calls: behind a proxy the two differ.
        """
        url = getattr(settings, "KEYCLOAK_ISSUER_URL", None)
        return url.rstrip("/") if url else self.KEYCLOAK_SERVER_URL

    @property
    def KEYCLOAK_CLIENT_ID(self) -> str:
        return getattr(settings, "KEYCLOAK_CLIENT_ID", "eha")

    @property
    def KEYCLOAK_CLIENT_SECRET(self) -> str | None:
        """The client's secret when it is confidential (None for a public client)."""
        return getattr(settings, "KEYCLOAK_CLIENT_SECRET", None) or None

    @property
    def KEYCLOAK_BEHIND_SCENES(self) -> bool:
        """Our own login form and a password grant, instead of the provider's login page."""
        return getattr(settings, "KEYCLOAK_BEHIND_SCENES", False)

    @property
    def KEYCLOAK_REALMS(self) -> list[str] | None:
        """The realms users may come from (or KEYCLOAK_REALM_RESOLVER)."""
        return getattr(settings, "KEYCLOAK_REALMS", None)

    @property
    def KEYCLOAK_REALM_RESOLVER(self) -> str | None:
        """Dotted path to ``callable(realm) -> bool`` deciding whether a realm is allowed."""
        return getattr(settings, "KEYCLOAK_REALM_RESOLVER", None)

    @property
    def KEYCLOAK_AUDIENCES(self) -> list[str]:
        """Accepted ``aud`` values of access tokens (one must be present)."""
        return list(getattr(settings, "KEYCLOAK_AUDIENCES", None) or [self.KEYCLOAK_CLIENT_ID])

    @property
    def KEYCLOAK_AUTHORIZED_PARTIES(self) -> list[str]:
        """Accepted ``azp`` values (the clients tokens may be issued to)."""
        return list(getattr(settings, "KEYCLOAK_AUTHORIZED_PARTIES", None)
                    or self.KEYCLOAK_AUDIENCES)

    @property
    def KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS(self) -> bool:
        """Ask the realm's introspection endpoint for the claims a lightweight token lacks."""
        return getattr(settings, "KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS", False)

    @property
    def KEYCLOAK_ALGORITHMS(self) -> list[str]:
        """Accepted signature algorithms; never ``none`` nor HMAC, whatever is set."""
        return list(getattr(settings, "KEYCLOAK_ALGORITHMS", DEFAULT_ALGORITHMS))

    @property
    def KEYCLOAK_LEEWAY(self) -> int:
        """Seconds of clock skew allowed on exp, nbf and iat."""
        return getattr(settings, "KEYCLOAK_LEEWAY", 30)

    @property
    def KEYCLOAK_SCOPE(self) -> str:
        return getattr(settings, "KEYCLOAK_SCOPE", "openid profile email")

    @property
    def KEYCLOAK_TIMEOUT(self) -> tuple[float, float]:
        """(connect, read) seconds for every call to the provider."""
        value = getattr(settings, "KEYCLOAK_TIMEOUT", (3.05, 10))
        # Anything else is left for check eha_auth.E005 to name.
        return tuple(value) if isinstance(value, list | tuple) else value

    @property
    def KEYCLOAK_JWKS_CACHE_SECONDS(self) -> int:
        """Keys are fetched again after this long."""
        return getattr(settings, "KEYCLOAK_JWKS_CACHE_SECONDS", 300)

    @property
    def KEYCLOAK_JWKS_MAX_AGE(self) -> int:
        """While the provider cannot be reached, the last good keys serve this long."""
        return getattr(settings, "KEYCLOAK_JWKS_MAX_AGE", 86400)

    @property
    def KEYCLOAK_JWKS_REFETCH_SECONDS(self) -> int:
        """At most one fetch of a realm's keys this often (unknown kid, failures)."""
        return getattr(settings, "KEYCLOAK_JWKS_REFETCH_SECONDS", 10)

    @property
    def KEYCLOAK_TOKEN_CACHE_SECONDS(self) -> int:
        """A verified access token is trusted this long (never past its exp)."""
        return getattr(settings, "KEYCLOAK_TOKEN_CACHE_SECONDS", 60)

    @property
    def SESSION_USER_CACHE_SECONDS(self) -> float:
        """Seconds CachedModelBackend keeps a session's user in the shared cache."""
        return getattr(settings, "SESSION_USER_CACHE_SECONDS", 10)

    @property
    def KEYCLOAK_USER_CACHE_SECONDS(self) -> int:
        """A returning user's entry is kept this long in the shared cache (dropped on change)."""
        return getattr(settings, "KEYCLOAK_USER_CACHE_SECONDS", 10)

    @property
    def AUTH_CACHE_ALIAS(self) -> str:
        """The cache every worker shares: users, realms, logout markers."""
        return getattr(settings, "AUTH_CACHE_ALIAS", "default")

    @property
    def AUTH_MEMO_SECONDS(self) -> float:
        """Seconds a process reuses what it read from the shared cache (at most 1)."""
        return getattr(settings, "AUTH_MEMO_SECONDS", 0.5)

    @property
    def KEYCLOAK_MAX_TOKEN_BYTES(self) -> int:
        return getattr(settings, "KEYCLOAK_MAX_TOKEN_BYTES", 16384)

    @property
    def KEYCLOAK_REFRESH_AHEAD_SECONDS(self) -> int:
        """Session tokens are refreshed when less than this is left of the access token."""
        return getattr(settings, "KEYCLOAK_REFRESH_AHEAD_SECONDS", 60)

    @property
    def KEYCLOAK_USER_MAPPER(self) -> str:
        """Dotted path of the class turning verified claims into a user."""
        return getattr(settings, "KEYCLOAK_USER_MAPPER", "eha_auth.oidc.users.UserMapper")

    @property
    def LOGIN_REDIRECT_URL(self) -> str:
        return getattr(settings, "LOGIN_REDIRECT_URL", "/")


    # Proxy sessions, API tokens, CAS and login pages.

    @property
    def REALM_COOKIE(self) -> str:
        return getattr(settings, "REALM_COOKIE", "eha-realm")

    @property
    def REALM_SUPERUSER_ALL_REALMS(self) -> bool:
        """Superusers may use every existing realm without its Group (as in eha_tenancy)."""
        return bool(getattr(settings, "REALM_SUPERUSER_ALL_REALMS", True))

    # Upstream proxy sessions.

    @property
    def PROXY_SESSION_KEYS(self) -> dict[str, str]:
        """Key id -> 32-byte key (urlsafe base64); every key is tried for reading."""
        return getattr(settings, "PROXY_SESSION_KEYS", {})

    @property
    def PROXY_SESSION_WRITE_KEY_ID(self) -> str | None:
        """The key id new sessions are written with (default: the first key)."""
        default = next(iter(self.PROXY_SESSION_KEYS), None)
        return getattr(settings, "PROXY_SESSION_WRITE_KEY_ID", default)

    @property
    def PROXY_SESSION_COOKIE(self) -> str:
        """The cookie in which the upstream proxy forwards the encrypted session."""
        return getattr(settings, "PROXY_SESSION_COOKIE", "eha-proxy-session")

    @property
    def PROXY_SESSION_MAX_AGE(self) -> int:
        """Seconds a session written by this app (mockup, command) stays valid."""
        return getattr(settings, "PROXY_SESSION_MAX_AGE", 3600)

    @property
    def PROXY_SESSION_JWT_ALGORITHMS(self) -> list[str]:
        """Algorithms accepted for `Authorization: Bearer` session JWTs."""
        return getattr(settings, "PROXY_SESSION_JWT_ALGORITHMS", ["HS256"])

    @property
    def PROXY_SESSION_ALLOWED_PATHS(self) -> list[str]:
        """Paths served without a session: exact paths, or regexes starting with ``^``."""
        return getattr(settings, "PROXY_SESSION_ALLOWED_PATHS", [])

    @property
    def PROXY_SESSION_REQUIRED(self) -> bool:
        """Refuse requests without a session (outside the allow-list); False: only read it."""
        return getattr(settings, "PROXY_SESSION_REQUIRED", True)

    @property
    def PROXY_SESSION_REALM_FIELD(self) -> str | None:
        """The payload field naming the realm a session is for (MULTITENANCY on); None:
        a session is good for whatever realm the request names."""
        return getattr(settings, "PROXY_SESSION_REALM_FIELD", "realm")

    @property
    def PROXY_SESSION_LEGACY_KEY(self) -> str | None:
        """Passphrase of the legacy deployutils format; reading it is off when None."""
        return getattr(settings, "PROXY_SESSION_LEGACY_KEY", None)

    @property
    def PROXY_MOCKUP_SESSIONS(self) -> dict[str, dict]:
        """Username -> session payload offered by the mockup login page (DEBUG only)."""
        return getattr(settings, "PROXY_MOCKUP_SESSIONS", {})

    # API tokens.

    @property
    def API_TOKEN_CACHE_SECONDS(self) -> int:
        """Seconds a token lookup is cached by key digest (revoking clears it)."""
        return getattr(settings, "API_TOKEN_CACHE_SECONDS", 60)

    @property
    def API_TOKEN_CACHE_ALIAS(self) -> str:
        return getattr(settings, "API_TOKEN_CACHE_ALIAS", "default")

    @property
    def API_TOKEN_DEFAULT_DAYS(self) -> int | None:
        """Lifetime of tokens made by the /token endpoint; None: no expiry."""
        return getattr(settings, "API_TOKEN_DEFAULT_DAYS", None)

    # Login pages.

    @property
    def LOGIN_METHODS(self) -> list[str]:
        """Dotted paths of callables(request) returning a login method or None."""
        return getattr(settings, "EHA_AUTH_LOGIN_METHODS", [
            "eha_auth.accounts.methods.password",
            "eha_auth.accounts.methods.cas",
            "eha_auth.accounts.methods.proxy_mockup",
            "eha_auth.social.methods.social",
        ])

    # CAS (django-cas-ng reads its own CAS_* settings; these are ours).

    @property
    def CAS_SERVER_URL(self) -> str | None:
        return getattr(settings, "CAS_SERVER_URL", None)

    @property
    def CAS_REALM_ATTRIBUTE(self) -> str | None:
        """CAS attribute naming the user's realm (else the current realm)."""
        return getattr(settings, "CAS_REALM_ATTRIBUTE", None)

    @property
    def CAS_GROUPS_ATTRIBUTE(self) -> str | None:
        """CAS attribute listing Group names the user is put in."""
        return getattr(settings, "CAS_GROUPS_ATTRIBUTE", None)

    @property
    def CAS_TIMEOUT(self) -> tuple[float, float]:
        """Connect and read timeouts of calls to the CAS server."""
        return getattr(settings, "CAS_TIMEOUT", (3.0, 10.0))


app_settings = AuthSettings()
