"""Fakes and shared test suites for people who test with, or extend, cosmic-images.

- :class:`CountingProvider` wraps a provider and counts (and can fail) its calls.
- One shared suite per backend family, which every backend of the family must pass:
  :class:`CacheBackendSuite` (fixture ``cache``), :class:`QuotaStoreSuite` (``quota``),
  :class:`BlobStoreSuite` (``blobs``) and :class:`ProviderSuite` (``image_provider``).
  Subclass one in a pytest module and name your backend in its fixture
  (see ``tests/test_cache.py``)::

      class TestMyCache(CacheBackendSuite):
          @pytest.fixture
          def cache(self):
              yield cache_from_url("mine://...")

Importing this module needs pytest (the ``dev`` extra).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .cache import CacheBackend, get_or_create
from .errors import CosmicImagesError, NotFound
from .ledger import Attempt
from .policy import QuotaStore, WindowKind, current_window
from .prompts import BuildContext, default_prompt_registry
from .prompts.spec import PromptSpec
from .providers.base import GeneratedImage, ImageProvider, ProviderProxy
from .providers.procedural import ProceduralProvider
from .storage.blobs import BlobStore
from .zodiac import Quality

__all__ = [
    "BlobStoreSuite",
    "CacheBackendSuite",
    "CountingProvider",
    "ProviderSuite",
    "QuotaStoreSuite",
    "sample_specs",
]


class CountingProvider(ProviderProxy):
    """Wraps ``inner`` (procedural by default); counts calls; ``fail_with`` makes them fail;
    ``price`` is what each answer costs (a paid model, for budgets and reports)."""

    def __init__(
        self,
        inner: ImageProvider | None = None,
        *,
        fail_with: Callable[[PromptSpec], CosmicImagesError | Exception | None] | None = None,
        delay: float = 0.0,
        price: Decimal = Decimal("0"),
    ) -> None:
        super().__init__(inner or ProceduralProvider())
        self.fail_with = fail_with
        self.delay = delay
        self.price = price
        self.calls: list[PromptSpec] = []
        self.end_users: list[str | None] = []
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.calls)

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        with self._lock:
            self.calls.append(spec)
            self.end_users.append(end_user)
        error = self.fail_with(spec) if self.fail_with is not None else None
        if error is not None:
            raise error  # failures are immediate; the delay is for calls that succeed
        if self.delay:
            time.sleep(self.delay)
        image = self.inner.generate(spec, end_user=end_user)
        return dataclasses.replace(image, cost=self.price) if self.price else image


def _key() -> str:
    return uuid.uuid4().hex


class CacheBackendSuite:
    """Behaviour every :class:`~cosmic_images.cache.CacheBackend` must have."""

    ttl = timedelta(minutes=5)

    def test_miss_then_hit(self, cache: CacheBackend) -> None:
        key = _key()
        assert cache.get(key) is None
        cache.set(key, "image-1", self.ttl)
        assert cache.get(key) == "image-1"

    def test_set_overwrites(self, cache: CacheBackend) -> None:
        key = _key()
        cache.set(key, "a", self.ttl)
        cache.set(key, "b", self.ttl)
        assert cache.get(key) == "b"

    def test_delete(self, cache: CacheBackend) -> None:
        key = _key()
        cache.set(key, "a", self.ttl)
        cache.delete(key)
        assert cache.get(key) is None
        cache.delete(key)  # deleting a missing key is fine

    def test_entries_expire(self, cache: CacheBackend) -> None:
        key, other = _key(), _key()
        cache.set(key, "short", timedelta(milliseconds=200))
        cache.set(other, "long", self.ttl)
        time.sleep(0.5)
        assert cache.get(key) is None
        cache.purge_expired()
        assert cache.get(other) == "long"

    def test_lease_is_exclusive_until_released(self, cache: CacheBackend) -> None:
        key = _key()
        assert cache.acquire(key, "alice", self.ttl)
        assert not cache.acquire(key, "bob", self.ttl)
        cache.release(key, "bob")  # not bob's: must not free alice's lease
        assert not cache.acquire(key, "bob", self.ttl)
        cache.release(key, "alice")
        assert cache.acquire(key, "bob", self.ttl)
        cache.release(key, "bob")

    def test_expired_lease_can_be_taken_over(self, cache: CacheBackend) -> None:
        key = _key()
        assert cache.acquire(key, "crashed", timedelta(milliseconds=200))
        time.sleep(0.5)
        assert cache.acquire(key, "next", self.ttl)
        cache.release(key, "next")

    def test_only_the_holder_renews_and_a_renewed_lease_outlives_its_first_term(
        self, cache: CacheBackend
    ) -> None:
        key, short = _key(), timedelta(milliseconds=400)
        assert cache.acquire(key, "alice", short)
        assert not cache.renew(key, "bob", self.ttl)
        for _ in range(3):
            time.sleep(0.2)
            assert cache.renew(key, "alice", short)
        assert not cache.acquire(key, "bob", self.ttl)  # 0.6 s later: still alice's
        cache.release(key, "alice")
        assert not cache.renew(key, "alice", short)  # released: nothing to renew

    def test_one_of_many_threads_gets_the_lease(self, cache: CacheBackend) -> None:
        key = _key()
        barrier = threading.Barrier(8)

        def attempt(i: int) -> bool:
            barrier.wait()
            return cache.acquire(key, f"owner-{i}", self.ttl)

        with ThreadPoolExecutor(8) as pool:
            winners = sum(pool.map(attempt, range(8)))
        assert winners == 1

    def test_get_or_create_runs_create_once_across_threads(self, cache: CacheBackend) -> None:
        key = _key()
        made: list[int] = []
        barrier = threading.Barrier(8)

        def create() -> str:
            made.append(1)
            time.sleep(0.2)
            return "the-image"

        def ask(_: int) -> tuple[str, bool]:
            barrier.wait()
            return get_or_create(
                cache, key, create, ttl=self.ttl, lease=timedelta(seconds=30), wait=30
            )

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(ask, range(8)))
        assert len(made) == 1
        assert {value for value, _ in results} == {"the-image"}
        assert sorted(cached for _, cached in results) == [False] + [True] * 7

    def test_counts_hits_misses_and_waits_per_day_category_and_tier(
        self, cache: CacheBackend
    ) -> None:
        day = dt.date(2031, 1, 1) + timedelta(days=uuid.uuid4().int % 3000)  # a day of its own
        category = f"c{uuid.uuid4().hex[:8]}"

        def bump(event: str, n: int, tier: str = "free", on: dt.date = day) -> None:
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda _: cache.count(on, category, tier, event), range(n)))

        bump("hit", 7)
        bump("miss", 2)
        bump("wait", 3)
        bump("hit", 1, tier="cosmic")
        bump("hit", 5, on=day + timedelta(days=1))
        rows = [r for r in cache.counts(day, day) if r.category == category]
        assert [(r.tier, r.hits, r.misses, r.waits) for r in rows] == [
            ("cosmic", 1, 0, 0),
            ("free", 7, 2, 3),
        ]
        both = [r for r in cache.counts(day, day + timedelta(days=1)) if r.category == category]
        assert sum(r.hits for r in both) == 13

    def test_failed_create_caches_nothing_and_frees_the_key(self, cache: CacheBackend) -> None:
        key = _key()

        def boom() -> str:
            raise RuntimeError("provider down")

        with pytest.raises(RuntimeError, match="provider down"):
            get_or_create(cache, key, boom, ttl=self.ttl, lease=timedelta(seconds=30), wait=5)
        assert cache.get(key) is None
        value, cached = get_or_create(
            cache, key, lambda: "second-try", ttl=self.ttl, lease=timedelta(seconds=30), wait=5
        )
        assert (value, cached) == ("second-try", False)


class QuotaStoreSuite:
    """Behaviour every :class:`~cosmic_images.policy.QuotaStore` must have.

    Provide a ``quota`` fixture. Each test uses a user id of its own.
    """

    lease = timedelta(minutes=5)

    @staticmethod
    def week() -> Any:
        now = dt.datetime.now(dt.UTC)
        return current_window(now, ZoneInfo("America/New_York"), WindowKind.CALENDAR_WEEK)

    def test_grants_up_to_the_limit(self, quota: QuotaStore) -> None:
        user, window = _key(), self.week()
        results = [
            quota.reserve(user, _key(), limit=3, window=window, lease=self.lease) for _ in range(5)
        ]
        assert [r.granted for r in results] == [True, True, True, False, False]
        assert results[2].used == 3
        assert results[4].used == 3
        assert quota.usage(user, window).used == 3

    def test_refund_returns_the_slot_once(self, quota: QuotaStore) -> None:
        user, window = _key(), self.week()
        first = _key()
        assert quota.reserve(user, first, limit=1, window=window, lease=self.lease).granted
        assert not quota.reserve(user, _key(), limit=1, window=window, lease=self.lease).granted
        assert quota.refund(user, first) is True
        assert quota.refund(user, first) is False  # idempotent
        assert quota.usage(user, window).used == 0
        assert quota.reserve(user, _key(), limit=1, window=window, lease=self.lease).granted

    def test_confirmed_slots_stay_counted(self, quota: QuotaStore) -> None:
        user, window = _key(), self.week()
        slot = _key()
        quota.reserve(user, slot, limit=2, window=window, lease=timedelta(milliseconds=300))
        quota.confirm(user, slot)
        assert quota.refund(user, slot) is False  # a confirmed slot is not returned
        time.sleep(0.5)  # past the lease: a confirmed slot does not expire
        quota.sweep()
        assert quota.usage(user, window).used == 1

    def test_confirm_is_idempotent_and_counts_a_slot_it_did_not_have(
        self, quota: QuotaStore
    ) -> None:
        user, window = _key(), self.week()
        refunded, unknown = _key(), _key()
        assert quota.reserve(user, refunded, limit=5, window=window, lease=self.lease).granted
        assert quota.refund(user, refunded)
        quota.confirm(user, refunded)  # the failure had stored its image after all
        quota.confirm(user, refunded)
        quota.confirm(user, unknown)  # a store that lost the reservation (Redis restarted)
        quota.confirm(user, unknown)
        assert quota.usage(user, window).used == 2

    def test_an_abandoned_reservation_expires_and_is_swept(self, quota: QuotaStore) -> None:
        user, window = _key(), self.week()
        # Long enough that a slow disk between the two reserves cannot expire it (300 ms did,
        # once, on a loaded machine), short enough for a test.
        assert quota.reserve(
            user, _key(), limit=1, window=window, lease=timedelta(seconds=2)
        ).granted
        assert not quota.reserve(user, _key(), limit=1, window=window, lease=self.lease).granted
        time.sleep(2.3)
        assert quota.sweep() >= 1
        assert quota.usage(user, window).used == 0
        assert quota.reserve(user, _key(), limit=1, window=window, lease=self.lease).granted

    def test_users_do_not_share_slots(self, quota: QuotaStore) -> None:
        window = self.week()
        a, b = _key(), _key()
        assert quota.reserve(a, _key(), limit=1, window=window, lease=self.lease).granted
        assert quota.reserve(b, _key(), limit=1, window=window, lease=self.lease).granted
        assert quota.usage(a, window).used == 1

    def test_exactly_the_limit_across_threads(self, quota: QuotaStore) -> None:
        user, window = _key(), self.week()
        barrier = threading.Barrier(16)

        def attempt(_: int) -> bool:
            barrier.wait()
            return quota.reserve(user, _key(), limit=3, window=window, lease=self.lease).granted

        with ThreadPoolExecutor(16) as pool:
            granted = sum(pool.map(attempt, range(16)))
        assert granted == 3
        assert quota.usage(user, window).used == 3


def sample_specs(quality: Quality = Quality.STANDARD) -> list[PromptSpec]:
    """One built prompt of each built-in category, for provider tests."""
    registry = default_prompt_registry()
    context = BuildContext(today=dt.date(2025, 1, 23), quality=quality)
    bodies: dict[str, dict[str, Any]] = {
        "daily_energy": {"sign": "aries", "energyLevel": 8, "mood": "calm", "focus": "career"},
        "avatar": {"sunSign": "leo", "moonSign": "pisces", "risingSign": "gemini"},
        "compatibility": {
            "user1": {"sign": "aries"},
            "user2": {"sign": "libra"},
            "compatibilityScore": 85,
        },
        "moon_ritual": {"phase": "full_moon"},
    }
    specs = []
    for category, body in bodies.items():
        definition = registry.get(category)
        request = definition.request_model.model_validate(body)
        specs.append(definition.builder(request, context))
    return specs


class ProviderSuite:
    """Behaviour every :class:`~cosmic_images.providers.ImageProvider` must have.

    Provide an ``image_provider`` fixture; ``calls_per_test`` bounds the specs tried (a paid
    or slow provider may set 1).
    """

    calls_per_test = 4

    def test_names_itself(self, image_provider: ImageProvider) -> None:
        assert image_provider.name.strip()
        assert image_provider.model.strip()

    def test_answers_with_the_image_bytes(self, image_provider: ImageProvider) -> None:
        from PIL import Image

        for spec in sample_specs()[: self.calls_per_test]:
            image = image_provider.generate(spec, end_user="0123456789abcdef")
            assert isinstance(image, GeneratedImage)
            assert image.media_type == "image/png"
            with Image.open(io.BytesIO(image.data)) as decoded:
                assert decoded.format == "PNG"
                assert decoded.size == (image.width, image.height)
            assert (image.provider, image.model) == (image_provider.name, image_provider.model)

    def test_answers_carry_typed_costs(self, image_provider: ImageProvider) -> None:
        image = image_provider.generate(sample_specs()[0])
        assert image.cost >= 0
        assert all(isinstance(a, Attempt) for a in image.attempts)
        assert not any(key in image.metadata for key in ("primaryFailure", "costUnknown"))


class BlobStoreSuite:
    """Behaviour every :class:`~cosmic_images.storage.blobs.BlobStore` must have.

    Provide a ``blobs`` fixture. Each test uses keys of its own.
    """

    @staticmethod
    def key() -> str:
        name = uuid.uuid4().hex
        return f"{name[:2]}/{name}.png"

    def test_put_then_get(self, blobs: BlobStore) -> None:
        key, data = self.key(), b"\x89PNG\r\n\x1a\n" + uuid.uuid4().bytes * 64
        url = blobs.put(key, data, "image/png")
        # The same object's URL (a presigned one is minted anew: its signature may differ).
        assert url.split("?")[0] == blobs.url_for(key).split("?")[0]
        assert blobs.exists(key)
        assert blobs.get(key) == data

    def test_put_replaces(self, blobs: BlobStore) -> None:
        key = self.key()
        blobs.put(key, b"first", "image/png")
        blobs.put(key, b"second", "image/png")
        assert blobs.get(key) == b"second"

    def test_delete(self, blobs: BlobStore) -> None:
        key = self.key()
        blobs.put(key, b"bytes", "image/png")
        blobs.delete(key)
        assert not blobs.exists(key)
        with pytest.raises(NotFound):
            blobs.get(key)
        blobs.delete(key)  # deleting a missing key is fine

    def test_a_missing_key_is_not_found(self, blobs: BlobStore) -> None:
        key = self.key()
        assert not blobs.exists(key)
        with pytest.raises(NotFound):
            blobs.get(key)

    @pytest.mark.parametrize("bad", ["../escape.png", "/absolute.png", "a b.png", "", "x/../y.png"])
    def test_keys_that_could_escape_are_refused(self, blobs: BlobStore, bad: str) -> None:
        with pytest.raises(CosmicImagesError):
            blobs.put(bad, b"x", "image/png")
        with pytest.raises(CosmicImagesError):
            blobs.get(bad)

    def test_lists_what_it_holds(self, blobs: BlobStore) -> None:
        before = dt.datetime.now(dt.UTC) - timedelta(seconds=5)
        keys = {self.key() for _ in range(3)}
        for key in keys:
            blobs.put(key, b"bytes", "image/png")
        listed = {b.key: b.modified for b in blobs.list_blobs()}
        assert keys <= set(listed)
        assert all(listed[key] >= before for key in keys)
        gone = keys.pop()
        blobs.delete(gone)
        assert gone not in {b.key for b in blobs.list_blobs()}

    def test_a_megabyte_round_trips(self, blobs: BlobStore) -> None:
        key, data = self.key(), uuid.uuid4().bytes * 65_536
        blobs.put(key, data, "image/png")
        assert blobs.get(key) == data

    def test_concurrent_writers_each_keep_their_bytes(self, blobs: BlobStore) -> None:
        keys = [self.key() for _ in range(16)]

        def write(key: str) -> None:
            blobs.put(key, key.encode() * 100, "image/png")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(write, keys))
        assert all(blobs.get(key) == key.encode() * 100 for key in keys)
