"""Fixtures of the eha_auth tests: proxy keys and the test URLconf."""

import pytest

from eha_auth.proxy.crypto import new_key

KEY_ONE = new_key()
KEY_TWO = new_key()

PROXY_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "eha_auth.proxy.middleware.ProxySessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "eha_auth.proxy.backends.ProxySessionBackend",
]


@pytest.fixture
def proxy_settings(settings):
    """Proxy sessions on, with two keys (k1 writes), on the test URLconf."""
    settings.ROOT_URLCONF = "tests.eha_auth.urls_more"
    settings.PROXY_SESSION_KEYS = {"k1": KEY_ONE, "k2": KEY_TWO}
    settings.PROXY_SESSION_WRITE_KEY_ID = "k1"
    settings.MIDDLEWARE = PROXY_MIDDLEWARE
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    settings.PROXY_SESSION_ALLOWED_PATHS = ["/public", r"^/public/items/\d+"]
    settings.LOGIN_URL = "/accounts/login/"
    return settings


@pytest.fixture
def more_urls(settings):
    settings.ROOT_URLCONF = "tests.eha_auth.urls_more"
    return settings
