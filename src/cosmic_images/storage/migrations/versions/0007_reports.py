"""reports and analytics: daily ledger rollups, view events, budget alerts, event indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

The rollups of entries written before this revision are made by ``cosmic-images cleanup``
(or ``CosmicImages.repository.rebuild_rollups()``): days follow the business time zone, which
a migration does not know.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.Column("quality", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cost_units", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("possibly_billed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cost_unknown", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint(
            "day",
            "category",
            "provider",
            "model",
            "quality",
            "outcome",
            name=op.f("pk_ledger_daily"),
        ),
    )
    op.create_table(
        "budget_alerts",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent", sa.Numeric(precision=16, scale=8), nullable=False),
        sa.PrimaryKeyConstraint("period", "kind", name=op.f("pk_budget_alerts")),
    )
    op.create_table(
        "image_view_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["generated_images.id"],
            name=op.f("fk_image_view_events_image_id_generated_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_view_events")),
    )
    op.create_index("ix_image_view_events_image_id", "image_view_events", ["image_id"])
    op.create_index("ix_image_view_events_viewed_at", "image_view_events", ["viewed_at"])
    op.create_index("ix_image_share_events_shared_at", "image_share_events", ["shared_at"])
    op.create_index(
        "ix_image_download_events_downloaded_at", "image_download_events", ["downloaded_at"]
    )
    op.create_index("ix_image_favorites_image_id", "image_favorites", ["image_id"])


def downgrade() -> None:
    op.drop_index("ix_image_favorites_image_id", table_name="image_favorites")
    op.drop_index("ix_image_download_events_downloaded_at", table_name="image_download_events")
    op.drop_index("ix_image_share_events_shared_at", table_name="image_share_events")
    op.drop_table("image_view_events")
    op.drop_table("budget_alerts")
    op.drop_table("ledger_daily")
