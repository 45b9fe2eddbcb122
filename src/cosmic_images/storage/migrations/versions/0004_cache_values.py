"""cache values hold a shared failure as well as an image id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A failed generation is remembered for its key (a content rejection, a Retry-After) as a
    # short JSON document: wider than the 64 characters of an image id.
    with op.batch_alter_table("cache_entries") as batch:
        batch.alter_column(
            "image_id", existing_type=sa.String(length=64), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cache_entries") as batch:
        batch.alter_column(
            "image_id", existing_type=sa.Text(), type_=sa.String(length=64), existing_nullable=False
        )
