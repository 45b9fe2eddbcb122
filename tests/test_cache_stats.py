"""Cache statistics: hits, misses and single-flight waits counted durably, per day, category
and tier, in the store the cache uses, so another process computes the hit rate."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from cosmic_images import CosmicImages, InvalidRequest, User
from cosmic_images.testing import CountingProvider

from .conftest import ServiceFactory

UNIVERSE = User(id="u1", tier="universe")
FREE = User(id="f1", tier="free")
MOON = {"phase": "full_moon"}


@pytest.fixture(params=["sql", pytest.param("redis", marks=pytest.mark.redis)])
def stats_service(
    request: pytest.FixtureRequest, make_service: ServiceFactory, database_url: str
) -> CosmicImages:
    if request.param == "redis":
        return make_service(database_url, cache_url=request.getfixturevalue("redis_url"))
    return make_service(database_url)


def test_a_miss_then_hits_and_waits_are_counted(
    stats_service: CosmicImages, provider: CountingProvider
) -> None:
    svc = stats_service
    provider.delay = 0.4  # the others wait on the first one
    barrier = threading.Barrier(4)

    def ask(_: int) -> bool:
        barrier.wait()
        return svc.generate_moon_ritual(UNIVERSE, MOON).cached

    with ThreadPoolExecutor(4) as pool:
        cached = list(pool.map(ask, range(4)))
    assert sorted(cached) == [False, True, True, True]
    assert svc.generate_moon_ritual(UNIVERSE, MOON).cached  # a plain hit
    shared = {"sign": "leo", "personalized": False}
    svc.generate_daily_energy(UNIVERSE, shared)  # a miss: the day's shared image is made
    svc.generate_daily_energy(FREE, shared)  # a free user sees it: a hit
    data = svc.cache_stats(7).to_api()["data"]
    assert (data["hits"], data["misses"], data["waits"]) == (2, 2, 3)
    assert data["hitRate"] == pytest.approx(5 / 7, abs=1e-4)
    assert data["byCategory"]["moon_ritual"] == {
        "hits": 1,
        "misses": 1,
        "waits": 3,
        "hitRate": 0.8,
    }
    assert data["byTier"]["free"]["hits"] == 1
    assert data["period"]["days"] == 7
    assert provider.count == 2


def test_another_process_reads_the_same_counts(
    make_service: ServiceFactory, database_url: str
) -> None:
    writer = make_service(database_url)
    writer.generate_moon_ritual(UNIVERSE, MOON)
    writer.generate_moon_ritual(UNIVERSE, MOON)
    reader = make_service(database_url)  # another service on the same store
    total = reader.cache_stats(1).to_api()["data"]
    assert (total["hits"], total["misses"], total["hitRate"]) == (1, 1, 0.5)


@pytest.mark.parametrize("days", [0, -1, 367, True, "7", 2**63])
def test_days_are_checked(make_service: ServiceFactory, days: object) -> None:
    with pytest.raises(InvalidRequest) as excinfo:
        make_service().cache_stats(days)  # type: ignore[arg-type]
    assert excinfo.value.field == "days"


def test_no_requests_no_rate(make_service: ServiceFactory) -> None:
    assert make_service().cache_stats(30).to_api()["data"]["hitRate"] is None
