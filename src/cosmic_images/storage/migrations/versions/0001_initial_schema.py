"""initial schema: the seed's five tables, deliveries, and the SQL cache

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(precision=12, scale=6)


def _image_fk(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["image_id"],
        ["generated_images.id"],
        name=op.f(f"fk_{table}_image_id_generated_images"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "generated_images",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("image_url", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.Column("quality", sa.String(length=20), server_default="standard", nullable=False),
        sa.Column("cost", MONEY, nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=50), server_default="image/png", nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=True),
        sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("fallback", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_images")),
    )
    op.create_index("ix_generated_images_cache_key", "generated_images", ["cache_key"])
    op.create_index("ix_generated_images_created_at", "generated_images", ["created_at"])
    op.create_index(
        "ix_generated_images_user_id_created_at", "generated_images", ["user_id", "created_at"]
    )

    op.create_table(
        "image_generation_stats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("generated_at", TS, nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=True),
        sa.Column("cost", MONEY, server_default="0", nullable=False),
        _image_fk("image_generation_stats", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_generation_stats")),
    )
    op.create_index(
        "ix_image_generation_stats_generated_at", "image_generation_stats", ["generated_at"]
    )

    op.create_table(
        "image_share_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(length=50), nullable=False),
        sa.Column("shared_at", TS, nullable=False),
        _image_fk("image_share_events", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_share_events")),
    )
    op.create_index(
        "ix_image_share_events_image_id_shared_at", "image_share_events", ["image_id", "shared_at"]
    )

    op.create_table(
        "image_download_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=50), nullable=False),
        sa.Column("downloaded_at", TS, nullable=False),
        _image_fk("image_download_events", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_download_events")),
    )
    op.create_index("ix_image_download_events_image_id", "image_download_events", ["image_id"])

    op.create_table(
        "image_favorites",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=False),
        sa.Column("favorited_at", TS, nullable=False),
        _image_fk("image_favorites", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_favorites")),
        sa.UniqueConstraint(
            "user_id", "image_id", name=op.f("uq_image_favorites_user_id_image_id")
        ),
    )

    op.create_table(
        "image_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=False),
        sa.Column("cached", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", TS, nullable=False),
        _image_fk("image_deliveries", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_deliveries")),
        sa.UniqueConstraint(
            "user_id", "image_id", name=op.f("uq_image_deliveries_user_id_image_id")
        ),
    )
    op.create_index(
        "ix_image_deliveries_user_id_delivered_at", "image_deliveries", ["user_id", "delivered_at"]
    )

    op.create_table(
        "cache_entries",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("image_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cache_entries")),
    )
    op.create_index("ix_cache_entries_expires_at", "cache_entries", ["expires_at"])

    op.create_table(
        "cache_locks",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cache_locks")),
    )


def downgrade() -> None:
    op.drop_table("cache_locks")
    op.drop_index("ix_cache_entries_expires_at", table_name="cache_entries")
    op.drop_table("cache_entries")
    op.drop_index("ix_image_deliveries_user_id_delivered_at", table_name="image_deliveries")
    op.drop_table("image_deliveries")
    op.drop_table("image_favorites")
    op.drop_index("ix_image_download_events_image_id", table_name="image_download_events")
    op.drop_table("image_download_events")
    op.drop_index("ix_image_share_events_image_id_shared_at", table_name="image_share_events")
    op.drop_table("image_share_events")
    op.drop_index("ix_image_generation_stats_generated_at", table_name="image_generation_stats")
    op.drop_table("image_generation_stats")
    op.drop_index("ix_generated_images_user_id_created_at", table_name="generated_images")
    op.drop_index("ix_generated_images_created_at", table_name="generated_images")
    op.drop_index("ix_generated_images_cache_key", table_name="generated_images")
    op.drop_table("generated_images")
