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
