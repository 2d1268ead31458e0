"""Caches that must be shared between processes when there are several.

Without ``PADU_REDIS_URL`` a per-process memory cache serves (the embedded
default runs one process). With it, Redis: JWKS, access tokens and rosters are
then fetched once for all workers.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: float) -> None: ...

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Set only if absent; True if this call set it (atomic)."""

    def delete(self, key: str) -> None: ...


class MemoryCache:
    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, value = item
            if expires < time.monotonic():
                del self._items[key]
                return None
            return value

    def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl, value)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[0] >= time.monotonic():
                return False
            self._items[key] = (time.monotonic() + ttl, value)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


class RedisCache:
    """Values are stored as JSON under a ``padu:`` prefix."""

    def __init__(self, url: str, prefix: str = "padu:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._prefix = prefix

    def get(self, key: str) -> Any | None:
        raw = self._redis.get(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: float) -> None:
        self._redis.set(self._prefix + key, json.dumps(value), px=max(1, int(ttl * 1000)))

    def add(self, key: str, value: Any, ttl: float) -> bool:
        return bool(self._redis.set(self._prefix + key, json.dumps(value), px=max(1, int(ttl * 1000)), nx=True))

    def delete(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def ping(self) -> bool:
        return bool(self._redis.ping())


def make_cache(redis_url: str) -> Cache:
    return RedisCache(redis_url) if redis_url else MemoryCache()
