"""The ledger for analysts: every entry since a business day, as CSV or Parquet, streamed.

Rows are read from the database in batches (never the whole ledger in memory) and written as
they come: CSV with the standard library, Parquet with pyarrow (``pip install
'cosmic-images[parquet]'``), in row groups of one batch each. Costs are exact decimal strings
in CSV and ``decimal128(16, 8)`` in Parquet.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ._boundary import sqlalchemy_errors, translating
from .errors import ConfigurationError, InvalidRequest
from .storage import Repository
from .storage.models import LedgerEntry

__all__ = ["COLUMNS", "FORMATS", "export_ledger"]

COLUMNS = (
    "id",
    "recordedAt",
    "userId",
    "category",
    "provider",
    "model",
    "quality",
    "size",
    "outcome",
    "cost",
    "possiblyBilled",
    "imageId",
    "error",
)
FORMATS = ("csv", "parquet")
BATCH = 50_000


def _rows(repository: Repository, since: dt.datetime) -> Iterator[list[tuple[Any, ...]]]:
    query = (
        select(
            LedgerEntry.id,
            LedgerEntry.recorded_at,
            LedgerEntry.user_id,
            LedgerEntry.category,
            LedgerEntry.provider,
            LedgerEntry.model,
            LedgerEntry.quality,
            LedgerEntry.size,
            LedgerEntry.outcome,
            LedgerEntry.cost,
            LedgerEntry.possibly_billed,
            LedgerEntry.image_id,
            LedgerEntry.error,
        )
        .where(LedgerEntry.recorded_at >= since)
        .order_by(LedgerEntry.id)
        .execution_options(yield_per=BATCH)
    )
    with translating("database", sqlalchemy_errors), repository.session() as session:
        for partition in session.execute(query).partitions(BATCH):
            yield [tuple(row) for row in partition]


def _csv(batches: Iterator[list[tuple[Any, ...]]], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for batch in batches:
        for row in batch:
            values = list(row)
            values[1] = values[1].isoformat()
            values[9] = f"{Decimal(values[9]):.8f}"
            values[11] = str(values[11]) if values[11] is not None else ""
            writer.writerow(values)
        count += len(batch)
    return count


def _parquet(batches: Iterator[list[tuple[Any, ...]]], path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ConfigurationError(
            "Parquet needs pyarrow: pip install 'cosmic-images[parquet]'"
        ) from exc
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("recordedAt", pa.timestamp("us", tz="UTC")),
            ("userId", pa.string()),
            ("category", pa.string()),
            ("provider", pa.string()),
            ("model", pa.string()),
            ("quality", pa.string()),
            ("size", pa.string()),
            ("outcome", pa.string()),
            ("cost", pa.decimal128(16, 8)),
            ("possiblyBilled", pa.bool_()),
            ("imageId", pa.string()),
            ("error", pa.string()),
        ]
    )
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        for batch in batches:
            columns = list(zip(*batch, strict=True))
            columns[9] = tuple(Decimal(c).quantize(Decimal("0.00000001")) for c in columns[9])
            columns[11] = tuple(str(c) if c is not None else None for c in columns[11])
            writer.write_table(
                pa.Table.from_arrays(
                    [pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
                    schema=schema,
                )
            )
            count += len(batch)
        if not count:
            writer.write_table(schema.empty_table())
    return count


def export_ledger(
    repository: Repository,
    since: dt.date,
    zone: ZoneInfo,
    *,
    file_format: str,
    out: IO[str] | Path,
) -> int:
    """Write every ledger entry from the start of business day ``since``; the rows written."""
    if file_format not in FORMATS:
        raise InvalidRequest(
            f"format: {str(file_format)[:20]!r} is not csv or parquet", field="format"
        )
    if not isinstance(out, Path) and not callable(getattr(out, "write", None)):
        raise InvalidRequest("output: a file path or a text stream", field="output")
    start = dt.datetime.combine(since, dt.time(), zone)
    batches = _rows(repository, start)
    try:
        if file_format == "csv":
            if isinstance(out, Path):
                with out.open("w", newline="", encoding="utf-8") as handle:
                    return _csv(batches, handle)
            return _csv(batches, out)
        if not isinstance(out, Path):
            raise InvalidRequest("output: Parquet is written to a file (--output)", field="output")
        return _parquet(batches, out)
    except (OSError, ValueError) as exc:  # the caller's file or stream, not our data
        raise InvalidRequest(f"output: cannot be written: {exc}", field="output") from exc
