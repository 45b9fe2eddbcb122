"""Weekly limits: windows, the shared quota suite, the service, and the 4 x 16 race."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from cosmic_images import (
    CosmicImages,
    NotEntitled,
    ProviderUnavailable,
    QuotaExceeded,
    Settings,
    User,
)
from cosmic_images.cli import app
from cosmic_images.policy import (
    QuotaStore,
    SqlQuotaStore,
    WindowKind,
    current_window,
    quota_from_url,
)
from cosmic_images.storage import make_engine
from cosmic_images.storage.models import ImageRow, QuotaReservation
from cosmic_images.testing import CountingProvider, QuotaStoreSuite

from . import quota_worker
from .conftest import ServiceFactory

NY = ZoneInfo("America/New_York")
CAL, ROLL = WindowKind.CALENDAR_WEEK, WindowKind.ROLLING_7_DAYS
COSMIC = User(id="cosmic-1", tier="cosmic")


def at(text: str, tz: dt.tzinfo = NY) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


# --- windows ---------------------------------------------------------------------------------


def test_iso_week_that_starts_in_the_previous_year() -> None:
    window = current_window(at("2024-12-30 00:00"), NY, CAL)
    assert window.key == "2025-W01"
    assert window.start == at("2024-12-30 00:00")
    assert window.end == at("2025-01-06 00:00")
    assert current_window(at("2025-01-05 23:59"), NY, CAL).key == "2025-W01"
    assert current_window(at("2024-12-29 23:59"), NY, CAL).key == "2024-W52"


def test_the_week_turns_at_monday_midnight_in_the_business_time_zone() -> None:
    sunday_night_ny = at("2025-01-12 23:30")  # already Monday 04:30 in UTC
    assert current_window(sunday_night_ny, NY, CAL).key == "2025-W02"
    assert current_window(sunday_night_ny, dt.UTC, CAL).key == "2025-W03"
    # Across the autumn clock change the week is still Monday to Monday, local time.
    window = current_window(at("2025-11-05 12:00"), NY, CAL)
    assert (window.start, window.end) == (at("2025-11-03 00:00"), at("2025-11-10 00:00"))
    assert window.resets_at(None) == at("2025-11-10 00:00")


def test_rolling_window() -> None:
    now = at("2025-01-15 10:00", dt.UTC)
    window = current_window(now, NY, ROLL)
    assert (window.start, window.end) == (now - dt.timedelta(days=7, microseconds=-1), None)
    assert window.resets_at(at("2025-01-10 09:00", dt.UTC)) == at("2025-01-17 09:00", dt.UTC)
    assert window.resets_at(None) is None


# --- the shared suite on every store -----------------------------------------------------------


class TestSqlQuotaOnEachDatabase(QuotaStoreSuite):
    @pytest.fixture
    def quota(self, engine: Engine) -> QuotaStore:
        return quota_from_url("sql", engine=engine)


@pytest.mark.redis
class TestRedisQuota(QuotaStoreSuite):
    @pytest.fixture
    def quota(self, redis_url: str) -> Iterator[QuotaStore]:
        store = quota_from_url(redis_url)
        yield store
        store.close()


# --- calendar boundaries and rolling expiry with an injected clock ------------------------------


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def reserve(store: QuotaStore, clock: Clock, kind: WindowKind, limit: int = 3) -> bool:
    window = current_window(clock.now, NY, kind)
    lease = dt.timedelta(minutes=10)
    return store.reserve("u", uuid.uuid4().hex, limit=limit, window=window, lease=lease).granted


def confirm_all(engine: Engine) -> None:
    from sqlalchemy import update

    with engine.begin() as conn:
        conn.execute(update(QuotaReservation).values(status="confirmed"))


def test_calendar_week_boundary_across_the_new_year(engine: Engine) -> None:
    clock = Clock(at("2024-12-29 23:50"))  # Sunday night of 2024-W52, New York
    store = SqlQuotaStore(engine, clock=clock)
    assert [reserve(store, clock, CAL) for _ in range(4)] == [True, True, True, False]
    confirm_all(engine)
    clock.now = at("2024-12-29 23:59:59")
    assert reserve(store, clock, CAL) is False
    clock.now = at("2024-12-30 00:00")  # Monday: 2025-W01 begins, in the previous year
    assert [reserve(store, clock, CAL) for _ in range(4)] == [True, True, True, False]


def test_rolling_window_slots_come_back_after_seven_days(engine: Engine) -> None:
    clock = Clock(at("2025-01-10 09:00", dt.UTC))
    store = SqlQuotaStore(engine, clock=clock)
    assert reserve(store, clock, ROLL)
    clock.now += dt.timedelta(days=2)
    assert reserve(store, clock, ROLL) and reserve(store, clock, ROLL)
    confirm_all(engine)
    clock.now = at("2025-01-17 08:59", dt.UTC)
    assert reserve(store, clock, ROLL) is False
    check = store.usage("u", current_window(clock.now, NY, ROLL))
    assert check.oldest == at("2025-01-10 09:00", dt.UTC)
    clock.now = at("2025-01-17 09:00", dt.UTC)  # the first slot is seven days old
    assert reserve(store, clock, ROLL) is True
    assert reserve(store, clock, ROLL) is False


# --- through the service ----------------------------------------------------------------------


def daily(i: int) -> dict[str, Any]:
    return quota_worker.body(i)


def test_cosmic_gets_three_new_images_then_quota_exceeded(make_service: ServiceFactory) -> None:
    svc = make_service()
    for i in range(3):
        svc.generate_daily_energy(COSMIC, daily(i))
    with pytest.raises(QuotaExceeded) as excinfo:
        svc.generate_daily_energy(COSMIC, daily(3))
    week_end = svc.window().end
    assert week_end is not None  # a calendar week ends for everyone at once
    assert excinfo.value.resets_at == week_end
    assert excinfo.value.to_api()["error"]["resetsAt"] == week_end.isoformat()
    # A cached image is not a generation: asking again for one already made still works.
    assert svc.generate_daily_energy(COSMIC, daily(1)).cached is True
    made_by_someone_else = svc.generate_daily_energy(User(id="u9", tier="cosmic"), daily(20))
    assert svc.generate_daily_energy(COSMIC, daily(20)).image_id == made_by_someone_else.image_id
    assert svc.usage_stats(COSMIC).weekly_usage == 3


def test_failures_and_fallbacks_return_their_slot(make_service: ServiceFactory) -> None:
    failing = CountingProvider(fail_with=lambda spec: ProviderUnavailable("down"))
    svc = make_service(provider=failing)
    for i in range(5):
        with pytest.raises(ProviderUnavailable):
            svc.generate_daily_energy(COSMIC, daily(i))
    assert svc.usage_stats(COSMIC).weekly_usage == 0
    with svc.repository.session() as session:
        statuses = session.scalars(select(QuotaReservation.status)).all()
    assert statuses == ["refunded"] * 5


def test_fallback_images_do_not_count(make_service: ServiceFactory) -> None:
    from cosmic_images.providers import ProceduralProvider
    from cosmic_images.providers.resilience import FallbackProvider

    down = CountingProvider(fail_with=lambda spec: ProviderUnavailable("down"))
    svc = make_service(provider=FallbackProvider(down, ProceduralProvider()))
    for i in range(5):
        assert svc.generate_daily_energy(COSMIC, daily(i)).fallback is True
    assert svc.usage_stats(COSMIC).weekly_usage == 0


def test_unlimited_tiers_say_so(make_service: ServiceFactory) -> None:
    svc = make_service()
    universe = User(id="u-universe", tier="universe")
    for i in range(5):
        svc.generate_daily_energy(universe, daily(i))
    stats = svc.usage_stats(universe).to_api()["data"]
    assert stats["weeklyLimit"] is None and stats["remaining"] is None
    assert stats["tier"] == "universe" and stats["quality"] == "hd"


def test_usage_stats_shape(make_service: ServiceFactory) -> None:
    svc = make_service()
    svc.generate_daily_energy(COSMIC, daily(0))
    svc.generate_daily_energy(COSMIC, daily(1))
    week_end = svc.window().end
    assert week_end is not None
    data = svc.usage_stats(COSMIC).to_api()["data"]
    assert data == {
        "tier": "cosmic",
        "weeklyUsage": 2,
        "weeklyLimit": 3,
        "remaining": 1,
        "quality": "standard",
        "resetsAt": week_end.isoformat(),
        "dailyUsage": 0,
        "dailyLimit": None,  # cosmic has its weekly limit; the daily cap is for "unlimited"
    }
    free = svc.usage_stats(User(id="f", tier="free")).to_api()["data"]
    assert (free["weeklyLimit"], free["remaining"]) == (0, 0)


def test_admin_operations_need_an_admin(make_service: ServiceFactory) -> None:
    svc = make_service()
    with pytest.raises(NotEntitled, match="administrators"):
        svc.sweep_reservations(COSMIC)
    assert svc.sweep_reservations(User(id="ops", tier="universe", is_admin=True)) == 0


def test_cli_usage_json(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    for i in range(2):
        made = runner.invoke(
            app,
            [
                "generate",
                "daily-energy",
                "--sign",
                "leo",
                "--energy-level",
                str(i + 1),
                "--user-id",
                "u1",
                "--tier",
                "cosmic",
                "--json",
            ],
        )
        assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["usage", "--user-id", "u1", "--tier", "cosmic", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["data"]
    assert (data["tier"], data["weeklyUsage"], data["weeklyLimit"], data["remaining"]) == (
        "cosmic",
        2,
        3,
        1,
    )
    assert data["quality"] == "standard" and data["resetsAt"].endswith("+00:00")
    human = runner.invoke(app, ["usage", "--user-id", "u1", "--tier", "cosmic"])
    assert "2 of 3" in human.stdout


# --- 4 processes x 16 threads ------------------------------------------------------------------


def race(settings: dict[str, Any], *, failing: bool) -> dict[str, int]:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(4)
        with context.Pool(4) as pool:
            results = pool.starmap(
                quota_worker.run, [(settings, p, failing, start) for p in range(4)]
            )
    return {k: sum(r[k] for r in results) for k in ("granted", "exceeded", "failed")}


def stored_and_statuses(settings: dict[str, Any]) -> tuple[int, dict[str, int]]:
    engine = make_engine(settings["database_url"])
    try:
        with engine.connect() as conn:
            images = conn.execute(select(func.count()).select_from(ImageRow)).scalar_one()
            by_status = dict(
                conn.execute(
                    select(QuotaReservation.status, func.count()).group_by(QuotaReservation.status)
                ).all()
            )
    finally:
        engine.dispose()
    return images, by_status


@pytest.fixture
def race_settings(store_settings: dict[str, Any]) -> dict[str, Any]:
    return store_settings


@pytest.mark.slow
def test_four_processes_of_sixteen_threads_get_exactly_three(
    race_settings: dict[str, Any],
) -> None:
    outcome = race(race_settings, failing=False)
    assert outcome == {"granted": 3, "exceeded": 61, "failed": 0}
    images, statuses = stored_and_statuses(race_settings)
    assert images == 3
    if "quota_url" not in race_settings:
        assert statuses == {"confirmed": 3}


@pytest.mark.slow
def test_failed_calls_return_their_slots_in_the_race(race_settings: dict[str, Any]) -> None:
    outcome = race(race_settings, failing=True)
    assert outcome["granted"] + outcome["exceeded"] + outcome["failed"] == 64
    assert outcome["granted"] <= 3
    images, statuses = stored_and_statuses(race_settings)
    assert images == outcome["granted"]
    if "quota_url" not in race_settings:
        # Every failed call reserved a slot and gave it back; nothing is left pending.
        assert statuses.get("refunded", 0) == outcome["failed"]
        assert statuses.get("confirmed", 0) == images
        assert "pending" not in statuses
    else:
        quota = quota_from_url(race_settings["quota_url"])
        window = current_window(dt.datetime.now(dt.UTC), NY, WindowKind.CALENDAR_WEEK)
        assert quota.usage("cosmic-racer", window).used == images
        quota.close()


# --- a crashed process --------------------------------------------------------------------------


class Crash:
    """Kills its process between reserve and confirm, as a crash or an OOM kill would."""

    name, model = "crash", "crash-1"

    def generate(self, spec: Any, *, end_user: str | None = None) -> Any:
        os._exit(17)


def crash_after_reserving(settings: dict[str, Any]) -> None:
    settings = {**settings, "data_dir": Path(settings["data_dir"])}
    svc = CosmicImages.from_settings(Settings(**settings), provider=Crash())
    svc.quota_lease = dt.timedelta(seconds=1)
    svc.generate_daily_energy(COSMIC, daily(0))


@pytest.mark.slow
def test_a_crashed_reservation_is_reclaimed_by_the_sweep(tmp_path: Path) -> None:
    settings: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "auto_migrate": True,
        "database_url": f"sqlite:///{tmp_path / 'crash.db'}",
    }
    process = multiprocessing.get_context("spawn").Process(
        target=crash_after_reserving, args=(settings,)
    )
    process.start()
    process.join(timeout=120)
    assert process.exitcode == 17
    svc = CosmicImages.from_settings(
        Settings(**{**settings, "data_dir": Path(settings["data_dir"])})
    )
    try:
        with svc.repository.session() as session:
            assert session.scalars(select(QuotaReservation.status)).all() == ["pending"]
        time.sleep(1.2)  # the dead process's one-second lease runs out
        admin = User(id="ops", tier="universe", is_admin=True)
        assert svc.sweep_reservations(admin) == 1
        with svc.repository.session() as session:
            assert session.scalars(select(QuotaReservation.status)).all() == ["expired"]
        assert svc.usage_stats(COSMIC).weekly_usage == 0
    finally:
        svc.close()


@pytest.mark.parametrize("store", ["sql", pytest.param("redis", marks=pytest.mark.redis)])
def test_resets_at_names_when_a_pending_slot_frees_not_next_week(
    make_service: ServiceFactory, store: str, request: pytest.FixtureRequest
) -> None:
    svc = make_service(
        quota_url=request.getfixturevalue("redis_url") if store == "redis" else "sql"
    )
    window = svc.window()
    lease = dt.timedelta(minutes=3)
    for _ in range(3):  # three generations a crashed process left pending
        svc.quota.reserve(COSMIC.id, uuid.uuid4().hex, limit=3, window=window, lease=lease)
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(QuotaExceeded) as excinfo:
        svc.generate_daily_energy(COSMIC, daily(0))
    resets = excinfo.value.resets_at
    assert resets is not None
    assert before + lease - dt.timedelta(seconds=5) <= resets <= before + lease
    assert svc.usage_stats(COSMIC).resets_at == resets
