"""Caches of generated images, chosen by URL: ``sql``, ``memory://``, ``redis://``.

Register another scheme with :func:`register_cache_backend`.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import Engine

from ..errors import ConfigurationError
from .base import CacheBackend
from .memory import MemoryCache
from .singleflight import NotCached, get_or_create
from .sql import SqlCache

__all__ = [
    "CacheBackend",
    "MemoryCache",
    "NotCached",
    "SqlCache",
    "cache_from_url",
    "get_or_create",
    "register_cache_backend",
]

CacheFactory = Callable[[str, Engine | None], CacheBackend]


def _memory(url: str, _engine: Engine | None) -> CacheBackend:
    query = dict(parse_qsl(urlsplit(url).query))
    try:
        return MemoryCache(int(query.get("max_entries", "10000")))
    except ValueError as exc:
        raise ConfigurationError(f"COSMIC_IMAGES_CACHE_URL {url!r}: {exc}") from exc


def _sql(url: str, engine: Engine | None) -> CacheBackend:
    if engine is None:
        raise ConfigurationError("the sql cache needs the database engine")
    return SqlCache(engine)


def _redis(url: str, _engine: Engine | None) -> CacheBackend:
    from .redis_cache import RedisCache

    return RedisCache.from_url(url)


_FACTORIES: dict[str, CacheFactory] = {
    "sql": _sql,
    "memory": _memory,
    "redis": _redis,
    "rediss": _redis,
}


def register_cache_backend(scheme: str, factory: CacheFactory) -> None:
    """Make ``scheme://...`` cache URLs build a backend with ``factory(url, engine)``."""
    _FACTORIES[scheme] = factory


def cache_from_url(url: str, *, engine: Engine | None = None) -> CacheBackend:
    scheme = url.split("://", 1)[0] if "://" in url else url
    factory = _FACTORIES.get(scheme)
    if factory is None:
        known = ", ".join(sorted(_FACTORIES))
        raise ConfigurationError(
            f"COSMIC_IMAGES_CACHE_URL {url!r}: unknown cache scheme {scheme!r} (known: {known})"
        )
    return factory(url, engine)
