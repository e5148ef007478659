"""Cache keys that carry the realm."""

from __future__ import annotations

from django.core.cache import caches

from eha_tenancy import realm_context
from eha_tenancy.cache import make_key, realm_cache_key


def test_realm_cache_key_uses_the_active_or_given_realm(settings):
    settings.MULTITENANCY = True
    with realm_context("a"):
        assert realm_cache_key("menu") == "realm:a:menu"
        assert realm_cache_key("menu", "b") == "realm:b:menu"
    assert realm_cache_key("menu") == "realm:~:menu"
    settings.MULTITENANCY = False
    assert realm_cache_key("menu") == "menu"


def test_key_function_keeps_realms_apart(settings):
    settings.MULTITENANCY = True
    settings.CACHES = {**settings.CACHES, "realms": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "eha-tenancy-key-function",
        "KEY_FUNCTION": "eha_tenancy.cache.make_key"}}
    cache = caches["realms"]
    with realm_context("a"):
        cache.set("report", "for a")
    with realm_context("b"):
        assert cache.get("report") is None
        cache.set("report", "for b")
    with realm_context("a"):
        assert cache.get("report") == "for a"
    assert make_key("eha_tenancy:generation", "", 1) == ":1:eha_tenancy:generation"
    with realm_context("a"):
        assert make_key("x", "p", 2) == "p:2:realm:a:x"

