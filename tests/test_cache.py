"""The shared cache suite against every backend: memory, SQL (SQLite, PostgreSQL), Redis."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from cosmic_images.cache import (
    CacheBackend,
    MemoryCache,
    SqlCache,
    cache_from_url,
    register_cache_backend,
)
from cosmic_images.errors import ConfigurationError
from cosmic_images.storage import make_engine, upgrade
from cosmic_images.testing import CacheBackendSuite


class TestMemoryCache(CacheBackendSuite):
    @pytest.fixture
    def cache(self) -> Iterator[CacheBackend]:
        backend = cache_from_url("memory://?max_entries=100")
        yield backend
        backend.close()

    def test_bounded_least_recently_used_go_first(self) -> None:
        cache = MemoryCache(max_entries=2)
        ttl = timedelta(minutes=1)
        cache.set("a", "1", ttl)
        cache.set("b", "2", ttl)
        assert cache.get("a") == "1"  # a is now the most recently used
        cache.set("c", "3", ttl)
        assert cache.get("b") is None
        assert (cache.get("a"), cache.get("c"), len(cache)) == ("1", "3", 2)

    def test_ttl_with_an_injected_clock(self) -> None:
        now = [1000.0]
        cache = MemoryCache(clock=lambda: now[0])
        cache.set("k", "v", timedelta(hours=24))
        now[0] += 24 * 3600 - 1
        assert cache.get("k") == "v"
        now[0] += 1
        assert cache.get("k") is None


class TestSqlCacheOnEachDatabase(CacheBackendSuite):
    @pytest.fixture
    def cache(self, engine: Engine) -> CacheBackend:
        return cache_from_url("sql", engine=engine)

    def test_an_entry_written_by_one_engine_is_a_hit_for_another(self, database_url: str) -> None:
        first, second = make_engine(database_url), make_engine(database_url)
        upgrade(first)
        try:
            SqlCache(first).set("shared-key", "image-9", timedelta(hours=1))
            assert SqlCache(second).get("shared-key") == "image-9"
        finally:
            first.dispose()
            second.dispose()


@pytest.mark.redis
class TestRedisCache(CacheBackendSuite):
    @pytest.fixture
    def cache(self, redis_url: str) -> Iterator[CacheBackend]:
        backend = cache_from_url(redis_url)
        yield backend
        backend.close()


def test_unknown_scheme_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown cache scheme 'mongodb'"):
        cache_from_url("mongodb://x")


def test_sql_cache_needs_an_engine() -> None:
    with pytest.raises(ConfigurationError, match="needs the database engine"):
        cache_from_url("sql")


def test_bad_memory_bound_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="max_entries"):
        cache_from_url("memory://?max_entries=0")


def test_a_host_can_register_a_scheme() -> None:
    made = MemoryCache(max_entries=3)
    register_cache_backend("mine", lambda url, engine: made)
    assert cache_from_url("mine://anything") is made
