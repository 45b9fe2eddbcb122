"""Daily rollups of the ledger: written with the entries, read by reports and budgets.

Each ledger entry adds one call (and its cost, in hundred-millionths of a dollar, so sums are
exact integers on every database) to the row of its business day, category, provider, model,
quality and outcome, in the transaction that writes the entry. Reports then sum a few rows per
day instead of scanning the ledger. :func:`rebuild` recomputes them from the ledger (after an
upgrade, or a change of business time zone).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import COST_UNIT, LedgerDaily, LedgerEntry

__all__ = ["RollupRow", "add_rollups", "dollars", "rebuild", "rollup_rows", "spend", "units"]

_COUNTERS = ("calls", "cost_units", "possibly_billed", "cost_unknown")
_KEY = ("day", "category", "provider", "model", "quality", "outcome")
_BATCH = 5_000


def units(cost: Decimal) -> int:
    """Dollars as whole hundred-millionths (the ledger keeps eight places)."""
    return int((cost * COST_UNIT).to_integral_value())


def dollars(amount: int) -> Decimal:
    return (Decimal(amount) / COST_UNIT).quantize(Decimal("0.00000001"))


def _key(entry: LedgerEntry, zone: ZoneInfo) -> tuple[Any, ...]:
    day = entry.recorded_at.astimezone(zone).date()
    return (day, entry.category, entry.provider, entry.model, entry.quality or "", entry.outcome)


def _counts(entry: LedgerEntry) -> Counter[str]:
    unknown = entry.error is not None and entry.error.startswith("cost unknown")
    return Counter(
        calls=1,
        cost_units=units(entry.cost),
        possibly_billed=int(bool(entry.possibly_billed)),
        cost_unknown=int(unknown),
    )


def add_rollups(session: Session, entries: Iterable[LedgerEntry], zone: ZoneInfo) -> None:
    """Add ``entries`` (ledger rows about to be committed) to their days' rollups."""
    totals: dict[tuple[Any, ...], Counter[str]] = {}
    for entry in entries:
        totals.setdefault(_key(entry, zone), Counter()).update(_counts(entry))
    for key, counts in sorted(totals.items()):  # one order everywhere: no upsert deadlocks
        values = dict(zip(_KEY, key, strict=True)) | {c: counts[c] for c in _COUNTERS}
        session.execute(_upsert(session, values))


def _upsert(session: Session, values: dict[str, Any]) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(LedgerDaily).values(**values)
    return statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={c: getattr(LedgerDaily, c) + getattr(statement.excluded, c) for c in _COUNTERS},
    )


def rebuild(session: Session, zone: ZoneInfo) -> int:
    """Recompute every rollup from the ledger (in this transaction); the entries read."""
    session.execute(delete(LedgerDaily))
    read = 0
    batch: list[LedgerEntry] = []
    for entry in session.scalars(select(LedgerEntry).execution_options(yield_per=_BATCH)):
        batch.append(entry)
        if len(batch) >= _BATCH:
            add_rollups(session, batch, zone)
            read += len(batch)
            batch = []
    add_rollups(session, batch, zone)
    return read + len(batch)


@dataclass(frozen=True, slots=True)
class RollupRow:
    day: dt.date
    category: str
    provider: str
    model: str
    quality: str
    outcome: str
    calls: int
    cost: Decimal
    possibly_billed: int
    cost_unknown: int


def rollup_rows(session: Session, first: dt.date, last: dt.date) -> list[RollupRow]:
    """The rollups of the business days ``first`` to ``last``, in key order."""
    query = (
        select(LedgerDaily)
        .where(LedgerDaily.day >= first, LedgerDaily.day <= last)
        .order_by(*(getattr(LedgerDaily, k) for k in _KEY))
    )
    return [
        RollupRow(
            day=row.day,
            category=row.category,
            provider=row.provider,
            model=row.model,
            quality=row.quality,
            outcome=row.outcome,
            calls=row.calls,
            cost=dollars(row.cost_units),
            possibly_billed=row.possibly_billed,
            cost_unknown=row.cost_unknown,
        )
        for row in session.scalars(query)
    ]


def spend(session: Session, first: dt.date, last: dt.date) -> Decimal:
    """Money certainly spent on the business days ``first`` to ``last``, summed in SQL."""
    total = session.execute(
        select(func.coalesce(func.sum(LedgerDaily.cost_units), 0)).where(
            LedgerDaily.day >= first, LedgerDaily.day <= last
        )
    ).scalar_one()
    return dollars(int(total))
