"""A small in-process cache with per-entry expiry, for values cheaper to keep than to share."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any


class TTLCache:
    """Entries by key until their own expiry time; the oldest go first past ``max_entries``."""

    def __init__(self, max_entries: int = 10000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.time():
            self.pop(key)
            return None
        return entry[1]

    def set(self, key: Any, value: Any, expires_at: float) -> None:
        with self._lock:
            self._entries[key] = (expires_at, value)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def pop(self, key: Any) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class VerifiedClaims(dict):
    """Verified claims; ``memo`` keeps values derived from them (one token, many requests)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memo: dict = {}
