"""CosmicImages end to end on each database: generate, cache, tiers, failures, gallery."""

from __future__ import annotations

import io
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cosmic_images import (
    ConfigurationError,
    ContentRejected,
    CosmicImages,
    GenerationDisabled,
    InvalidRequest,
    NotEntitled,
    NotFound,
    ProviderUnavailable,
    Settings,
    User,
)
from cosmic_images.storage.models import GenerationStat, ImageDelivery, ImageRow
from cosmic_images.testing import CountingProvider

from .conftest import ServiceFactory

UNIVERSE = User(id="u-universe", tier="universe")
COSMIC = User(id="u-cosmic", tier="cosmic")
FREE = User(id="u-free", tier="free")

DAILY = {
    "sign": "aries",
    "date": "2025-01-23",
    "energyLevel": 8,
    "mood": "uplifting",
    "focus": "career",
    "personalized": True,
}
AVATAR = {"sunSign": "leo", "moonSign": "pisces", "risingSign": "gemini"}
COMPAT = {
    "user1": {"sign": "aries", "element": "fire"},
    "user2": {"sign": "libra"},
    "compatibilityScore": 85,
}
MOON = {"phase": "full_moon"}


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


@pytest.mark.parametrize(
    ("method", "body", "description"),
    [
        ("generate_daily_energy", DAILY, "Your cosmic energy visualization for 2025-01-23"),
        ("generate_avatar", AVATAR, "Your personalized Leo avatar"),
        ("generate_compatibility", COMPAT, "Aries and Libra: 85% cosmic compatibility"),
        ("generate_moon_ritual", MOON, "Your Full Moon ritual guide"),
    ],
)
def test_each_category_generates_a_stored_png(
    service: CosmicImages,
    provider: CountingProvider,
    method: str,
    body: dict[str, Any],
    description: str,
) -> None:
    result = getattr(service, method)(UNIVERSE, body)
    api = result.to_api()
    assert api["success"] is True
    assert set(api["data"]) == {"imageUrl", "imageId", "description", "shareableCard", "cached"}
    assert api["data"]["cached"] is False
    assert api["data"]["description"] == description
    assert api["data"]["shareableCard"] == f"/api/images/share/{result.image_id}"
    assert result.quality == "hd"
    assert provider.count == 1
    path = Path(api["data"]["imageUrl"].removeprefix("file://"))
    assert png_size(path.read_bytes()) == (1024, 1024)
    assert service.image_bytes(UNIVERSE, result.image_id) == path.read_bytes()


def test_two_users_asking_the_same_share_one_image(
    service: CosmicImages, provider: CountingProvider
) -> None:
    first = service.generate_daily_energy(UNIVERSE, DAILY)
    second = service.generate_daily_energy(User(id="someone-else", tier="universe"), DAILY)
    assert (first.cached, second.cached) == (False, True)
    assert first.image_id == second.image_id
    assert provider.count == 1
    assert service.repository.count(ImageRow) == 1
    assert service.repository.count(GenerationStat) == 1
    assert service.gallery(User(id="someone-else")).images[0].image_id == first.image_id


def test_quality_is_part_of_the_key(service: CosmicImages, provider: CountingProvider) -> None:
    hd = service.generate_daily_energy(UNIVERSE, DAILY)
    standard = service.generate_daily_energy(COSMIC, DAILY)
    assert hd.image_id != standard.image_id
    assert (hd.quality, standard.quality) == ("hd", "standard")
    assert provider.count == 2


def test_normalised_requests_hit_the_same_entry(
    service: CosmicImages, provider: CountingProvider
) -> None:
    service.generate_daily_energy(UNIVERSE, DAILY)
    same = {**DAILY, "sign": " Aries ", "mood": "  UPLIFTING ", "focus": "Career"}
    assert service.generate_daily_energy(UNIVERSE, same).cached is True
    assert provider.count == 1


def test_shared_daily_image_is_keyed_by_sign_and_date_alone(
    service: CosmicImages, provider: CountingProvider
) -> None:
    shared = {"sign": "leo", "date": "2025-01-23", "personalized": False}
    a = service.generate_daily_energy(UNIVERSE, shared)
    b = service.generate_daily_energy(COSMIC, {**shared, "energyLevel": 2, "mood": "sleepy"})
    assert a.image_id == b.image_id and b.cached
    assert a.quality == "standard"
    assert provider.count == 1


def test_free_tier_sees_the_shared_daily_image_only_when_cached(
    service: CosmicImages, provider: CountingProvider
) -> None:
    with pytest.raises(NotEntitled) as excinfo:
        service.generate_daily_energy(FREE, {"sign": "leo", "date": "2025-01-23"})
    assert excinfo.value.required_tier == "cosmic"
    assert provider.count == 0
    made = service.generate_daily_energy(COSMIC, {"sign": "leo", "date": "2025-01-23"})
    seen = service.generate_daily_energy(
        FREE, {"sign": "leo", "date": "2025-01-23", "energyLevel": 9}
    )
    assert seen.image_id == made.image_id
    assert seen.cached is True
    assert seen.shareable_card is None  # free: no cards
    assert provider.count == 1
    assert [i.image_id for i in service.gallery(FREE).images] == [made.image_id]


@pytest.mark.parametrize(
    ("user", "method", "body", "needed"),
    [
        (COSMIC, "generate_avatar", AVATAR, "universe"),
        (COSMIC, "generate_moon_ritual", MOON, "universe"),
        (FREE, "generate_compatibility", COMPAT, "cosmic"),
    ],
)
def test_tiers_gate_categories_with_an_upgrade_hint(
    service: CosmicImages,
    provider: CountingProvider,
    user: User,
    method: str,
    body: dict[str, Any],
    needed: str,
) -> None:
    with pytest.raises(NotEntitled, match=f"upgrade to {needed}") as excinfo:
        getattr(service, method)(user, body)
    assert excinfo.value.required_tier == needed
    assert excinfo.value.to_api()["error"]["requiredTier"] == needed
    assert provider.count == 0
    assert service.repository.count(ImageRow) == 0


def test_unknown_tier_is_invalid(service: CosmicImages) -> None:
    with pytest.raises(InvalidRequest) as excinfo:
        service.generate_moon_ritual(User(id="x", tier="platinum"), MOON)
    assert excinfo.value.field == "tier"


def test_invalid_user_ids_are_refused() -> None:
    for bad in ["", " ", "a b", "x" * 129, "semi;colon"]:
        with pytest.raises(InvalidRequest) as excinfo:
            User(id=bad)
        assert excinfo.value.field == "userId"


def test_provider_failure_stores_nothing_and_caches_nothing(
    make_service: ServiceFactory, database_url: str, tmp_path: Path
) -> None:
    failing = CountingProvider(fail_with=lambda spec: ContentRejected("no"))
    # Rejections are remembered for the key (test_single_flight_failures.py); not here.
    svc = make_service(database_url, provider=failing, rejection_ttl_seconds=0)
    with pytest.raises(ContentRejected):
        svc.generate_moon_ritual(UNIVERSE, MOON)
    assert svc.repository.count(ImageRow) == 0
    assert svc.repository.count(ImageDelivery) == 0
    assert not list((tmp_path / "data").glob("images/**/*.png"))
    failing.fail_with = None
    assert svc.generate_moon_ritual(UNIVERSE, MOON).cached is False
    assert failing.count == 2


def test_unexpected_provider_errors_become_provider_unavailable(
    make_service: ServiceFactory,
) -> None:
    broken = CountingProvider(fail_with=lambda spec: RuntimeError("socket closed"))
    svc = make_service(provider=broken)
    with pytest.raises(ProviderUnavailable, match="socket closed") as excinfo:
        svc.generate_moon_ritual(UNIVERSE, MOON)
    assert isinstance(excinfo.value.__cause__, RuntimeError)


def test_a_failed_database_write_removes_the_stored_bytes(
    make_service: ServiceFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = make_service()

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc.repository, "add_image", refuse)
    with pytest.raises(RuntimeError, match="disk full"):
        svc.generate_moon_ritual(UNIVERSE, MOON)
    assert not list((tmp_path / "data").glob("images/**/*.png"))


def test_generation_disabled_still_serves_cached_images(
    make_service: ServiceFactory, provider: CountingProvider
) -> None:
    live = make_service()
    made = live.generate_moon_ritual(UNIVERSE, MOON)
    off = make_service(enable_image_generation=False)
    assert off.generate_moon_ritual(UNIVERSE, MOON).image_id == made.image_id
    with pytest.raises(GenerationDisabled):
        off.generate_moon_ritual(UNIVERSE, {"phase": "new_moon"})
    assert provider.count == 1


def test_a_cache_entry_whose_image_is_gone_is_regenerated(
    service: CosmicImages, provider: CountingProvider
) -> None:
    first = service.generate_moon_ritual(UNIVERSE, MOON)
    from sqlalchemy import delete

    with service.repository.session() as session, session.begin():
        session.execute(delete(ImageRow))
    second = service.generate_moon_ritual(UNIVERSE, MOON)
    assert second.image_id != first.image_id
    assert second.cached is False
    assert provider.count == 2


def test_single_flight_across_threads(make_service: ServiceFactory, database_url: str) -> None:
    slow = CountingProvider(delay=0.3)
    svc = make_service(database_url, provider=slow)
    barrier = threading.Barrier(8)

    def ask(i: int) -> tuple[str, bool]:
        barrier.wait()
        result = svc.generate_compatibility(User(id=f"user-{i}", tier="universe"), COMPAT)
        return result.image_id, result.cached

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(ask, range(8)))
    assert slow.count == 1
    assert len({image_id for image_id, _ in results}) == 1
    assert sorted(cached for _, cached in results) == [False] + [True] * 7
    assert svc.repository.count(ImageRow) == 1
    assert svc.repository.count(ImageDelivery) == 8


def _generate_in_process(database_url: str, data_dir: str, user_id: str) -> str:
    provider = CountingProvider(delay=0.3)
    settings = Settings(database_url=database_url, data_dir=Path(data_dir), auto_migrate=True)
    with CosmicImages.from_settings(settings, provider=provider) as svc:
        return svc.generate_moon_ritual(User(id=user_id, tier="universe"), MOON).image_id


@pytest.mark.slow
def test_single_flight_across_processes(database_url: str, tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    data_dir = str(tmp_path / "data")
    with context.Pool(3) as pool:
        ids = pool.starmap(
            _generate_in_process, [(database_url, data_dir, f"p{i}") for i in range(3)]
        )
    assert len(set(ids)) == 1
    settings = Settings(database_url=database_url, data_dir=Path(data_dir))
    with CosmicImages.from_settings(settings) as svc:
        assert svc.repository.count(ImageRow) == 1
        assert svc.repository.count(ImageDelivery) == 3


def test_gallery_arguments_are_checked(service: CosmicImages) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": True}, "limit"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidRequest) as excinfo:
            service.gallery(UNIVERSE, **kwargs)
        assert excinfo.value.field == field


def test_get_image_unknown_is_not_found(service: CosmicImages) -> None:
    with pytest.raises(NotFound):
        service.get_image(UNIVERSE, "00000000-0000-0000-0000-000000000000")


def test_postgres_schema_must_be_upgraded_first(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=postgres_url, data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="cosmic-images db upgrade"):
        CosmicImages.from_settings(settings)


def test_public_base_url_makes_http_image_urls(make_service: ServiceFactory) -> None:
    svc = make_service(
        public_base_url="https://img.example.com/cosmic",
        share_url_template="https://api.example.com/share/{image_id}",
    )
    result = svc.generate_moon_ritual(UNIVERSE, MOON)
    assert result.image_url.startswith("https://img.example.com/cosmic/")
    assert result.image_url.endswith(f"/{result.image_id}.png")
    assert result.shareable_card == f"https://api.example.com/share/{result.image_id}"


@pytest.mark.parametrize("method", ["gallery", "usage_stats"])
def test_reads_need_a_user(make_service: ServiceFactory, method: str) -> None:
    svc = make_service()
    with pytest.raises(InvalidRequest) as excinfo:
        getattr(svc, method)("u1")
    assert excinfo.value.field == "user"


def test_a_bad_environment_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSMIC_IMAGES_REQUEST_TIMEOUT", "soon")
    with pytest.raises(ConfigurationError, match="invalid setting COSMIC_IMAGES_REQUEST_TIMEOUT"):
        CosmicImages.from_settings()
