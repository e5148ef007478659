"""Settings of eha_auth, read from django.conf.settings on every access."""

from __future__ import annotations

from django.conf import settings


class AuthSettings:
    """One property per setting, with its default."""

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


app_settings = AuthSettings()


class AuthMoreSettings(AuthSettings):
    """The shared settings, plus proxy sessions, API tokens, CAS and login pages."""

    @property
    def REALM_COOKIE(self) -> str:
        return getattr(settings, "REALM_COOKIE", "eha-realm")

    @property
    def KEYCLOAK_SERVER_URL(self) -> str | None:
        """Keycloak login is on when this is set (it cannot be on with CAS)."""
        return getattr(settings, "KEYCLOAK_SERVER_URL", None)

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
        ])

    @property
    def LOGIN_REDIRECT_URL(self) -> str:
        return getattr(settings, "LOGIN_REDIRECT_URL", "/")

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


more_settings = AuthMoreSettings()
