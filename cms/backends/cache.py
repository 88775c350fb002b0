"""Django's Redis cache, made to degrade: when Redis does not answer within the socket timeout a
read is a miss and a write is dropped (logged once per outage), and for `retry_after` seconds the
cache does not try again, so a page does not wait on Redis for every cache call. Everything the
site caches can be rebuilt (sessions are cached_db: the database has them too)."""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", 5.0))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    # --- the breaker --------------------------------------------------------------------------
    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, operation: str, exc: Exception) -> None:
        with self._lock:
            first = not self.is_down
            self._down_until = time.monotonic() + self.retry_after
        if first:
            logger.warning("Redis cache unavailable (%s: %s: %s); serving without the cache for %.0f s",
                           operation, type(exc).__name__, exc, self.retry_after)

    def _call(self, operation: str, fallback, *args, **kwargs):
        if self.is_down:
            return fallback
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except REDIS_DOWN as exc:
            self._failed(operation, exc)
            return fallback

    def ping(self) -> None:
        """Ask Redis itself, past the breaker; raises when it does not answer (for /healthz)."""
        self._cache.get_client(write=False).ping()

    # --- the cache API ------------------------------------------------------------------------
    def add(self, key, value, timeout=None, version=None):
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=None, version=None):
        self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", None, key, delta, version)
        if result is None:  # Redis is down: the key is as good as missing
            raise ValueError(f"Key '{key}' not found (Redis unavailable)")
        return result

    def set_many(self, data, timeout=None, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
