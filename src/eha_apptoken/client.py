"""The one place eha_apptoken makes HTTP calls: a requests session with timeouts.

Every call has connect and read timeouts (per app, else the global settings),
never follows redirects (a redirect could point anywhere), and ignores the
environment's proxies and .netrc (``trust_env = False``): what is sent, and
where, is decided by the code and settings alone. Tests point the settings at
real local servers.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from .conf import app_settings

USER_AGENT = "eha-apptoken"

_local = threading.local()

RequestException = requests.RequestException
Timeout = requests.Timeout
ConnectionError = requests.ConnectionError


def get_session() -> requests.Session:
    """Return this thread's session (connections are pooled per thread)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        # Only what the caller asks for is sent: no default Accept or Connection.
        session.headers.clear()
        session.headers["User-Agent"] = USER_AGENT
        _local.session = session
    return session


def send(app: str, method: str, url: str, *, headers: dict[str, str] | None = None,
         data: Any = None, stream: bool = False) -> requests.Response:
    """Send one request to an external app; raise requests' exceptions on failure."""
    return get_session().request(
        method, url, headers=headers or {}, data=data, stream=stream,
        timeout=app_settings.app_timeout(app), allow_redirects=False,
    )


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
