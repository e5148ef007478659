"""Where a ``next`` parameter may send the browser: only to this host."""

from __future__ import annotations

from urllib.parse import unquote

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from ..conf import app_settings


def is_safe_next(request: HttpRequest, url: str | None) -> bool:
    """Return whether ``url`` is a path or URL on the request's own host."""
    if not url or not isinstance(url, str):
        return False
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil" is "//evil";
    # a doubly encoded form is decoded once more by some proxies.
    for form in (url, unquote(url), unquote(unquote(url))):
        if "\\" in form or any(ord(char) < 32 or ord(char) == 127 for char in form):
            return False
        if not url_has_allowed_host_and_scheme(
                form, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return False
    return True


def safe_next(request: HttpRequest, url: str | None, default: str | None = None) -> str:
    """Return ``url`` when it is safe, else ``default`` (LOGIN_REDIRECT_URL)."""
    if url is not None and is_safe_next(request, url):
        return url
    return default if default is not None else app_settings.LOGIN_REDIRECT_URL
