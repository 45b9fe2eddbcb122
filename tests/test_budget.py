"""Budgets: past a cap a paid generation is refused, degraded or a stand-in, as configured;
cached images are still served; processes racing overshoot by at most the calls in flight;
alerts go once per crossing."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from decimal import Decimal
from typing import Any

import pytest

from cosmic_images import BudgetExceeded, CosmicImages, User
from cosmic_images.budget import Alert
from cosmic_images.ledger.entries import Attempt, LedgerEntry, Outcome
from cosmic_images.storage import make_engine
from cosmic_images.testing import CountingProvider

from . import budget_worker
from .conftest import ServiceFactory

UNIVERSE = User(id="uni", tier="universe")
PRICE = Decimal("0.04")


def body(i: int) -> dict[str, Any]:
    """The i-th of 120 different personal daily-energy pictures."""
    return budget_worker.body(i)


def paid(make_service: ServiceFactory, **settings: Any) -> tuple[CosmicImages, CountingProvider]:
    provider = CountingProvider(price=PRICE)
    return make_service(image_provider=provider, **settings), provider


def test_refuse_past_the_daily_cap_and_keep_serving_the_cache(
    make_service: ServiceFactory,
) -> None:
    svc, provider = paid(make_service, daily_budget="0.10")
    first = svc.generate_daily_energy(UNIVERSE, body(0))
    svc.generate_daily_energy(UNIVERSE, body(1))
    svc.generate_daily_energy(UNIVERSE, body(2))  # $0.08 spent, under $0.10: allowed
    assert svc.budget_status().spent_today == Decimal("0.12")
    with pytest.raises(BudgetExceeded, match="daily image budget"):
        svc.generate_daily_energy(UNIVERSE, body(3))
    assert provider.count == 3  # the refused request called nobody
    again = svc.generate_daily_energy(User(id="other", tier="universe"), body(0))
    assert again.cached and again.image_id == first.image_id
    status = svc.budget_status().to_api()["data"]
    assert (status["exceeded"], status["dailyBudget"], status["spentToday"]) == (
        "daily",
        0.1,
        0.12,
    )


def test_degrade_makes_a_standard_picture_under_its_own_key(make_service: ServiceFactory) -> None:
    svc, provider = paid(make_service, daily_budget="0.04", budget_action="degrade")
    hd = svc.generate_daily_energy(UNIVERSE, body(0))
    assert provider.calls[-1].quality.value == "hd"
    degraded = svc.generate_daily_energy(UNIVERSE, body(1))
    assert provider.calls[-1].quality.value == "standard"
    assert not degraded.fallback and degraded.image_id != hd.image_id
    # Asked again past the cap: the standard picture is cached under its own key.
    assert svc.generate_daily_energy(User(id="b", tier="universe"), body(1)).cached
    assert provider.count == 2


def test_fallback_serves_a_stand_in_and_pays_nothing(make_service: ServiceFactory) -> None:
    svc, provider = paid(make_service, daily_budget="0.04", budget_action="fallback")
    svc.generate_daily_energy(UNIVERSE, body(0))
    stand_in = svc.generate_daily_energy(UNIVERSE, body(1))
    assert stand_in.fallback and stand_in.cost == 0
    assert provider.count == 1  # the paid provider was not called
    assert svc.budget_status().spent_today == PRICE
    assert not svc.generate_daily_energy(UNIVERSE, body(1)).cached  # a stand-in is not kept


def test_the_monthly_cap(make_service: ServiceFactory) -> None:
    svc, _ = paid(make_service, monthly_budget="0.05")
    earlier = svc.today().replace(day=1)
    if earlier == svc.today():
        earlier = svc.today()  # the 1st: the month so far is today
    spent = Attempt(provider="x", model="m", outcome=Outcome.FAILED, cost=Decimal("0.05"))
    svc.repository.record_entries(
        (LedgerEntry(user_id="u", category="avatar", attempt=spent),),
        now=dt.datetime.combine(earlier, dt.time(12), svc._parts.pipeline.timezone),
    )
    with pytest.raises(BudgetExceeded, match="monthly"):
        svc.generate_daily_energy(UNIVERSE, body(0))


def test_alerts_fire_once_per_crossing(make_service: ServiceFactory) -> None:
    svc, _ = paid(make_service, daily_budget="0.20", budget_action="fallback")
    heard: list[Alert] = []
    svc.on_budget_alert(heard.append)

    def failing(alert: Alert) -> None:
        raise RuntimeError(f"the host's listener broke on {alert.kind}")

    svc.on_budget_alert(failing)  # a failing listener breaks nothing
    for i in range(3):
        svc.generate_daily_energy(UNIVERSE, body(i))  # $0.12: below 80% of $0.20
    assert heard == []
    svc.generate_daily_energy(UNIVERSE, body(3))  # $0.16: 80%
    assert [a.kind for a in heard] == ["daily_share"]
    svc.generate_daily_energy(UNIVERSE, body(4))  # $0.20: the cap
    svc.generate_daily_energy(UNIVERSE, body(5))  # past it: a stand-in, no new alert
    assert [a.kind for a in heard] == ["daily_share", "daily_cap"]
    assert heard[1].spent == Decimal("0.20") and heard[1].threshold == Decimal("0.20")
    # Another process (another service on the same database) does not announce them again.
    other = make_service(image_provider=CountingProvider(price=PRICE), daily_budget="0.20")
    also: list[Alert] = []
    other.on_budget_alert(also.append)
    assert other._parts.budget.observe() == [] and also == []


def test_a_spike_over_the_trailing_average_alerts_once(make_service: ServiceFactory) -> None:
    svc, _ = paid(make_service)
    zone = svc._parts.pipeline.timezone
    spent = Attempt(provider="x", model="m", outcome=Outcome.FAILED, cost=Decimal("0.01"))
    for days_ago in range(1, 8):  # $0.01 a day for a week: average $0.01
        when = dt.datetime.combine(svc.today() - dt.timedelta(days=days_ago), dt.time(12), zone)
        svc.repository.record_entries(
            (LedgerEntry(user_id="u", category="avatar", attempt=spent),), now=when
        )
    heard: list[Alert] = []
    svc.on_budget_alert(heard.append)
    svc.generate_daily_energy(UNIVERSE, body(0))  # $0.04 today: 4 times the average
    svc.generate_daily_energy(UNIVERSE, body(1))
    assert [(a.kind, a.threshold) for a in heard] == [("spike", Decimal("0.03"))]


@pytest.fixture
def race_settings(process_settings: dict[str, Any]) -> dict[str, Any]:
    return {**process_settings, "daily_budget": "0.40", "spike_factor": "0"}


@pytest.mark.slow
def test_processes_racing_overshoot_by_at_most_the_calls_in_flight(
    race_settings: dict[str, Any],
) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(4)
        with context.Pool(4) as pool:
            results = pool.starmap(budget_worker.run, [(race_settings, p, start) for p in range(4)])
    made = sum(r["made"] for r in results)
    refused = sum(r["refused"] for r in results)
    assert made + refused == 4 * budget_worker.THREADS * 6
    in_flight = 4 * budget_worker.THREADS  # at most this many calls run at once
    cap_calls = int(Decimal(race_settings["daily_budget"]) / budget_worker.PRICE)  # 10
    assert cap_calls <= made <= cap_calls + in_flight - 1
    engine = make_engine(race_settings["database_url"])
    from sqlalchemy import func, select

    from cosmic_images.storage.models import LedgerEntry as Row

    try:
        with engine.connect() as conn:
            spent = conn.execute(select(func.sum(Row.cost))).scalar_one()
    finally:
        engine.dispose()
    assert Decimal(spent) == made * budget_worker.PRICE
    assert Decimal(spent) - Decimal(race_settings["daily_budget"]) < in_flight * budget_worker.PRICE


def test_a_kept_image_whose_cache_entry_was_lost_is_served_past_the_cap(
    make_service: ServiceFactory,
) -> None:
    svc, provider = paid(make_service, daily_budget="0.04")
    first = svc.generate_daily_energy(UNIVERSE, body(0))  # $0.04: the cap is reached
    svc.cache.delete(svc.cache_key(provider.calls[0]))  # the cache lost the entry
    again = svc.generate_daily_energy(User(id="other", tier="universe"), body(0))
    assert again.image_id == first.image_id and provider.count == 1  # served, not refused
    with pytest.raises(BudgetExceeded):
        svc.generate_daily_energy(UNIVERSE, body(1))  # a new picture still meets the cap
