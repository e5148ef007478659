"""Settings of eha_apptoken, read from django.conf.settings.

Properties read the setting on every access; ``app_settings.cached(name)``
remembers a property's value until Django reports a settings change
(``override_settings`` sends ``setting_changed``; see apps.py), for the values
every proxied request needs.

``external_apps_from_env`` is for the project's settings module: it builds
``EXTERNAL_APPS`` from environment variables. Library code never reads
``os.environ`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

REALM_HEADER = "Eha-Realm"
REALM_SESSION_KEY = "eha_realm"

DEFAULT_REQUEST_HEADERS = (
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Cache-Control",
    "Content-Language",
    "Content-Type",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Range",
    "X-Requested-With",
)

DEFAULT_RESPONSE_HEADERS = (
    "Accept-Ranges",
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Range",
    "Content-Type",
    "ETag",
    "Expires",
    "Last-Modified",
    "Vary",
)

# Never forwarded, whatever the allow-lists say: credentials of this site,
# hop-by-hop headers (RFC 9110 section 7.6.1), and headers that describe the
# connection or the client rather than the message.
FORBIDDEN_HEADERS = frozenset(h.lower() for h in (
    "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "Host",
    "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
    "Transfer-Encoding", "Upgrade", "Forwarded", "Via",
    "X-Real-Ip", "X-Csrftoken", REALM_HEADER,
))
FORBIDDEN_PREFIXES = ("x-forwarded-",)


def is_forbidden_header(name: str) -> bool:
    """Return True for headers the proxy never forwards in either direction."""
    lowered = name.lower()
    return lowered in FORBIDDEN_HEADERS or lowered.startswith(FORBIDDEN_PREFIXES)


# Values of app_settings.cached(), forgotten on every setting_changed.
_memo: dict[str, Any] = {}


def forget_cached_settings(**kwargs: Any) -> None:
    """setting_changed receiver: forget every remembered value."""
    _memo.clear()


def allowed_names(names: Iterable[str]) -> frozenset[str]:
    """Return the lower-cased allow-list without the headers that are never forwarded."""
    return frozenset(name.lower() for name in names if not is_forbidden_header(name))


class ApptokenSettings:
    """One property per setting, with its default."""

    def cached(self, name: str) -> Any:
        """Return the property ``name``, remembered until a setting changes."""
        try:
            return _memo[name]
        except KeyError:
            _memo[name] = value = getattr(self, name)
            return value

    @property
    def EXTERNAL_APPS(self) -> dict[str, dict[str, Any]]:
        """name -> {"url", "token", optional "url_test", "token_test", timeouts}."""
        return getattr(settings, "EXTERNAL_APPS", {})

    @property
    def USE_TEST_APPS(self) -> bool:
        """Use each app's ``url_test`` / ``token_test`` instead of ``url`` / ``token``."""
        return getattr(settings, "APPTOKEN_USE_TEST_APPS", False)

    @property
    def ENCRYPTION_KEYS(self) -> list[str] | None:
        """Fernet keys; the first encrypts, all decrypt. None: derived from SECRET_KEY."""
        return getattr(settings, "APPTOKEN_ENCRYPTION_KEYS", None)

    @property
    def SECRET_KEYS(self) -> list[str]:
        """SECRET_KEY then SECRET_KEY_FALLBACKS: the sources of the derived keys."""
        fallbacks = list(getattr(settings, "SECRET_KEY_FALLBACKS", []) or [])
        return [settings.SECRET_KEY, *fallbacks]

    @property
    def VALIDATION_SECONDS(self) -> float:
        """How long a successful validation of a user token is trusted without a call."""
        return getattr(settings, "APPTOKEN_VALIDATION_SECONDS", 300)

    @property
    def CACHE(self) -> str | None:
        """Cache alias keeping validated tokens (encrypted) off the request path; None: off."""
        return getattr(settings, "APPTOKEN_CACHE", "default")

    @property
    def CONNECT_TIMEOUT(self) -> float:
        """Seconds to wait for a connection to an external app."""
        return getattr(settings, "APPTOKEN_CONNECT_TIMEOUT", 3.05)

    @property
    def READ_TIMEOUT(self) -> float:
        """Seconds to wait between bytes from an external app."""
        return getattr(settings, "APPTOKEN_READ_TIMEOUT", 30)

    @property
    def TOKEN_PATH(self) -> str:
        """Path of the external apps' token endpoint, below their base URL."""
        return getattr(settings, "APPTOKEN_TOKEN_PATH", "token")

    @property
    def REQUEST_HEADERS(self) -> tuple[str, ...]:
        """Request headers the proxy forwards (forbidden ones are dropped anyway)."""
        return tuple(getattr(settings, "APPTOKEN_REQUEST_HEADERS", DEFAULT_REQUEST_HEADERS))

    @property
    def RESPONSE_HEADERS(self) -> tuple[str, ...]:
        """Response headers the proxy returns (Set-Cookie never)."""
        return tuple(getattr(settings, "APPTOKEN_RESPONSE_HEADERS", DEFAULT_RESPONSE_HEADERS))

    @property
    def REQUEST_HEADER_NAMES(self) -> frozenset[str]:
        """REQUEST_HEADERS lower-cased, without the headers that are never forwarded."""
        return allowed_names(self.REQUEST_HEADERS)

    @property
    def RESPONSE_HEADER_NAMES(self) -> frozenset[str]:
        """RESPONSE_HEADERS lower-cased, without the headers that are never forwarded."""
        return allowed_names(self.RESPONSE_HEADERS)

    @property
    def RETRY_BODY_LIMIT(self) -> int:
        """Request bodies up to this size are kept so a 401 can be retried with a new token."""
        return getattr(settings, "APPTOKEN_RETRY_BODY_LIMIT", 64 * 1024)

    # Shared with the other apps (README, "How the apps meet").

    @property
    def MULTITENANCY(self) -> bool:
        return bool(getattr(settings, "MULTITENANCY", False))

    @property
    def DEFAULT_REALM(self) -> str:
        return getattr(settings, "DEFAULT_REALM", "eha")

    @property
    def REALM_COOKIE(self) -> str:
        return getattr(settings, "REALM_COOKIE", "eha-realm")

    @property
    def GATEWAY_SERVICE_ID(self) -> str | None:
        """Turns gateway paths /<realm>/<service>/ on."""
        return getattr(settings, "GATEWAY_SERVICE_ID", None)

    @property
    def GATEWAY_PUBLIC_REALM(self) -> str:
        return getattr(settings, "GATEWAY_PUBLIC_REALM", "-")

    @property
    def GATEWAY_HEADER_TOKEN(self) -> str:
        return getattr(settings, "GATEWAY_HEADER_TOKEN", "X-Oauth-Token")

    def app_config(self, name: str) -> dict[str, Any] | None:
        """Return the settings of one external app, or None when it is not configured."""
        apps = self.EXTERNAL_APPS
        config = apps.get(name) if isinstance(apps, Mapping) else None
        return config if isinstance(config, Mapping) else None

    def app_url(self, name: str) -> str:
        """Return the (unformatted) base URL of an app, honouring USE_TEST_APPS."""
        config = self.app_config(name) or {}
        if self.cached("USE_TEST_APPS") and config.get("url_test"):
            return str(config["url_test"])
        return str(config.get("url") or "")

    def app_token(self, name: str) -> str:
        """Return the service token of an app, honouring USE_TEST_APPS."""
        config = self.app_config(name) or {}
        if self.cached("USE_TEST_APPS") and config.get("token_test"):
            return str(config["token_test"])
        return str(config.get("token") or "")

    def app_timeout(self, name: str) -> tuple[float, float]:
        """Return (connect, read) timeouts for an app, its own before the global ones."""
        config = self.app_config(name) or {}
        return (config.get("connect_timeout", self.cached("CONNECT_TIMEOUT")),
                config.get("read_timeout", self.cached("READ_TIMEOUT")))


app_settings = ApptokenSettings()


def env_prefix(name: str) -> str:
    """Return the environment prefix of an app name: "mod-ule-2" -> "MOD_ULE_2"."""
    return name.strip().upper().replace("-", "_")


def external_apps_from_env(environ: Mapping[str, str],
                           names: str | None = None) -> dict[str, dict[str, str]]:
    """Build EXTERNAL_APPS from environment variables, for a project's settings module.

        EXTERNAL_APPS = external_apps_from_env(os.environ)

    ``names`` defaults to ``environ["EXTERNAL_APPS"]`` ("app-1,mod-ule-2"); each
    app needs ``{PREFIX}_URL`` and ``{PREFIX}_TOKEN``, and may have
    ``{PREFIX}_URL_TEST`` and ``{PREFIX}_TOKEN_TEST``.
    """
    if names is None:
        names = environ.get("EXTERNAL_APPS", "")
    apps: dict[str, dict[str, str]] = {}
    for name in (part.strip() for part in names.split(",")):
        if not name:
            continue
        prefix = env_prefix(name)
        config = {key: _required(environ, f"{prefix}_{key.upper()}") for key in ("url", "token")}
        for key in ("url_test", "token_test"):
            if environ.get(f"{prefix}_{key.upper()}"):
                config[key] = environ[f"{prefix}_{key.upper()}"]
        apps[name] = config
    return apps


def _required(environ: Mapping[str, str], variable: str) -> str:
    value = environ.get(variable, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"The environment variable {variable} is missing: every app listed in "
            "EXTERNAL_APPS needs its _URL and _TOKEN variables.")
    return value
