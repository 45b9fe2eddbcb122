"""Quota stores: they count and reserve; the rules (who gets how many) live in ``tiers``.

A slot is **reserved** before the provider is called, **confirmed** once the image is stored,
and **refunded** when the generation fails; refunds are idempotent. A reservation left pending
by a crashed process stops counting when its lease ends, and :meth:`QuotaStore.sweep` marks it
expired. Reservation is atomic in the store, never a read-then-write in Python:

- SQL: one ``INSERT ... SELECT ... WHERE (SELECT count(*) ...) < :limit`` statement; on
  PostgreSQL under a per-user transaction advisory lock, on SQLite inside ``BEGIN IMMEDIATE``.
- Redis: one Lua script, timed by the server's ``TIME``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import (
    Engine,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)

from ..errors import ConfigurationError
from ..storage.models import QuotaReservation, UTCDateTime
from .windows import WEEK, Window

__all__ = ["QuotaCheck", "QuotaStore", "RedisQuotaStore", "SqlQuotaStore", "quota_from_url"]


@dataclass(frozen=True, slots=True)
class QuotaCheck:
    granted: bool
    used: int  # slots counted in the window, including this one when granted
    oldest: dt.datetime | None  # the oldest counted slot (for a rolling window's reset)


@runtime_checkable
class QuotaStore(Protocol):
    def reserve(
        self, user_id: str, reservation_id: str, *, limit: int, window: Window, lease: timedelta
    ) -> QuotaCheck: ...

    def confirm(self, user_id: str, reservation_id: str) -> None: ...

    def refund(self, user_id: str, reservation_id: str) -> bool:
        """Return a pending slot; True the first time, False when already refunded."""
        ...

    def usage(self, user_id: str, window: Window) -> QuotaCheck: ...

    def sweep(self) -> int:
        """Mark reservations whose lease ended as expired; return how many."""
        ...

    def close(self) -> None: ...


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _lock_key(user_id: str) -> int:
    """A stable signed 63-bit key for pg_advisory_xact_lock."""
    return int.from_bytes(hashlib.sha256(f"quota:{user_id}".encode()).digest()[:8], "big") >> 1


class SqlQuotaStore:
    """``sql``: reservations in the application database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.engine = engine
        self._clock = clock

    def _counted(self, user_id: str, window: Window, now: dt.datetime) -> Any:
        table = QuotaReservation
        return and_(
            table.user_id == user_id,
            table.created_at >= window.start,
            or_(
                table.status == "confirmed", and_(table.status == "pending", table.expires_at > now)
            ),
        )

    def reserve(
        self, user_id: str, reservation_id: str, *, limit: int, window: Window, lease: timedelta
    ) -> QuotaCheck:
        now = self._clock()
        table = QuotaReservation
        used = (
            select(func.count())
            .select_from(table)
            .where(self._counted(user_id, window, now))
            .scalar_subquery()
        )
        row = select(
            literal(reservation_id),
            literal(user_id),
            literal(now, UTCDateTime()),
            literal(now + lease, UTCDateTime()),
            literal("pending"),
        ).where(used < limit)
        statement = (
            insert(table)
            .from_select(["id", "user_id", "created_at", "expires_at", "status"], row)
            .returning(table.id)
        )
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(user_id)}
                )
            granted = conn.execute(statement).scalar_one_or_none() == reservation_id
            count, oldest = conn.execute(
                select(func.count(), func.min(table.created_at)).where(
                    self._counted(user_id, window, now)
                )
            ).one()
        return QuotaCheck(granted, int(count), _aware(oldest))

    def confirm(self, user_id: str, reservation_id: str) -> None:
        # An expired lease still confirms: the image exists, so it counts.
        with self.engine.begin() as conn:
            conn.execute(
                update(QuotaReservation)
                .where(
                    QuotaReservation.id == reservation_id,
                    QuotaReservation.status.in_(("pending", "expired")),
                )
                .values(status="confirmed")
            )

    def refund(self, user_id: str, reservation_id: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(QuotaReservation)
                .where(
                    QuotaReservation.id == reservation_id,
                    QuotaReservation.status.in_(("pending", "expired")),
                )
                .values(status="refunded")
            )
        return result.rowcount == 1

    def usage(self, user_id: str, window: Window) -> QuotaCheck:
        now = self._clock()
        with self.engine.connect() as conn:
            count, oldest = conn.execute(
                select(func.count(), func.min(QuotaReservation.created_at)).where(
                    self._counted(user_id, window, now)
                )
            ).one()
        return QuotaCheck(True, int(count), _aware(oldest))

    def sweep(self) -> int:
        now = self._clock()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(QuotaReservation)
                .where(QuotaReservation.status == "pending", QuotaReservation.expires_at <= now)
                .values(status="expired")
            )
        return int(result.rowcount or 0)

    def close(self) -> None:
        """The engine belongs to the caller."""


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite aggregates come back as text
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


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
    return {0, used, oldest(KEYS[1], since)}
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[5]))
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return {1, used + 1, oldest(KEYS[1], since)}
"""
)
_USAGE = (
    _RECLAIM
    + """
local now = clock()
reclaim(KEYS[1], KEYS[2], now)
local since = tonumber(ARGV[1])
if since < 0 then since = now - tonumber(ARGV[2]) + 1 end
return {redis.call('ZCOUNT', KEYS[1], since, '+inf'), oldest(KEYS[1], since)}
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


class RedisQuotaStore:
    """``redis://host:6379/0?prefix=app:``: slots in Redis (the ``redis`` extra)."""

    def __init__(self, client: Any, *, prefix: str = "cosmic-images:") -> None:
        self.client = client
        self.prefix = prefix
        self._reserve = client.register_script(_RESERVE)
        self._usage = client.register_script(_USAGE)
        self._confirm = client.register_script(_CONFIRM)
        self._refund = client.register_script(_REFUND)
        self._sweep = client.register_script(_SWEEP)

    @classmethod
    def from_url(cls, url: str) -> RedisQuotaStore:
        try:
            import redis
        except ImportError as exc:
            raise ConfigurationError(
                "the Redis quota store needs the redis client: pip install 'cosmic-images[redis]'"
            ) from exc
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        prefix = query.pop("prefix", "cosmic-images:")
        clean = urlunsplit(parts._replace(query=urlencode(query)))
        return cls(redis.Redis.from_url(clean, decode_responses=True), prefix=prefix)

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
        granted, used, oldest = self._reserve(
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
        return QuotaCheck(bool(granted), int(used), self._time(int(oldest)))

    def confirm(self, user_id: str, reservation_id: str) -> None:
        self._confirm(keys=self._keys(user_id), args=[reservation_id])

    def refund(self, user_id: str, reservation_id: str) -> bool:
        return bool(self._refund(keys=self._keys(user_id), args=[reservation_id]))

    def usage(self, user_id: str, window: Window) -> QuotaCheck:
        used, oldest = self._usage(
            keys=self._keys(user_id),
            args=[self._since(window), int(WEEK.total_seconds() * 1000)],
        )
        return QuotaCheck(True, int(used), self._time(int(oldest)))

    def sweep(self) -> int:
        swept = 0
        for pending in self.client.scan_iter(match=f"{self.prefix}quota:*:pending", count=500):
            slots = pending.removesuffix(":pending") + ":slots"
            swept += int(self._sweep(keys=[slots, pending]))
        return swept

    def close(self) -> None:
        self.client.close()


def quota_from_url(url: str, *, engine: Engine | None = None) -> QuotaStore:
    """``sql`` (the application database) or ``redis://...``."""
    if url == "sql":
        if engine is None:
            raise ConfigurationError("the sql quota store needs the database engine")
        return SqlQuotaStore(engine)
    if url.startswith(("redis://", "rediss://")):
        return RedisQuotaStore.from_url(url)
    raise ConfigurationError(f"COSMIC_IMAGES_QUOTA_URL {url!r}: use sql or redis://...")
