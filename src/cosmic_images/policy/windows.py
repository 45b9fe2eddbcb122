"""The weekly window, a pure function of the time, the business time zone and the policy.

Calendar week (the default): the ISO week, Monday 00:00 to the next Monday 00:00 in the
business time zone; 2024-12-30 is the Monday of 2025-W01. Rolling: the last seven days; a
slot comes back seven days after it was taken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .tiers import WindowKind

__all__ = ["WEEK", "Window", "current_window"]

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Window:
    kind: WindowKind
    now: dt.datetime
    start: dt.datetime  # the earliest instant a counted reservation may have (inclusive)
    end: dt.datetime | None  # calendar weeks end for everyone at once; rolling ones do not
    key: str  # "2025-W01", or "rolling"

    def resets_at(self, oldest: dt.datetime | None) -> dt.datetime | None:
        """When the next slot frees up: the week's end, or the oldest slot's seventh day."""
        if self.end is not None:
            return self.end
        return oldest + WEEK if oldest is not None else None


def current_window(now: dt.datetime, tz: dt.tzinfo, kind: WindowKind) -> Window:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if kind is WindowKind.ROLLING_7_DAYS:
        # A slot taken exactly seven days ago is free again: count strictly later ones.
        return Window(kind, now, now - WEEK + dt.timedelta(microseconds=1), None, "rolling")
    local = now.astimezone(tz)
    monday = local.date() - dt.timedelta(days=local.weekday())
    start = dt.datetime.combine(monday, dt.time(0), tz)
    end = dt.datetime.combine(monday + WEEK, dt.time(0), tz)
    year, week, _ = monday.isocalendar()
    return Window(
        kind, now, start.astimezone(dt.UTC), end.astimezone(dt.UTC), f"{year}-W{week:02d}"
    )
