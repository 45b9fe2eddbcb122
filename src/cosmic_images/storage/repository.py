"""Reads and writes of images, deliveries and generation stats.

The rest of the package sees plain frozen records (:class:`ImageRecord`), never ORM objects
bound to a session, so nothing lazy-loads behind a caller's back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from .._boundary import Translated, sqlalchemy_errors
from . import rollups
from .models import (
    DownloadEvent,
    Favorite,
    GenerationStat,
    ImageDelivery,
    ImageRow,
    LedgerDaily,
    LedgerEntry,
)

if TYPE_CHECKING:
    from ..ledger.entries import LedgerEntry as Entry

__all__ = ["GalleryEntry", "ImageRecord", "NewImage", "Repository"]


@dataclass(frozen=True, slots=True, kw_only=True)
class NewImage:
    """An image about to be recorded; its bytes are already in the blob store."""

    id: str
    user_id: str
    category: str
    prompt: str
    description: str
    image_url: str
    blob_key: str
    content_sha256: str
    media_type: str
    width: int
    height: int
    model: str
    provider: str
    quality: str
    cost: Decimal
    cache_key: str | None
    shared: bool = False
    fallback: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRecord(NewImage):
    """A stored image."""

    created_at: dt.datetime

    def to_api(self) -> dict[str, Any]:
        """The image as the REST API and the CLI show it (camelCase, no storage details)."""
        return {
            "imageId": self.id,
            "imageUrl": self.image_url,
            "category": self.category,
            "description": self.description,
            "model": self.model,
            "quality": self.quality,
            "shared": self.shared,
            "createdAt": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class GalleryEntry:
    image: ImageRecord
    delivered_at: dt.datetime
    favorite: bool


# NewImage's fields are ImageRow's columns, but for two names.
_COLUMN = {"id": "id", "metadata": "meta"}
_FIELDS = [f.name for f in fields(NewImage)]


def _record(row: ImageRow) -> ImageRecord:
    values = {name: getattr(row, _COLUMN.get(name, name)) for name in _FIELDS}
    values["id"] = str(row.id)
    values["cost"] = Decimal(row.cost)
    values["metadata"] = dict(row.meta or {})
    return ImageRecord(**values, created_at=row.created_at)


def _parse_id(image_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(image_id))
    except ValueError:
        return None


class Repository(Translated):
    """All SQL the service needs, on one engine. Database errors are BackendUnavailable."""

    backend = "database"
    base_exceptions = staticmethod(sqlalchemy_errors)

    def __init__(self, engine: Engine, *, timezone: ZoneInfo | None = None) -> None:
        self.engine = engine
        self.timezone = timezone or ZoneInfo("UTC")  # the business days of the rollups
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    def add_image(
        self,
        new: NewImage,
        *,
        now: dt.datetime | None = None,
        entries: tuple[Entry, ...] = (),
    ) -> ImageRecord:
        """Record a generated image, its generation stat and its ledger entries together."""
        now = now or dt.datetime.now(dt.UTC)
        image_uuid = uuid.UUID(new.id)
        columns = {_COLUMN.get(name, name): getattr(new, name) for name in _FIELDS}
        columns |= {"id": image_uuid, "meta": dict(new.metadata)}
        row = ImageRow(**columns, created_at=now, updated_at=now)
        with self.session() as session, session.begin():
            session.add(row)
            session.flush()
            session.add(
                GenerationStat(
                    user_id=new.user_id,
                    category=new.category,
                    generated_at=now,
                    image_id=image_uuid,
                    cost=new.cost,
                )
            )
            ledger = [entry.to_row(now, image_uuid) for entry in entries]
            session.add_all(ledger)
            rollups.add_rollups(session, ledger, self.timezone)
        return _record(row)

    def record_entries(self, entries: tuple[Entry, ...], *, now: dt.datetime) -> None:
        """Ledger entries for calls that produced no stored image (failures, lost images)."""
        if not entries:
            return
        with self.session() as session, session.begin():
            ledger = [entry.to_row(now, None) for entry in entries]
            session.add_all(ledger)
            rollups.add_rollups(session, ledger, self.timezone)

    def get_image(self, image_id: str) -> ImageRecord | None:
        key = _parse_id(image_id)
        if key is None:
            return None
        with self.session() as session:
            row = session.get(ImageRow, key)
            return _record(row) if row is not None else None

    def image_for_key(self, cache_key: str, *, since: dt.datetime) -> ImageRecord | None:
        """The newest kept image made for ``cache_key`` since ``since`` (fallbacks excluded):
        the database's own memory of a picture, when the cache lost it."""
        query = (
            select(ImageRow)
            .where(
                ImageRow.cache_key == cache_key,
                ImageRow.created_at >= since,
                ImageRow.fallback.is_(False),
            )
            .order_by(ImageRow.created_at.desc())
            .limit(1)
        )
        with self.session() as session:
            row = session.execute(query).scalar_one_or_none()
            return _record(row) if row is not None else None

    def popular_images(self, *, since: dt.datetime, limit: int) -> list[ImageRecord]:
        """The cached pictures most users received since ``since``, most popular first."""
        receivers = func.count(ImageDelivery.id)
        query = (
            select(ImageRow)
            .join(ImageDelivery, ImageDelivery.image_id == ImageRow.id)
            .where(
                ImageDelivery.delivered_at >= since,
                ImageRow.cache_key.is_not(None),
                ImageRow.fallback.is_(False),
            )
            .group_by(ImageRow.id)
            .order_by(receivers.desc(), ImageRow.created_at.desc())
            .limit(limit)
        )
        with self.session() as session:
            return [_record(row) for row in session.scalars(query)]

    def unreferenced_images(self, *, before: dt.datetime, limit: int) -> list[ImageRecord]:
        """Images made before ``before`` that no gallery holds and nobody favourited."""
        delivered = select(ImageDelivery.id).where(ImageDelivery.image_id == ImageRow.id).exists()
        favourite = select(Favorite.id).where(Favorite.image_id == ImageRow.id).exists()
        query = (
            select(ImageRow)
            .where(ImageRow.created_at < before, ~delivered, ~favourite)
            .order_by(ImageRow.created_at)
            .limit(limit)
        )
        with self.session() as session:
            return [_record(row) for row in session.scalars(query)]

    def delete_images(self, image_ids: list[str]) -> int:
        """Remove image rows; the ledger keeps its entries (their image becomes null)."""
        keys = [k for k in (_parse_id(i) for i in image_ids) if k is not None]
        if not keys:
            return 0
        with self.session() as session, session.begin():
            stats = session.query(GenerationStat).filter(GenerationStat.image_id.in_(keys))
            stats.update({GenerationStat.image_id: None}, synchronize_session=False)
            session.query(LedgerEntry).filter(LedgerEntry.image_id.in_(keys)).update(
                {LedgerEntry.image_id: None}, synchronize_session=False
            )
            gone = session.query(ImageRow).filter(ImageRow.id.in_(keys))
            return int(gone.delete(synchronize_session=False))

    def existing_ids(self, image_ids: list[str]) -> set[str]:
        """Which of ``image_ids`` have an image row (ids that are not UUIDs have none)."""
        keys = [k for k in (_parse_id(i) for i in image_ids) if k is not None]
        if not keys:
            return set()
        with self.session() as session:
            found = session.scalars(select(ImageRow.id).where(ImageRow.id.in_(keys)))
            return {str(k) for k in found}

    def visible_image(self, user_id: str | None, image_id: str) -> ImageRecord | None:
        """The image if ``user_id`` may see it (its creator, a user it was delivered to, or
        anyone for a shared image; ``None`` means an admin, who sees every image)."""
        key = _parse_id(image_id)
        if key is None:
            return None
        query = select(ImageRow).where(ImageRow.id == key)
        if user_id is not None:
            delivered = (
                select(ImageDelivery.id)
                .where(ImageDelivery.image_id == ImageRow.id, ImageDelivery.user_id == user_id)
                .exists()
            )
            query = query.where(ImageRow.shared | (ImageRow.user_id == user_id) | delivered)
        with self.session() as session:
            row = session.execute(query).scalar_one_or_none()
            return _record(row) if row is not None else None

    def deliver(
        self, user_id: str, image_id: str, *, cached: bool, now: dt.datetime | None = None
    ) -> None:
        """Put an image in a user's gallery (again: the delivery time moves to now)."""
        now = now or dt.datetime.now(dt.UTC)
        values = {
            "user_id": user_id,
            "image_id": uuid.UUID(image_id),
            "cached": cached,
            "delivered_at": now,
        }
        statement: Insert
        if self.engine.dialect.name == "postgresql":
            pg = postgresql.insert(ImageDelivery).values(**values)
            statement = pg.on_conflict_do_update(
                index_elements=["user_id", "image_id"],
                set_={"delivered_at": pg.excluded.delivered_at},
            )
        else:
            lite = sqlite.insert(ImageDelivery).values(**values)
            statement = lite.on_conflict_do_update(
                index_elements=["user_id", "image_id"],
                set_={"delivered_at": lite.excluded.delivered_at},
            )
        with self.session() as session, session.begin():
            session.execute(statement)

    def gallery(self, user_id: str, *, limit: int, offset: int) -> tuple[list[GalleryEntry], int]:
        """A user's images, newest delivery first, and how many there are in all."""
        favourite = (
            select(Favorite.id)
            .where(Favorite.user_id == user_id, Favorite.image_id == ImageRow.id)
            .exists()
        )
        query = (
            select(ImageRow, ImageDelivery.delivered_at, favourite)
            .join(ImageDelivery, ImageDelivery.image_id == ImageRow.id)
            .where(ImageDelivery.user_id == user_id)
            .order_by(ImageDelivery.delivered_at.desc(), ImageDelivery.id.desc())
            .limit(limit)
            .offset(offset)
        )
        count = (
            select(func.count()).select_from(ImageDelivery).where(ImageDelivery.user_id == user_id)
        )
        with self.session() as session:
            rows = session.execute(query).all()
            total = session.execute(count).scalar_one()
        return [GalleryEntry(_record(r[0]), r[1], bool(r[2])) for r in rows], total

    def rebuild_rollups(self) -> int:
        """Recompute the daily rollups from the whole ledger; the number of entries read."""
        with self.session() as session, session.begin():
            return rollups.rebuild(session, self.timezone)

    def rollups_missing(self) -> bool:
        """True when the rollups do not count every ledger entry (entries written before the
        rollups existed, even if some were written since)."""
        with self.session() as session:
            entries = session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
            counted = session.execute(
                select(func.coalesce(func.sum(LedgerDaily.calls), 0))
            ).scalar_one()
        return int(entries) != int(counted)

    def rollup_rows(self, first: dt.date, last: dt.date) -> list[rollups.RollupRow]:
        with self.session() as session:
            return rollups.rollup_rows(session, first, last)

    def spend(self, first: dt.date, last: dt.date) -> Decimal:
        """Money certainly spent on the business days ``first`` to ``last``."""
        with self.session() as session:
            return rollups.spend(session, first, last)

    def count(
        self,
        table: type[ImageRow | GenerationStat | ImageDelivery | LedgerEntry | DownloadEvent],
    ) -> int:
        with self.session() as session:
            return session.execute(select(func.count()).select_from(table)).scalar_one()
