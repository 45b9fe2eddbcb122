"""SQLAlchemy 2.0 models: the seed's five tables plus what the design needs.

Portable between SQLite and PostgreSQL: ``Uuid`` is native on PostgreSQL and CHAR(32) on
SQLite, ``JSON`` becomes JSONB on PostgreSQL, and every timestamp is stored in UTC and read
back timezone-aware (:class:`UTCDateTime`). The schema itself is created by the Alembic
migrations in ``storage/migrations``; ``tests/test_migrations.py`` checks that they match
these models.

Deviations from the seed, each on purpose: ``cost`` is NUMERIC(16, 8) instead of (10, 4)
because token-priced models cost a few millionths of a dollar per token and the ledger must
be exact; ``generated_images`` has more columns (where the bytes are, the cache key, the
provider); ``image_generation_stats`` records which image and what it cost.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "COST_UNIT",
    "Base",
    "BlockedUser",
    "BudgetAlert",
    "CacheEntry",
    "CacheLock",
    "DownloadEvent",
    "Favorite",
    "GenerationStat",
    "ImageDelivery",
    "ImageRow",
    "LedgerDaily",
    "LedgerEntry",
    "LimitEvent",
    "QuotaReservation",
    "RequestWindow",
    "ShareEvent",
    "UTCDateTime",
    "ViewEvent",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored as UTC on every backend (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(16, 8, asdecimal=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ImageRow(Base):
    __tablename__ = "generated_images"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(50))
    prompt: Mapped[str] = mapped_column(Text)
    image_url: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(50))
    quality: Mapped[str] = mapped_column(String(20), server_default="standard")
    cost: Mapped[Decimal] = mapped_column(Money)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now, onupdate=_now)
    provider: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, server_default="")
    blob_key: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(50), server_default="image/png")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    cache_key: Mapped[str | None] = mapped_column(String(64), index=True)
    shared: Mapped[bool] = mapped_column(Boolean, server_default=false())
    fallback: Mapped[bool] = mapped_column(Boolean, server_default=false())

    __table_args__ = (
        Index("ix_generated_images_user_id_created_at", "user_id", "created_at"),
        Index("ix_generated_images_created_at", "created_at"),
    )


class GenerationStat(Base):
    __tablename__ = "image_generation_stats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(50))
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    image_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("generated_images.id", ondelete="SET NULL")
    )
    cost: Mapped[Decimal] = mapped_column(Money, server_default="0")

    __table_args__ = (Index("ix_image_generation_stats_generated_at", "generated_at"),)


class ShareEvent(Base):
    __tablename__ = "image_share_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("generated_images.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(50))
    shared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    __table_args__ = (
        Index("ix_image_share_events_image_id_shared_at", "image_id", "shared_at"),
        Index("ix_image_share_events_shared_at", "shared_at"),
    )


class DownloadEvent(Base):
    __tablename__ = "image_download_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("generated_images.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(50))
    downloaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    __table_args__ = (
        Index("ix_image_download_events_image_id", "image_id"),
        Index("ix_image_download_events_downloaded_at", "downloaded_at"),
    )


class ViewEvent(Base):
    """An image opened by a user (a view, for engagement and per-category performance)."""

    __tablename__ = "image_view_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("generated_images.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(Text)
    viewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    __table_args__ = (
        Index("ix_image_view_events_image_id", "image_id"),
        Index("ix_image_view_events_viewed_at", "viewed_at"),
    )


class Favorite(Base):
    __tablename__ = "image_favorites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(Text)
    image_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("generated_images.id", ondelete="CASCADE")
    )
    favorited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    __table_args__ = (
        UniqueConstraint("user_id", "image_id"),
        Index("ix_image_favorites_image_id", "image_id"),
    )


class ImageDelivery(Base):
    """An image in a user's gallery: generated for them, or a shared/cached one they got."""

    __tablename__ = "image_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(Text)
    image_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("generated_images.id", ondelete="CASCADE")
    )
    cached: Mapped[bool] = mapped_column(Boolean)
    delivered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    __table_args__ = (
        UniqueConstraint("user_id", "image_id"),
        Index("ix_image_deliveries_user_id_delivered_at", "user_id", "delivered_at"),
    )


class CacheEntry(Base):
    """The SQL cache backend's entries: a cache key pointing at a stored image (or, under a
    key of its own, a failure shared with everyone asking for that picture)."""

    __tablename__ = "cache_entries"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    image_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class CacheLock(Base):
    """The SQL cache backend's single-flight leases: one generation per key at a time."""

    __tablename__ = "cache_locks"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CacheStat(Base):
    """How often pictures were found in the cache, made, or waited for, per business day,
    category and tier: the hit rate anyone can compute (the report, the dashboard)."""

    __tablename__ = "cache_stats"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(50), primary_key=True)
    tier: Mapped[str] = mapped_column(String(50), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, server_default="0")
    misses: Mapped[int] = mapped_column(Integer, server_default="0")
    waits: Mapped[int] = mapped_column(Integer, server_default="0")


class RateLimit(Base):
    """A shared rate limit: when the next provider call may start (``COSMIC_IMAGES_RATE_LIMIT``)."""

    __tablename__ = "rate_limits"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """Every call a provider answered, or failed, and what it cost: the exact cost ledger.

    ``outcome``: generated, fallback, rejected, failed. ``cost`` is money certainly spent
    (a paid image lost to an expired URL counts); ``possibly_billed`` marks a call that timed
    out after it was sent, whose cost the provider alone knows.
    """

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    user_id: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(50))
    provider: Mapped[str] = mapped_column(String(50))
    model: Mapped[str] = mapped_column(String(50))
    quality: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    cost: Mapped[Decimal] = mapped_column(Money)
    possibly_billed: Mapped[bool] = mapped_column(Boolean, server_default=false())
    image_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("generated_images.id", ondelete="SET NULL")
    )
    usage: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_ledger_entries_recorded_at", "recorded_at"),)


COST_UNIT = 10**8  # rollups count money in hundred-millionths of a dollar: exact sums in SQL


class LedgerDaily(Base):
    """The ledger summed per business day, category, provider, model, quality and outcome,
    maintained in the same transaction as the entries: what reports and budgets read, so they
    stay fast at millions of entries. ``cost_units`` is dollars times :data:`COST_UNIT`."""

    __tablename__ = "ledger_daily"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(50), primary_key=True)
    provider: Mapped[str] = mapped_column(String(50), primary_key=True)
    model: Mapped[str] = mapped_column(String(50), primary_key=True)
    quality: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" when none
    outcome: Mapped[str] = mapped_column(String(20), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, server_default="0")
    cost_units: Mapped[int] = mapped_column(BigInteger, server_default="0")
    possibly_billed: Mapped[int] = mapped_column(Integer, server_default="0")
    cost_unknown: Mapped[int] = mapped_column(Integer, server_default="0")


class RequestWindow(Base):
    """A user's request window (fair use): when it began and how many requests it counted."""

    __tablename__ = "request_windows"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    started: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, server_default="0")


class BlockedUser(Base):
    """A user an admin blocked: who did, when and why."""

    __tablename__ = "blocked_users"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    blocked_by: Mapped[str] = mapped_column(Text)
    blocked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)


class LimitEvent(Base):
    """How often a limit bit, per business day, tier and kind (rate_limited_generation,
    rate_limited_read, daily_cap, weekly_limit, blocked)."""

    __tablename__ = "limit_events"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    tier: Mapped[str] = mapped_column(String(50), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, server_default="0")


class BudgetAlert(Base):
    """A budget alert that went out: one row per business day (or month) and kind, so each
    crossing is announced once across every process."""

    __tablename__ = "budget_alerts"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)  # 2025-01-23 or 2025-01
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    fired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    spent: Mapped[Decimal] = mapped_column(Money)


class QuotaReservation(Base):
    """A weekly-limit slot: pending while its image is made, then confirmed, refunded or
    expired (a crashed process's lease ran out)."""

    __tablename__ = "quota_reservations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))

    __table_args__ = (
        Index("ix_quota_reservations_user_id_created_at", "user_id", "created_at"),
        Index("ix_quota_reservations_status_expires_at", "status", "expires_at"),
    )
