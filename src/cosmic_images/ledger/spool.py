"""A durable spool for what a paid answer could not write: the database was down.

When the provider has answered and the database fails before the image row and its ledger
entries are written, they go to a file in ``<data dir>/spool`` (written with fsync and an
atomic rename, like the image bytes, which are kept). :meth:`Spool.replay` writes them once
the database is back: at the next start, before the next generation, and by ``cleanup``. A
replayed image is found by the next request for the same picture, so nobody pays for it twice,
and its weekly slot is charged once (confirming a slot is idempotent).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .._files import durable_write
from ..errors import BackendUnavailable
from ..storage import NewImage, Repository
from .entries import Attempt, LedgerEntry, Outcome

__all__ = ["Spool"]

log = logging.getLogger("cosmic_images.ledger")

Charge = Callable[[str, str], None]  # (user id, reservation id): count the slot, once
CLAIM_TIMEOUT = 600.0  # seconds: a replay takes milliseconds; a claim this old was abandoned
_BLOB_KEY = re.compile(r'"blob_key":\s*"([^"]+)"')


def _entry_data(entry: LedgerEntry) -> dict[str, Any]:
    attempt = dataclasses.asdict(entry.attempt)
    attempt["cost"] = str(entry.attempt.cost)
    attempt["outcome"] = entry.attempt.outcome.value
    return {"userId": entry.user_id, "category": entry.category, "attempt": attempt}


def _entry(data: dict[str, Any]) -> LedgerEntry:
    raw = dict(data["attempt"])
    raw["cost"] = Decimal(raw["cost"])
    raw["outcome"] = Outcome(raw["outcome"])
    return LedgerEntry(user_id=data["userId"], category=data["category"], attempt=Attempt(**raw))


def _image_data(image: NewImage) -> dict[str, Any]:
    data = dataclasses.asdict(image)
    data["cost"] = str(image.cost)
    return data


def _image(data: dict[str, Any]) -> NewImage:
    return NewImage(**{**data, "cost": Decimal(data["cost"])})


class Spool:
    """Files of rows waiting for the database, oldest first."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def save(
        self,
        *,
        entries: tuple[LedgerEntry, ...],
        image: NewImage | None = None,
        reservation: tuple[str, str] | None = None,
        now: dt.datetime,
    ) -> Path:
        """Keep ``image`` (its bytes are already stored), its ``entries`` and the slot to
        charge (``(user id, reservation id)``) until the database takes them."""
        document = {
            "recordedAt": now.isoformat(),
            "image": _image_data(image) if image is not None else None,
            "entries": [_entry_data(e) for e in entries],
            "reservation": list(reservation) if reservation else None,
        }
        name = f"{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.json"
        path = self.folder / name
        durable_write(path, json.dumps(document, default=str).encode())
        log.warning("the database is unavailable: spooled %s to %s", len(entries), path)
        return path

    def pending(self) -> list[Path]:
        """Spooled files, oldest first (not a writer's temporary file, not a claimed one)."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def blob_keys(self) -> set[str]:
        """The blobs of spooled images, kept for rows the database has not taken yet; files
        set aside as unreadable or refused still protect theirs."""
        keys: set[str] = set()
        if not self.folder.is_dir():
            return keys
        for path in self.folder.iterdir():
            try:
                keys.update(_BLOB_KEY.findall(path.read_text("utf-8", errors="replace")))
            except OSError:
                continue
        return keys

    def _unclaim_abandoned(self) -> None:
        """Files claimed by a replayer that died before it finished go back to the queue."""
        if not self.folder.is_dir():
            return
        stale = time.time() - CLAIM_TIMEOUT
        for claimed in self.folder.glob(".claimed-*-*.json"):
            with contextlib.suppress(OSError):
                if claimed.stat().st_mtime < stale:
                    claimed.rename(claimed.with_name(claimed.name.split("-", 2)[2]))

    def replay(self, repository: Repository, charge: Charge | None = None) -> int:
        """Write every spooled file to the database, oldest first; return how many went.

        Each file is claimed first (renamed), so that two replayers never write it twice.
        Stops at an outage (the database is still down) and puts the file back; a file the
        database refuses, or that cannot be read, is set aside (``.refused``, ``.unreadable``)
        so that it never blocks the rest.
        """
        self._unclaim_abandoned()
        done = 0
        for path in self.pending():
            claimed = path.with_name(f".claimed-{uuid.uuid4().hex[:8]}-{path.name}")
            try:
                path.rename(claimed)
            except FileNotFoundError:
                continue  # another replayer has it
            try:
                document = json.loads(claimed.read_text("utf-8"))
                now = dt.datetime.fromisoformat(document["recordedAt"])
                entries = tuple(_entry(e) for e in document["entries"])
                image = _image(document["image"]) if document["image"] else None
                reservation = document.get("reservation")
            except (OSError, ValueError, KeyError, TypeError, ArithmeticError) as exc:
                log.error("spool: cannot read %s (%s); set aside", path, exc)
                claimed.rename(path.with_suffix(".unreadable"))
                continue
            try:
                if image is None:
                    repository.record_entries(entries, now=now)
                elif repository.get_image(image.id) is None:
                    repository.add_image(image, now=now, entries=entries)
                if reservation and charge is not None:
                    charge(str(reservation[0]), str(reservation[1]))
            except BackendUnavailable as exc:
                if exc.transient:
                    log.warning("spool: the database is still unavailable: %s", exc.message)
                    claimed.rename(path)
                    break
                log.error("spool: the database refuses %s (%s); set aside", path, exc.message)
                claimed.rename(path.with_suffix(".refused"))
                continue
            claimed.unlink()
            done += 1
        return done
