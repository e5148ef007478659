"""The one place eha_apptoken makes HTTP calls: requests, with timeouts, and nothing else.

Each call is a ``requests.PreparedRequest`` sent through this thread's
``HTTPAdapter`` (its connection pool), not through a ``requests.Session``:
what is sent, and where, is decided by the code and settings alone. So every
call has connect and read timeouts (per app, else the global settings), never
follows a redirect (a redirect could point anywhere), never reads the
environment's proxies or .netrc, and never keeps a cookie: a cookie jar shared
by the requests of a worker would send one user's upstream cookie with the
next user's request. Tests point the settings at real local servers.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .conf import app_settings

USER_AGENT = "eha-apptoken"

_local = threading.local()

RequestException = requests.RequestException
Timeout = requests.Timeout
ConnectionError = requests.ConnectionError


def get_adapter() -> HTTPAdapter:
    """Return this thread's adapter (connections are pooled per thread)."""
    adapter = getattr(_local, "adapter", None)
    if adapter is None:
        adapter = _local.adapter = HTTPAdapter(max_retries=0)
    return adapter


def send(app: str, method: str, url: str, *, headers: dict[str, str] | None = None,
         data: Any = None, stream: bool = False) -> requests.Response:
    """Send one request to an external app; raise requests' exceptions on failure.

    With ``stream`` the body is left unread for the caller, who must close the
    response; otherwise it is read and the connection goes back to the pool.
    """
    prepared = requests.Request(method, url, data=data,
                                headers={"User-Agent": USER_AGENT, **(headers or {})}).prepare()
    response = get_adapter().send(prepared, stream=stream,
                                  timeout=app_settings.app_timeout(app))
    if not stream:
        response.content  # noqa: B018 (reads the body and releases the connection)
    return response


def token_url(base_url: str) -> str:
    """Return the token endpoint below an app's base URL."""
    return f"{base_url.rstrip('/')}/{app_settings.TOKEN_PATH.strip('/')}"


def auth_header(token: str) -> dict[str, str]:
    """Return the Authorization header for a DRF-style token."""
    return {"Authorization": f"Token {token}"}


def obtain_token(app: str, base_url: str, username: str) -> str | None:
    """Ask the app's token endpoint, with the service token, for a user's token."""
    response = send(app, "POST", token_url(base_url),
                    headers={**auth_header(app_settings.app_token(app)),
                             "Accept": "application/json"},
                    data={"username": username})
    if response.status_code != 200:
        return None
    try:
        token = response.json().get("token")
    except ValueError:
        return None
    return token if isinstance(token, str) and token else None


def token_is_valid(app: str, base_url: str, token: str) -> bool:
    """Return True when the app's token endpoint accepts ``token``."""
    response = send(app, "GET", token_url(base_url),
                    headers={**auth_header(token), "Accept": "application/json"})
    return response.status_code == 200


def service_reachable(app: str, base_url: str) -> bool:
    """Return True when the app answers its token endpoint at all (any status below 500)."""
    return send(app, "HEAD", token_url(base_url)).status_code < 500
