"""A provider-call rate limit held across processes: calls start 60/R seconds apart."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Engine

from cosmic_images import RateLimited, User
from cosmic_images.policy.ratelimit import RateLimiter, rate_limiter_from_url
from cosmic_images.providers.resilience import RateLimitedProvider
from cosmic_images.storage import make_engine, upgrade
from cosmic_images.testing import CountingProvider, sample_specs

from .conftest import ServiceFactory
from .fake_openai import FakeImagesAPI
from .test_openai import openai_service


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def limiter(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    engine: Engine | None = None
    if request.param == "redis":
        made = rate_limiter_from_url(request.getfixturevalue("redis_url"))
    else:
        engine = make_engine(request.getfixturevalue(f"{request.param}_url"))
        upgrade(engine)
        made = rate_limiter_from_url("sql", engine=engine)
    yield made
    made.close()
    if engine is not None:
        engine.dispose()


def test_starts_are_spaced_across_threads(limiter: RateLimiter) -> None:
    name, interval = uuid.uuid4().hex, timedelta(seconds=0.25)
    barrier = threading.Barrier(6)

    def start(_: int) -> float:
        barrier.wait()
        at = limiter.take(name, interval, timedelta(seconds=10))
        assert at is not None
        return at

    began = time.time()
    with ThreadPoolExecutor(6) as pool:
        starts = sorted(pool.map(start, range(6)))
    gaps = [b - a for a, b in pairwise(starts)]
    assert min(gaps) >= 0.25 - 1e-3, gaps  # the store's own times: a millisecond of rounding
    assert starts[0] - began < 1.0  # the first start is now, not later
    # Back to back when everyone asks at once; later only if a thread came late.
    assert 5 * 0.25 - 1e-3 <= starts[-1] - starts[0] < 5 * 0.25 + 1.0


def test_past_the_longest_wait_nothing_is_reserved(limiter: RateLimiter) -> None:
    name, interval = uuid.uuid4().hex, timedelta(seconds=10)
    first = limiter.take(name, interval, timedelta(seconds=1))
    assert first is not None and abs(first - time.time()) < 0.5  # now
    assert limiter.take(name, interval, timedelta(seconds=1)) is None  # 10 s away
    assert limiter.take(name, interval, timedelta(seconds=1)) is None  # and nothing was taken
    second = limiter.take(name, interval, timedelta(seconds=30))
    assert second is not None and second - first == pytest.approx(10.0, abs=1e-3)


def test_the_provider_wrapper_waits_its_turn_or_says_when(limiter: RateLimiter) -> None:
    slept: list[float] = []
    inner = CountingProvider()
    limited = RateLimitedProvider(inner, limiter, per_minute=60, max_wait=2, sleep=slept.append)
    spec = sample_specs()[3]
    limited.generate(spec)
    limited.generate(spec)  # one second later
    limited.generate(spec)  # two seconds later
    assert inner.count == 3
    # One and two seconds after the first start, less the time the calls themselves took.
    assert 0.6 < slept[0] <= 1.0 and 1.4 < slept[1] <= 2.0, slept
    with pytest.raises(RateLimited) as excinfo:
        limited.generate(spec)  # three seconds away: past the two-second wait
    assert excinfo.value.retry_after == 2.0
    assert excinfo.value.to_dict()["retryAfter"] == 2.0
    assert inner.count == 3


def test_the_setting_spaces_a_real_providers_calls(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(make_service, fake_openai, rate_limit=120)  # one call per 0.5 s
    user = User(id="u1", tier="universe")
    for phase in ("full_moon", "new_moon", "first_quarter"):
        svc.generate_moon_ritual(user, {"phase": phase})
    arrivals = [seen.at for seen in fake_openai.generations()]
    assert len(arrivals) == 3
    assert all(b - a >= 0.5 - 0.02 for a, b in pairwise(arrivals))
