"""``sql``: quota reservations in the application database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, func, insert, literal, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from ..._boundary import Translated, sqlalchemy_errors
from ..._registry import StoreContext
from ...storage.models import QuotaReservation, UTCDateTime
from ..windows import Window
from . import QuotaCheck

__all__ = ["SqlQuotaStore", "from_url"]


def from_url(_url: str, context: StoreContext) -> SqlQuotaStore:
    engine = context.require_engine("quota store")
    return SqlQuotaStore(engine, clock=context.clock) if context.clock else SqlQuotaStore(engine)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _lock_key(user_id: str) -> int:
    """A stable signed 63-bit key for pg_advisory_xact_lock."""
    return int.from_bytes(hashlib.sha256(f"quota:{user_id}".encode()).digest()[:8], "big") >> 1


class SqlQuotaStore(Translated):
    """``sql``: reservations in the application database (SQLite or PostgreSQL)."""

    backend = "database"
    base_exceptions = staticmethod(sqlalchemy_errors)

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

    def _summary(self, user_id: str, window: Window, now: dt.datetime) -> Any:
        """Counted slots, the oldest, and when the first pending one ends."""
        table = QuotaReservation
        pending_end = case((table.status == "pending", table.expires_at), else_=None)
        return select(func.count(), func.min(table.created_at), func.min(pending_end)).where(
            self._counted(user_id, window, now)
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
            count, oldest, pending = conn.execute(self._summary(user_id, window, now)).one()
        return QuotaCheck(granted, int(count), _aware(oldest), _aware(pending))

    def confirm(self, user_id: str, reservation_id: str) -> None:
        # Idempotent, and it creates the slot when the store lost it (a refund after a failure
        # that turned out to have stored the image): an image is charged exactly once.
        now = self._clock()
        insert_ = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert_(QuotaReservation).values(
            id=reservation_id, user_id=user_id, created_at=now, expires_at=now, status="confirmed"
        )
        statement = statement.on_conflict_do_update(
            index_elements=[QuotaReservation.id], set_={"status": "confirmed"}
        )
        with self.engine.begin() as conn:
            conn.execute(statement)

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
            count, oldest, pending = conn.execute(self._summary(user_id, window, now)).one()
        return QuotaCheck(True, int(count), _aware(oldest), _aware(pending))

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
