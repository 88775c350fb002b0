"""The Redis cache that degrades to misses when Redis is down (cms.backends.cache)."""

import pytest
from django.core.cache.backends.base import DEFAULT_TIMEOUT  # noqa: F401 (the API under test)

from cms.backends.cache import ResilientRedisCache
from tests.processes import free_port

SHARED_REDIS_DB = "redis://127.0.0.1:6379/14"  # this package's database number on the shared Redis


def make_cache(url, **options):
    return ResilientRedisCache(url, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2, **options},
                                     "KEY_PREFIX": "dangke-test-cache"})


def test_a_dead_redis_is_a_miss_not_an_error(caplog):
    cache = make_cache(f"redis://127.0.0.1:{free_port()}/0", retry_after=60)
    assert cache.get("k", "fallback") == "fallback"
    assert cache.is_down
    cache.set("k", "v")
    assert cache.add("k", "v") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}) == ["a"]
    cache.delete("k")
    cache.delete_many(["a"])
    assert cache.has_key("k") is False
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.get_or_set("k", "computed") == "computed"
    # Logged once for the outage, not once per call.
    assert sum("Redis cache unavailable" in r.getMessage() for r in caplog.records) == 1
    with pytest.raises(Exception):  # noqa: B017 (any connection error)
        cache.ping()


def test_a_live_redis_is_a_normal_cache():
    import redis

    try:
        redis.Redis.from_url(SHARED_REDIS_DB, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache = make_cache(SHARED_REDIS_DB)
    try:
        cache.set("k", {"a": 1}, 30)
        assert cache.get("k") == {"a": 1}
        assert cache.incr("n", 1) if cache.add("n", 1) else True
        cache.ping()
        assert not cache.is_down
    finally:
        cache.delete_many(["k", "n"])
