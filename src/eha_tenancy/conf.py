"""Settings of eha_tenancy, read from django.conf.settings.

Properties read the setting on every access; ``app_settings.cached(name)``
remembers a property's value until Django reports a settings change
(``override_settings`` sends ``setting_changed``; see apps.py), for the values
every request needs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

SESSION_KEY = "eha_realm"
REALM_HEADER = "Eha-Realm"


# Values of app_settings.cached(), forgotten on every setting_changed.
_memo: dict[str, Any] = {}


def forget_cached_settings(**kwargs: Any) -> None:
    """setting_changed receiver: forget every remembered value."""
    _memo.clear()


class TenancySettings:
    """One property per setting, with its default."""

    def cached(self, name: str) -> Any:
        """Return the property ``name``, remembered until a setting changes."""
        try:
            return _memo[name]
        except KeyError:
            _memo[name] = value = getattr(self, name)
            return value

    # Shared with the other apps (README, "How the apps meet").

    @property
    def MULTITENANCY(self) -> bool:
        """Off: every helper is a no-op, every row is visible, the realm is None."""
        return bool(getattr(settings, "MULTITENANCY", False))

    @property
    def DEFAULT_REALM(self) -> str:
        """The realm of requests that name none."""
        return getattr(settings, "DEFAULT_REALM", "eha")

    @property
    def REALM_COOKIE(self) -> str:
        """The cookie that names the realm of a browser."""
        return getattr(settings, "REALM_COOKIE", "eha-realm")

    @property
    def GATEWAY_PUBLIC_REALM(self) -> str:
        """The pseudo-realm of public gateway paths: never taken as a realm."""
        return getattr(settings, "GATEWAY_PUBLIC_REALM", "-")

    # Own settings.

    @property
    def SUPERUSER_ALL_REALMS(self) -> bool:
        """Superusers may use every existing realm without being a member of it."""
        return bool(getattr(settings, "REALM_SUPERUSER_ALL_REALMS", True))

    @property
    def NO_MULTITENANCY_REALM(self) -> str:
        """What ``/admin/~realms`` lists when tenancy is off."""
        return getattr(settings, "NO_MULTITENANCY_REALM", "~")

    @property
    def MEMBERSHIP_CACHE_SECONDS(self) -> float:
        """How long a user's realms are cached (0: ask the database on every request)."""
        return getattr(settings, "REALM_MEMBERSHIP_CACHE_SECONDS", 60)

    @property
    def MEMBERSHIP_CACHE(self) -> str:
        """The cache alias holding memberships; use a shared cache with several processes."""
        return getattr(settings, "REALM_MEMBERSHIP_CACHE", "default")

    @property
    def RLS(self) -> bool | tuple[str, ...]:
        """PostgreSQL row-level security: True (every PostgreSQL database), aliases, or off."""
        value = getattr(settings, "TENANCY_RLS", False)
        if isinstance(value, list | tuple | set | frozenset):
            return tuple(value)
        return bool(value)

    @property
    def RLS_SETTING(self) -> str:
        """The PostgreSQL setting holding the realm, read by the policies."""
        return getattr(settings, "TENANCY_RLS_SETTING", "eha.realm")

    @property
    def RLS_FORCE(self) -> bool:
        """EnableRealmRLS also forces the policies on the table's owner."""
        return bool(getattr(settings, "TENANCY_RLS_FORCE", False))

    def rls_on(self, alias: str, cached: bool = True) -> bool:
        """Return True when the realm reaches the database ``alias`` (if PostgreSQL)."""
        value = self.cached("RLS") if cached else self.RLS
        return value is True or (value is not False and alias in value)


app_settings = TenancySettings()
