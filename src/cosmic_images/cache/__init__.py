"""Caches of generated images, chosen by URL: ``sql``, ``memory://``, ``redis://``.

The :class:`CacheBackend` protocol and the registry live here, one module per backend beside
them. A host adds a scheme with :func:`register_cache_backend`, giving a factory
``(url, context) -> CacheBackend`` or its ``"module:attribute"`` path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .._registry import Registry, StoreContext
from .singleflight import NotCached, get_or_create

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "CACHE_EVENTS",
    "CacheBackend",
    "CacheFactory",
    "MemoryCache",
    "NotCached",
    "SqlCache",
    "StatRow",
    "cache_from_url",
    "cache_schemes",
    "get_or_create",
    "register_cache_backend",
]


CACHE_EVENTS = ("hit", "miss", "wait")


@dataclass(frozen=True, slots=True)
class StatRow:
    """One day's counts for a category and tier: pictures found in the cache (``hits``),
    made (``misses``) and waited for while another caller made them (``waits``)."""

    day: dt.date
    category: str
    tier: str
    hits: int = 0
    misses: int = 0
    waits: int = 0


@runtime_checkable
class CacheBackend(Protocol):
    """A shared map of cache key to image id, with expiring leases.

    ``acquire`` must be atomic in the store: of any number of callers across processes, one
    gets the lease for a key until it releases it or ``lease`` runs out (then a new caller may
    take it over); its holder renews it while it works. Values are image ids (the image itself
    lives in the database), or under a key of their own a failure shared by every asker.
    """

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: timedelta) -> None: ...

    def delete(self, key: str) -> None: ...

    def acquire(self, key: str, owner: str, lease: timedelta) -> bool: ...

    def renew(self, key: str, owner: str, lease: timedelta) -> bool:
        """Extend ``owner``'s lease on ``key`` to ``lease`` from now; False if not its own."""
        ...

    def release(self, key: str, owner: str) -> None: ...

    def purge_expired(self) -> int:
        """Drop expired entries and leases; return how many entries went."""
        ...

    def count(self, day: dt.date, category: str, tier: str, event: str) -> None:
        """Add one ``event`` (hit, miss or wait) to the day's counts, durably and atomically."""
        ...

    def counts(self, first: dt.date, last: dt.date) -> list[StatRow]:
        """The counts of the days ``first`` to ``last`` (inclusive), one row per day,
        category and tier that has any."""
        ...

    def close(self) -> None: ...


CacheFactory = Callable[[str, StoreContext], CacheBackend]

from .memory import MemoryCache  # noqa: E402  (after the protocol they implement)
from .sql import SqlCache  # noqa: E402

_registry: Registry[CacheFactory] = Registry("cache scheme", "COSMIC_IMAGES_CACHE_URL")
_registry.register("sql", "cosmic_images.cache.sql:from_url")
_registry.register("memory", "cosmic_images.cache.memory:from_url")
_registry.register("redis", "cosmic_images.cache.redis:from_url", extra="redis")
_registry.register("rediss", "cosmic_images.cache.redis:from_url", extra="redis")


def register_cache_backend(scheme: str, factory: CacheFactory | str) -> None:
    """Make ``scheme://...`` cache URLs build a backend with ``factory(url, context)``."""
    _registry.register(scheme, factory)


def cache_schemes() -> list[str]:
    return _registry.names()


def cache_from_url(
    url: str, context: StoreContext | None = None, *, engine: Engine | None = None
) -> CacheBackend:
    """The cache backend for ``url``; ``context`` (or ``engine``) gives ``sql`` its database."""
    context = context or StoreContext(engine=engine)
    return _registry.from_url(url)(url, context)
