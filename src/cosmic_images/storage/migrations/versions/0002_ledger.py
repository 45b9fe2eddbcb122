"""the cost ledger, and money with eight decimals

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_MONEY = sa.Numeric(precision=12, scale=6)
MONEY = sa.Numeric(precision=16, scale=8)
MONEY_COLUMNS = (("generated_images", "cost"), ("image_generation_stats", "cost"))


def upgrade() -> None:
    for table, column in MONEY_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=MONEY, existing_type=OLD_MONEY, existing_nullable=False
            )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.Column("quality", sa.String(length=20), nullable=True),
        sa.Column("size", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("cost", MONEY, nullable=False),
        sa.Column("possibly_billed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=True),
        sa.Column(
            "usage",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["generated_images.id"],
            name=op.f("fk_ledger_entries_image_id_generated_images"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index("ix_ledger_entries_recorded_at", "ledger_entries", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_recorded_at", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    for table, column in MONEY_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=OLD_MONEY, existing_type=MONEY, existing_nullable=False
            )
