"""each user's shift, for the audit rule on searches outside it

Revision ID: 0015_user_shifts
Revises: 0014_audits
Create Date: 2026-11-29 13:10:00

``shift_start`` and ``shift_end`` are times of day in the agency's zone (a shift may run past midnight);
``shift_weekdays`` holds the ISO weekday numbers worked ("12345"), empty for every day.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_user_shifts"
down_revision = "0014_audits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("shift_start", sa.Time(), nullable=True))
        batch.add_column(sa.Column("shift_end", sa.Time(), nullable=True))
        batch.add_column(sa.Column("shift_weekdays", sa.String(7), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("shift_weekdays")
        batch.drop_column("shift_end")
        batch.drop_column("shift_start")
