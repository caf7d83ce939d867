"""a hotlist notice raised again while open counts the repeat instead of adding another notice

Revision ID: 0020_hotlist_notice_repeats
Revises: 0019_drop_unused_lockout_columns
Create Date: 2026-11-30 23:10:00

An hourly refresh of a list whose source is down left a "refresh failed" notice every hour (and a
"stale" one every hour once the list was older than its age).
``repeats`` counts how often an open notice was raised (1 for every notice already stored) and
``last_seen_at`` when it was raised last.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plateguard.database

revision = "0020_hotlist_notice_repeats"
down_revision = "0019_drop_unused_lockout_columns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hotlist_notice") as batch:
        batch.add_column(sa.Column("repeats", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("last_seen_at", plateguard.database.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("hotlist_notice") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("repeats")
