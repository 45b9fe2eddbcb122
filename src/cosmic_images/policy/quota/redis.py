"""``redis://host:6379/0?prefix=app:``: quota slots in Redis (the ``redis`` extra).

Every operation is one Lua script, timed by the server's ``TIME``.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from ..._boundary import Translated, redis_errors
from ..._redis import DEFAULT_PREFIX, redis_from_url
from ..._registry import StoreContext
from ..windows import WEEK, Window
from . import QuotaCheck

__all__ = ["RedisQuotaStore", "from_url"]


def from_url(url: str, _context: StoreContext) -> RedisQuotaStore:
    client, prefix = redis_from_url(url, setting="COSMIC_IMAGES_QUOTA_URL")
    return RedisQuotaStore(client, prefix=prefix)


_RECLAIM = """
local function reclaim(zset, pending, now)
    local items = redis.call('HGETALL', pending)
    for i = 1, #items, 2 do
        if tonumber(items[i + 1]) <= now then
            redis.call('ZREM', zset, items[i])
            redis.call('HDEL', pending, items[i])
        end
    end
end
local function clock()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function pending_until(pending)
    local first = -1
    for _, ends in ipairs(redis.call('HVALS', pending)) do
        local at = tonumber(ends)
        if first < 0 or at < first then first = at end
    end
    return first
end
local function oldest(zset, since)
    local first = redis.call('ZRANGEBYSCORE', zset, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if #first == 0 then return -1 end
    return tonumber(first[2])
end
"""

# KEYS: zset of counted slots (score: ms taken), hash of pending slots (value: lease end ms)
# ARGV: id, since ms (-1: rolling), window ms, limit, lease ms, key ttl ms
_RESERVE = (
    _RECLAIM
    + """
local now = clock()
reclaim(KEYS[1], KEYS[2], now)
local since = tonumber(ARGV[2])
if since < 0 then since = now - tonumber(ARGV[3]) + 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - 2 * tonumber(ARGV[3])))
local used = redis.call('ZCOUNT', KEYS[1], since, '+inf')
if used >= tonumber(ARGV[4]) then
    return {0, used, oldest(KEYS[1], since), pending_until(KEYS[2])}
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[5]))
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return {1, used + 1, oldest(KEYS[1], since), pending_until(KEYS[2])}
"""
)
_USAGE = (
    _RECLAIM
    + """
local now = clock()
reclaim(KEYS[1], KEYS[2], now)
local since = tonumber(ARGV[1])
if since < 0 then since = now - tonumber(ARGV[2]) + 1 end
return {
    redis.call('ZCOUNT', KEYS[1], since, '+inf'), oldest(KEYS[1], since), pending_until(KEYS[2])
}
"""
)
_CONFIRM = (
    _RECLAIM
    + """
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
    redis.call('ZADD', KEYS[1], clock(), ARGV[1])
end
return 1
"""
)
_REFUND = """
if redis.call('HDEL', KEYS[2], ARGV[1]) == 1 then
    redis.call('ZREM', KEYS[1], ARGV[1])
    return 1
end
return 0
"""
_SWEEP = (
    _RECLAIM
    + """
local before = redis.call('HLEN', KEYS[2])
reclaim(KEYS[1], KEYS[2], clock())
return before - redis.call('HLEN', KEYS[2])
"""
)


class RedisQuotaStore(Translated):
    """``redis://host:6379/0?prefix=app:``: slots in Redis (the ``redis`` extra)."""

    backend = "Redis quota store"
    base_exceptions = staticmethod(redis_errors)

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.client = client
        self.prefix = prefix
        self._reserve = client.register_script(_RESERVE)
        self._usage = client.register_script(_USAGE)
        self._confirm = client.register_script(_CONFIRM)
        self._refund = client.register_script(_REFUND)
        self._sweep = client.register_script(_SWEEP)

    def _keys(self, user_id: str) -> list[str]:
        return [
            f"{self.prefix}quota:{{{user_id}}}:slots",
            f"{self.prefix}quota:{{{user_id}}}:pending",
        ]

    @staticmethod
    def _since(window: Window) -> int:
        if window.end is None:
            return -1  # rolling: the server's clock decides
        return int(window.start.timestamp() * 1000)

    @staticmethod
    def _time(ms: int) -> dt.datetime | None:
        return None if ms < 0 else dt.datetime.fromtimestamp(ms / 1000, dt.UTC)

    def reserve(
        self, user_id: str, reservation_id: str, *, limit: int, window: Window, lease: timedelta
    ) -> QuotaCheck:
        week_ms = int(WEEK.total_seconds() * 1000)
        granted, used, oldest, pending = self._reserve(
            keys=self._keys(user_id),
            args=[
                reservation_id,
                self._since(window),
                week_ms,
                limit,
                int(lease.total_seconds() * 1000),
                2 * week_ms,
            ],
        )
        return QuotaCheck(
            bool(granted), int(used), self._time(int(oldest)), self._time(int(pending))
        )

    def confirm(self, user_id: str, reservation_id: str) -> None:
        self._confirm(keys=self._keys(user_id), args=[reservation_id])

    def refund(self, user_id: str, reservation_id: str) -> bool:
        return bool(self._refund(keys=self._keys(user_id), args=[reservation_id]))

    def usage(self, user_id: str, window: Window) -> QuotaCheck:
        used, oldest, pending = self._usage(
            keys=self._keys(user_id),
            args=[self._since(window), int(WEEK.total_seconds() * 1000)],
        )
        return QuotaCheck(True, int(used), self._time(int(oldest)), self._time(int(pending)))

    def sweep(self) -> int:
        swept = 0
        for pending in self.client.scan_iter(match=f"{self.prefix}quota:*:pending", count=500):
            slots = pending.removesuffix(":pending") + ":slots"
            swept += int(self._sweep(keys=[slots, pending]))
        return swept

    def close(self) -> None:
        self.client.close()
