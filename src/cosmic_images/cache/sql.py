"""The default cache: two tables in the application database, so every process shares it.

``acquire`` is one statement, atomic on both databases:
``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE cache_locks.expires_at < :now RETURNING owner``
inserts a new lease or takes over an expired one, and returns nothing when a live lease is
held by someone else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .._boundary import Translated, sqlalchemy_errors
from .._registry import StoreContext
from ..storage.models import CacheEntry, CacheLock, CacheStat
from . import StatRow

_COLUMNS = {"hit": "hits", "miss": "misses", "wait": "waits"}

__all__ = ["SqlCache", "from_url"]


def from_url(_url: str, context: StoreContext) -> SqlCache:
    """``sql``: the application database."""
    return SqlCache(context.require_engine("cache"))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqlCache(Translated):
    """``sql``: the cache kept in the SQLAlchemy database (SQLite or PostgreSQL)."""

    backend = "database"
    base_exceptions = staticmethod(sqlalchemy_errors)

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.engine = engine
        self._clock = clock
        self._insert: Any = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    def get(self, key: str) -> str | None:
        query = select(CacheEntry.image_id).where(
            CacheEntry.key == key, CacheEntry.expires_at > self._clock()
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def set(self, key: str, value: str, ttl: timedelta) -> None:
        now = self._clock()
        stmt = self._insert(CacheEntry).values(
            key=key, image_id=value, created_at=now, expires_at=now + ttl
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[CacheEntry.key],
            set_={
                "image_id": stmt.excluded.image_id,
                "created_at": stmt.excluded.created_at,
                "expires_at": stmt.excluded.expires_at,
            },
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def delete(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(CacheEntry).where(CacheEntry.key == key))

    def acquire(self, key: str, owner: str, lease: timedelta) -> bool:
        now = self._clock()
        stmt = self._insert(CacheLock).values(key=key, owner=owner, expires_at=now + lease)
        stmt = stmt.on_conflict_do_update(
            index_elements=[CacheLock.key],
            set_={"owner": stmt.excluded.owner, "expires_at": stmt.excluded.expires_at},
            where=(CacheLock.expires_at < now) | (CacheLock.owner == owner),
        ).returning(CacheLock.owner)
        with self.engine.begin() as conn:
            return conn.execute(stmt).scalar_one_or_none() == owner

    def renew(self, key: str, owner: str, lease: timedelta) -> bool:
        statement = (
            update(CacheLock)
            .where(CacheLock.key == key, CacheLock.owner == owner)
            .values(expires_at=self._clock() + lease)
        )
        with self.engine.begin() as conn:
            return conn.execute(statement).rowcount == 1

    def release(self, key: str, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(CacheLock).where(CacheLock.key == key, CacheLock.owner == owner))

    def purge_expired(self) -> int:
        now = self._clock()
        with self.engine.begin() as conn:
            gone = conn.execute(delete(CacheEntry).where(CacheEntry.expires_at <= now)).rowcount
            conn.execute(delete(CacheLock).where(CacheLock.expires_at <= now))
        return int(gone or 0)

    def count(self, day: dt.date, category: str, tier: str, event: str) -> None:
        column = _COLUMNS[event]
        stmt = self._insert(CacheStat).values(
            day=day,
            category=category,
            tier=tier,
            **{c: int(c == column) for c in _COLUMNS.values()},
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[CacheStat.day, CacheStat.category, CacheStat.tier],
            set_={column: getattr(CacheStat, column) + 1},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def counts(self, first: dt.date, last: dt.date) -> list[StatRow]:
        query = (
            select(CacheStat)
            .where(CacheStat.day >= first, CacheStat.day <= last)
            .order_by(CacheStat.day, CacheStat.category, CacheStat.tier)
        )
        with Session(self.engine) as session:
            return [
                StatRow(r.day, r.category, r.tier, r.hits, r.misses, r.waits)
                for r in session.scalars(query)
            ]

    def close(self) -> None:
        """The engine belongs to the caller; nothing to close here."""
