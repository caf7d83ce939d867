"""camera groups and address points

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plateguard.database

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_name", sa.String(length=60), server_default="", nullable=False))
    op.create_table(
        "address_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("address_key", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("created_at", plateguard.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_point")),
        sa.UniqueConstraint("address_key", name=op.f("uq_address_point_address_key")),
    )


def downgrade() -> None:
    op.drop_table("address_point")
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_column("group_name")
