"""A cache in Redis (the ``redis`` extra): ``redis://host:6379/0?prefix=myapp:``.

Entries are plain keys with a TTL set by the server (``SET ... PX``); a lease is
``SET lease-key owner NX PX`` and is released by a Lua script that deletes it only if the
caller still owns it, so a late release never frees someone else's lease.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from .._boundary import Translated, redis_errors
from .._redis import DEFAULT_PREFIX, redis_from_url
from .._registry import StoreContext
from . import StatRow

STATS_KEPT = 400 * 24 * 3600  # seconds: a year of daily counts, and a margin

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

    def _stats(self, day: dt.date) -> str:
        return f"{self.prefix}stats:{day.isoformat()}"

    def count(self, day: dt.date, category: str, tier: str, event: str) -> None:
        key = self._stats(day)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, f"{category}|{tier}|{event}", 1)
            pipe.expire(key, STATS_KEPT)
            pipe.execute()

    def counts(self, first: dt.date, last: dt.date) -> list[StatRow]:
        rows: list[StatRow] = []
        day = first
        while day <= last:
            grouped: dict[tuple[str, str], dict[str, int]] = {}
            for field, value in sorted(self.client.hgetall(self._stats(day)).items()):
                category, tier, event = str(field).rsplit("|", 2)
                grouped.setdefault((category, tier), {})[event] = int(value)
            rows += [
                StatRow(day, c, t, n.get("hit", 0), n.get("miss", 0), n.get("wait", 0))
                for (c, t), n in sorted(grouped.items())
            ]
            day += dt.timedelta(days=1)
        return rows

    def close(self) -> None:
        self.client.close()
