"""weekly-limit reservations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quota_reservations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_reservations")),
    )
    op.create_index(
        "ix_quota_reservations_user_id_created_at",
        "quota_reservations",
        ["user_id", "created_at"],
    )
    op.create_index(
        "ix_quota_reservations_status_expires_at",
        "quota_reservations",
        ["status", "expires_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_quota_reservations_status_expires_at", table_name="quota_reservations")
    op.drop_index("ix_quota_reservations_user_id_created_at", table_name="quota_reservations")
    op.drop_table("quota_reservations")
