"""Reading what was made: one image, its bytes, a user's gallery, and the result of a request.

Every read goes through here so that later reads (cards, downloads, shares, edits) check the
same things the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from .errors import InvalidRequest, NotFound
from .schemas import GalleryItem, GalleryPage, GenerationResult, User
from .storage import BlobStore, ImageRecord, Repository

__all__ = ["MAX_GALLERY_OFFSET", "MAX_GALLERY_PAGE", "Images", "whole_number"]

MAX_GALLERY_PAGE = 100
# Far past any real gallery, and inside every database's BIGINT and SQLite's integers.
MAX_GALLERY_OFFSET = 1_000_000_000


def whole_number(value: object, field: str, low: int, high: int) -> int:
    """``value`` if it is an int (not a bool) within ``low..high``, else InvalidRequest.

    Checked at run time: hosts pass query-string values straight through.
    """
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidRequest(f"{field}: must be a whole number from {low} to {high}", field=field)
    return value


def _parent(record: ImageRecord) -> str | None:
    parent = record.metadata.get("parentId") if record.metadata else None
    return parent if isinstance(parent, str) else None


class Images:
    """Images, their bytes and galleries, on the repository and the blob store."""

    def __init__(
        self,
        repository: Repository,
        blobs: BlobStore,
        *,
        share_url_template: str,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.repository = repository
        self.blobs = blobs
        self.share_url_template = share_url_template
        self._clock = clock

    def get(self, user: User, image_id: str) -> ImageRecord:
        """The image, for the people it belongs to: its creator, the users it was delivered
        to, anyone when it is shared, and admins. Everyone else gets :class:`NotFound`, worded
        as for an image that does not exist (no existence leak). Any spelling of the UUID
        (upper case, braces, no hyphens, ``urn:uuid:``) names the same image."""
        if not isinstance(image_id, str):
            raise InvalidRequest("imageId: must be a string", field="imageId")
        record = self.repository.visible_image(None if user.is_admin else user.id, image_id)
        if record is None:
            raise NotFound(f"no image with id {image_id[:100]!r}")
        return self.fresh(record)

    def fresh(self, record: ImageRecord) -> ImageRecord:
        """``record`` with its URL minted now: a presigned URL expires, so one is never
        served from the row."""
        url = self.blobs.url_for(record.blob_key)
        return record if url == record.image_url else dataclasses.replace(record, image_url=url)

    def find(self, image_id: str) -> ImageRecord | None:
        """Any image by id, for the pipeline (which serves only what a request earned)."""
        return self.repository.get_image(image_id)

    def data(self, user: User, image_id: str) -> bytes:
        return self.blobs.get(self.get(user, image_id).blob_key)

    def deliver(
        self, user: User, record: ImageRecord, *, cached: bool, cards: bool
    ) -> GenerationResult:
        """Put ``record`` in the user's gallery and describe it as the answer to a request."""
        self.repository.deliver(user.id, record.id, cached=cached, now=self._clock())
        return GenerationResult(
            image_id=record.id,
            image_url=self.blobs.url_for(record.blob_key),
            description=record.description,
            shareable_card=self.share_url_template.format(image_id=record.id) if cards else None,
            cached=cached,
            category=record.category,
            model=record.model,
            quality=record.quality,
            cost=record.cost,
            created_at=record.created_at,
            prompt=record.prompt,
            fallback=record.fallback,
            metadata=record.metadata,
        )

    def gallery(self, user: User, limit: object, offset: object) -> GalleryPage:
        """The user's images, most recently delivered first."""
        limit = whole_number(limit, "limit", 1, MAX_GALLERY_PAGE)
        offset = whole_number(offset, "offset", 0, MAX_GALLERY_OFFSET)
        entries, total = self.repository.gallery(user.id, limit=limit, offset=offset)
        items = tuple(
            GalleryItem(
                image_id=e.image.id,
                image_url=self.blobs.url_for(e.image.blob_key),
                category=e.image.category,
                description=e.image.description,
                model=e.image.model,
                quality=e.image.quality,
                created_at=e.image.created_at,
                delivered_at=e.delivered_at,
                favorite=e.favorite,
                parent_id=_parent(e.image),
            )
            for e in entries
        )
        return GalleryPage(images=items, total=total, limit=limit, offset=offset)
