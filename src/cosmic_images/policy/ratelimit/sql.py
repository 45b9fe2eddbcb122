"""``sql``: the next free start of each limiter, one row in the application database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..._boundary import Translated, sqlalchemy_errors
from ..._registry import StoreContext
from ...storage.models import RateLimit, RequestWindow

__all__ = ["SqlRateLimiter", "from_url"]


def from_url(_url: str, context: StoreContext) -> SqlRateLimiter:
    engine = context.require_engine("rate limiter")
    return SqlRateLimiter(engine, clock=context.clock) if context.clock else SqlRateLimiter(engine)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqlRateLimiter(Translated):
    """Reads and moves ``next_at`` in one transaction: PostgreSQL locks the row
    (``FOR UPDATE``), SQLite's ``BEGIN IMMEDIATE`` serialises writers."""

    backend = "database"
    base_exceptions = staticmethod(sqlalchemy_errors)

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.engine = engine
        self._clock = clock
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def take(self, name: str, interval: timedelta, max_wait: timedelta) -> float | None:
        with self.engine.begin() as conn:
            conn.execute(
                self._insert(RateLimit)
                .values(name=name, next_at=self._clock())
                .on_conflict_do_nothing(index_elements=[RateLimit.name])
            )
            query = select(RateLimit.next_at).where(RateLimit.name == name)
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                query = query.with_for_update()
            next_at = conn.execute(query).scalar_one()
            # Now, once the lock is ours (not before waiting for it); on PostgreSQL by the
            # database's clock, which every host shares.
            now = (
                _aware(conn.execute(select(func.clock_timestamp())).scalar_one())
                if postgres
                else self._clock()
            )
            start = max(now, next_at)
            if start - now > max_wait:
                return None
            conn.execute(
                update(RateLimit).where(RateLimit.name == name).values(next_at=start + interval)
            )
        return start.timestamp()

    def hit(self, key: str, limit: int, window: timedelta) -> float | None:
        with self.engine.begin() as conn:
            conn.execute(
                self._insert(RequestWindow)
                .values(key=key, started=self._clock(), count=0)
                .on_conflict_do_nothing(index_elements=[RequestWindow.key])
            )
            query = select(RequestWindow.started, RequestWindow.count).where(
                RequestWindow.key == key
            )
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                query = query.with_for_update()
            started, count = conn.execute(query).one()
            now = (
                _aware(conn.execute(select(func.clock_timestamp())).scalar_one())
                if postgres
                else self._clock()
            )
            if now - started >= window:  # a new window begins with this request
                started, count = now, 0
            if count >= limit:
                return max(0.001, (started + window - now).total_seconds())
            conn.execute(
                update(RequestWindow)
                .where(RequestWindow.key == key)
                .values(started=started, count=count + 1)
            )
        return None

    def close(self) -> None:
        """The engine belongs to the caller."""


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
