"""``gateway_urlpatterns``: mount a project's URLs for a gateway.

    urlpatterns = gateway_urlpatterns(
        [path("api/", include(router.urls))],                          # the app
        public=[path("accounts/", include("eha_auth.keycloak.urls")),  # login, admin
                path("admin/", admin.site.urls)],
    )
"""

from __future__ import annotations

from django.urls import include, path, register_converter

from ..conf import app_settings


class RealmConverter:
    """A realm in a gateway path: one path segment, never the public realm."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        if value == app_settings.GATEWAY_PUBLIC_REALM:
            raise ValueError("the public realm serves only the public URLs")
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RealmConverter, "eha_realm")


def app_url_prefix() -> str:
    """Return APP_URL as a path() prefix: "" for "/", "app/" for "/app"."""
    prefix = (app_settings.APP_URL or "/").strip("/")
    return f"{prefix}/" if prefix else ""


def gateway_urlpatterns(patterns: list, public: list | None = None) -> list:
    """Mount ``patterns`` under APP_URL and, with a gateway, under <realm>/<service>/ too.

    ``public`` patterns (login, admin, token URLs) are mounted under APP_URL without a
    gateway, and only under ``<GATEWAY_PUBLIC_REALM>/<GATEWAY_SERVICE_ID>/`` with one. On
    realm paths the views receive the ``realm`` URL kwarg.
    """
    prefix, service = app_url_prefix(), app_settings.GATEWAY_SERVICE_ID
    public = list(public or [])
    if not service:
        return [path(prefix, include(public + list(patterns)))]
    public_prefix = f"{prefix}{app_settings.GATEWAY_PUBLIC_REALM}/{service}/"
    return [
        path(public_prefix, include(public)),
        path(f"{prefix}<eha_realm:realm>/{service}/", include(list(patterns))),
        path(prefix, include(list(patterns))),
    ]
