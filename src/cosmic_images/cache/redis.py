"""A cache in Redis (the ``redis`` extra): ``redis://host:6379/0?prefix=myapp:``.

Entries are plain keys with a TTL set by the server (``SET ... PX``); a lease is
``SET lease-key owner NX PX`` and is released by a Lua script that deletes it only if the
caller still owns it, so a late release never frees someone else's lease.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .._boundary import Translated, redis_errors
from .._redis import DEFAULT_PREFIX, redis_from_url
from .._registry import StoreContext

__all__ = ["RedisCache", "from_url"]

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def from_url(url: str, _context: StoreContext) -> RedisCache:
    client, prefix = redis_from_url(url, setting="COSMIC_IMAGES_CACHE_URL")
    return RedisCache(client, prefix=prefix)


class RedisCache(Translated):
    backend = "Redis cache"
    base_exceptions = staticmethod(redis_errors)

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.client = client
        self.prefix = prefix
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)

    def _entry(self, key: str) -> str:
        return f"{self.prefix}cache:{key}"

    def _lease(self, key: str) -> str:
        return f"{self.prefix}lease:{key}"

    def get(self, key: str) -> str | None:
        value = self.client.get(self._entry(key))
        return None if value is None else str(value)

    def set(self, key: str, value: str, ttl: timedelta) -> None:
        self.client.set(self._entry(key), value, px=max(1, int(ttl.total_seconds() * 1000)))

    def delete(self, key: str) -> None:
        self.client.delete(self._entry(key))

    def acquire(self, key: str, owner: str, lease: timedelta) -> bool:
        ms = max(1, int(lease.total_seconds() * 1000))
        return bool(self.client.set(self._lease(key), owner, nx=True, px=ms))

    def renew(self, key: str, owner: str, lease: timedelta) -> bool:
        ms = max(1, int(lease.total_seconds() * 1000))
        return bool(self._renew(keys=[self._lease(key)], args=[owner, ms]))

    def release(self, key: str, owner: str) -> None:
        self._release(keys=[self._lease(key)], args=[owner])

    def purge_expired(self) -> int:
        """Redis expires keys itself."""
        return 0

    def close(self) -> None:
        self.client.close()
