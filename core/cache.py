"""Redis as a cache that may go away: a failed call is a miss, never an error.

Django's RedisCache raises when Redis is down, which would turn every page into a 500
although the database could serve it. Here a connection error or timeout makes the
call return its "nothing there" answer, logs once, and skips Redis for a second so
that readers do not each wait for a connect timeout.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1.0
DOWN = (ConnectionError, TimeoutError, OSError)


def tolerant(default=None):
    """Answer `default` (or default() when callable) while Redis is unreachable."""

    def wrap(method):
        def call(self, *args, **kwargs):
            if self._is_down():
                return default() if callable(default) else default
            try:
                return self._up(method(self, *args, **kwargs))
            except DOWN:
                self._mark_down()
                return default() if callable(default) else default

        call.__name__ = method.__name__
        return call

    return wrap


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)
        self._location = server
        self._down_until = 0.0

    def _is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _mark_down(self) -> None:
        if not self._down_until:
            logger.warning("Redis cache %s is unreachable", self._location)
        self._down_until = time.monotonic() + RETRY_AFTER_SECONDS

    def _up(self, result):
        if self._down_until:
            logger.warning("Redis cache %s answers again", self._location)
            self._down_until = 0.0
        return result

    def get(self, key, default=None, version=None):
        if self._is_down():
            return default
        try:
            return self._up(super().get(key, default, version))
        except DOWN:
            self._mark_down()
            return default

    def incr(self, key, delta=1, version=None):
        # Callers treat ValueError as "no such key"; a lost Redis is the same to them.
        if not self._is_down():
            try:
                return self._up(super().incr(key, delta, version))
            except DOWN:
                self._mark_down()
        raise ValueError(f"Key {key!r} not found (cache unreachable)")

    @tolerant(False)
    def add(self, *args, **kwargs):
        return super().add(*args, **kwargs)

    @tolerant()
    def set(self, *args, **kwargs):
        return super().set(*args, **kwargs)

    @tolerant(False)
    def touch(self, *args, **kwargs):
        return super().touch(*args, **kwargs)

    @tolerant(False)
    def delete(self, *args, **kwargs):
        return super().delete(*args, **kwargs)

    @tolerant(dict)
    def get_many(self, *args, **kwargs):
        return super().get_many(*args, **kwargs)

    @tolerant(False)
    def has_key(self, *args, **kwargs):
        return super().has_key(*args, **kwargs)

    @tolerant(list)
    def set_many(self, *args, **kwargs):
        return super().set_many(*args, **kwargs)

    @tolerant()
    def delete_many(self, *args, **kwargs):
        return super().delete_many(*args, **kwargs)

    @tolerant(False)
    def clear(self):
        return super().clear()
