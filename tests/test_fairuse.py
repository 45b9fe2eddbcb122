"""Fair use: request rates per user and tier across processes and stores, the daily cap on
"unlimited", blocking, and counts of how often they bite."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cosmic_images import (
    CosmicImages,
    InvalidRequest,
    NotEntitled,
    QuotaExceeded,
    RateLimited,
    Settings,
    User,
)
from cosmic_images._wiring import build
from cosmic_images.cli import app
from cosmic_images.policy import Policy, load_policy
from cosmic_images.testing import CountingProvider

from . import fairuse_worker
from .conftest import ServiceFactory
from .test_web import Client

UNIVERSE = User(id="uni", tier="universe")
ADMIN = User(id="ops", tier="free", is_admin=True)
SHARED = {"sign": "leo", "personalized": False}


def limited(**universe: Any) -> Policy:
    policy = load_policy()
    tier = dataclasses.replace(policy.tier("universe"), **universe)
    return dataclasses.replace(policy, tiers={**policy.tiers, "universe": tier})


POLICY_FILE = """
[tiers.free]
categories = []
view_cached = ["daily_energy"]
weekly_limit = 0

[tiers.universe]
categories = ["daily_energy"]
view_cached = ["daily_energy"]
weekly_limit = "unlimited"
generations_per_minute = 10
"""


@pytest.fixture
def race_settings(store_settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    policy = tmp_path / "tiers.toml"
    policy.write_text(POLICY_FILE)
    return {**store_settings, "policy_file": str(policy)}


@pytest.mark.slow
def test_four_processes_of_sixteen_threads_get_exactly_ten(race_settings: dict[str, Any]) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(4)
        with context.Pool(4) as pool:
            results = pool.starmap(fairuse_worker.run, [(race_settings, start)] * 4)
    outcomes = [o for per_process in results for o in per_process]
    assert len(outcomes) == 64
    assert outcomes.count(None) == 10
    waits = [o for o in outcomes if o is not None]
    assert len(waits) == 54 and all(0 < w <= 60 for w in waits), waits


def test_reads_and_generations_are_limited_separately(make_service: ServiceFactory) -> None:
    svc = make_service(policy=limited(generations_per_minute=2, reads_per_minute=3))
    svc.generate_daily_energy(UNIVERSE, SHARED)
    svc.generate_daily_energy(UNIVERSE, SHARED)
    with pytest.raises(RateLimited) as generations:
        svc.generate_daily_energy(UNIVERSE, SHARED)
    assert 0 < (generations.value.retry_after or 0) <= 60
    for _ in range(3):
        svc.gallery(UNIVERSE)  # reads have their own three
    with pytest.raises(RateLimited):
        svc.gallery(UNIVERSE)
    svc.gallery(User(id="someone-else", tier="universe"))  # per user
    svc.generate_daily_energy(ADMIN, SHARED)  # admins (the CLI) are exempt
    refused = svc.dashboard(ADMIN).to_api()["data"]["today"]["refused"]
    assert refused == {"rate_limited_generation": 1, "rate_limited_read": 1}


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def test_the_daily_cap_on_unlimited_resets_the_next_business_day(tmp_path: Path) -> None:
    clock = Clock(dt.datetime(2025, 1, 23, 15, 0, tzinfo=dt.UTC))  # 10:00 in New York
    settings = Settings(data_dir=tmp_path / "data", auto_migrate=True)
    svc = CosmicImages(
        build(settings, provider=CountingProvider(), policy=limited(daily_images=2), clock=clock)
    )
    try:
        for level in (1, 2):
            svc.generate_daily_energy(
                UNIVERSE, {"sign": "leo", "energyLevel": level, "mood": "calm"}
            )
        stats = svc.usage_stats(UNIVERSE)
        assert (stats.daily_usage, stats.daily_limit, stats.weekly_limit) == (2, 2, None)
        with pytest.raises(QuotaExceeded) as capped:
            svc.generate_daily_energy(UNIVERSE, {"sign": "leo", "energyLevel": 3, "mood": "calm"})
        assert "2 new images a day" in capped.value.message and capped.value.cap == "daily"
        assert capped.value.to_api()["error"]["cap"] == "daily"
        midnight = dt.datetime(2025, 1, 24, 5, 0, tzinfo=dt.UTC)  # New York's next day
        assert capped.value.resets_at == midnight
        assert svc.generate_daily_energy(UNIVERSE, {"sign": "leo", "energyLevel": 1,
                                                    "mood": "calm"}).cached  # fmt: skip
        clock.now = dt.datetime(2025, 1, 24, 5, 1, tzinfo=dt.UTC)
        svc.generate_daily_energy(UNIVERSE, {"sign": "leo", "energyLevel": 3, "mood": "calm"})
        assert svc.usage_stats(UNIVERSE).daily_usage == 1
    finally:
        svc.close()


def test_a_blocked_user_keeps_only_their_reads(make_service: ServiceFactory) -> None:
    svc = make_service()
    mine = svc.generate_daily_energy(UNIVERSE, {"sign": "leo", "energyLevel": 5, "mood": "calm"})
    with pytest.raises(NotEntitled):
        svc.block_user(UNIVERSE, "uni", "not an admin")
    svc.block_user(ADMIN, "uni", "a leaked token making thousands of images")
    for act in (
        lambda: svc.generate_daily_energy(UNIVERSE, SHARED),
        lambda: svc.edit_image(UNIVERSE, mine.image_id, "more purple"),
        lambda: svc.share_card(UNIVERSE, mine.image_id, "twitter"),
        lambda: svc.record_share(UNIVERSE, mine.image_id, "x"),
    ):
        with pytest.raises(NotEntitled, match="blocked"):
            act()
    assert [i.image_id for i in svc.gallery(UNIVERSE).images] == [mine.image_id]
    assert svc.image_bytes(UNIVERSE, mine.image_id).startswith(b"\x89PNG")
    assert svc.dashboard(ADMIN).to_api()["data"]["today"]["refused"] == {"blocked": 4}
    assert svc.unblock_user(ADMIN, "uni") is True
    assert svc.unblock_user(ADMIN, "uni") is False
    assert svc.share_card(UNIVERSE, mine.image_id, "twitter").startswith(b"\x89PNG")
    svc.edit_image(UNIVERSE, mine.image_id, "more purple")
    with pytest.raises(InvalidRequest) as bad:
        svc.block_user(ADMIN, "uni", "   ")
    assert bad.value.field == "reason"


def test_blocking_from_the_cli_and_429_through_fastapi(make_service: ServiceFactory) -> None:
    svc = make_service(policy=limited(generations_per_minute=1, reads_per_minute=5))
    runner = CliRunner()
    done = runner.invoke(app, ["users", "block", "demo-user", "--reason", "spam", "--json"])
    assert done.exit_code == 0 and json.loads(done.stdout)["data"]["blocked"] is True
    web = Client("fastapi", svc)
    status, _, body = web.call("POST", "/api/images/generate/daily-energy", json_body=SHARED)
    assert (status, body["error"]["code"]) == (403, "not_entitled")
    assert web.call("GET", "/api/images/my-gallery")[0] == 200  # reads stay
    assert runner.invoke(app, ["users", "unblock", "demo-user"]).exit_code == 0
    assert web.call("POST", "/api/images/generate/daily-energy", json_body=SHARED)[0] == 200
    status, headers, body = web.call("POST", "/api/images/generate/daily-energy", json_body=SHARED)
    assert (status, body["success"], body["error"]["code"]) == (429, False, "rate_limited")
    assert 1 <= int(headers["retry-after"]) <= 60
    assert web.call("GET", "/api/images/usage/stats")[0] == 200  # not a limited read
    assert web.call("GET", "/api/images/my-gallery")[0] == 200  # reads: their own budget
