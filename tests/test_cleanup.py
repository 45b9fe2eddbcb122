"""cleanup removes exactly what is expired or unreferenced, while another process generates."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from cosmic_images import CosmicImages, Settings, User
from cosmic_images.storage.models import CacheEntry, CacheLock, ImageRow, QuotaReservation

from . import cleanup_worker

ADMIN = User(id="ops", tier="universe", is_admin=True)
OLD = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)


def backdate(svc: CosmicImages, image_id: str) -> None:
    with svc.repository.session() as session, session.begin():
        session.execute(
            update(ImageRow).where(ImageRow.id == uuid.UUID(image_id)).values(created_at=OLD)
        )


def expire_cache_entry_of(svc: CosmicImages, image_id: str) -> None:
    with svc.repository.session() as session, session.begin():
        session.execute(
            update(CacheEntry).where(CacheEntry.image_id == image_id).values(expires_at=OLD)
        )


def blob(tmp: Path, image_id: str) -> Path:
    return tmp / "data" / "images" / image_id[:2] / f"{image_id}.png"


def test_cleanup_removes_exactly_the_expired_and_unreferenced(tmp_path: Path) -> None:
    settings: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "database_url": f"sqlite:///{tmp_path / 'cleanup.db'}",
        "auto_migrate": True,
        "retention_days": 30,
    }
    svc = CosmicImages.from_settings(Settings(**{**settings, "data_dir": tmp_path / "data"}))
    try:
        batch = {i.subject: i.image_id or "" for i in svc.batch_generate("2025-01-23").items}
        gone = [batch["aries"], batch["taurus"], batch["gemini"]]  # old, cache expired
        kept_live = batch["cancer"]  # old, but its cache entry still serves it
        for image_id in [*gone, kept_live]:
            backdate(svc, image_id)
        for image_id in gone:
            expire_cache_entry_of(svc, image_id)
        mine = svc.generate_avatar(
            User(id="u1", tier="universe"),
            {"sunSign": "leo", "moonSign": "leo", "risingSign": "leo"},
        )
        backdate(svc, mine.image_id)  # old, but in u1's gallery
        orphans = []
        for age in (7200, 7200, 60):  # two crashed writes long ago, one being written now
            orphan_id = str(uuid.uuid4())
            path = blob(tmp_path, orphan_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\x89PNG orphan")
            os.utime(path, (time.time() - age, time.time() - age))
            orphans.append(orphan_id)
        window = svc.window()
        for lease in (0.01, 0.01, 600):  # two abandoned reservations, one in progress
            svc.quota.reserve(
                "u2", uuid.uuid4().hex, limit=9, window=window, lease=dt.timedelta(seconds=lease)
            )
        with svc.repository.session() as session, session.begin():
            session.add(CacheLock(key="crashed-holder", owner="x", expires_at=OLD))
        time.sleep(0.05)

        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager:
            started = manager.Event()
            with context.Pool(1) as pool:
                busy = pool.apply_async(cleanup_worker.generate, (settings, 20, started))
                assert started.wait(60)
                report = svc.cleanup(ADMIN)
                made = busy.get(timeout=120)

        assert sorted(report.images_removed) == sorted(gone)
        assert sorted(report.orphan_blobs) == sorted(f"{o[:2]}/{o}.png" for o in orphans[:2])
        assert report.reservations_expired == 2
        assert report.cache_entries_purged == 3
        for image_id in gone:
            assert not blob(tmp_path, image_id).exists()
        assert not any(blob(tmp_path, o).exists() for o in orphans[:2])
        assert blob(tmp_path, orphans[2]).exists()
        with svc.repository.session() as session:
            ids = {str(i) for i in session.scalars(select(ImageRow.id))}
            weekly = ~QuotaReservation.user_id.endswith("#day")  # not the daily fair-use cap's
            statuses = list(session.scalars(select(QuotaReservation.status).where(weekly)))
            locks = session.scalar(select(func.count()).select_from(CacheLock))
            ledger = session.scalar(text("SELECT count(*) FROM ledger_entries"))
        survivors = {
            kept_live,
            mine.image_id,
            *(v for k, v in batch.items() if k not in ("aries", "taurus", "gemini")),
        }
        assert survivors <= ids and not set(gone) & ids
        assert set(made) <= ids  # nothing the busy process made was touched
        assert all(blob(tmp_path, image_id).exists() for image_id in set(made))
        assert sorted(statuses) == ["expired", "expired", "pending"]
        assert locks == 0
        assert ledger == 12 + 1 + len(set(made))  # the ledger keeps the removed images' cost
        again = svc.cleanup(ADMIN)
        assert (again.images_removed, again.orphan_blobs, again.reservations_expired) == ((), (), 0)
    finally:
        svc.close()


@pytest.mark.parametrize(
    ("key", "owner"),
    [
        ("0b/0b2c6f0e-5a7b-4b7a-9f39-1d2c3e4f5a6b.png", "0b2c6f0e-5a7b-4b7a-9f39-1d2c3e4f5a6b"),
        ("cards/0b2c6f0e-5a7b-4b7a-9f39-1d2c3e4f5a6b/1200x675-abc.png",
         "0b2c6f0e-5a7b-4b7a-9f39-1d2c3e4f5a6b"),
        ("staging/0b/0b2c6f0e-5a7b-4b7a-9f39-1d2c3e4f5a6b.png", None),  # another deployment's
        ("zz/0b2c6f0e-5a7b-4b7a-9f39-1d2c3e4f5a6b.png", None),
        ("0b/0B2C6F0E-5A7B-4B7A-9F39-1D2C3E4F5A6B.png", None),
        ("0b/not-a-uuid.png", None),
    ],
)  # fmt: skip
def test_only_blobs_named_as_ours_are_ever_removed(key: str, owner: str | None) -> None:
    from cosmic_images.maintenance import _owner

    assert _owner(key) == owner
