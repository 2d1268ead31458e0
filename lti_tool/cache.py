"""Caches that must be shared between processes when there are several.

Without ``PADU_REDIS_URL`` a per-process memory cache serves (the embedded
default runs one process). With it, Redis: JWKS, access tokens and rosters are
then fetched once for all workers.

A cache only saves work, so Redis failing (down, or refusing a value) makes it
fall back to a memory cache in the process (see ``RedisCache``): Padu fetches
again once per process instead of failing the request or killing the grade worker.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Hashable
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
    """A cache in this process's memory, for a key any hashable value, bounded in size.

    Besides serving as the shared cache when there is one process, it holds what
    each process keeps for itself whatever the shared cache is: the platforms a
    login or launch looks up (``lti1p3.registry``) and parsed platform keys
    (``lti1p3.platform_keys``). Keys that are never read again (a rate-limit
    window) must not pile up: above ``max_entries`` an insert first drops the
    expired entries, and if that is not enough, all of them (a cache only saves
    work).
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, value = item
            if expires < time.monotonic():
                del self._items[key]
                return None
            return value

    def set(self, key: Hashable, value: Any, ttl: float) -> None:
        with self._lock:
            now = time.monotonic()
            self._make_room(now)
            self._items[key] = (now + ttl, value)

    def add(self, key: Hashable, value: Any, ttl: float) -> bool:
        with self._lock:
            now = time.monotonic()
            item = self._items.get(key)
            if item is not None and item[0] >= now:
                return False
            self._make_room(now)
            self._items[key] = (now + ttl, value)
            return True

    def delete(self, key: Hashable) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def incr(self, key: Hashable, ttl: float) -> int:
        with self._lock:
            now = time.monotonic()
            item = self._items.get(key)
            if item is None or item[0] < now:
                self._make_room(now)
                item = (now + ttl, 0)
            self._items[key] = (item[0], item[1] + 1)
            return item[1] + 1

    def _make_room(self, now: float) -> None:
        """With the lock held, before a new key: keep the size under ``max_entries``."""
        if len(self._items) < self.max_entries:
            return
        self._items = {key: item for key, item in self._items.items() if item[0] >= now}
        if len(self._items) >= self.max_entries:
            self._items.clear()


class RedisCache:
    """Values are stored as JSON under a ``padu:`` prefix; Redis errors degrade to a process cache.

    While Redis fails, every operation goes to a per-process :class:`MemoryCache`
    instead: a platform's keys and access tokens are then fetched once per
    process rather than on every launch or every grade, counters (the login
    limit) go on per process, and ``add`` still deduplicates within the process.
    After a failure Redis is left alone for :attr:`RETRY_SECONDS`, so that a
    Redis that hangs (a host gone, a network cut) costs one timeout, not one per
    request. Nothing that must be single-use lives here: used nonces (which use
    up their login states) are rows in the database (``lti1p3.launch``).
    """

    #: Seconds Redis is not asked again after it failed.
    RETRY_SECONDS = 5.0
    #: A cache that takes seconds is worse than none: Redis answers in milliseconds.
    CONNECT_TIMEOUT, SOCKET_TIMEOUT = 1.0, 2.0

    def __init__(self, url: str, prefix: str = "padu:", clock=time.monotonic) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # One retry (a pooled connection Redis closed on restart), not redis-py's ten:
        # ten connect timeouts in a row would hold a request for seconds.
        self._redis = redis.Redis.from_url(url, socket_timeout=self.SOCKET_TIMEOUT,
                                           socket_connect_timeout=self.CONNECT_TIMEOUT,
                                           retry=Retry(NoBackoff(), 1))
        self._prefix = prefix
        self._errors = (redis.RedisError, OSError, TypeError, ValueError)
        self._local = MemoryCache()
        self._clock = clock
        self._failed_at: float | None = None

    def _usable(self) -> bool:
        failed_at = self._failed_at
        return failed_at is None or self._clock() - failed_at >= self.RETRY_SECONDS

    def _failed(self, operation: str, key: str, error: Exception) -> None:
        if self._usable():  # once per pause, not once per request
            log.warning("cache %s %s failed, working with this process's memory for %.0f s: %s",
                        operation, key, self.RETRY_SECONDS, error)
        self._failed_at = self._clock()

    def _succeeded(self) -> None:
        if self._failed_at is not None:
            log.warning("cache: Redis answers again")
            self._failed_at = None

    def get(self, key: str) -> Any | None:
        if not self._usable():
            return self._local.get(key)
        try:
            raw = self._redis.get(self._prefix + key)
            value = None if raw is None else json.loads(raw)
        except self._errors as error:
            self._failed("get", key, error)
            return self._local.get(key)
        self._succeeded()
        return value

    def set(self, key: str, value: Any, ttl: float) -> None:
        if not self._usable():
            self._local.set(key, value, ttl)
            return
        try:
            self._redis.set(self._prefix + key, json.dumps(value), px=_milliseconds(ttl))
        except self._errors as error:
            self._failed("set", key, error)
            self._local.set(key, value, ttl)
            return
        self._succeeded()

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Without Redis, set-if-absent in this process: work is repeated per process, never skipped by all."""
        if not self._usable():
            return self._local.add(key, value, ttl)
        try:
            added = bool(self._redis.set(self._prefix + key, json.dumps(value), px=_milliseconds(ttl), nx=True))
        except self._errors as error:
            self._failed("add", key, error)
            return self._local.add(key, value, ttl)
        self._succeeded()
        return added

    def delete(self, key: str) -> None:
        # Both: a value kept in memory during an outage must not outlive its invalidation.
        self._local.delete(key)
        if not self._usable():
            return
        try:
            self._redis.delete(self._prefix + key)
        except self._errors as error:
            self._failed("delete", key, error)
            return
        self._succeeded()

    def incr(self, key: str, ttl: float) -> int:
        # Counters go on in this process while Redis is away: a rate limit that
        # failed open everywhere, or failed every request, would both be wrong.
        if not self._usable():
            return self._local.incr(key, ttl)
        # SET NX gives the counter its lifetime once; INCR keeps that TTL.
        try:
            pipe = self._redis.pipeline()
            pipe.set(self._prefix + key, 0, px=_milliseconds(ttl), nx=True)
            pipe.incr(self._prefix + key)
            value = int(pipe.execute()[1])
        except self._errors as error:
            self._failed("incr", key, error)
            return self._local.incr(key, ttl)
        self._succeeded()
        return value

    def ping(self) -> bool:
        """Whether Redis answers now (``/healthz``): asked even while the cache pauses, and ends the pause."""
        try:
            answered = bool(self._redis.ping())
        except self._errors as error:
            self._failed("ping", "-", error)
            return False
        if answered:
            self._succeeded()
        return answered


#: Redis refuses an expiry past 2**63 ms; no cached value should live a year anyway.
_MAX_TTL_MS = 365 * 24 * 3600 * 1000


def _milliseconds(ttl: float) -> int:
    try:
        return min(_MAX_TTL_MS, max(1, int(ttl * 1000)))
    except (OverflowError, ValueError):  # inf, nan
        return _MAX_TTL_MS


def make_cache(redis_url: str) -> Cache:
    return RedisCache(redis_url) if redis_url else MemoryCache()
