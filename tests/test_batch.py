"""The nightly batch: the day's 12 shared images made once, idempotent, through the same
single flight as users, and counted in the hit rate when users see them."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cosmic_images import CosmicImages, InvalidRequest, ProviderUnavailable, User
from cosmic_images.batch import read_horoscopes
from cosmic_images.cli import app
from cosmic_images.storage.models import CacheEntry
from cosmic_images.testing import CountingProvider
from cosmic_images.zodiac import Sign

from .conftest import ServiceFactory

runner = CliRunner()
DAY = "2025-01-23"


def batch_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["batch", "--date", DAY, *args, "--json"])
    payload: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, payload


def test_the_acceptance_run_then_a_rerun_pays_nothing() -> None:
    code, first = batch_json()
    data = first["data"]
    assert code == 0
    assert (data["success"], data["failed"], data["cached"]) == (12, 0, 0)
    assert {item["subject"] for item in data["items"]} == {s.value for s in Sign}
    code, again = batch_json()
    data = again["data"]
    assert code == 0
    assert (data["success"], data["failed"], data["cached"], data["totalCost"]) == (0, 0, 12, "0")


def test_failures_exit_1_and_a_rerun_fills_only_the_gaps(
    make_service: ServiceFactory, provider: CountingProvider
) -> None:
    provider.fail_with = lambda spec: (
        ProviderUnavailable("down for fire signs")
        if spec.identity["sign"] in ("aries", "leo")
        else None
    )
    svc = make_service(rejection_ttl_seconds=0)
    report = svc.batch_generate(DAY)
    assert (report.succeeded, report.failed, report.cached) == (10, 2, 0)
    assert {i.subject for i in report.items if i.status == "failed"} == {"aries", "leo"}
    provider.fail_with = None
    calls = provider.count
    # The two failures are shared for a few seconds: wait them out, as a cron re-run would.
    import time

    time.sleep(5.2)
    again = svc.batch_generate(DAY)
    assert (again.succeeded, again.failed, again.cached) == (2, 0, 10)
    assert provider.count == calls + 2


def test_the_cli_exits_1_when_an_item_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSMIC_IMAGES_PROVIDER", "tests.support:logging_provider")
    monkeypatch.setenv("COSMIC_TEST_CALLS_FILE", str(Path("calls.log").resolve()))
    code, report = batch_json("--signs", "aries,Leo", "--include", "moon-ritual")
    assert code == 0 and report["data"]["success"] == 3
    code, bad = batch_json("--signs", "ophiuchus")
    assert code == 2 and bad["error"]["field"] == "signs"
    code, bad = batch_json("--include", "tarot")
    assert code == 2 and bad["error"]["field"] == "include"


def test_a_free_user_sees_the_batch_image_and_the_hit_rate_counts_it(
    make_service: ServiceFactory,
) -> None:
    svc = make_service()
    svc.batch_generate(DAY, signs=["leo"])
    free = User(id="f1", tier="free")
    seen = svc.generate_daily_energy(free, {"sign": "leo", "date": DAY})
    assert seen.cached is True
    stats = svc.cache_stats(1).to_api()["data"]
    assert stats["byTier"]["free"]["hits"] == 1
    # The batch's own work is no request: it does not count as a miss.
    assert "system" not in stats["byTier"] and stats["misses"] == 0
    assert stats["hitRate"] == 1.0


def test_a_user_asking_during_the_batch_joins_it(
    make_service: ServiceFactory, provider: CountingProvider
) -> None:
    provider.delay = 0.8
    svc = make_service()
    cosmic = User(id="c1", tier="cosmic")
    result: list[Any] = []
    batch = threading.Thread(target=lambda: result.append(svc.batch_generate(DAY, signs=["leo"])))
    batch.start()
    import time

    time.sleep(0.3)  # the batch holds the picture now
    mine = svc.generate_daily_energy(cosmic, {"sign": "leo", "date": DAY, "personalized": False})
    batch.join()
    assert provider.count == 1
    assert mine.image_id == result[0].items[0].image_id and mine.cached
    assert svc.usage_stats(cosmic).weekly_usage == 0  # joining costs no slot


def test_horoscopes_from_the_hosts_file(make_service: ServiceFactory, tmp_path: Path) -> None:
    path = tmp_path / "horoscopes.json"
    path.write_text(json.dumps({"leo": {"energyLevel": 9, "mood": "bold", "focus": "career"}}))
    profiles = read_horoscopes(path)
    assert profiles[Sign.LEO].energy_level == 9
    svc: CosmicImages = make_service()
    report = svc.batch_generate(DAY, signs=["leo"], horoscopes=profiles)
    image = svc.get_image(
        User(id="ops", tier="free", is_admin=True), report.items[0].image_id or ""
    )
    assert "bold" in image.prompt and "career" in image.prompt


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('{"leo": {"energyLevel": 11, "mood": "bold", "focus": "x"}}', "input.leo.energyLevel"),
        ('{"leo": {"energyLevel": 5}}', "input.leo"),
        ('[{"sign": "nope", "energyLevel": 5, "mood": "a", "focus": "b"}]', "input.nope.sign"),
        ("not json", "input"),
    ],
)
def test_a_bad_horoscope_file_names_the_entry(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "h.json"
    path.write_text(content)
    with pytest.raises(InvalidRequest) as excinfo:
        read_horoscopes(path)
    assert excinfo.value.field == field


def test_the_cli_reports_injected_failures_exits_1_and_a_rerun_fills_the_gaps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COSMIC_IMAGES_PROVIDER", "tests.support:fire_signs_down")
    monkeypatch.setenv("COSMIC_IMAGES_REJECTION_TTL", "0")  # retry the refused at once
    monkeypatch.setenv("COSMIC_TEST_FIRE_DOWN", "1")
    code, first = batch_json()
    data = first["data"]
    assert code == 1
    assert (data["success"], data["failed"], data["cached"]) == (10, 2, 0)
    failed = {i["subject"]: i["error"]["code"] for i in data["items"] if i["status"] == "failed"}
    assert failed == {"aries": "content_rejected", "leo": "content_rejected"}
    human = runner.invoke(app, ["batch", "--date", DAY])
    assert human.exit_code == 1 and "failed daily_energy aries" in human.stdout
    monkeypatch.delenv("COSMIC_TEST_FIRE_DOWN")
    code, again = batch_json()
    assert code == 0
    assert (again["data"]["success"], again["data"]["cached"]) == (2, 10)


def test_popular_pictures_are_kept_cached_without_paying(
    make_service: ServiceFactory, database_url: str, provider: CountingProvider
) -> None:
    svc = make_service(database_url)
    moon, new = {"phase": "full_moon"}, {"phase": "new_moon"}
    for i in range(3):  # three users receive the full moon, one the new moon
        full = svc.generate_moon_ritual(User(id=f"u{i}", tier="universe"), moon)
    lonely = svc.generate_moon_ritual(User(id="u9", tier="universe"), new)
    admin = User(id="ops", tier="free", is_admin=True)
    full_key = svc.get_image(admin, full.image_id).cache_key or ""
    lonely_key = svc.get_image(admin, lonely.image_id).cache_key or ""
    calls = provider.count
    with svc.repository.session() as session, session.begin():  # the cache forgot both
        session.query(CacheEntry).delete()
    report = svc.batch_generate(DAY, signs=["leo"], popular=1)
    assert report.refreshed == 1
    refreshed = next(i for i in report.items if i.status == "refreshed")
    assert refreshed.image_id == full.image_id
    assert svc.cache.get(full_key) == full.image_id  # the popular one is cached again
    assert svc.cache.get(lonely_key) is None  # the other is not
    again = svc.generate_moon_ritual(User(id="u5", tier="universe"), moon)
    assert (again.image_id, again.cached) == (refreshed.image_id, True)
    assert provider.count == calls + 1  # only the batch's own leo image was paid for
    assert svc.batch_generate(DAY, signs=["leo"], popular=0).refreshed == 0


def test_horoscopes_as_json_by_sign_are_checked_and_must_cover_the_batch(
    make_service: ServiceFactory, provider: CountingProvider
) -> None:
    svc = make_service()
    raw = {"leo": {"energyLevel": 3, "mood": "calm", "focus": "rest"}}
    report = svc.batch_generate(DAY, signs=["leo"], horoscopes=raw)
    assert report.succeeded == 1
    cases: list[tuple[dict[str, Any], object]] = [
        ({"signs": ["leo", "aries"], "horoscopes": raw}, "horoscopes"),  # aries missing
        ({"signs": ["leo"], "horoscopes": [1]}, "horoscopes"),
        ({"signs": ["leo"], "horoscopes": {"leo": {"energyLevel": 30}}}, "input.leo.energyLevel"),
        ({"signs": ["leo"], "include_moon_ritual": "yes"}, "includeMoonRitual"),
    ]
    calls = provider.count
    for kwargs, field in cases:
        with pytest.raises(InvalidRequest) as excinfo:
            svc.batch_generate("2025-01-24", **kwargs)
        assert excinfo.value.field == field
    assert provider.count == calls  # refused before anything was made
