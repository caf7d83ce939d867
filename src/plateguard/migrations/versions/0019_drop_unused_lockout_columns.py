"""drop the user columns that the sign-in back-off no longer reads

Revision ID: 0019_drop_unused_lockout_columns
Revises: 0018_access_log_anchor
Create Date: 2026-11-30 16:30:00

Since migration 0011 the back-off is counted from ``sign_in_failure`` rows. ``failed_logins``,
``lockouts`` and ``locked_until`` on ``user_account`` were still written but never read, so an
Administrator who reactivated an account or reset a password "cleared the lockout" in columns that
locked nobody out. They go; the downgrade brings them back empty (0 and NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plateguard.database

revision = "0019_drop_unused_lockout_columns"
down_revision = "0018_access_log_anchor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("lockouts")
        batch.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("lockouts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("locked_until", plateguard.database.UTCDateTime(timezone=True), nullable=True)
        )
