"""Apply and print the Alembic migrations that ship inside the package."""

from __future__ import annotations

import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, text
from sqlalchemy.exc import NoSuchModuleError

from ..errors import ConfigurationError

__all__ = ["alembic_config", "current_revision", "head_revision", "sql_script", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key ("cosmic" in ASCII): one migrating process at a time.
_MIGRATION_LOCK = 0x636F736D6963


def alembic_config(url: str = "sqlite://") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships no migrations"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _unknown_revision(exc: CommandError) -> ConfigurationError:
    return ConfigurationError(
        f"the database schema is at a revision this package does not know ({exc}): it was "
        "migrated by a newer cosmic-images, or by something else"
    )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; a no-op when it is already there.

    Safe to call from several processes at once: PostgreSQL takes a transaction-scoped
    advisory lock first, SQLite's ``BEGIN IMMEDIATE`` makes the others wait; whoever comes
    second finds the schema current and does nothing.
    """
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
        except CommandError as exc:
            raise _unknown_revision(exc) from exc


def sql_script(dialect: str = "postgresql", revision: str = "head") -> str:
    """The DDL that ``upgrade`` would run, for a DBA to apply with psql."""
    buffer = io.StringIO()
    config = alembic_config(f"{dialect}://")
    config.output_buffer = buffer
    try:
        command.upgrade(config, revision, sql=True)
    except (CommandError, NoSuchModuleError) as exc:
        raise ConfigurationError(f"cannot render the migrations as {dialect!r} SQL: {exc}") from exc
    return buffer.getvalue()
