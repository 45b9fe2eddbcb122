"""Engagement: shares, downloads, views and favourites of images, and what admins read from
them (viral images, the dashboard, per-category performance).

Every event is about an image its user may read (:class:`~cosmic_images.images.Images`: else
``NotFound``); downloads need a tier with ``downloads``. The SQL is in
``storage/events.py``; the day's images and cost come from the ledger's rollups.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .errors import InvalidRequest
from .images import Images
from .policy import Policy, require_feature
from .reports import IMAGE_OUTCOMES, money
from .schemas import User
from .storage import Repository
from .storage.events import CategoryActivity, EventStore, ImageActivity
from .storage.models import DownloadEvent, ShareEvent, ViewEvent

__all__ = ["Analytics", "Dashboard", "ImageEngagement", "ViralImages", "check_platform"]

_PLATFORM = re.compile(r"[a-z0-9][a-z0-9_.-]{0,49}")
TOP_PERFORMING = 10
TOP_DAYS = 7


def check_platform(value: object) -> str:
    """A platform name (``instagram``, ``twitter``, ``x``, ``facebook``, ...): lower-case
    letters, digits, ``_ . -``, at most 50; else InvalidRequest naming ``platform``."""
    if not isinstance(value, str) or not _PLATFORM.fullmatch(value.strip().lower()):
        raise InvalidRequest(
            "platform: a platform name such as instagram, twitter or facebook", field="platform"
        )
    return value.strip().lower()


def _activity(item: ImageActivity, window: str) -> dict[str, Any]:
    return {
        "imageId": item.image_id,
        "imageUrl": item.image_url,
        "category": item.category,
        window: item.shares,
        "downloads": item.downloads,
        "views": item.views,
        "favorites": item.favorites,
    }


@dataclass(frozen=True, slots=True)
class ImageEngagement:
    image_id: str
    shares: int
    downloads: int
    views: int
    favorites: int

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "imageId": self.image_id,
                "shares": self.shares,
                "downloads": self.downloads,
                "views": self.views,
                "favorites": self.favorites,
            },
        }


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The seed's dashboard: today, viral images, the most shared of the week, and each
    category's week."""

    day: dt.date
    images_generated: int
    shares: int
    downloads: int
    views: int
    cost: Decimal
    viral: list[ImageActivity]
    top: list[ImageActivity]
    categories: list[CategoryActivity]
    limits: dict[str, int]  # how often each fair-use limit refused a request today

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "today": {
                    "date": self.day.isoformat(),
                    "imagesGenerated": self.images_generated,
                    "shares": self.shares,
                    "downloads": self.downloads,
                    "views": self.views,
                    "cost": money(self.cost),
                    "refused": dict(sorted(self.limits.items())),
                },
                "viral": {
                    "count": len(self.viral),
                    "images": [_activity(i, "sharesLast24h") for i in self.viral],
                },
                "topPerforming": [_activity(i, "shares") for i in self.top],
                "categories": [
                    {
                        "category": c.category,
                        "images": c.images,
                        "shares": c.shares,
                        "downloads": c.downloads,
                        "views": c.views,
                        "favorites": c.favorites,
                        "sharesPerImage": round(c.shares / c.images, 2) if c.images else None,
                    }
                    for c in self.categories
                ],
            },
        }


@dataclass(frozen=True, slots=True)
class ViralImages:
    """The seed's viral list: images with ``threshold`` or more shares in the last day."""

    threshold: int
    images: list[ImageActivity]

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": [_activity(i, "sharesLast24h") for i in self.images],
            "threshold": self.threshold,
        }


class Analytics:
    def __init__(
        self,
        *,
        images: Images,
        policy: Policy,
        events: EventStore,
        repository: Repository,
        timezone: ZoneInfo,
        clock: Callable[[], dt.datetime],
        viral_shares: int,
        viral_hours: int = 24,
    ) -> None:
        self.images = images
        self.policy = policy
        self.events = events
        self.repository = repository
        self.timezone = timezone
        self._clock = clock
        self.viral_shares = viral_shares
        self.viral_window = dt.timedelta(hours=viral_hours)

    # --- events, each about an image the user may read --------------------------------------

    def share(self, user: User, image_id: str, platform: object) -> None:
        name = check_platform(platform)
        record = self.images.get(user, image_id)
        self.events.add_share(record.id, user.id, name, now=self._clock())

    def download(self, user: User, image_id: str, download_format: object) -> None:
        if not isinstance(download_format, str) or not _PLATFORM.fullmatch(
            download_format.strip().lower()
        ):
            raise InvalidRequest("format: a download format such as original", field="format")
        if not user.is_admin:
            require_feature(self.policy, user.tier, "downloads", "download images")
        record = self.images.get(user, image_id)
        self.events.add_download(
            record.id, user.id, download_format.strip().lower(), now=self._clock()
        )

    def view(self, user: User, image_id: str) -> None:
        record = self.images.get(user, image_id)
        self.events.add_view(record.id, user.id, now=self._clock())

    def favorite(self, user: User, image_id: str) -> bool:
        record = self.images.get(user, image_id)
        return self.events.favorite(record.id, user.id, now=self._clock())

    def unfavorite(self, user: User, image_id: str) -> bool:
        record = self.images.get(user, image_id)
        return self.events.unfavorite(record.id, user.id)

    def engagement(self, user: User, image_id: str) -> ImageEngagement:
        record = self.images.get(user, image_id)
        return ImageEngagement(record.id, *self.events.image_activity(record.id))

    # --- for admins -----------------------------------------------------------------------

    def viral(self) -> ViralImages:
        """Images with at least the viral number of shares in the last 24 hours."""
        since = self._clock() - self.viral_window
        found = self.events.most_shared(since, minimum=self.viral_shares, limit=100)
        return ViralImages(self.viral_shares, found)

    def dashboard(self, limits: dict[str, int] | None = None) -> Dashboard:
        now = self._clock()
        day = now.astimezone(self.timezone).date()
        start = dt.datetime.combine(day, dt.time(), self.timezone)
        end = start + dt.timedelta(days=1)
        rows = self.repository.rollup_rows(day, day)
        week = start - dt.timedelta(days=TOP_DAYS - 1)
        return Dashboard(
            day=day,
            images_generated=sum(r.calls for r in rows if r.outcome in IMAGE_OUTCOMES),
            shares=self.events.count_between(ShareEvent, start, end),
            downloads=self.events.count_between(DownloadEvent, start, end),
            views=self.events.count_between(ViewEvent, start, end),
            cost=sum((r.cost for r in rows), start=Decimal(0)),
            viral=self.viral().images,
            top=self.events.most_shared(week, limit=TOP_PERFORMING),
            categories=self.events.by_category(week, end),
            limits=limits or {},
        )
