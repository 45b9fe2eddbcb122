"""Engagement in SQL: share, download and view events, favourites, and what is read from them
(counts per image, viral images, the most shared, per-category performance).

Each event is one INSERT of its own row (no read-modify-write), so concurrent writers from
any number of processes lose nothing; a favourite is an INSERT that does nothing when the pair
exists (``ON CONFLICT DO NOTHING``), so it stays unique. Reads are ranges over the indexed
timestamp columns (migration 0007), grouped in SQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from .._boundary import Translated, sqlalchemy_errors
from .models import DownloadEvent, Favorite, ImageRow, ShareEvent, ViewEvent

__all__ = ["CategoryActivity", "EventStore", "ImageActivity"]


@dataclass(frozen=True, slots=True)
class ImageActivity:
    image_id: str
    image_url: str
    category: str
    shares: int
    downloads: int = 0
    views: int = 0
    favorites: int = 0


@dataclass(frozen=True, slots=True)
class CategoryActivity:
    category: str
    images: int
    shares: int
    downloads: int
    views: int
    favorites: int


class EventStore(Translated):
    """Engagement events and favourites on one engine. Database errors: BackendUnavailable."""

    backend = "database"
    base_exceptions = staticmethod(sqlalchemy_errors)

    def __init__(self, engine: Engine, url_for: Callable[[str], str] | None = None) -> None:
        self.engine = engine
        # Image URLs are minted from the blob key when read (presigned ones expire).
        self.url_for = url_for
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def _session(self) -> Session:
        return self._sessions()

    def add_share(self, image_id: str, user_id: str, platform: str, *, now: dt.datetime) -> None:
        with self._session() as session, session.begin():
            session.add(
                ShareEvent(
                    image_id=uuid.UUID(image_id), user_id=user_id, platform=platform, shared_at=now
                )
            )

    def add_download(
        self, image_id: str, user_id: str, download_format: str, *, now: dt.datetime
    ) -> None:
        """One download of an image (a card, or the image itself) by a user, in a format."""
        with self._session() as session, session.begin():
            session.add(
                DownloadEvent(
                    image_id=uuid.UUID(image_id),
                    user_id=user_id,
                    format=download_format[:50],
                    downloaded_at=now,
                )
            )

    def add_view(self, image_id: str, user_id: str, *, now: dt.datetime) -> None:
        with self._session() as session, session.begin():
            session.add(ViewEvent(image_id=uuid.UUID(image_id), user_id=user_id, viewed_at=now))

    def favorite(self, image_id: str, user_id: str, *, now: dt.datetime) -> bool:
        """Mark a favourite; False when it already was one."""
        values = {"image_id": uuid.UUID(image_id), "user_id": user_id, "favorited_at": now}
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(Favorite)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["user_id", "image_id"])
            .returning(Favorite.id)
        )
        with self.engine.begin() as conn:  # a row comes back only when one was inserted
            return conn.execute(statement).first() is not None

    def unfavorite(self, image_id: str, user_id: str) -> bool:
        """Remove a favourite; False when there was none."""
        statement = delete(Favorite).where(
            Favorite.image_id == uuid.UUID(image_id), Favorite.user_id == user_id
        )
        with self.engine.begin() as conn:
            return conn.execute(statement).rowcount > 0

    def image_activity(self, image_id: str) -> tuple[int, int, int, int]:
        """(shares, downloads, views, favourites) of one image, ever."""
        key = uuid.UUID(image_id)
        with self._session() as session:
            return tuple(  # type: ignore[return-value]
                session.execute(
                    select(func.count()).select_from(table).where(table.image_id == key)
                ).scalar_one()
                for table in (ShareEvent, DownloadEvent, ViewEvent, Favorite)
            )

    def count_between(
        self,
        table: type[ShareEvent | DownloadEvent | ViewEvent],
        start: dt.datetime,
        end: dt.datetime,
    ) -> int:
        column = _time_column(table)
        with self._session() as session:
            return int(
                session.execute(
                    select(func.count()).select_from(table).where(column >= start, column < end)
                ).scalar_one()
            )

    def most_shared(
        self, since: dt.datetime, *, minimum: int = 1, limit: int = 10
    ) -> list[ImageActivity]:
        """Images with at least ``minimum`` shares since ``since``, most shared first."""
        shares = func.count(ShareEvent.id).label("shares")
        counted = (
            select(ShareEvent.image_id, shares)
            .where(ShareEvent.shared_at >= since)
            .group_by(ShareEvent.image_id)
            .having(func.count(ShareEvent.id) >= minimum)
            .subquery()
        )
        query = (
            select(
                ImageRow.id,
                ImageRow.image_url,
                ImageRow.category,
                counted.c.shares,
                ImageRow.blob_key,
            )
            .join(counted, counted.c.image_id == ImageRow.id)
            .order_by(counted.c.shares.desc(), ImageRow.id)
            .limit(limit)
        )
        with self._session() as session:
            rows = session.execute(query).all()
            found = [
                ImageActivity(
                    str(r[0]), self.url_for(r[4]) if self.url_for else r[1], r[2], int(r[3])
                )
                for r in rows
            ]
            return self._with_counts(session, found, since)

    def _with_counts(
        self, session: Session, images: Sequence[ImageActivity], since: dt.datetime
    ) -> list[ImageActivity]:
        if not images:
            return []
        keys = [uuid.UUID(i.image_id) for i in images]
        counts: dict[str, dict[uuid.UUID, int]] = {}
        for name, table in (("downloads", DownloadEvent), ("views", ViewEvent)):
            column = _time_column(table)
            rows = session.execute(
                select(table.image_id, func.count())
                .where(table.image_id.in_(keys), column >= since)
                .group_by(table.image_id)
            ).all()
            counts[name] = {r[0]: int(r[1]) for r in rows}
        favourites = session.execute(
            select(Favorite.image_id, func.count())
            .where(Favorite.image_id.in_(keys))
            .group_by(Favorite.image_id)
        ).all()
        counts["favorites"] = {r[0]: int(r[1]) for r in favourites}
        return [
            ImageActivity(
                i.image_id,
                i.image_url,
                i.category,
                i.shares,
                downloads=counts["downloads"].get(uuid.UUID(i.image_id), 0),
                views=counts["views"].get(uuid.UUID(i.image_id), 0),
                favorites=counts["favorites"].get(uuid.UUID(i.image_id), 0),
            )
            for i in images
        ]

    def by_category(self, start: dt.datetime, end: dt.datetime) -> list[CategoryActivity]:
        """Per category: images made, and the shares, downloads, views and favourites of
        ``start`` to ``end`` (of images of any age)."""
        found: dict[str, dict[str, int]] = {}
        with self._session() as session:
            made = session.execute(
                select(ImageRow.category, func.count())
                .where(ImageRow.created_at >= start, ImageRow.created_at < end)
                .group_by(ImageRow.category)
            ).all()
            for category, count in made:
                found.setdefault(category, {})["images"] = int(count)
            for name, table in (
                ("shares", ShareEvent),
                ("downloads", DownloadEvent),
                ("views", ViewEvent),
                ("favorites", Favorite),
            ):
                column = _time_column(table)
                rows = session.execute(
                    select(ImageRow.category, func.count())
                    .select_from(table)
                    .join(ImageRow, ImageRow.id == table.image_id)
                    .where(column >= start, column < end)
                    .group_by(ImageRow.category)
                ).all()
                for category, count in rows:
                    found.setdefault(category, {})[name] = int(count)
        return [
            CategoryActivity(
                category,
                counts.get("images", 0),
                counts.get("shares", 0),
                counts.get("downloads", 0),
                counts.get("views", 0),
                counts.get("favorites", 0),
            )
            for category, counts in sorted(found.items())
        ]


def _time_column(
    table: type[ShareEvent | DownloadEvent | ViewEvent | Favorite],
) -> InstrumentedAttribute[dt.datetime]:
    return {
        ShareEvent: ShareEvent.shared_at,
        DownloadEvent: DownloadEvent.downloaded_at,
        ViewEvent: ViewEvent.viewed_at,
        Favorite: Favorite.favorited_at,
    }[table]
