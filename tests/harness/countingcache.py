"""Real caches that record their round trips, for tests that count them.

``CountingRedisCache`` is Django's RedisCache against a real redis-server: each
recorded call is one round trip (``get_or_set`` is recorded as its ``get`` and
``add``). ``CountingLocMemCache`` is the local-memory cache; LocMemCache implements
some calls with others (``get_many`` calls ``get``), so only the outermost call of
each operation is recorded, as a network cache would answer it.

    CACHES = {"default": {"BACKEND": "tests.harness.countingcache.CountingRedisCache",
                          "LOCATION": redis_server.url}}
    caches["default"].calls.clear(); ...; assert caches["default"].calls == ["get_many"]
"""

from __future__ import annotations

import functools

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "set_many",
              "delete_many", "get_or_set", "has_key", "incr", "decr", "clear")


class _Counting:
    """Mixin: ``calls``, the names of the top-level operations made, in order."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []
        self._depth = 0


def _recorded(base: type, name: str):
    method = getattr(base, name)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self._depth == 0:
            self.calls.append(name)
        self._depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._depth -= 1

    return wrapper


class CountingLocMemCache(_Counting, LocMemCache):
    """LocMemCache that records its top-level operations in ``calls``."""


class CountingRedisCache(_Counting, RedisCache):
    """RedisCache that records its top-level operations (round trips) in ``calls``."""


for _name in OPERATIONS:
    setattr(CountingLocMemCache, _name, _recorded(LocMemCache, _name))
    # RedisCache answers each of these in one round trip, except get_or_set: Django
    # makes it a get then an add, recorded as such.
    if _name != "get_or_set":
        setattr(CountingRedisCache, _name, _recorded(RedisCache, _name))
