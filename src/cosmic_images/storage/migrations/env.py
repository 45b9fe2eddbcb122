"""Alembic environment for cosmic-images.

Run through :mod:`cosmic_images.storage.migrate` (``cosmic-images db upgrade``), which passes
an open connection in ``config.attributes["connection"]``; offline mode (``db sql``) renders
the DDL for the dialect in ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context

from cosmic_images.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
