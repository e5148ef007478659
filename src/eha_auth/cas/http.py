"""The one place CAS server calls are made from: a requests session with timeouts."""

from __future__ import annotations

from typing import Any

import requests

from ..conf import app_settings


class TimeoutSession(requests.Session):
    """A requests session whose calls time out (CAS_TIMEOUT: connect, read) unless told."""

    def request(self, method: str, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", app_settings.CAS_TIMEOUT)
        return super().request(method, url, *args, **kwargs)
