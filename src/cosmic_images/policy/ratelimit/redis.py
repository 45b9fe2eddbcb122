"""``redis://``: the next free start of each limiter, moved by one script on the server's clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..._boundary import Translated, redis_errors
from ..._redis import DEFAULT_PREFIX, redis_from_url
from ..._registry import StoreContext

__all__ = ["RedisRateLimiter", "from_url"]

# KEYS: the limiter; ARGV: interval ms, max wait ms. Returns the start (ms since the epoch on
# the server's clock), or -1.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local next_at = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, next_at)
if start - now > tonumber(ARGV[2]) then return -1 end
redis.call('SET', KEYS[1], start + tonumber(ARGV[1]), 'PX', start - now + 2 * tonumber(ARGV[1]))
return start
"""


# KEYS: the request window; ARGV: limit, window ms. Returns 0 when granted, else the ms until
# the window frees.
_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local started = tonumber(redis.call('HGET', KEYS[1], 'started') or '0')
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local window = tonumber(ARGV[2])
if now - started >= window then started = now; count = 0 end
if count >= tonumber(ARGV[1]) then return math.max(1, started + window - now) end
redis.call('HSET', KEYS[1], 'started', started, 'count', count + 1)
redis.call('PEXPIRE', KEYS[1], window * 2)
return 0
"""


def from_url(url: str, _context: StoreContext) -> RedisRateLimiter:
    client, prefix = redis_from_url(url, setting="COSMIC_IMAGES_QUOTA_URL")
    return RedisRateLimiter(client, prefix=prefix)


class RedisRateLimiter(Translated):
    backend = "Redis rate limiter"
    base_exceptions = staticmethod(redis_errors)

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.client = client
        self.prefix = prefix
        self._take = client.register_script(_TAKE)
        self._hit = client.register_script(_HIT)

    def take(self, name: str, interval: timedelta, max_wait: timedelta) -> float | None:
        start = int(
            self._take(
                keys=[f"{self.prefix}rate:{name}"],
                args=[
                    max(1, int(interval.total_seconds() * 1000)),
                    int(max_wait.total_seconds() * 1000),
                ],
            )
        )
        return None if start < 0 else start / 1000

    def hit(self, key: str, limit: int, window: timedelta) -> float | None:
        wait = int(
            self._hit(
                keys=[f"{self.prefix}requests:{key}"],
                args=[limit, max(1, int(window.total_seconds() * 1000))],
            )
        )
        return None if wait == 0 else wait / 1000

    def close(self) -> None:
        self.client.close()
