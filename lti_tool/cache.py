"""Caches that must be shared between processes when there are several.

Without ``PADU_REDIS_URL`` a per-process memory cache serves (the embedded
default runs one process). With it, Redis: JWKS, access tokens and rosters are
then fetched once for all workers.

A cache only saves work, so Redis failing (down, or refusing a value) makes it
behave as an empty cache that keeps nothing: Padu fetches again instead of
failing the request or killing the grade worker.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: float) -> None: ...

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Set only if absent; True if this call set it (atomic)."""

    def delete(self, key: str) -> None: ...

    def incr(self, key: str, ttl: float) -> int:
        """Add one to a counter that starts at 0 and lives ``ttl`` seconds from its
        first increment; the new value (atomic)."""


class MemoryCache:
    #: Above this many entries, an insert first drops the expired ones: keys that
    #: are never read again (a rate-limit window) must not pile up.
    SWEEP_ABOVE = 10_000

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

    def incr(self, key: str, ttl: float) -> int:
        with self._lock:
            now = time.monotonic()
            item = self._items.get(key)
            if item is None or item[0] < now:
                if len(self._items) > self.SWEEP_ABOVE:
                    self._items = {k: v for k, v in self._items.items() if v[0] >= now}
                item = (now + ttl, 0)
            self._items[key] = (item[0], item[1] + 1)
            return item[1] + 1


class RedisCache:
    """Values are stored as JSON under a ``padu:`` prefix; Redis errors degrade to no cache."""

    def __init__(self, url: str, prefix: str = "padu:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._prefix = prefix
        self._errors = (redis.RedisError, TypeError, ValueError)
        # Counters go on in this process while Redis is away: a rate limit that
        # failed open everywhere, or failed every request, would both be wrong.
        self._local_counters = MemoryCache()

    def _failed(self, operation: str, key: str, error: Exception) -> None:
        log.warning("cache %s %s failed, working without the cache: %s", operation, key, error)

    def get(self, key: str) -> Any | None:
        try:
            raw = self._redis.get(self._prefix + key)
            return None if raw is None else json.loads(raw)
        except self._errors as error:
            self._failed("get", key, error)
            return None

    def set(self, key: str, value: Any, ttl: float) -> None:
        try:
            self._redis.set(self._prefix + key, json.dumps(value), px=_milliseconds(ttl))
        except self._errors as error:
            self._failed("set", key, error)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Without Redis every caller "wins": work is repeated rather than skipped."""
        try:
            return bool(self._redis.set(self._prefix + key, json.dumps(value), px=_milliseconds(ttl), nx=True))
        except self._errors as error:
            self._failed("add", key, error)
            return True

    def delete(self, key: str) -> None:
        try:
            self._redis.delete(self._prefix + key)
        except self._errors as error:
            self._failed("delete", key, error)

    def incr(self, key: str, ttl: float) -> int:
        # SET NX gives the counter its lifetime once; INCR keeps that TTL.
        try:
            pipe = self._redis.pipeline()
            pipe.set(self._prefix + key, 0, px=_milliseconds(ttl), nx=True)
            pipe.incr(self._prefix + key)
            return int(pipe.execute()[1])
        except self._errors as error:
            self._failed("incr", key, error)
            return self._local_counters.incr(key, ttl)

    def ping(self) -> bool:
        return bool(self._redis.ping())


#: Redis refuses an expiry past 2**63 ms; no cached value should live a year anyway.
_MAX_TTL_MS = 365 * 24 * 3600 * 1000


def _milliseconds(ttl: float) -> int:
    try:
        return min(_MAX_TTL_MS, max(1, int(ttl * 1000)))
    except (OverflowError, ValueError):  # inf, nan
        return _MAX_TTL_MS


def make_cache(redis_url: str) -> Cache:
    return RedisCache(redis_url) if redis_url else MemoryCache()
