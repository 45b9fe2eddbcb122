"""The cache's hit rate over a period, from the daily counts any process can read.

A **hit** is a picture found in the cache (a free user's view of a shared image too), a
**wait** a picture another caller was making (single flight: it cost nothing more), a
**miss** a picture made for this request. The hit rate is ``(hits + waits) / all``: the share
of requests that paid nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from . import CacheBackend, StatRow

__all__ = ["CacheStats", "Counts", "cache_stats", "period_api"]


def period_api(first: dt.date, last: dt.date) -> dict[str, Any]:
    """The seed's ``period``: the first and last business days and how many."""
    return {"start": first.isoformat(), "end": last.isoformat(), "days": (last - first).days + 1}


@dataclass(frozen=True, slots=True)
class Counts:
    hits: int = 0
    misses: int = 0
    waits: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.hits + other.hits, self.misses + other.misses, self.waits + other.waits)

    @property
    def requests(self) -> int:
        return self.hits + self.misses + self.waits

    @property
    def hit_rate(self) -> Decimal | None:
        """The share of requests that paid nothing, to four places; None without requests."""
        if not self.requests:
            return None
        rate = Decimal(self.hits + self.waits) / Decimal(self.requests)
        return rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)

    def to_api(self) -> dict[str, Any]:
        rate = self.hit_rate
        return {
            "hits": self.hits,
            "misses": self.misses,
            "waits": self.waits,
            "hitRate": float(rate) if rate is not None else None,
        }


@dataclass(frozen=True, slots=True)
class CacheStats:
    first: dt.date
    last: dt.date
    total: Counts
    by_day: Mapping[dt.date, Counts] = field(default_factory=dict)
    by_category: Mapping[str, Counts] = field(default_factory=dict)
    by_tier: Mapping[str, Counts] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "period": period_api(self.first, self.last),
                **self.total.to_api(),
                "byDay": {d.isoformat(): c.to_api() for d, c in sorted(self.by_day.items())},
                "byCategory": {k: c.to_api() for k, c in sorted(self.by_category.items())},
                "byTier": {k: c.to_api() for k, c in sorted(self.by_tier.items())},
            },
        }


def _sum(rows: Iterable[tuple[Any, StatRow]]) -> dict[Any, Counts]:
    out: dict[Any, Counts] = {}
    for key, row in rows:
        out[key] = out.get(key, Counts()) + Counts(row.hits, row.misses, row.waits)
    return out


def cache_stats(cache: CacheBackend, today: dt.date, days: int) -> CacheStats:
    """The last ``days`` business days, today included."""
    first = today - dt.timedelta(days=days - 1)
    rows = cache.counts(first, today)
    total = sum((Counts(r.hits, r.misses, r.waits) for r in rows), Counts())
    return CacheStats(
        first=first,
        last=today,
        total=total,
        by_day=_sum((r.day, r) for r in rows),
        by_category=_sum((r.category, r) for r in rows),
        by_tier=_sum((r.tier, r) for r in rows),
    )
