"""Repository, migrations and blob store, on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from cosmic_images.errors import ConfigurationError, NotFound
from cosmic_images.storage import (
    FileBlobStore,
    NewImage,
    Repository,
    current_revision,
    head_revision,
    make_engine,
    sql_script,
    upgrade,
)
from cosmic_images.storage.db import normalise_url
from cosmic_images.storage.models import Base, GenerationStat, ImageDelivery, ImageRow

SEED_TABLES = {
    "generated_images",
    "image_generation_stats",
    "image_share_events",
    "image_download_events",
    "image_favorites",
}


@pytest.fixture
def repo(engine: Engine) -> Repository:
    return Repository(engine)


def new_image(**overrides: object) -> NewImage:
    image_id = str(uuid.uuid4())
    values: dict[str, object] = {
        "id": image_id,
        "user_id": "u1",
        "category": "daily_energy",
        "prompt": "a prompt",
        "description": "a description",
        "image_url": f"file:///x/{image_id}.png",
        "blob_key": f"{image_id[:2]}/{image_id}.png",
        "content_sha256": "0" * 64,
        "media_type": "image/png",
        "width": 1024,
        "height": 1024,
        "model": "procedural-v2",
        "provider": "procedural",
        "quality": "hd",
        "cost": Decimal("0.041234"),
        "cache_key": "k" * 64,
        "metadata": {"identity": {"sign": "aries"}, "nested": [1, 2]},
    }
    values.update(overrides)
    return NewImage(**values)  # type: ignore[arg-type]


def test_migrations_create_the_seed_tables_and_match_the_models(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert SEED_TABLES | {"image_deliveries", "cache_entries", "cache_locks"} <= tables
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_gallery_index_exists(engine: Engine) -> None:
    indexes = {
        i["name"]: i["column_names"] for i in inspect(engine).get_indexes("image_deliveries")
    }
    assert indexes["ix_image_deliveries_user_id_delivered_at"] == ["user_id", "delivered_at"]
    images = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("generated_images")}
    assert images["ix_generated_images_user_id_created_at"] == ["user_id", "created_at"]


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def upgrade_from_threads(url: str, threads: int = 4) -> list[BaseException]:
    """Migrate one new database from several threads at once; return what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def run() -> None:
        engine = make_engine(url)
        start.wait()  # every engine opens its first connection at the same moment
        try:
            upgrade(engine)
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def test_concurrent_upgrades_of_a_new_database(database_url: str) -> None:
    assert upgrade_from_threads(database_url) == []
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_image_round_trip_keeps_money_time_and_json(repo: Repository) -> None:
    created = dt.datetime(2025, 1, 23, 5, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    stored = repo.add_image(new_image(cost=Decimal("0.123456")), now=created)
    loaded = repo.get_image(stored.id)
    assert loaded is not None
    assert loaded.cost == Decimal("0.123456")
    assert loaded.created_at == created
    assert loaded.created_at.utcoffset() == dt.timedelta(0)
    assert loaded.metadata == {"identity": {"sign": "aries"}, "nested": [1, 2]}
    assert (loaded.width, loaded.height, loaded.quality) == (1024, 1024, "hd")


def test_adding_an_image_records_one_generation_stat(repo: Repository) -> None:
    repo.add_image(new_image())
    assert repo.count(ImageRow) == 1
    assert repo.count(GenerationStat) == 1


def test_naive_datetimes_are_refused(repo: Repository) -> None:
    with pytest.raises(Exception, match="naive datetimes"):
        repo.add_image(new_image(), now=dt.datetime(2025, 1, 1))  # noqa: DTZ001
    assert repo.count(ImageRow) == 0


def test_unknown_or_malformed_ids_are_none(repo: Repository) -> None:
    assert repo.get_image(str(uuid.uuid4())) is None
    assert repo.get_image("not-a-uuid") is None


def test_gallery_newest_delivery_first_with_paging(repo: Repository) -> None:
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    ids = [repo.add_image(new_image()).id for _ in range(5)]
    for i, image_id in enumerate(ids):
        repo.deliver("u1", image_id, cached=False, now=base + dt.timedelta(minutes=i))
    repo.deliver("u2", ids[0], cached=True, now=base)
    page, total = repo.gallery("u1", limit=2, offset=0)
    assert total == 5
    assert [e.image.id for e in page] == [ids[4], ids[3]]
    page, _ = repo.gallery("u1", limit=2, offset=4)
    assert [e.image.id for e in page] == [ids[0]]
    # Delivering again moves the image to the top instead of adding a second row.
    repo.deliver("u1", ids[0], cached=True, now=base + dt.timedelta(hours=1))
    page, total = repo.gallery("u1", limit=1, offset=0)
    assert (total, page[0].image.id) == (5, ids[0])
    assert repo.count(ImageDelivery) == 6


def test_postgres_url_without_driver_means_psycopg() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unsupported_or_malformed_database_urls() -> None:
    with pytest.raises(ConfigurationError, match="unsupported database 'mysql'"):
        make_engine("mysql://u@h/db")
    with pytest.raises(ConfigurationError, match="not a valid database URL"):
        make_engine("::nonsense::")


def test_sql_script_is_postgresql_ddl_for_a_dba() -> None:
    script = sql_script()
    for table in SEED_TABLES:
        assert f"CREATE TABLE {table}" in script
    assert "UUID" in script and "JSONB" in script and "TIMESTAMP WITH TIME ZONE" in script
    assert "UPDATE alembic_version SET version_num=" in script
    assert f"'{head_revision()}'" in script


# --- blob store ------------------------------------------------------------------------------


def test_file_blobs_round_trip_with_file_urls(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    url = store.put("ab/abc.png", b"\x89PNG data", "image/png")
    assert url == (tmp_path / "blobs" / "ab" / "abc.png").resolve().as_uri()
    assert store.get("ab/abc.png") == b"\x89PNG data"
    assert store.exists("ab/abc.png")
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "blobs" / "ab").iterdir())
    store.delete("ab/abc.png")
    assert not store.exists("ab/abc.png")
    with pytest.raises(NotFound):
        store.get("ab/abc.png")


def test_file_blobs_use_the_public_base_url(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path, "https://cdn.example.com/images/")
    assert store.put("x1/y.png", b"1", "image/png") == "https://cdn.example.com/images/x1/y.png"


@pytest.mark.parametrize("key", ["../escape.png", "/abs.png", "a/../../b.png", "noext", ""])
def test_file_blobs_refuse_keys_that_leave_the_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="invalid blob key"):
        FileBlobStore(tmp_path).put(key, b"x", "image/png")


def test_workers_opening_a_new_sqlite_database_together(tmp_path: Path) -> None:
    # Switching a new file to WAL mode needs it to itself; four engines starting at once used
    # to fail with "database is locked" about one time in eight. Ten new files, four each.
    for round_ in range(10):
        url = f"sqlite:///{tmp_path / f'new-{round_}.db'}"
        assert upgrade_from_threads(url) == [], round_
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        engine.dispose()
