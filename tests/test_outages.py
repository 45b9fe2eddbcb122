"""A store going away: every public call raises BackendUnavailable, the CLI prints one envelope.

Real servers, not mocks: a Redis of the test's own that the test kills, and PostgreSQL behind a
loopback proxy that the test closes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cosmic_images import (
    BackendUnavailable,
    ConfigurationError,
    CosmicImages,
    Settings,
    User,
)
from cosmic_images.cli import app

from .conftest import ServiceFactory
from .servers import OwnRedis, TcpProxy, free_port

runner = CliRunner()
COSMIC = User(id="outage-1", tier="cosmic")
ARIES = {"sign": "aries", "date": "2025-01-23", "energyLevel": 8, "mood": "calm"}
LEO = {"sign": "leo", "date": "2025-01-23", "energyLevel": 3, "mood": "calm"}


def cli_envelope(*args: str) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout), result.stderr


@pytest.mark.redis
def test_redis_killed_every_call_that_needs_it_is_backend_unavailable(
    make_service: ServiceFactory, own_redis: OwnRedis
) -> None:
    svc = make_service(redis_url=own_redis.url)
    first = svc.generate_daily_energy(COSMIC, ARIES)  # the cache and quota live in Redis
    own_redis.kill()
    with pytest.raises(BackendUnavailable) as generating:
        svc.generate_daily_energy(COSMIC, LEO)
    assert generating.value.backend == "Redis cache"
    assert generating.value.http_status == 503
    assert generating.value.to_api()["error"]["code"] == "backend_unavailable"
    with pytest.raises(BackendUnavailable) as usage:
        svc.usage_stats(COSMIC)
    assert usage.value.backend == "Redis quota store"
    # The gallery is read from the database, which is still up: it answers without Redis.
    page = svc.gallery(COSMIC)
    assert [item.image_id for item in page.images] == [first.image_id]


@pytest.mark.redis
def test_redis_down_the_cli_prints_the_envelope(
    monkeypatch: pytest.MonkeyPatch, own_redis: OwnRedis
) -> None:
    monkeypatch.setenv("REDIS_URL", own_redis.url)
    own_redis.kill()
    for args in (
        ["generate", "daily-energy", "--sign", "aries", "--energy-level", "4"],
        ["usage", "--user-id", "u1", "--tier", "cosmic"],
    ):
        code, envelope, stderr = cli_envelope(*args)
        assert code == 1, args
        assert envelope["success"] is False
        assert envelope["error"]["code"] == "backend_unavailable"
        assert "Traceback" not in stderr


@pytest.mark.postgres
def test_postgres_gone_every_call_is_backend_unavailable(
    make_service: ServiceFactory, postgres_url: str
) -> None:
    target = make_url(postgres_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    try:
        svc = make_service(str(target.set(port=proxy.port).render_as_string(hide_password=False)))
        svc.generate_daily_energy(COSMIC, ARIES)
    finally:
        proxy.close()
    calls: dict[str, Callable[[], object]] = {
        "generate_daily_energy": lambda: svc.generate_daily_energy(COSMIC, LEO),
        "usage_stats": lambda: svc.usage_stats(COSMIC),
        "gallery": lambda: svc.gallery(COSMIC),
    }
    for name, call in calls.items():
        with pytest.raises(BackendUnavailable) as excinfo:
            call()
        assert excinfo.value.backend == "database", name
        assert isinstance(excinfo.value.__cause__, Exception), name  # the cause is kept


def test_postgres_where_nothing_listens_the_cli_prints_the_envelope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/nothing")
    for args in (
        ["generate", "daily-energy", "--sign", "aries", "--energy-level", "4"],
        ["gallery", "--user-id", "u1"],
        ["usage", "--user-id", "u1", "--tier", "cosmic"],
        ["db", "upgrade"],
    ):
        code, envelope, stderr = cli_envelope(*args)
        assert (code, envelope["error"]["code"]) == (1, "backend_unavailable"), args
        assert "Traceback" not in stderr
    with pytest.raises(BackendUnavailable):
        CosmicImages.from_settings(
            Settings(database_url=f"postgresql://x@127.0.0.1:{free_port()}/x")
        )


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "mysql://root@127.0.0.1/x",
        "postgresql+nosuchdriver://x@127.0.0.1/x",
        "postgresql://u@[::1/x",
        "postgresql://u@127.0.0.1:99999/x",
        "sqlite:////tmp/a%00b.db",
    ],
)
def test_a_bad_database_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        CosmicImages.from_settings(Settings(database_url=url))


def test_a_schema_migrated_by_something_else_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text

    from cosmic_images.storage import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    engine.dispose()
    with pytest.raises(ConfigurationError, match="does not know"):
        CosmicImages.from_settings(Settings(database_url=url, data_dir=tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    code, envelope, stderr = cli_envelope("db", "upgrade")
    assert (code, envelope["error"]["code"]) == (1, "configuration_error")
    assert "Traceback" not in stderr
