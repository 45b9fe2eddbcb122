"""Weekly limits as the service applies them: reserve a slot, confirm or refund it, report.

The rules (how many a tier gets) come from the pure policy table; the counting is the quota
store's (``policy/quota``). This part joins the two with the clock and the business time zone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from .errors import CosmicImagesError, InvalidRequest, QuotaExceeded
from .policy import Policy, QuotaCheck, QuotaStore, Window, current_window
from .policy.tiers import WindowKind
from .schemas import UsageStats, User

__all__ = ["Reservation", "WeeklyLimits"]

log = logging.getLogger("cosmic_images.usage")


@dataclass(frozen=True, slots=True)
class Reservation:
    """A slot held for one generation; ``None`` stands for "unlimited, nothing held".
    ``daily`` is the slot of the tier's daily cap, held beside it when the tier has one."""

    user_id: str
    id: str
    daily: Reservation | None = None
    weekly: bool = True


def _day_key(user_id: str) -> str:
    """The daily cap counts in the same store under a key of its own."""
    return f"{user_id}#day"


class WeeklyLimits:
    """Reserve, confirm, refund and report weekly slots. ``quota`` None means no limits."""

    def __init__(
        self,
        quota: QuotaStore | None,
        policy: Policy,
        timezone: ZoneInfo,
        *,
        lease: timedelta,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.quota = quota
        self.policy = policy
        self.timezone = timezone
        # A pending slot outlives any generation (timeouts, retries, storing) before it expires.
        self.lease = lease
        self._clock = clock

    def set_lease(self, value: object) -> None:
        """How long a reserved slot waits for its image; checked (hosts set it from config)."""
        if not isinstance(value, timedelta) or value <= timedelta(0):
            raise InvalidRequest("quotaLease: must be a positive timedelta", field="quotaLease")
        self.lease = value

    def window(self) -> Window:
        """The current weekly window (calendar week or rolling, from the policy)."""
        return current_window(self._clock(), self.timezone, self.policy.window)

    def reserve(self, user: User, image_id: str) -> Reservation | None:
        """Hold one of the user's slots for the image ``image_id`` is to be, or raise
        :class:`QuotaExceeded` with when one frees. The slot is named by the image, so the
        image is charged at most once however often its slot is confirmed."""
        rules = self.policy.tier(user.tier)
        if self.quota is None or (rules.weekly_limit is None and rules.daily_images is None):
            return None
        daily = self._reserve_day(user, image_id, rules.daily_images)
        limit = rules.weekly_limit
        if limit is None:
            return Reservation(user.id, image_id, daily=daily, weekly=False)
        window = self.window()
        reservation = Reservation(user.id, image_id, daily=daily)
        check = self.quota.reserve(
            user.id, reservation.id, limit=limit, window=window, lease=self.lease
        )
        if not check.granted:
            self.settle(daily, used=False)
            resets = _next_slot(window, check)
            when = f"; the next one comes back at {resets.isoformat()}" if resets else ""
            raise QuotaExceeded(
                f"the {user.tier} tier's {limit} new images a week are used up{when}",
                resets_at=resets,
            )
        return reservation

    def day_window(self) -> Window:
        """The business day now, as a window (the daily cap's)."""
        now = self._clock()
        today = now.astimezone(self.timezone).date()
        start = dt.datetime.combine(today, dt.time(0), self.timezone)
        end = dt.datetime.combine(today + timedelta(days=1), dt.time(0), self.timezone)
        return Window(WindowKind.CALENDAR_WEEK, now, start, end, today.isoformat())

    def _reserve_day(self, user: User, image_id: str, cap: int | None) -> Reservation | None:
        if cap is None or self.quota is None:
            return None
        window = self.day_window()
        day = Reservation(_day_key(user.id), f"{image_id}#day")
        check = self.quota.reserve(day.user_id, day.id, limit=cap, window=window, lease=self.lease)
        if not check.granted:
            raise QuotaExceeded(
                f"the {user.tier} tier's fair-use cap of {cap} new images a day is reached; "
                f"it resets at {window.end.isoformat() if window.end else 'midnight'}",
                resets_at=window.end,
                cap="daily",
            )
        return day

    def settle(self, reservation: Reservation | None, *, used: bool) -> None:
        """Confirm a slot whose image was stored, or refund it (a failure, a free fallback).

        Best effort: when the store fails now, a pending slot expires by itself, and a stored
        image found again later is charged then (:meth:`charge`).
        """
        if reservation is None or self.quota is None:
            return
        self.settle(reservation.daily, used=used)
        if not reservation.weekly:
            return
        try:
            if used:
                self.quota.confirm(reservation.user_id, reservation.id)
            else:
                self.quota.refund(reservation.user_id, reservation.id)
        except CosmicImagesError as exc:
            log.warning("weekly limits: could not settle slot %s: %s", reservation.id, exc.message)

    def charge(self, user: User, image_id: str) -> None:
        """Count ``image_id`` against the user's week, once (confirming is idempotent)."""
        if self.quota is not None and self.policy.tier(user.tier).weekly_limit is not None:
            self.quota.confirm(user.id, image_id)

    def stats(self, user: User) -> UsageStats:
        """The seed's usage statistics, with when the next slot frees up."""
        rules = self.policy.tier(user.tier)
        window = self.window()
        check = self.quota.usage(user.id, window) if self.quota is not None else None
        used = check.used if check is not None else 0
        limit = rules.weekly_limit
        daily_used = 0
        if rules.daily_images is not None and self.quota is not None:
            daily_used = self.quota.usage(_day_key(user.id), self.day_window()).used
        return UsageStats(
            tier=rules.name,
            weekly_usage=used,
            weekly_limit=limit,
            remaining=None if limit is None else max(0, limit - used),
            quality=rules.quality.value,
            resets_at=_next_slot(window, check) if check is not None else window.resets_at(None),
            daily_usage=daily_used,
            daily_limit=rules.daily_images,
        )

    def sweep(self) -> int:
        """Expire the slots of generations that never finished (a crashed process)."""
        return self.quota.sweep() if self.quota is not None else 0


def _next_slot(window: Window, check: QuotaCheck) -> dt.datetime | None:
    """When a slot really frees: the window's turn, or sooner a pending slot's lease end
    (a generation that a crashed process left behind)."""
    resets = window.resets_at(check.oldest)
    pending = check.pending_until
    if pending is not None and (resets is None or pending < resets):
        return pending
    return resets
