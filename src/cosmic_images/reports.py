"""The cost report: what the ledger says a period cost, exactly, and how it adds up.

Sums come from the daily rollups (``storage/rollups.py``), computed in SQL; the cache's hits
and misses from the cache's daily counts. Every figure is defined here once:

- **images**: calls that produced a kept image (``generated`` and ``fallback``);
- **total cost**: money certainly spent, over every call (failures that cost money too);
- **average cost per image**: total cost / images;
- **estimated monthly cost**: the period's average day times 30;
- **possibly billed**: calls that timed out after they were sent (the provider alone knows
  whether it billed them; recorded at $0, counted here);
- **cost unknown**: images whose provider reported no usage (token-priced models);
- **failures**: failed, rejected and lost calls, each with what they cost.

Days are business days (``COSMIC_IMAGES_TIMEZONE``): a report of 7 days ends today.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from .cache import CacheBackend
from .cache.statistics import CacheStats, Counts, cache_stats, period_api
from .export import export_ledger
from .images import whole_number
from .schemas import parse_date
from .storage import Repository
from .storage.rollups import RollupRow

__all__ = ["CSV_COLUMNS", "MAX_DAYS", "CostReport", "Reports", "money"]

IMAGE_OUTCOMES = ("generated", "fallback")
FAILURE_OUTCOMES = ("failed", "rejected", "lost")
CSV_COLUMNS = (
    "date",
    "category",
    "provider",
    "model",
    "quality",
    "outcome",
    "calls",
    "images",
    "cost",
    "possiblyBilled",
    "costUnknown",
)
CENT = Decimal("0.01")
MAX_DAYS = 366  # the longest period a report or the cache statistics cover


def money(value: Decimal) -> float:
    """A dollar amount for JSON: its exact decimal value (eight places at most)."""
    return float(value.normalize()) if value else 0.0


@dataclass(frozen=True, slots=True)
class Totals:
    calls: int = 0
    images: int = 0
    cost: Decimal = Decimal("0")

    def add(self, row: RollupRow) -> Totals:
        images = row.calls if row.outcome in IMAGE_OUTCOMES else 0
        return Totals(self.calls + row.calls, self.images + images, self.cost + row.cost)

    def to_api(self) -> dict[str, Any]:
        return {"calls": self.calls, "images": self.images, "cost": money(self.cost)}


def _sum(rows: Iterable[RollupRow], key: Callable[[RollupRow], Any]) -> dict[Any, Totals]:
    totals: dict[Any, Totals] = defaultdict(Totals)
    for row in rows:
        totals[key(row)] = totals[key(row)].add(row)
    return dict(totals)


@dataclass(frozen=True, slots=True)
class CostReport:
    """A period's cost: the seed's report, plus the lines that explain it."""

    first: dt.date
    last: dt.date
    rows: tuple[RollupRow, ...]
    cache: CacheStats

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def total(self) -> Totals:
        return _sum(self.rows, lambda r: None).get(None, Totals())

    @property
    def average_cost(self) -> Decimal | None:
        total = self.total
        if not total.images:
            return None
        return (total.cost / total.images).quantize(Decimal("0.00000001"), ROUND_HALF_EVEN)

    @property
    def estimated_monthly(self) -> Decimal:
        return (self.total.cost / self.days * 30).quantize(CENT, ROUND_HALF_EVEN)

    def outcome(self, name: str) -> Totals:
        return _sum((r for r in self.rows if r.outcome == name), lambda r: None).get(None, Totals())

    @property
    def possibly_billed(self) -> int:
        return sum(r.possibly_billed for r in self.rows)

    @property
    def cost_unknown(self) -> int:
        return sum(r.cost_unknown for r in self.rows)

    def breakdown(self) -> list[tuple[tuple[str, str, str], Totals]]:
        """By category, model and quality, most expensive first."""
        totals = _sum(self.rows, lambda r: (r.category, r.model, r.quality))
        return sorted(totals.items(), key=lambda kv: (-kv[1].cost, kv[0]))

    def by_day(self) -> list[tuple[dt.date, Totals, Counts]]:
        totals = _sum(self.rows, lambda r: r.day)
        days = [self.first + dt.timedelta(days=i) for i in range(self.days)]
        return [(d, totals.get(d, Totals()), self.cache.by_day.get(d, Counts())) for d in days]

    def to_api(self) -> dict[str, Any]:
        total, rate = self.total, self.cache.total.hit_rate
        average = self.average_cost
        return {
            "success": True,
            "data": {
                "period": period_api(self.first, self.last),
                "totalImages": total.images,
                "totalCalls": total.calls,
                "totalCost": money(total.cost),
                "avgCostPerImage": money(average) if average is not None else None,
                "breakdown": [
                    {"category": c, "model": m, "quality": q or None, **t.to_api()}
                    for (c, m, q), t in self.breakdown()
                ],
                "cacheStats": {
                    **self.cache.total.to_api(),
                    "hitRatePercent": f"{rate * 100:.1f}%" if rate is not None else None,
                },
                "estimatedMonthlyCost": money(self.estimated_monthly),
                "possiblyBilled": {"calls": self.possibly_billed},
                "costUnknown": {"images": self.cost_unknown},
                "fallbacks": {"images": self.outcome("fallback").images},
                "failures": {name: self.outcome(name).to_api() for name in FAILURE_OUTCOMES},
                "byDay": [
                    {"date": d.isoformat(), **t.to_api(), "cache": c.to_api()}
                    for d, t, c in self.by_day()
                ],
            },
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """A row per day and breakdown key (provider, model, quality, outcome): they add up
        to the totals (images, calls, cost) of :meth:`to_api`."""
        return [
            {
                "date": r.day.isoformat(),
                "category": r.category,
                "provider": r.provider,
                "model": r.model,
                "quality": r.quality,
                "outcome": r.outcome,
                "calls": r.calls,
                "images": r.calls if r.outcome in IMAGE_OUTCOMES else 0,
                "cost": f"{r.cost:.8f}",
                "possiblyBilled": r.possibly_billed,
                "costUnknown": r.cost_unknown,
            }
            for r in self.rows
        ]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.csv_rows())
        return out.getvalue()

    def to_text(self) -> str:
        """The seed's plain weekly report, then the lines that explain the total."""
        total, rate, average = self.total, self.cache.total.hit_rate, self.average_cost
        name = "Weekly" if self.days == 7 else f"{self.days}-Day"
        title = f"{name} Image Generation Report ({self.first} to {self.last})"
        lines = [
            title,
            "\u2500" * len(title),
            f"Total Images: {total.images}",
            f"Total Cost: ${total.cost.quantize(CENT, ROUND_HALF_EVEN)}",
            "Avg Cost/Image: "
            + (
                f"${average.quantize(Decimal('0.0001'), ROUND_HALF_EVEN)}"
                if average is not None
                else "-"
            ),
            f"Cache Hit Rate: {rate * 100:.1f}%" if rate is not None else "Cache Hit Rate: -",
            f"Estimated Monthly Cost: ${self.estimated_monthly}",
        ]
        failures = [(n, self.outcome(n)) for n in FAILURE_OUTCOMES]
        extra = [
            f"Fallback Images: {self.outcome('fallback').images}",
            *(f"{n.capitalize()} Calls: {t.calls} (${t.cost:.2f})" for n, t in failures if t.calls),
            f"Possibly Billed (timed out after sending): {self.possibly_billed}",
            f"Images of Unknown Cost: {self.cost_unknown}",
        ]
        return "\n".join([*lines, *extra]) + "\n"

    def chart(self, path: Path) -> None:
        """A PNG of daily spend (bars) and the cache hit rate (a line)."""
        from .charts import spend_chart
        from .errors import InvalidRequest

        try:
            spend_chart(self, path)
        except (OSError, ValueError) as exc:
            raise InvalidRequest(f"chart: {path} cannot be written: {exc}", field="chart") from exc


class Reports:
    """Cost reports over the rollups and the cache's counts."""

    def __init__(
        self,
        repository: Repository,
        cache: CacheBackend,
        today: Callable[[], dt.date],
        timezone: ZoneInfo,
    ) -> None:
        self.repository = repository
        self.cache = cache
        self.today = today
        self.timezone = timezone

    def cache_stats(self, days: object) -> CacheStats:
        """Hits, misses and waits of the last ``days`` business days."""
        return cache_stats(self.cache, self.today(), whole_number(days, "days", 1, MAX_DAYS))

    def export(self, since: object, out: IO[str] | Path, file_format: str) -> int:
        """Every ledger entry from business day ``since`` (export.py)."""
        day = parse_date(since, "since")
        return export_ledger(self.repository, day, self.timezone, file_format=file_format, out=out)

    def cost_report(self, days: object) -> CostReport:
        days = whole_number(days, "days", 1, MAX_DAYS)
        last = self.today()
        first = last - dt.timedelta(days=days - 1)
        rows = tuple(self.repository.rollup_rows(first, last))
        return CostReport(first, last, rows, cache_stats(self.cache, last, days))
