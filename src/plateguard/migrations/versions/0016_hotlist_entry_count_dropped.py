"""a list's entry count is counted, not kept by hand

Revision ID: 0016_entry_count
Revises: 0015_user_shifts
Create Date: 2026-11-29 13:40:00

``hotlist.entry_count`` was a second copy of what ``hotlist_entry`` holds, kept up to date by hand in three
places; the hotlist service now counts the live entries when a page or the shrink guard needs the number.
Dropped with ``ALTER TABLE ... DROP COLUMN`` (SQLite 3.35 and PostgreSQL alike): a batch rebuild of the
table would drop and recreate ``hotlist``, which the entries, grants and notices refer to.
"""

from __future__ import annotations

from alembic import op

revision = "0016_entry_count"
down_revision = "0015_user_shifts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE hotlist DROP COLUMN entry_count")


def downgrade() -> None:
    op.execute("ALTER TABLE hotlist ADD COLUMN entry_count INTEGER NOT NULL DEFAULT 0")
    op.execute(
        "UPDATE hotlist SET entry_count = (SELECT count(*) FROM hotlist_entry"
        " WHERE hotlist_entry.hotlist_id = hotlist.id AND hotlist_entry.ended_at IS NULL)"
    )
