"""fair use: request windows per user, blocked users, and counts of limits that bit

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_windows",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_request_windows")),
    )
    op.create_table(
        "blocked_users",
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("blocked_by", sa.Text(), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_blocked_users")),
    )
    op.create_table(
        "limit_events",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tier", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "tier", "kind", name=op.f("pk_limit_events")),
    )


def downgrade() -> None:
    op.drop_table("limit_events")
    op.drop_table("blocked_users")
    op.drop_table("request_windows")
