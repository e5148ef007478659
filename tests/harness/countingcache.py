"""A real local-memory cache that records its round trips, for tests that count them.

A network cache (Redis, memcached) answers each top-level call in one round
trip; LocMemCache implements some calls with others (``get_many`` calls
``get``), so only the outermost call of each operation is recorded.
"""

from __future__ import annotations

import functools

from django.core.cache.backends.locmem import LocMemCache

OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "set_many",
              "delete_many", "get_or_set", "has_key", "incr", "decr", "clear")


class CountingLocMemCache(LocMemCache):
    """LocMemCache with ``calls``: the names of the operations made, in order."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []
        self._depth = 0


def _recorded(name: str):
    method = getattr(LocMemCache, name)

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


for _name in OPERATIONS:
    setattr(CountingLocMemCache, _name, _recorded(_name))
