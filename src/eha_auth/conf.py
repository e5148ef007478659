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
