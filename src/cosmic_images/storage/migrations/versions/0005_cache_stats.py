"""cache statistics: hits, misses and single-flight waits per day, category and tier

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cache_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("tier", sa.String(length=50), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("misses", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("waits", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "category", "tier", name=op.f("pk_cache_stats")),
    )


def downgrade() -> None:
    op.drop_table("cache_stats")
