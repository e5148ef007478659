"""What TokenProxyView sends where: realm, target URL, and headers in both directions.

The target is always the configured base URL plus a path rebuilt from its
decoded segments: dot segments, backslashes and control characters are
refused, empty segments (``//host``) collapse, and every other character that
could change the URL's meaning (``@ : ? # %``) is percent-encoded, so nothing
in the path can move the request to another host or above the base path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from django.http import HttpRequest
from urllib3.util import parse_url

from .conf import REALM_HEADER, REALM_SESSION_KEY, app_settings

# README, "How the apps meet": 1 to 63 ASCII letters, digits, ".", "_" or "-", a
# letter or digit at both ends, no ".." and no "__" (the username separator).
REALM_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?", re.ASCII)
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# RFC 3986 section 3.3: pchar without ":" and "@", which some parsers read as
# scheme or userinfo when a path is joined carelessly.
SEGMENT_SAFE = "-._~!$&'()*+,;="
QUERY_SAFE = "-._~!$&'()*+,;=:@/?%"


class BadProxyRequest(ValueError):
    """The incoming request cannot be forwarded safely (answered with 400)."""


def url_realm(request: HttpRequest) -> str | None:
    """Return the ``realm`` URL kwarg of the request, if any."""
    match = getattr(request, "resolver_match", None)
    return match.kwargs.get("realm") if match is not None else None


def is_valid_realm(name: object) -> bool:
    """Return True when ``name`` can name a realm."""
    return (isinstance(name, str) and REALM_RE.fullmatch(name) is not None
            and ".." not in name and "__" not in name)


def active_realm(request: HttpRequest) -> str | None:
    """Return the realm to announce upstream.

    ``request.realm`` when a realm middleware set it. Else, with MULTITENANCY:
    the ``realm`` URL kwarg (unless it is GATEWAY_PUBLIC_REALM), the session,
    the realm cookie, the ``Eha-Realm`` header, DEFAULT_REALM. Without it, only
    the URL realm of a gateway path.
    """
    realm = getattr(request, "realm", None)
    if realm:
        return realm
    realm = url_realm(request)
    if realm == app_settings.cached("GATEWAY_PUBLIC_REALM"):
        realm = None
    if realm or not app_settings.cached("MULTITENANCY"):
        return realm
    session = getattr(request, "session", None)
    return ((session.get(REALM_SESSION_KEY) if session is not None else None)
            or request.COOKIES.get(app_settings.cached("REALM_COOKIE"))
            or request.headers.get(REALM_HEADER) or app_settings.cached("DEFAULT_REALM"))


def uses_gateway_token(request: HttpRequest) -> bool:
    """Return True on gateway realm paths, where the gateway's token is forwarded."""
    realm = url_realm(request)
    return bool(app_settings.cached("GATEWAY_SERVICE_ID") and realm
                and realm != app_settings.cached("GATEWAY_PUBLIC_REALM"))


def checked_realm(realm: str) -> str:
    """Return ``realm`` if it is a plausible realm name, else raise BadProxyRequest."""
    if realm == app_settings.cached("GATEWAY_PUBLIC_REALM") or is_valid_realm(realm):
        return realm
    raise BadProxyRequest("invalid realm")


def base_url(app: str, request: HttpRequest | None = None) -> str:
    """Return the app's base URL, ``{realm}`` replaced by the URL realm (or the public one)."""
    url = app_settings.app_url(app)
    if "{realm}" in url:
        realm = (url_realm(request) if request is not None else None)
        realm = checked_realm(realm or app_settings.cached("GATEWAY_PUBLIC_REALM"))
        url = url.replace("{realm}", quote(realm, safe=""))
    return url.rstrip("/")


def target_url(base: str, path: str, query: str = "") -> str:
    """Return base + the normalised path (+ query); raise BadProxyRequest if unsafe."""
    segments = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == ".." or "\\" in segment or CONTROL_RE.search(segment):
            raise BadProxyRequest("path not allowed")
        segments.append(quote(segment, safe=SEGMENT_SAFE))
    url = base + "/" + "/".join(segments)
    if segments and path.endswith("/"):
        url += "/"
    if query:
        url += "?" + quote(query, safe=QUERY_SAFE)
    _check_within(base, url)
    return url


def _check_within(base: str, url: str) -> None:
    # Belt and braces: parse both as the HTTP client will, and compare.
    origin, base_path = _origin_and_path(base)
    parsed = parse_url(url)
    if ((parsed.scheme, parsed.host, parsed.port, parsed.auth) != origin
            or not (parsed.path or "/").startswith(base_path)):
        raise BadProxyRequest("path not allowed")


@lru_cache(maxsize=256)
def _origin_and_path(base: str) -> tuple[tuple, str]:
    parsed = parse_url(base)
    return ((parsed.scheme, parsed.host, parsed.port, parsed.auth),
            (parsed.path or "").rstrip("/") + "/")


def checked_value(name: str, value: str) -> str:
    """Return a header value, refusing CR, LF and other control characters (smuggling)."""
    if CONTROL_RE.search(value.replace("\t", " ")):
        raise BadProxyRequest(f"invalid {name} header")
    return value


def upstream_headers(request: HttpRequest, *, gateway: bool) -> dict[str, str]:
    """Return the headers to send upstream: the allow-list, the realm, maybe the gateway's."""
    gateway_header = app_settings.cached("GATEWAY_HEADER_TOKEN")
    allowed = app_settings.cached("REQUEST_HEADER_NAMES") - {"content-length",
                                                            gateway_header.lower()}
    if not int(request.META.get("CONTENT_LENGTH") or 0):
        allowed -= {"content-type"}  # a body's header; there is no body
    headers = {name: checked_value(name, value) for name, value in request.headers.items()
               if name.lower() in allowed and value}
    headers.setdefault("Accept-Encoding", "identity")
    if gateway and request.headers.get(gateway_header):
        headers[gateway_header] = checked_value(gateway_header, request.headers[gateway_header])
    realm = active_realm(request)
    if realm:
        headers[REALM_HEADER] = checked_realm(realm)
    return headers


def downstream_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the upstream response headers the client may see (never Set-Cookie)."""
    allowed = app_settings.cached("RESPONSE_HEADER_NAMES")
    return [(name, value) for name, value in headers
            if name.lower() in allowed and not CONTROL_RE.search(value)]


def check_framing(request: HttpRequest) -> None:
    """Refuse a request that has both Transfer-Encoding and Content-Length.

    RFC 9112 section 6.1: such a message may be an attempt at request
    smuggling; a server ought to treat it as an error.
    """
    if request.META.get("HTTP_TRANSFER_ENCODING") and request.META.get("CONTENT_LENGTH"):
        raise BadProxyRequest("Transfer-Encoding and Content-Length together are not allowed")
