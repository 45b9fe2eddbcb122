"""Cleanup: what crashes, outages and time leave behind, removed safely while requests run.

- spooled ledger entries and images (a database outage after a paid answer) are recorded;
- blobs that no image row references (a process killed between writing the bytes and the
  row) are removed once they are older than a grace period, so a generation in progress,
  whose bytes come before its row, is never touched; blobs of spooled images are kept;
- expired cache entries and leases are purged;
- weekly-limit reservations left pending by crashed generations are expired;
- with a retention period (``COSMIC_IMAGES_RETENTION_DAYS``, off by default), images older
  than it that no gallery holds, nobody favourited and no live cache entry serves are removed
  with their bytes (the ledger keeps their cost).

``dry_run`` reports what would go and changes nothing. Running it twice removes nothing the
second time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath
from typing import Any

from .cache import CacheBackend
from .errors import InvalidRequest
from .generation import ImageMaker
from .policy import QuotaStore
from .storage import BlobStore, ImageRecord, Repository

__all__ = ["CleanupReport", "Maintenance"]

_BATCH = 500


@dataclass(frozen=True, slots=True)
class CleanupReport:
    dry_run: bool
    spooled_recorded: int
    spooled_waiting: int
    orphan_blobs: tuple[str, ...] = field(default_factory=tuple)
    cache_entries_purged: int = 0
    reservations_expired: int = 0
    images_removed: tuple[str, ...] = field(default_factory=tuple)
    rollup_entries: int = 0  # ledger entries summed into daily rollups (after an upgrade)

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "dryRun": self.dry_run,
                "spooledRecorded": self.spooled_recorded,
                "spooledWaiting": self.spooled_waiting,
                "orphanBlobsRemoved": len(self.orphan_blobs),
                "orphanBlobs": list(self.orphan_blobs),
                "cacheEntriesPurged": self.cache_entries_purged,
                "reservationsExpired": self.reservations_expired,
                "imagesRemoved": len(self.images_removed),
                "rollupEntries": self.rollup_entries,
            },
        }


class Maintenance:
    def __init__(
        self,
        *,
        repository: Repository,
        blobs: BlobStore,
        cache: CacheBackend,
        quota: QuotaStore,
        maker: ImageMaker,
        clock: Callable[[], dt.datetime],
        orphan_grace: timedelta = timedelta(hours=1),
        retention: timedelta | None = None,
    ) -> None:
        self.repository = repository
        self.blobs = blobs
        self.cache = cache
        self.quota = quota
        self.maker = maker
        self.orphan_grace = orphan_grace
        self.retention = retention
        self._clock = clock

    def cleanup(self, *, dry_run: bool = False) -> CleanupReport:
        given: object = dry_run  # checked at run time: "true" must not mean "delete"
        if not isinstance(given, bool):
            raise InvalidRequest("dryRun: must be true or false", field="dryRun")
        spool = self.maker.spool
        recorded = 0 if dry_run else self.maker.replay_spool()
        # Entries written before the rollups existed (an upgrade): summed once, here.
        rolled = (
            0
            if dry_run or not self.repository.rollups_missing()
            else (self.repository.rebuild_rollups())
        )
        orphans = self.orphan_blobs()
        if not dry_run:
            for key in orphans:
                self.blobs.delete(key)
        expired = self.expired_images()
        if not dry_run and expired:
            self.repository.delete_images([image.id for image in expired])
            for image in expired:  # after the rows: a failure here leaves an orphan, swept later
                self.blobs.delete(image.blob_key)
        return CleanupReport(
            dry_run=dry_run,
            spooled_recorded=recorded,
            spooled_waiting=len(spool.pending()),
            orphan_blobs=tuple(orphans),
            cache_entries_purged=0 if dry_run else self.cache.purge_expired(),
            reservations_expired=0 if dry_run else self.quota.sweep(),
            images_removed=tuple(image.id for image in expired),
            rollup_entries=rolled,
        )

    def expired_images(self) -> list[ImageRecord]:
        """Past the retention period, and needed by no gallery, favourite or live cache entry."""
        if self.retention is None:
            return []
        old = self.repository.unreferenced_images(
            before=self._clock() - self.retention, limit=_BATCH
        )
        return [i for i in old if not i.cache_key or self.cache.get(i.cache_key) != i.id]

    def orphan_blobs(self) -> list[str]:
        """Blobs older than the grace period whose image has no row (images, and the cards of
        removed images), and that the spool does not reference."""
        cutoff = self._clock() - self.orphan_grace
        kept = self.maker.spool.blob_keys()
        candidates = {
            b.key: owner
            for b in self.blobs.list_blobs()
            if b.modified < cutoff and b.key not in kept and (owner := _owner(b.key))
        }
        keys = list(candidates)
        orphans: list[str] = []
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            existing = self.repository.existing_ids([candidates[key] for key in batch])
            orphans += [key for key in batch if candidates[key] not in existing]
        return orphans


def _owner(key: str) -> str | None:
    """The image a blob belongs to, for blobs named exactly as this package names them (an
    image ``ab/<uuid>.png`` whose folder is the id's first two characters, a card
    ``cards/<uuid>/<file>``); None for any other blob (another deployment's, a host's own),
    which is never removed."""
    path = PurePosixPath(key)
    if len(path.parts) == 3 and path.parts[0] == "cards":
        name = path.parts[1]
    elif len(path.parts) == 2 and path.suffix == ".png" and path.stem[:2] == path.parts[0]:
        name = path.stem
    else:
        return None
    try:
        return (str(uuid.UUID(name)) == name and name) or None
    except ValueError:
        return None
