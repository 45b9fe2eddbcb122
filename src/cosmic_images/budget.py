"""Spending caps and alerts: what happens to a paid generation past a cap, and who is told.

**Caps** (``COSMIC_IMAGES_DAILY_BUDGET``, ``COSMIC_IMAGES_MONTHLY_BUDGET``, in dollars) are
checked before every paid call, against what the ledger's rollups say was spent in the
business day and month: committed spend, read from the shared database, so every process and
host sees the same number, and concurrent requests can overshoot a cap by at most the calls
already in flight when it was crossed. Cached images are always served; only a new picture
meets the cap. Past a cap, ``COSMIC_IMAGES_BUDGET_ACTION`` says what happens:

- ``refuse``: :class:`~cosmic_images.errors.BudgetExceeded`;
- ``degrade``: the picture is made at standard quality, by ``COSMIC_IMAGES_BUDGET_MODEL``
  when one is set (a cheaper model), and cached under its own key;
- ``fallback``: a stand-in from the fallback provider (the procedural one when none is set),
  served once and not cached, like any stand-in.

**Alerts** go once per crossing (one row per period and kind in ``budget_alerts``, inserted by
whichever process crosses first) to every callable the host registered and to the log:
today's spend above ``COSMIC_IMAGES_SPIKE_FACTOR`` times the trailing 7-day average, or past
``COSMIC_IMAGES_BUDGET_ALERT_SHARE`` of a cap, or past the cap itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite

from ._boundary import sqlalchemy_errors, translating
from .errors import BudgetExceeded, InvalidRequest
from .reports import money
from .storage import Repository
from .storage.models import BudgetAlert

__all__ = ["Alert", "Budget", "BudgetAction", "BudgetStatus"]

log = logging.getLogger(__name__)
TRAILING_DAYS = 7


class BudgetAction(StrEnum):
    REFUSE = "refuse"
    DEGRADE = "degrade"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class Alert:
    """One crossing: ``kind`` (``spike``, ``daily_share``, ``daily_cap``, ``monthly_share``,
    ``monthly_cap``), the period (a day or a month), what was spent and the line crossed."""

    kind: str
    period: str
    spent: Decimal
    threshold: Decimal
    message: str


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    day: dt.date
    spent_today: Decimal
    spent_month: Decimal
    daily_cap: Decimal | None
    monthly_cap: Decimal | None
    action: BudgetAction

    @property
    def exceeded(self) -> str | None:
        """Which cap is reached (``daily`` or ``monthly``), or None."""
        if self.daily_cap is not None and self.spent_today >= self.daily_cap:
            return "daily"
        if self.monthly_cap is not None and self.spent_month >= self.monthly_cap:
            return "monthly"
        return None

    def to_api(self) -> dict[str, Any]:
        def cap(value: Decimal | None) -> float | None:
            return money(value) if value is not None else None

        return {
            "success": True,
            "data": {
                "date": self.day.isoformat(),
                "spentToday": money(self.spent_today),
                "spentThisMonth": money(self.spent_month),
                "dailyBudget": cap(self.daily_cap),
                "monthlyBudget": cap(self.monthly_cap),
                "action": self.action.value,
                "exceeded": self.exceeded,
            },
        }


class Budget:
    """The caps, read against the rollups; alerts recorded once in the database."""

    def __init__(
        self,
        repository: Repository,
        *,
        timezone: ZoneInfo,
        clock: Callable[[], dt.datetime],
        daily: Decimal | None = None,
        monthly: Decimal | None = None,
        action: BudgetAction = BudgetAction.REFUSE,
        alert_share: Decimal = Decimal("0.8"),
        spike_factor: Decimal | None = Decimal("3"),
    ) -> None:
        self.repository = repository
        self.timezone = timezone
        self._clock = clock
        self.daily = daily
        self.monthly = monthly
        self.action = action
        self.alert_share = alert_share
        self.spike_factor = spike_factor
        self._listeners: list[Callable[[Alert], None]] = []
        self._lock = threading.Lock()

    @property
    def capped(self) -> bool:
        return self.daily is not None or self.monthly is not None

    def on_alert(self, listener: Callable[[Alert], None]) -> None:
        if not callable(listener):
            raise InvalidRequest("listener: must be callable", field="listener")
        with self._lock:
            self._listeners.append(listener)

    def status(self) -> BudgetStatus:
        day = self._clock().astimezone(self.timezone).date()
        today = self.repository.spend(day, day)
        month = self.repository.spend(day.replace(day=1), day) if self.monthly else today
        return BudgetStatus(day, today, month, self.daily, self.monthly, self.action)

    def check(self) -> None:
        """Nothing when no cap is reached; else :class:`BudgetExceeded` naming the cap. The
        caller decides what a degrade or fallback action makes of it."""
        if not self.capped:
            return
        status = self.status()
        which = status.exceeded
        if which is None:
            return
        cap = status.daily_cap if which == "daily" else status.monthly_cap
        spent = status.spent_today if which == "daily" else status.spent_month
        raise BudgetExceeded(
            f"the {which} image budget of ${cap} is spent (${spent:.2f} so far): "
            "new images resume when it resets; cached images are still served"
        )

    def observe(self) -> list[Alert]:
        """After money was spent: the alerts this spend crossed, each announced once."""
        if not self.capped and self.spike_factor is None:
            return []
        status = self.status()
        day = status.day
        crossings: list[Alert] = []
        if self.spike_factor is not None and status.spent_today > 0:
            first = day - dt.timedelta(days=TRAILING_DAYS)
            trailing = self.repository.spend(first, day - dt.timedelta(days=1)) / TRAILING_DAYS
            line = trailing * self.spike_factor
            if trailing > 0 and status.spent_today > line:
                crossings.append(
                    Alert(
                        "spike",
                        day.isoformat(),
                        status.spent_today,
                        line,
                        f"today's image spend ${status.spent_today:.2f} is over "
                        f"{self.spike_factor} times the 7-day average (${trailing:.2f})",
                    )
                )
        for name, cap, spent, period in (
            ("daily", self.daily, status.spent_today, day.isoformat()),
            ("monthly", self.monthly, status.spent_month, day.strftime("%Y-%m")),
        ):
            if cap is None:
                continue
            share = cap * self.alert_share
            if spent >= share:
                crossings.append(
                    Alert(
                        f"{name}_share",
                        period,
                        spent,
                        share,
                        f"{self.alert_share:.0%} of the {name} image budget is spent: "
                        f"${spent:.2f} of ${cap}",
                    )
                )
            if spent >= cap:
                crossings.append(
                    Alert(
                        f"{name}_cap",
                        period,
                        spent,
                        cap,
                        f"the {name} image budget of ${cap} is spent (${spent:.2f})",
                    )
                )
        fired = [alert for alert in crossings if self._first(alert)]
        for alert in fired:
            self._announce(alert)
        return fired

    def _first(self, alert: Alert) -> bool:
        """Record the alert; True for the one process that recorded it first."""
        engine = self.repository.engine
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(BudgetAlert)
            .values(period=alert.period, kind=alert.kind, fired_at=self._clock(), spent=alert.spent)
            .on_conflict_do_nothing(index_elements=["period", "kind"])
            .returning(BudgetAlert.kind)
        )
        with translating("database", sqlalchemy_errors), engine.begin() as conn:
            return conn.execute(statement).first() is not None

    def _announce(self, alert: Alert) -> None:
        log.warning("budget alert (%s, %s): %s", alert.kind, alert.period, alert.message)
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(alert)
            except Exception:  # a host's callback must not fail a generation
                log.exception("a budget alert listener failed on %s", alert.kind)
