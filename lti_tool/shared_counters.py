"""Counters shared by the processes ``padu serve`` forks, when there is no Redis.

The login rate limit (``rate_limit.py``) counts per client address in the
runtime cache. Without ``PADU_REDIS_URL`` that cache lives in each process, so
N serving processes would let N times the limit through. This is a fixed table
of (expiry, count) slots in anonymous shared memory, made before the fork and
inherited by every child; a key picks its slot by CRC32. Two keys that meet in
one slot share a count: the limit can only get stricter, never looser, and with
:data:`SLOTS` slots and a key per address and minute that is rare.
"""

from __future__ import annotations

import multiprocessing
import time
import zlib
from typing import Any

from .cache import Cache

SLOTS = 1 << 15


class SharedCounters:
    def __init__(self, slots: int = SLOTS) -> None:
        self._slots = slots
        # Per slot: expiry (milliseconds on the monotonic clock, shared by forked children) and count.
        self._table = multiprocessing.Array("q", 2 * slots, lock=True)

    def incr(self, key: str, ttl: float) -> int:
        slot = 2 * (zlib.crc32(key.encode()) % self._slots)
        now = int(time.monotonic() * 1000)
        with self._table.get_lock():
            table: Any = self._table.get_obj()
            if table[slot] < now:
                table[slot] = now + int(ttl * 1000)
                table[slot + 1] = 0
            table[slot + 1] += 1
            return int(table[slot + 1])


class WithSharedCounters:
    """A process's own cache, whose counters (``incr``) are the shared ones."""

    def __init__(self, cache: Cache, counters: SharedCounters) -> None:
        self._cache = cache
        self._counters = counters

    def get(self, key: str) -> Any | None:
        return self._cache.get(key)

    def set(self, key: str, value: Any, ttl: float) -> None:
        self._cache.set(key, value, ttl)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        return self._cache.add(key, value, ttl)

    def delete(self, key: str) -> None:
        self._cache.delete(key)

    def incr(self, key: str, ttl: float) -> int:
        return self._counters.incr(key, ttl)
