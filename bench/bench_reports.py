"""Benchmark: reports and analytics at a million rows (target: each under 2 s here).

Run by hand: ``python bench/bench_reports.py [--rows 1000000] [--postgres URL]``. Seeds, on
SQLite (a temporary file) and on PostgreSQL (a schema of its own, dropped afterwards; skipped
when the server does not answer), ``--rows`` ledger entries and as many share events over 30
days (10,000 images; a few of them viral today), the daily rollups of those entries, then
times, as medians of 5 calls: the 7-day and 30-day cost reports, the dashboard and the viral
list. For comparison it also times one sum over the whole ledger, the query the rollups
replace.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text

from cosmic_images import CosmicImages, Settings, User
from cosmic_images.storage import make_engine, upgrade
from cosmic_images.storage.models import (
    COST_UNIT,
    ImageRow,
    LedgerDaily,
    LedgerEntry,
    ShareEvent,
)

ADMIN = User(id="bench", tier="universe", is_admin=True)
IMAGES = 10_000
BATCH = 20_000
TARGET = 2.0
MODELS = [
    ("dall-e-3", "standard", Decimal("0.04")),
    ("dall-e-3", "hd", Decimal("0.08")),
    ("gpt-image-2", "medium", Decimal("0.03218")),
    ("gpt-image-2", "high", Decimal("0.1253")),
]
CATEGORIES = ["daily_energy", "avatar", "compatibility", "moon_ritual"]
OUTCOMES = ["generated"] * 90 + ["fallback"] * 4 + ["failed"] * 4 + ["rejected"] * 2


def seed(engine: Engine, rows: int, now: dt.datetime) -> None:
    rng = random.Random(7)
    image_ids = [uuid.uuid4() for _ in range(IMAGES)]
    with engine.begin() as conn:
        for start in range(0, IMAGES, BATCH):
            conn.execute(
                insert(ImageRow),
                [
                    {
                        "id": image_id,
                        "user_id": f"u{i % 5000}",
                        "category": CATEGORIES[i % 4],
                        "prompt": "p",
                        "image_url": f"file:///bench/{image_id}.png",
                        "model": "dall-e-3",
                        "quality": "standard",
                        "cost": Decimal("0.04"),
                        "created_at": now - dt.timedelta(minutes=i),
                        "updated_at": now,
                        "provider": "openai",
                        "description": "d",
                        "blob_key": f"{image_id}.png",
                        "content_sha256": "0" * 64,
                        "media_type": "image/png",
                        "width": 1024,
                        "height": 1024,
                        "shared": False,
                        "fallback": False,
                    }
                    for i, image_id in enumerate(image_ids[start : start + BATCH])
                ],
            )
    rollups: dict[tuple[Any, ...], list[int]] = {}
    with engine.begin() as conn:
        for start in range(0, rows, BATCH):
            batch = []
            for _ in range(min(BATCH, rows - start)):
                when = now - dt.timedelta(seconds=rng.randrange(30 * 86400))
                model, quality, price = rng.choice(MODELS)
                outcome = rng.choice(OUTCOMES)
                cost = (
                    price
                    if outcome == "generated" or (outcome == "failed" and rng.random() < 0.2)
                    else Decimal(0)
                )
                category = rng.choice(CATEGORIES)
                batch.append(
                    {
                        "recorded_at": when,
                        "user_id": f"u{rng.randrange(10_000)}",
                        "category": category,
                        "provider": "openai",
                        "model": model,
                        "quality": quality,
                        "size": "1024x1024",
                        "outcome": outcome,
                        "cost": cost,
                        "possibly_billed": False,
                    }
                )
                key = (when.date(), category, "openai", model, quality, outcome)
                counts = rollups.setdefault(key, [0, 0])
                counts[0] += 1
                counts[1] += int(cost * COST_UNIT)
            conn.execute(insert(LedgerEntry), batch)
        conn.execute(
            insert(LedgerDaily),
            [
                dict(
                    zip(
                        ("day", "category", "provider", "model", "quality", "outcome"),
                        key,
                        strict=True,
                    )
                )
                | {"calls": calls, "cost_units": units, "possibly_billed": 0, "cost_unknown": 0}
                for key, (calls, units) in rollups.items()
            ],
        )
    hot = image_ids[:3]
    with engine.begin() as conn:
        for start in range(0, rows, BATCH):
            batch = []
            for i in range(min(BATCH, rows - start)):
                if start + i < 300:  # three viral images: 100 shares each in the last hours
                    image, when = hot[(start + i) % 3], now - dt.timedelta(minutes=start + i)
                else:
                    image = image_ids[rng.randrange(IMAGES)]
                    when = now - dt.timedelta(seconds=rng.randrange(30 * 86400))
                batch.append(
                    {
                        "image_id": image,
                        "user_id": f"u{i}",
                        "platform": "instagram",
                        "shared_at": when,
                    }
                )
            conn.execute(insert(ShareEvent), batch)


def median(call: Callable[[], object], rounds: int = 5) -> float:
    call()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, url: str, data_dir: Path, rows: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    seed(engine, rows, now)
    seeded = time.perf_counter() - started
    settings = Settings(database_url=url, data_dir=data_dir, timezone="UTC", provider="procedural")
    with CosmicImages.from_settings(settings) as svc:
        viral = svc.viral_images(ADMIN)
        timings = {
            "cost report, 7 days": median(lambda: svc.cost_report(7)),
            "cost report, 30 days": median(lambda: svc.cost_report(30)),
            "dashboard": median(lambda: svc.dashboard(ADMIN)),
            "viral images": median(lambda: svc.viral_images(ADMIN)),
        }

        def whole_ledger() -> object:
            with engine.connect() as conn:
                return conn.execute(
                    select(LedgerEntry.category, func.sum(LedgerEntry.cost)).group_by(
                        LedgerEntry.category
                    )
                ).all()

        scan = median(whole_ledger, 3)
        report = svc.cost_report(30).to_api()["data"]
    engine.dispose()
    print(f"\n{name}: {rows:,} ledger entries and {rows:,} share events (seeded in {seeded:.0f} s)")
    print(
        f"  30-day report: {report['totalImages']:,} images, ${report['totalCost']:,.2f}; "
        f"{len(viral.images)} viral images"
    )
    for what, seconds in timings.items():
        verdict = "meets" if seconds <= TARGET else "MISSES"
        print(f"  {what:<22}{seconds * 1000:>9.1f} ms  {verdict} the {TARGET:.0f} s target")
    print(f"  (one sum over the whole ledger, which the rollups replace: {scan * 1000:.0f} ms)")


@contextmanager
def postgres_schema(url: str) -> Iterator[str | None]:
    schema = f"bench_reports_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        print(f"\nPostgreSQL at {url} is not reachable ({type(exc).__name__}): skipped")
        admin.dispose()
        yield None
        return
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", f"sqlite:///{folder}/bench.db", Path(folder), args.rows)
        with postgres_schema(args.postgres) as url:
            if url is not None:
                measure("PostgreSQL", url, Path(folder), args.rows)


if __name__ == "__main__":
    main()
