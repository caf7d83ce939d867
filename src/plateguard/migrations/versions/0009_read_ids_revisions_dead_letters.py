"""read ids unique across the store, plate revisions, unmapped regions, ingest dead letters

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 09:00:00

``plate_read_id`` holds every stored read id once (PostgreSQL's partitioned ``plate_read`` cannot have
a unique index on the id alone) and is filled from the reads already stored; where PostgreSQL already
holds one id more than once (re-sends with another capture time before this revision), the first
received is recorded and the copies are left in place for an administrator to review.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plateguard.database

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = plateguard.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("plate_read", sa.Column("region_unmapped", sa.String(length=32), nullable=True))
    op.create_table(
        "plate_read_id",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("captured_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_plate_read_id_camera_id_camera")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plate_read_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "INSERT INTO plate_read_id (id, camera_id, captured_at) "
            "SELECT DISTINCT ON (id) id, camera_id, captured_at FROM plate_read ORDER BY id, received_at"
        )
    else:
        op.execute(
            "INSERT INTO plate_read_id (id, camera_id, captured_at) SELECT id, camera_id, captured_at FROM plate_read"
        )
    op.create_table(
        "plate_read_revision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("read_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", UTC, nullable=False),
        sa.Column("plate_before", sa.String(length=16), nullable=False),
        sa.Column("confidence_before", sa.Float(), nullable=False),
        sa.Column("plate_after", sa.String(length=16), nullable=False),
        sa.Column("confidence_after", sa.Float(), nullable=False),
        sa.Column("had_alert", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plate_read_revision")),
    )
    op.create_index(op.f("ix_plate_read_revision_read_id"), "plate_read_revision", ["read_id"])
    op.create_table(
        "ingest_dead_letter",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=256), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", UTC, nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_dead_letter")),
    )
    op.create_index(op.f("ix_ingest_dead_letter_status"), "ingest_dead_letter", ["status"])


def downgrade() -> None:
    op.drop_table("ingest_dead_letter")
    op.drop_table("plate_read_revision")
    op.drop_table("plate_read_id")
    with op.batch_alter_table("plate_read", schema=None) as batch_op:
        batch_op.drop_column("region_unmapped")
