"""Engines for the supported databases, set up for concurrent use.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` (a committed image
row survives a power cut) and every transaction starts with ``BEGIN IMMEDIATE``: writers queue
on the busy timeout instead of failing with "database is locked" when a read transaction tries
to become a write one, and two processes applying migrations at once take turns. PostgreSQL
goes through psycopg 3 (the ``postgres`` extra); a bare ``postgresql://`` URL is taken to mean
that driver.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from ..errors import ConfigurationError

__all__ = ["make_engine", "normalise_url"]

SQLITE_BUSY_TIMEOUT_S = 60


def normalise_url(url: str) -> str:
    """The SQLAlchemy URL we will use: ``postgresql://`` and ``postgres://`` mean psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    Nothing connects yet. A URL that names no supported database, driver or usable path is a
    :class:`ConfigurationError`.
    """
    try:
        return _make_engine(normalise_url(url), **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(f"DATABASE_URL names a driver that is not here: {exc}") from exc
    except OSError as exc:
        raise ConfigurationError(f"DATABASE_URL: cannot create the database folder: {exc}") from exc
    except ValueError as exc:  # a malformed host or port, a NUL in a path
        raise ConfigurationError(f"DATABASE_URL is not a valid database URL: {exc}") from exc


def _make_engine(url: str, **kwargs: Any) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ConfigurationError(f"DATABASE_URL: port {parsed.port} is not a TCP port")
    if "\x00" in url or "\x00" in (parsed.database or ""):
        raise ConfigurationError("DATABASE_URL contains a NUL character")
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database, **kwargs)
    if backend == "postgresql":
        if parsed.get_driver_name() == "psycopg" and importlib.util.find_spec("psycopg") is None:
            raise ConfigurationError(
                "PostgreSQL needs the psycopg driver: pip install 'cosmic-images[postgres]'"
            )
        return create_engine(url, pool_pre_ping=True, **kwargs)
    raise ConfigurationError(
        f"unsupported database {backend!r} in DATABASE_URL: use sqlite:/// or postgresql://"
    )


def _use_wal(cursor: Any) -> None:
    """Put the database file in WAL mode, once: the mode is kept in the file.

    Switching needs the file to itself and does not wait on the busy timeout, so several
    processes opening a new database together (web workers starting at once) would fail with
    "database is locked". Only a connection that finds the file in another mode switches it,
    and one that is locked out looks again, for up to the busy timeout: meanwhile the holder
    of the lock is switching it too.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    delay = 0.01
    while True:
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _sqlite_engine(url: str, database: str | None, **kwargs: Any) -> Engine:
    in_memory = not database or database == ":memory:"
    if not in_memory:
        assert database is not None
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    if in_memory:
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
            if not in_memory:
                _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
