"""The caches behave alike in memory and on the real Redis server."""

import uuid

import pytest

from lti_tool.cache import MemoryCache, RedisCache


@pytest.fixture(params=["memory", "redis"])
def cache(request):
    if request.param == "memory":
        return MemoryCache()
    return RedisCache(request.getfixturevalue("redis_url"), prefix=f"padu-test-{uuid.uuid4().hex}:")


def test_set_get_delete(cache):
    cache.set("k", {"a": 1}, 30)
    assert cache.get("k") == {"a": 1}
    cache.delete("k")
    assert cache.get("k") is None


def test_add_is_set_if_absent(cache):
    assert cache.add("once", 1, 30) is True
    assert cache.add("once", 2, 30) is False
    assert cache.get("once") == 1


def test_values_expire(cache):
    import time

    cache.set("short", "x", 0.05)
    time.sleep(0.15)
    assert cache.get("short") is None
    assert cache.add("short", "y", 30) is True


def test_two_redis_clients_share_values(redis_url):
    prefix = f"padu-test-{uuid.uuid4().hex}:"
    first, second = RedisCache(redis_url, prefix), RedisCache(redis_url, prefix)
    first.set("token:1", "abc", 30)
    assert second.get("token:1") == "abc"
    assert second.add("token:1", "other", 30) is False


def test_the_memory_cache_stays_within_its_bound():
    cache = MemoryCache(max_entries=4)
    for n in range(4):
        cache.set(f"old{n}", n, ttl=-1)  # expired at once: dropped first
    cache.set("live", "kept", ttl=60)
    assert cache.get("live") == "kept"
    assert len(cache._items) == 1
    for n in range(10):
        cache.set(("platform", n), n, ttl=60)  # any hashable key (a process's own caches use tuples)
        assert len(cache._items) <= 4
    assert cache.get(("platform", 9)) == 9


def test_clearing_the_memory_cache_forgets_everything():
    cache = MemoryCache()
    cache.set("a", 1, 60)
    cache.add("b", 2, 60)
    cache.clear()
    assert cache.get("a") is None and cache.add("b", 3, 60) is True
